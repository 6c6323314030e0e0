-- One row per KPI: the KPI table (vars.kpis in dbt_project.yml) as a relation, for the
-- dashboard, the exports and the tests that read KPI definitions with SQL.

{%- set kpis = var('kpis') %}

with

kpis as (

    {% for kpi in kpis %}
        {%- set denominator = kpi.get('denominator') or {} %}
        select
            {{ kpi_text(kpi.code) }} as kpi,
            {{ kpi_text(kpi.name_zh) }} as name_zh,
            {{ kpi_text(kpi.name_en) }} as name_en,
            {{ kpi_text(kpi.unit) }} as unit,
            {{ kpi.sort_order }} as sort_order,
            {{ kpi_text(kpi.population) }} as population,
            {{ kpi_text(kpi.numerator.measure) }} as numerator_measure,
            {{ kpi_text(kpi.numerator.get('filter')) }} as numerator_filter,
            {{ kpi_text(denominator.get('measure')) }} as denominator_measure,
            {{ kpi_text(denominator.get('filter')) }} as denominator_filter,
            {{ 'true' if kpi.bounded else 'false' }} as bounded,
            {{ kpi_text(kpi.numerator_zh) }} as numerator_zh,
            {{ kpi_text(kpi.get('denominator_zh')) }} as denominator_zh,
            {{ kpi_text(kpi.description) }} as description,
            {{ kpi_text(kpi.get('still_needed_zh')) }} as still_needed_zh,
            {{ kpi_text(
                '家' if kpi.numerator.measure == 'enterprises'
                else '次' if kpi.unit == 'rounds' else '人'
            ) }}
                as numerator_unit_zh,
            {{ kpi_text(kpi.get('inputs', []) | join(',')) }} as inputs
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        kpi,
        name_zh,
        name_en,
        unit,
        cast(sort_order as integer) as sort_order,
        population,
        numerator_measure,
        numerator_filter,
        denominator_measure,
        denominator_filter,
        bounded,
        numerator_zh,
        denominator_zh,
        description,
        still_needed_zh,
        numerator_unit_zh,
        inputs

    from kpis

)

select * from final
