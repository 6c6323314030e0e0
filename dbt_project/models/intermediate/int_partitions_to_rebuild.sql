-- The partitions (town, period) the incremental models rebuild in this run: those touched by
-- the loads not yet published (landing.pending_partitions, written by the ingestion; a full
-- reload lists every partition), widened to every partition that holds one of their
-- enterprise-periods (a correction can move an enterprise to another town, which makes its
-- old row there no longer current), to the same period of the towns where those enterprises
-- returned before (an enterprise that moved: its old town's 报送率 and 停报/迁出 lists depend
-- on where it returns now), and to the later periods of those towns (报送率, 新建工会数 and
-- 停报 compare a period with the town's previous one). The rows of replaced and removed
-- files stay in landing as history, so the enterprise-periods a partition held before the
-- change are still seen here. The publish copies exactly these partitions into the snapshot.

{{ config(materialized='table') }}

with

pending_partitions as (

    select distinct
        region_code,
        period

    from {{ source('landing', 'pending_partitions') }}

),

landing_rows as (

    select
        uscc,
        region_code,
        period

    from {{ ref('int_landing_keys') }}

),

pending_enterprise_periods as (

    select distinct
        landing_rows.uscc,
        landing_rows.period

    from landing_rows

    inner join pending_partitions
        on
            landing_rows.region_code = pending_partitions.region_code
            and landing_rows.period = pending_partitions.period

),

town_periods_with_rows as (

    select distinct
        region_code,
        period

    from landing_rows

),

earlier_towns_of_pending_enterprises as (

    select distinct
        town_periods_with_rows.region_code,
        town_periods_with_rows.period

    from pending_enterprise_periods

    inner join landing_rows as earlier_rows
        on
            pending_enterprise_periods.uscc = earlier_rows.uscc
            and pending_enterprise_periods.period > earlier_rows.period

    inner join town_periods_with_rows
        on
            earlier_rows.region_code = town_periods_with_rows.region_code
            and pending_enterprise_periods.period = town_periods_with_rows.period

),

holding_pending_enterprises as (

    select
        landing_rows.region_code,
        landing_rows.period

    from landing_rows

    inner join pending_enterprise_periods
        on
            landing_rows.uscc = pending_enterprise_periods.uscc
            and landing_rows.period = pending_enterprise_periods.period

    union

    select
        region_code,
        period

    from pending_partitions

),

later_periods as (

    select distinct
        landing_rows.region_code,
        landing_rows.period

    from landing_rows

    inner join holding_pending_enterprises
        on
            landing_rows.region_code = holding_pending_enterprises.region_code
            and landing_rows.period > holding_pending_enterprises.period

),

final as (

    select
        region_code,
        period

    from holding_pending_enterprises

    union

    select
        region_code,
        period

    from later_periods

    union

    select
        region_code,
        period

    from earlier_towns_of_pending_enterprises

)

select * from final
