-- Every accepted row. A later file with the same enterprise and period is a correction (更正):
-- the latest file modification time wins, ties broken by the larger file name. Rows of
-- replaced or removed files (archived) are history only, never current.

-- A table, not a view: several models and tests read it, and a view would recompute it
-- for each of them (at province scale, millions of rows each time). Incremental: only the
-- partitions to rebuild are ranked again, and they hold every row of their enterprise-periods.
-- depends_on: {{ ref('int_partitions_to_rebuild') }}
{{ config(
    materialized='incremental',
    incremental_strategy=partition_strategy(),
    partition_by=partition_column(),
    pre_hook="{{ drop_partitions_to_rebuild() }}",
    on_schema_change='fail',
) }}

with

enterprise_returns as (

    select * from {{ ref('stg_landing__enterprise_returns') }}

    {% if is_incremental() %}
        where {{ in_partitions_to_rebuild() }}
    {% endif %}

),

ranked as (

    select
        *,
        row_number() over (
            partition by uscc, period, archived_at is null
            order by file_mtime desc nulls last, source_file desc
        ) as version_rank

    from enterprise_returns

),

final as (

    select
        *,
        archived_at is null and version_rank = 1 as is_current

    from ranked

)

select * from final
