-- Current returns: one row per enterprise and period (corrections applied).

-- A view here, a table in the published snapshot (pipelines/publish.py): at province scale
-- writing its millions of rows twice, here and there, costs seconds for nothing.
{{ config(materialized='view') }}

with

enterprise_flags as (

    select * from {{ ref('int_enterprise_flags') }}

),

final as (

    select
        uscc,
        enterprise_name,
        region_code,
        district_code,
        period,
        ownership,
        industry_code,
        employees,
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
        female_cba,
        wage_signed_on,
        wage_expires_on,
        wage_rounds,
        wage_rise_pct,
        wage_in_force,
        workers_congress,
        open_affairs,
        union_legal_person,
        source_file,
        sheet,
        source_row,
        file_mtime,
        load_id

    from enterprise_flags

)

select * from final
