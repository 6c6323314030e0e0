-- Every accepted return, superseded versions and rows of replaced or removed files
-- included (is_current = false).

-- Millions of rows at province scale: rebuilt by partition (macros/partitions.sql), and the
-- published snapshot copies only the partitions that changed (pipelines/publish.py).
-- depends_on: {{ ref('int_partitions_to_rebuild') }}
{{ config(
    materialized='incremental',
    incremental_strategy=partition_strategy(),
    partition_by=partition_column(),
    pre_hook="{{ drop_partitions_to_rebuild() }}",
    on_schema_change='fail',
) }}

with

ranked_returns as (

    select * from {{ ref('int_enterprise_returns__ranked') }}

    {% if is_incremental() %}
        where {{ in_partitions_to_rebuild() }}
    {% endif %}

),

region_hierarchy as (

    select * from {{ ref('int_region_hierarchy') }}

),

final as (

    select
        ranked_returns.uscc,
        ranked_returns.enterprise_name,
        ranked_returns.region_code,
        region_hierarchy.district_code,
        ranked_returns.period,
        ranked_returns.ownership,
        ranked_returns.industry_code,
        ranked_returns.employees,
        ranked_returns.female_employees,
        ranked_returns.migrant_employees,
        ranked_returns.union_form,
        {{ has_union('ranked_returns.union_form') }} as has_union,
        ranked_returns.members,
        ranked_returns.female_members,
        ranked_returns.migrant_members,
        ranked_returns.members_registered,
        ranked_returns.cba_signed_on,
        ranked_returns.cba_expires_on,
        ranked_returns.cba_covered,
        {{ in_force(
            'ranked_returns.cba_signed_on',
            'ranked_returns.cba_expires_on',
            'ranked_returns.period_end'
        ) }} as cba_in_force,
        ranked_returns.female_cba,
        ranked_returns.wage_signed_on,
        ranked_returns.wage_expires_on,
        ranked_returns.wage_rounds,
        ranked_returns.wage_rise_pct,
        {{ in_force(
            'ranked_returns.wage_signed_on',
            'ranked_returns.wage_expires_on',
            'ranked_returns.period_end'
        ) }} as wage_in_force,
        ranked_returns.workers_congress,
        ranked_returns.open_affairs,
        ranked_returns.union_legal_person,
        ranked_returns.is_current,
        ranked_returns.source_file,
        ranked_returns.sheet,
        ranked_returns.source_row,
        ranked_returns.file_mtime,
        ranked_returns.load_id,
        ranked_returns.archived_at,
        ranked_returns.archive_reason

    from ranked_returns

    left join region_hierarchy
        on ranked_returns.region_code = region_hierarchy.region_code

)

select * from final
