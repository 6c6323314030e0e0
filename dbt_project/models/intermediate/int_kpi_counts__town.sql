-- Per town and period: every KPI numerator and denominator as a count, so that districts
-- and the city can sum them (rates are never averaged). Missing optional counts count as 0.
-- Numerators over "enterprises with a union" only count unionised enterprises, so a
-- numerator never exceeds its denominator.

-- A table, not a view: several models and tests read it, and a view would recompute it
-- for each of them (at province scale, millions of rows each time). Incremental: only the
-- partitions to rebuild are counted again; a town's previous period is read whole.
-- depends_on: {{ ref('int_partitions_to_rebuild') }}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_partitions',
    on_schema_change='fail',
) }}

with

enterprises as (

    select * from {{ ref('int_enterprise_flags') }}

),

town_periods as (

    select * from {{ ref('int_town_periods') }}

    {% if is_incremental() %}
        where {{ in_partitions_to_rebuild() }}
    {% endif %}

),

enterprises_to_count as (

    select * from enterprises

    {% if is_incremental() %}
        where {{ in_partitions_to_rebuild() }}
    {% endif %}

),

coverage_counts as (

    select
        region_code,
        period,
        count(*) as enterprises,
        count(*) filter (where has_union) as unionised_enterprises,
        count(*) filter (where union_form = 'single') as single_union_enterprises,
        count(*) filter (where union_form = 'joint') as joint_union_enterprises,
        count(*) filter (where employees_25plus) as enterprises_25plus,
        count(*) filter (where employees_25plus and has_union) as unionised_enterprises_25plus,
        sum(employees) as employees,
        sum(coalesce(members, 0)) as members,
        sum(coalesce(female_employees, 0)) as female_employees,
        sum(coalesce(female_members, 0)) as female_members,
        sum(coalesce(migrant_employees, 0)) as migrant_employees,
        sum(coalesce(migrant_members, 0)) as migrant_members,
        sum(coalesce(members_registered, 0)) as members_registered,
        count(*) filter (where has_union and cba_in_force) as cba_enterprises,
        -- covered employees of contracts in force, never more than the enterprise employs
        sum(
            case when cba_in_force then least(coalesce(cba_covered, 0), employees) else 0 end
        ) as cba_covered_employees,
        count(*) filter (where has_union and female_cba) as female_cba_enterprises,
        count(*) filter (where has_union and wage_in_force) as wage_enterprises,
        sum(case when wage_in_force then employees else 0 end) as wage_covered_employees,
        sum(coalesce(wage_rounds, 0)) as wage_rounds,
        count(*) filter (
            where has_union and ownership_group = 'public'
        ) as public_unionised_enterprises,
        count(*) filter (
            where has_union and ownership_group = 'public' and workers_congress
        ) as public_congress_enterprises,
        count(*) filter (
            where has_union and ownership_group = 'nonpublic'
        ) as nonpublic_unionised_enterprises,
        count(*) filter (
            where has_union and ownership_group = 'nonpublic' and workers_congress
        ) as nonpublic_congress_enterprises,
        count(*) filter (where has_union and open_affairs) as open_affairs_enterprises,
        count(*) filter (where has_union and union_legal_person) as legal_person_enterprises

    from enterprises_to_count

    group by region_code, period

),

submission_counts as (

    select
        town_periods.region_code,
        town_periods.period,
        town_periods.previous_period,
        count(previous_returns.uscc) as submission_previous_enterprises,
        count(this_returns.uscc) as submission_returned_enterprises

    from town_periods

    left join enterprises as previous_returns
        on
            town_periods.region_code = previous_returns.region_code
            and town_periods.previous_period = previous_returns.period

    left join enterprises as this_returns
        on
            previous_returns.region_code = this_returns.region_code
            and previous_returns.uscc = this_returns.uscc
            and town_periods.period = this_returns.period

    group by town_periods.region_code, town_periods.period, town_periods.previous_period

),

final as (

    select
        coverage_counts.*,
        submission_counts.previous_period,
        submission_counts.submission_previous_enterprises,
        submission_counts.submission_returned_enterprises

    from coverage_counts

    inner join submission_counts
        on
            coverage_counts.region_code = submission_counts.region_code
            and coverage_counts.period = submission_counts.period

)

select * from final
