-- The same enterprise and period returned by two towns' files: the later file wins, as for
-- any correction (int_enterprise_returns__ranked), and both rows are listed here so that
-- neither town loses an enterprise without being told. One row per file row; is_current
-- marks the one the KPIs count.

with

ranked_returns as (

    select * from {{ ref('int_enterprise_returns__ranked') }}

    where archived_at is null

),

regions as (

    select * from {{ ref('dim_region') }}

),

-- Read narrow and on its own rather than from ranked_returns, which DuckDB would otherwise
-- first copy whole (every column) for its two readers; min/max rather than count(distinct):
-- the same test of "more than one town" (region_code is never NULL) without a second
-- grouping per key. At scale 3 the model's query went from 3.2 s to 1.3 s.
conflicting as (

    select
        uscc,
        period

    from {{ ref('int_enterprise_returns__ranked') }}

    where archived_at is null

    group by uscc, period

    having min(region_code) != max(region_code)

),

final as (

    select
        ranked_returns.uscc,
        ranked_returns.period,
        ranked_returns.enterprise_name,
        ranked_returns.region_code,
        regions.region_name,
        ranked_returns.is_current,
        ranked_returns.source_file,
        ranked_returns.sheet,
        ranked_returns.source_row,
        ranked_returns.file_mtime

    from ranked_returns

    inner join conflicting
        on
            ranked_returns.uscc = conflicting.uscc
            and ranked_returns.period = conflicting.period

    left join regions
        on ranked_returns.region_code = regions.region_code

)

select * from final
