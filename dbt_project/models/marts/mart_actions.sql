-- Lists of enterprises that need action, per period (expiring contracts: mart_contract_expiry):
--   no_union           ≥25 employees and no union (未建会企业清单)
--   stopped_reporting  returned in the town's previous period, and in no town this period
--   moved_out          returned in the town's previous period, and this period in another town
--                      (迁出: action_zh names the new town)
-- Incremental: only the partitions to rebuild are listed again; a town's previous period is
-- read whole.

-- depends_on: {{ ref('int_partitions_to_rebuild') }}
{{ config(
    materialized='incremental',
    incremental_strategy=partition_strategy(),
    partition_by=partition_column(),
    pre_hook="{{ drop_partitions_to_rebuild() }}",
    on_schema_change='fail',
) }}

with

enterprises_to_list as (

    select * from {{ ref('int_enterprise_flags') }}

    {% if is_incremental() %}
        where {{ in_partitions_to_rebuild() }}
    {% endif %}

),

-- the previous period's returns, and where each enterprise returned this period: a narrow
-- read per join, as in int_kpi_counts__town (a CTE read twice is copied whole by DuckDB)
previous_period_returns as (

    select
        uscc,
        enterprise_name,
        region_code,
        period,
        employees,
        source_file,
        sheet,
        source_row

    from {{ ref('int_enterprise_flags') }}

),

this_period_returns as (

    select
        uscc,
        region_code,
        period

    from {{ ref('int_enterprise_flags') }}

),

town_periods as (

    select * from {{ ref('int_town_periods') }}

    {% if is_incremental() %}
        where {{ in_partitions_to_rebuild() }}
    {% endif %}

),

region_hierarchy as (

    select * from {{ ref('int_region_hierarchy') }}

),

no_union as (

    select
        period,
        'no_union' as action_type,
        '职工25人以上未建会' as action_zh,
        uscc,
        enterprise_name,
        region_code,
        employees,
        source_file,
        sheet,
        source_row

    from enterprises_to_list

    where employees >= 25 and union_form = 'none'

),

previous_and_this_returns as (

    -- the previous period's row describes the enterprise; this period's, where it went
    select
        town_periods.period,
        previous_returns.uscc,
        previous_returns.enterprise_name,
        previous_returns.region_code,
        previous_returns.employees,
        previous_returns.source_file,
        previous_returns.sheet,
        previous_returns.source_row,
        this_returns.region_code as this_region_code

    from town_periods

    inner join previous_period_returns as previous_returns
        on
            town_periods.region_code = previous_returns.region_code
            and town_periods.previous_period = previous_returns.period

    left join this_period_returns as this_returns
        on
            previous_returns.uscc = this_returns.uscc
            and town_periods.period = this_returns.period

    where this_returns.region_code is distinct from previous_returns.region_code

),

stopped_or_moved as (

    select
        previous_and_this_returns.period,
        case
            when previous_and_this_returns.this_region_code is null then 'stopped_reporting'
            else 'moved_out'
        end as action_type,
        case
            when previous_and_this_returns.this_region_code is null then '上期报送本期未报送'
            else '已迁出，本期在' || coalesce(
                new_towns.region_name, previous_and_this_returns.this_region_code
            ) || '报送'
        end as action_zh,
        previous_and_this_returns.uscc,
        previous_and_this_returns.enterprise_name,
        previous_and_this_returns.region_code,
        previous_and_this_returns.employees,
        previous_and_this_returns.source_file,
        previous_and_this_returns.sheet,
        previous_and_this_returns.source_row

    from previous_and_this_returns

    left join region_hierarchy as new_towns
        on previous_and_this_returns.this_region_code = new_towns.region_code

),

actions as (

    select * from no_union
    union all
    select * from stopped_or_moved

),

final as (

    select
        actions.period,
        actions.action_type,
        actions.action_zh,
        actions.uscc,
        actions.enterprise_name,
        actions.region_code,
        region_hierarchy.region_name,
        region_hierarchy.district_code,
        region_hierarchy.district_name,
        actions.employees,
        actions.source_file,
        actions.sheet,
        actions.source_row

    from actions

    left join region_hierarchy
        on actions.region_code = region_hierarchy.region_code

)

select * from final
