-- Current returns (one per enterprise and period) with the flags and measures the KPIs count:
-- the filters and measures of the KPI table (vars.kpis in dbt_project.yml) name these
-- columns, and fct_enterprise_returns carries them under the same names for the dashboard.

-- A table, built by partition: the KPI counts, the fact mart and the action lists all read
-- it, and as a view its previous-period join ran over every return for each of them (0.4 s a
-- read at province scale). A partition's is_new_union reads the town's previous period,
-- whose changes int_partitions_to_rebuild carries over to the later periods of the town.
-- depends_on: {{ ref('int_partitions_to_rebuild') }}
{{ config(
    materialized='incremental',
    incremental_strategy=partition_strategy(),
    partition_by=partition_column(),
    pre_hook="{{ drop_partitions_to_rebuild() }}",
    on_schema_change='fail',
) }}

with

current_returns as (

    select * from {{ ref('int_enterprise_returns__ranked') }}

    where
        is_current
        {% if is_incremental() %}
            and {{ in_partitions_to_rebuild() }}
        {% endif %}

),

returns_of_earlier_periods as (

    select * from {{ ref('int_enterprise_returns__ranked') }}

    where is_current

),

ownership_codes as (

    select * from {{ ref('ownership_codes') }}

),

region_hierarchy as (

    select * from {{ ref('int_region_hierarchy') }}

),

town_periods as (

    select * from {{ ref('int_town_periods') }}

),

previous_returns as (

    -- each current return again, under the period that follows it in its town
    select
        returns_of_earlier_periods.uscc,
        returns_of_earlier_periods.region_code,
        town_periods.period,
        returns_of_earlier_periods.union_form

    from returns_of_earlier_periods

    inner join town_periods
        on
            returns_of_earlier_periods.region_code = town_periods.region_code
            and returns_of_earlier_periods.period = town_periods.previous_period

),

flagged as (

    select
        current_returns.*,
        region_hierarchy.district_code,
        -- 非公 is every known ownership that is not 国有/集体; unknown ownership (empty, not
        -- recognised, no column) is in neither group: null, so neither 职代会 rate counts it
        case
            when current_returns.ownership is not null
                then coalesce(ownership_codes.ownership_group, 'nonpublic')
        end as ownership_group,
        {{ has_union('current_returns.union_form') }} as has_union,
        {{ in_force(
            'current_returns.cba_signed_on',
            'current_returns.cba_expires_on',
            'current_returns.period_end'
        ) }} as cba_in_force,
        {{ in_force(
            'current_returns.wage_signed_on',
            'current_returns.wage_expires_on',
            'current_returns.period_end'
        ) }} as wage_in_force,
        -- a union formed since the town's previous period: no union in the enterprise's return
        -- then; an enterprise that did not return then (a first report) is not counted
        {{ has_union('current_returns.union_form') }}
        and coalesce(previous_returns.union_form = 'none', false) as is_new_union

    from current_returns

    left join ownership_codes
        on current_returns.ownership = ownership_codes.ownership

    left join region_hierarchy
        on current_returns.region_code = region_hierarchy.region_code

    left join previous_returns
        on
            current_returns.uscc = previous_returns.uscc
            and current_returns.region_code = previous_returns.region_code
            and current_returns.period = previous_returns.period

),

final as (

    select
        uscc,
        enterprise_name,
        region_code,
        district_code,
        period,
        period_end,
        ownership,
        ownership_group,
        industry_code,
        employees,
        employees >= 25 as employees_25plus,
        female_employees,
        migrant_employees,
        union_form,
        has_union,
        members,
        female_members,
        migrant_members,
        members_registered,
        cba_signed_on,
        cba_expires_on,
        cba_covered,
        cba_in_force,
        -- covered employees of a contract in force, never more than the enterprise employs
        case
            when cba_in_force then least(coalesce(cba_covered, 0), employees) else 0
        end as cba_covered_employees,
        female_cba,
        wage_signed_on,
        wage_expires_on,
        wage_rounds,
        wage_rise_pct,
        wage_in_force,
        case when wage_in_force then employees else 0 end as wage_covered_employees,
        workers_congress,
        open_affairs,
        union_legal_person,
        is_new_union,
        unknown_fields,
        source_file,
        sheet,
        source_row,
        file_mtime,
        load_id

    from flagged

)

select * from final
