-- Current returns: one row per enterprise and period (corrections applied).

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

enterprise_flags as (

    select * from {{ ref('int_enterprise_flags') }}

    {% if is_incremental() %}
        where {{ in_partitions_to_rebuild() }}
    {% endif %}

),

final as (

    select
        uscc,
        enterprise_name,
        region_code,
        district_code,
        period,
        ownership,
        ownership_group,
        industry_code,
        employees,
        employees_25plus,
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
        cba_covered_employees,
        female_cba,
        wage_signed_on,
        wage_expires_on,
        wage_rounds,
        wage_rise_pct,
        wage_in_force,
        wage_covered_employees,
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

    from enterprise_flags

)

select * from final
