-- Current landing rows and the archived rows of replaced or removed files (archived_at set).
-- A yes/no is null only where it is unknown (unknown_fields): ingestion reads an empty cell
-- of a column the file has as 否.

{%- set landing_columns = [
    'source_file', 'sheet', 'source_row', 'file_mtime', 'load_id',
    'uscc', 'enterprise_name', 'region_code', 'period', 'ownership', 'industry_code',
    'employees', 'female_employees', 'migrant_employees', 'union_form',
    'members', 'female_members', 'migrant_members', 'members_registered',
    'cba_signed_on', 'cba_expires_on', 'cba_covered', 'female_cba',
    'wage_signed_on', 'wage_expires_on', 'wage_rounds', 'wage_rise_pct',
    'workers_congress', 'open_affairs', 'union_legal_person', 'unknown_fields',
] %}

with

current_rows as (

    select
        {%- for column in landing_columns %}
            {{ column }},
        {%- endfor %}
        cast(null as timestamp) as archived_at,
        cast(null as {{ dbt.type_string() }}) as archive_reason

    from {{ source('landing', 'enterprise_returns') }}

),

archived_rows as (

    select
        {%- for column in landing_columns %}
            {{ column }},
        {%- endfor %}
        archived_at,
        archive_reason

    from {{ source('landing', 'enterprise_returns_archive') }}

),

source as (

    select * from current_rows
    union all
    select * from archived_rows

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
        female_cba,
        wage_signed_on,
        wage_expires_on,
        wage_rounds,
        wage_rise_pct,

        -- democratic management
        workers_congress,
        open_affairs,
        union_legal_person,
        unknown_fields,

        -- lineage
        {{ lineage_columns() }},
        archived_at,
        archive_reason

    from source

)

select * from renamed
