-- The enterprise-periods of every landing row (current and archived) and their town: the
-- keys int_partitions_to_rebuild widens the pending partitions with. A table: the joins of
-- int_partitions_to_rebuild then run on a table with statistics (over a Parquet scan DuckDB
-- chose a plan 30x slower).

-- Incremental: a landing row never changes once written (a replaced file's rows move to the
-- archive as they were), so a build adds the keys of the loads not yet published instead of
-- reading the whole landing again (2.3 s of every build at 6 M returns). A full build
-- (--full-refresh) reads them all.
-- depends_on: {{ source('landing', 'pending_loads') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
) }}

with

landing_keys as (

    select distinct
        uscc,
        region_code,
        period

    from {{ ref('stg_landing__enterprise_returns') }}

    {% if is_incremental() %}
        where {{ in_pending_loads() }}
    {% endif %}

),

final as (

    select * from landing_keys

    {% if is_incremental() %}
        where not exists (
            select 1
            from {{ this }} as kept
            where
                kept.uscc = landing_keys.uscc
                and kept.region_code = landing_keys.region_code
                and kept.period = landing_keys.period
        )
    {% endif %}

)

select * from final
