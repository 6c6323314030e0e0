-- Per town and period: the numerator and denominator of every KPI of the KPI table (vars.kpis
-- in dbt_project.yml) as counts, <kpi>__numerator and <kpi>__denominator, so that districts
-- and the city can sum them (rates are never averaged), over the enterprises that report the
-- KPI (every input known); <kpi>__reported counts those, <kpi>__in_scope the enterprises in
-- the KPI's scope whether they report it or not. Each KPI counts the rows of its
-- population:
--   returns           this period's current returns of the town
--   previous_returns  the current returns of the town's previous period (int_town_periods),
--                     returned_again when the same enterprise returned this period, in the
--                     town or, having moved, in another town of the city

-- A table, not a view: several models and tests read it, and a view would recompute it
-- for each of them (at province scale, millions of rows each time). Incremental: only the
-- partitions to rebuild are counted again; a town's previous period is read whole.
-- depends_on: {{ ref('int_partitions_to_rebuild') }}
{{ config(
    materialized='incremental',
    incremental_strategy=partition_strategy(),
    partition_by=partition_column(),
    pre_hook="{{ drop_partitions_to_rebuild() }}",
    on_schema_change='fail',
) }}

{%- set kpis = var('kpis') %}
{%- set populations = kpis | map(attribute='population') | unique | list %}

with

town_periods as (

    select * from {{ ref('int_town_periods') }}

    {% if is_incremental() %}
        where {{ in_partitions_to_rebuild() }}
    {% endif %}

),

returns as (

    select * from {{ ref('int_enterprise_flags') }}

    {% if is_incremental() %}
        where {{ in_partitions_to_rebuild() }}
    {% endif %}

),

-- Every period's returns, for a town's previous period and for where its enterprises went:
-- two narrow reads of the table, not one CTE read twice, which DuckDB would first copy whole
-- (every column of every return: 6.2 M rows at scale 3) to join a few hundred of them.
returns_in_their_town as (

    select
        uscc,
        region_code,
        period

    from {{ ref('int_enterprise_flags') }}

),

returns_in_any_town as (

    select
        uscc,
        period

    from {{ ref('int_enterprise_flags') }}

),

previous_returns as (

    -- counted in the period after theirs, with the flags their KPIs filter on
    select
        town_periods.region_code,
        town_periods.period,
        previous_returns.uscc,
        this_returns.uscc is not null as returned_again

    from town_periods

    inner join returns_in_their_town as previous_returns
        on
            town_periods.region_code = previous_returns.region_code
            and town_periods.previous_period = previous_returns.period

    left join returns_in_any_town as this_returns
        on
            previous_returns.uscc = this_returns.uscc
            and town_periods.period = this_returns.period

),

{% for population in populations %}

    {{ population }}_counts as (

        select
            {%- for kpi in kpis if kpi.population == population %}
                {%- set reported = kpi_reported(kpi) %}
                {{ kpi_count(kpi.numerator, reported) }} as {{ kpi.code }}__numerator,
                {%- if kpi.get('denominator') %}
                    {{ kpi_count(kpi.denominator, reported) }} as {{ kpi.code }}__denominator,
                {%- endif %}
                {{ kpi_coverage(kpi) }},
            {%- endfor %}
            region_code,
            period

        from {{ population }}

        group by region_code, period

    ),

{% endfor %}

final as (

    select
        town_periods.region_code,
        town_periods.period,
        {%- for kpi in kpis %}
            coalesce({{ kpi.population }}_counts.{{ kpi.code }}__numerator, 0)
                as {{ kpi.code }}__numerator,
            {%- if kpi.get('denominator') %}
                coalesce({{ kpi.population }}_counts.{{ kpi.code }}__denominator, 0)
                    as {{ kpi.code }}__denominator,
            {%- endif %}
            coalesce({{ kpi.population }}_counts.{{ kpi.code }}__reported, 0)
                as {{ kpi.code }}__reported,
            coalesce({{ kpi.population }}_counts.{{ kpi.code }}__in_scope, 0)
                as {{ kpi.code }}__in_scope,
        {%- endfor %}
        -- 1 when the town has an earlier period to compare with (needs_previous_period KPIs)
        cast(case when town_periods.previous_period is null then 0 else 1 end as bigint)
            as towns_with_previous_period,
        town_periods.previous_period

    from town_periods

    {% for population in populations %}
        left join {{ population }}_counts
            on
                town_periods.region_code = {{ population }}_counts.region_code
                and town_periods.period = {{ population }}_counts.period
    {% endfor %}

)

select * from final
