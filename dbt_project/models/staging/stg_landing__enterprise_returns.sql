with

source as (

    select * from {{ source('landing', 'enterprise_returns') }}

),

renamed as (

    select
        -- enterprise and period
        upper(trim(uscc)) as uscc,
        trim(enterprise_name) as enterprise_name,
        trim(region_code) as region_code,
        trim(period) as period,
        {{ period_end('trim(period)') }} as period_end,
        trim(ownership) as ownership,
        upper(trim(industry_code)) as industry_code,

        -- people
        employees,
        female_employees,
        migrant_employees,
        lower(trim(union_form)) as union_form,
        members,
        female_members,
        migrant_members,
        members_registered,

        -- contracts
        cba_signed_on,
        cba_expires_on,
        cba_covered,
        coalesce(female_cba, false) as female_cba,
        wage_signed_on,
        wage_expires_on,
        wage_rounds,
        wage_rise_pct,

        -- democratic management
        coalesce(workers_congress, false) as workers_congress,
        coalesce(open_affairs, false) as open_affairs,
        coalesce(union_legal_person, false) as union_legal_person,

        -- lineage
        source_file,
        sheet,
        source_row,
        file_mtime,
        load_id

    from source

)

select * from renamed
