-- One row per region, level, period and KPI: numerator, denominator, value, target and gap,
-- change on the same period last year, and rank among siblings. Which count is each KPI's
-- numerator and denominator lives in one table: the seed kpi_formulas.

with

kpi_counts as (

    select * from {{ ref('int_kpi_counts__rollup') }}

),

kpi_definitions as (

    select * from {{ ref('kpi_definitions') }}

),

region_ancestors as (

    select * from {{ ref('int_region_ancestors') }}

),

targets as (

    select * from {{ ref('stg_reference__targets') }}

),

kpi_formulas as (

    select * from {{ ref('kpi_formulas') }}

),

counts_long as (

    -- one row per region, period and count (count_name = the counts' column name)
    unpivot kpi_counts
    on columns(* exclude (region_code, region_name, region_level, parent_code, period))
    into name count_name value count_value

),

region_periods as (

    select distinct
        region_code,
        region_name,
        region_level,
        parent_code,
        period

    from kpi_counts

),

kpi_long as (

    select
        region_periods.region_code,
        region_periods.region_name,
        region_periods.region_level,
        region_periods.parent_code,
        region_periods.period,
        kpi_formulas.kpi,
        cast(numerators.count_value as double) as numerator,
        cast(denominators.count_value as double) as denominator

    from region_periods

    cross join kpi_formulas

    left join counts_long as numerators
        on
            region_periods.region_code = numerators.region_code
            and region_periods.period = numerators.period
            and kpi_formulas.numerator_count = numerators.count_name

    left join counts_long as denominators
        on
            region_periods.region_code = denominators.region_code
            and region_periods.period = denominators.period
            and kpi_formulas.denominator_count = denominators.count_name

),

valued as (

    select
        kpi_long.*,
        kpi_definitions.name_zh as kpi_name_zh,
        case
            -- a count KPI (persons, rounds) has no denominator: its value is the count
            when kpi_formulas.denominator_count is null then kpi_long.numerator
            when kpi_long.denominator > 0
                then 100.0 * kpi_long.numerator / kpi_long.denominator
        end as value

    from kpi_long

    inner join kpi_formulas
        on kpi_long.kpi = kpi_formulas.kpi

    left join kpi_definitions
        on kpi_long.kpi = kpi_definitions.kpi

),

nearest_targets as (

    -- the region's own target, else its district's, else its city's
    select
        valued.region_code,
        valued.period,
        valued.kpi,
        targets.target

    from valued

    inner join region_ancestors
        on valued.region_code = region_ancestors.region_code

    inner join targets
        on
            region_ancestors.ancestor_code = targets.region_code
            and valued.kpi = targets.kpi
            and cast(left(valued.period, 4) as integer) = targets.year

    qualify row_number() over (
        partition by valued.region_code, valued.period, valued.kpi
        order by region_ancestors.distance
    ) = 1

),

compared as (

    select
        valued.*,
        nearest_targets.target,
        valued.value - nearest_targets.target as gap,
        last_year.value as value_last_year,
        valued.value - last_year.value as yoy_change

    from valued

    left join nearest_targets
        on
            valued.region_code = nearest_targets.region_code
            and valued.period = nearest_targets.period
            and valued.kpi = nearest_targets.kpi

    left join valued as last_year
        on
            valued.region_code = last_year.region_code
            and valued.kpi = last_year.kpi
            and {{ shift_period('valued.period', -12) }} = last_year.period

),

final as (

    select
        region_code,
        region_name,
        region_level,
        parent_code,
        period,
        kpi,
        kpi_name_zh,
        numerator,
        denominator,
        value,
        target,
        gap,
        value_last_year,
        yoy_change,
        case
            when value is not null
                then rank() over (
                    partition by region_level, parent_code, period, kpi
                    order by value desc nulls last
                )
        end as rank_in_parent

    from compared

)

select * from final
