-- Lists of enterprises that need action, per period:
--   no_union           ≥25 employees and no union (未建会企业清单)
--   cba_expiring       collective contract expiring within 90 days of period end, or expired
--   wage_expiring      wage agreement likewise (到期预警)
--   stopped_reporting  returned in the town's previous period but not in this one
-- Incremental: only the partitions to rebuild are listed again; a town's previous period is
-- read whole.

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

enterprises_to_list as (

    select * from enterprises

    {% if is_incremental() %}
        where {{ in_partitions_to_rebuild() }}
    {% endif %}

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
        cast(null as date) as due_date,
        cast(null as integer) as days_left,
        source_file,
        sheet,
        source_row

    from enterprises_to_list

    where employees >= 25 and union_form = 'none'

),

cba_expiring as (

    select
        period,
        'cba_expiring' as action_type,
        case
            when cba_expires_on < period_end then '集体合同已到期'
            else '集体合同即将到期(90天内)'
        end as action_zh,
        uscc,
        enterprise_name,
        region_code,
        employees,
        cba_expires_on as due_date,
        cast({{ dbt.datediff('period_end', 'cba_expires_on', 'day') }} as integer) as days_left,
        source_file,
        sheet,
        source_row

    from enterprises_to_list

    where
        cba_expires_on is not null
        and coalesce(cba_signed_on <= period_end, true)
        and cba_expires_on <= {{ dbt.dateadd('day', 90, 'period_end') }}

),

wage_expiring as (

    select
        period,
        'wage_expiring' as action_type,
        case
            when wage_expires_on < period_end then '工资专项集体合同已到期'
            else '工资专项集体合同即将到期(90天内)'
        end as action_zh,
        uscc,
        enterprise_name,
        region_code,
        employees,
        wage_expires_on as due_date,
        cast({{ dbt.datediff('period_end', 'wage_expires_on', 'day') }} as integer) as days_left,
        source_file,
        sheet,
        source_row

    from enterprises_to_list

    where
        wage_expires_on is not null
        and coalesce(wage_signed_on <= period_end, true)
        and wage_expires_on <= {{ dbt.dateadd('day', 90, 'period_end') }}

),

stopped_reporting as (

    -- the previous period's row describes the enterprise that went missing
    select
        town_periods.period,
        'stopped_reporting' as action_type,
        '上期报送本期未报送' as action_zh,
        previous_returns.uscc,
        previous_returns.enterprise_name,
        previous_returns.region_code,
        previous_returns.employees,
        cast(null as date) as due_date,
        cast(null as integer) as days_left,
        previous_returns.source_file,
        previous_returns.sheet,
        previous_returns.source_row

    from town_periods

    inner join enterprises as previous_returns
        on
            town_periods.region_code = previous_returns.region_code
            and town_periods.previous_period = previous_returns.period

    left join enterprises as this_returns
        on
            previous_returns.region_code = this_returns.region_code
            and previous_returns.uscc = this_returns.uscc
            and town_periods.period = this_returns.period

    where this_returns.uscc is null

),

actions as (

    select * from no_union
    union all
    select * from cba_expiring
    union all
    select * from wage_expiring
    union all
    select * from stopped_reporting

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
        actions.due_date,
        actions.days_left,
        actions.source_file,
        actions.sheet,
        actions.source_row

    from actions

    left join region_hierarchy
        on actions.region_code = region_hierarchy.region_code

)

select * from final
