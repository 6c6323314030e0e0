-- Current returns (one per enterprise and period) with the flags the KPIs count.

with

current_returns as (

    select * from {{ ref('int_enterprise_returns__ranked') }}

    where is_current

),

ownership_codes as (

    select * from {{ ref('ownership_codes') }}

),

region_hierarchy as (

    select * from {{ ref('int_region_hierarchy') }}

),

final as (

    select
        current_returns.uscc,
        current_returns.enterprise_name,
        current_returns.region_code,
        region_hierarchy.district_code,
        current_returns.period,
        current_returns.period_end,
        current_returns.ownership,
        -- 非公 is everything that is not 国有/集体, including an unknown ownership
        coalesce(ownership_codes.ownership_group, 'nonpublic') as ownership_group,
        current_returns.industry_code,
        current_returns.employees,
        current_returns.employees >= 25 as employees_25plus,
        current_returns.female_employees,
        current_returns.migrant_employees,
        current_returns.union_form,
        {{ has_union('current_returns.union_form') }} as has_union,
        current_returns.members,
        current_returns.female_members,
        current_returns.migrant_members,
        current_returns.members_registered,
        current_returns.cba_signed_on,
        current_returns.cba_expires_on,
        current_returns.cba_covered,
        {{ in_force(
            'current_returns.cba_signed_on',
            'current_returns.cba_expires_on',
            'current_returns.period_end'
        ) }} as cba_in_force,
        current_returns.female_cba,
        current_returns.wage_signed_on,
        current_returns.wage_expires_on,
        current_returns.wage_rounds,
        current_returns.wage_rise_pct,
        {{ in_force(
            'current_returns.wage_signed_on',
            'current_returns.wage_expires_on',
            'current_returns.period_end'
        ) }} as wage_in_force,
        current_returns.workers_congress,
        current_returns.open_affairs,
        current_returns.union_legal_person,
        current_returns.source_file,
        current_returns.sheet,
        current_returns.source_row,
        current_returns.file_mtime,
        current_returns.load_id

    from current_returns

    left join ownership_codes
        on current_returns.ownership = ownership_codes.ownership

    left join region_hierarchy
        on current_returns.region_code = region_hierarchy.region_code

)

select * from final
