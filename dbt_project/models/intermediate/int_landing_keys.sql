-- The enterprise-periods of every landing row (current and archived) and their town: the
-- keys int_partitions_to_rebuild widens the pending partitions with. A table: it reads the
-- landing Parquet once, and the joins of int_partitions_to_rebuild then run on a table with
-- statistics (over a Parquet scan DuckDB chose a plan 30x slower).

{{ config(materialized='table') }}

select distinct
    uscc,
    region_code,
    period

from {{ ref('stg_landing__enterprise_returns') }}
