{#- The KPI table (vars.kpis in dbt_project.yml) rendered into SQL. -#}

{#- A KPI's numerator or denominator over the rows of its population, per group: the measure
    summed over the rows that report the KPI (`reported`, see kpi_reported) and that the
    filter keeps. The measure `enterprises` counts rows; any other measure is a column of the
    rows, an empty cell counting 0. -#}
{% macro kpi_count(count, reported) -%}
    {%- if count.measure == 'enterprises' -%}
        {%- set value = '1' -%}
    {%- else -%}
        {%- set value = 'coalesce(' ~ count.measure ~ ', 0)' -%}
    {%- endif -%}
    {%- set kept = ' and (' ~ count.filter ~ ')' if count.get('filter') else '' -%}
    {%- set condition = reported ~ kept -%}
    cast(sum(case when {{ condition }} then {{ value }} else 0 end) as bigint)
{%- endmacro %}

{#- The condition on a row of a KPI's population that the row is in the KPI's scope (its
    denominator's filter; every row when there is none). Null when the row might be: a
    filter on an unknown field (ownership) is unknown. -#}
{% macro kpi_scope(kpi) -%}
    ({{ (kpi.get('denominator') or {}).get('filter') or 'true' }})
{%- endmacro %}

{#- The condition that a row reports the KPI: in its scope, and every input field of the
    KPI known (not listed in the row's unknown_fields). -#}
{% macro kpi_reported(kpi) -%}
    {{ kpi_scope(kpi) }}
    {%- for field in kpi.get('inputs', []) %}
        and coalesce(',' || unknown_fields || ',', '') not like '%,{{ field }},%'
    {%- endfor %}
{%- endmacro %}

{#- Per group: the rows that report the KPI, and the rows in its scope or possibly in it. -#}
{% macro kpi_coverage(kpi) -%}
    cast(sum(case when {{ kpi_reported(kpi) }} then 1 else 0 end) as bigint)
        as {{ kpi.code }}__reported,
    cast(sum(case when coalesce({{ kpi_scope(kpi) }}, true) then 1 else 0 end) as bigint)
        as {{ kpi.code }}__in_scope
{%- endmacro %}

{#- A text of the KPI table as a string literal, or a null string when it is missing. -#}
{% macro kpi_text(value) -%}
    {%- if value is none -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
        '{{ dbt.escape_single_quotes(value) }}'
    {%- endif -%}
{%- endmacro %}
