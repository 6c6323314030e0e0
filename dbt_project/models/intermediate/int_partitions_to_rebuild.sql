-- The partitions (town, period) that the incremental models rebuild in this run: those whose
-- landing rows differ from the rows the last build ranked, widened to every partition that
-- holds one of their enterprise-periods (a correction can move an enterprise to another town,
-- which makes its old row there no longer current) and to the later periods of those towns
-- (报送率 and 停报 compare a period with the town's previous one). On a first or full build
-- nothing was built before, so every partition is listed.
--
-- pipelines/defs/dbt_models.py sets GONGHUI_INCREMENTAL_BUILD only when the last build
-- finished (pipelines/build_state.py), so the built tables agree with one another. (An
-- environment variable, not a dbt var: a var passed on the command line would make dbt
-- parse the whole project again on every build.)

{{ config(materialized='table') }}

with

landing_rows as (

    select * from {{ ref('stg_landing__enterprise_returns') }}

),

built_rows as (

    {% if env_var('GONGHUI_INCREMENTAL_BUILD', 'false') == 'true' %}
        select * from {{ this.schema }}.int_enterprise_returns__ranked
    {% else %}
        select * from landing_rows
        where false
    {% endif %}

),

landing_digests as (

    select
        region_code,
        period,
        count(*) as row_count,
        {{ lineage_digest() }} as digest

    from landing_rows

    group by region_code, period

),

built_digests as (

    select
        region_code,
        period,
        count(*) as row_count,
        {{ lineage_digest() }} as digest

    from built_rows

    group by region_code, period

),

changed as (

    select
        coalesce(landing_digests.region_code, built_digests.region_code) as region_code,
        coalesce(landing_digests.period, built_digests.period) as period

    from landing_digests

    full outer join built_digests
        on
            landing_digests.region_code = built_digests.region_code
            and landing_digests.period = built_digests.period

    where
        landing_digests.row_count is distinct from built_digests.row_count
        or landing_digests.digest is distinct from built_digests.digest

),

-- the enterprise-periods a changed partition holds now or held at the last build
changed_enterprise_periods as (

    select
        landing_rows.uscc,
        landing_rows.period

    from landing_rows

    inner join changed
        on
            landing_rows.region_code = changed.region_code
            and landing_rows.period = changed.period

    union

    select
        built_rows.uscc,
        built_rows.period

    from built_rows

    inner join changed
        on
            built_rows.region_code = changed.region_code
            and built_rows.period = changed.period

),

-- A built partition that holds one of them either still has those rows in landing (replaced
-- and removed files are archived there, under their old town) or has changed itself.
holding_changed_enterprises as (

    select
        landing_rows.region_code,
        landing_rows.period

    from landing_rows

    inner join changed_enterprise_periods
        on
            landing_rows.uscc = changed_enterprise_periods.uscc
            and landing_rows.period = changed_enterprise_periods.period

    union

    select
        region_code,
        period

    from changed

),

later_periods as (

    select distinct
        landing_rows.region_code,
        landing_rows.period

    from landing_rows

    inner join holding_changed_enterprises
        on
            landing_rows.region_code = holding_changed_enterprises.region_code
            and landing_rows.period > holding_changed_enterprises.period

),

final as (

    select
        region_code,
        period

    from holding_changed_enterprises

    union

    select
        region_code,
        period

    from later_periods

)

select * from final
