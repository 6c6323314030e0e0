with

source as (

    select * from {{ source('landing', 'summary_returns') }}

),

renamed as (

    select
        trim(region_code) as region_code,
        trim(region_name) as region_name,
        trim(period) as period,

        -- counts as reported
        enterprises,
        unionised_enterprises,
        employees,
        members,
        cba_enterprises,
        wage_enterprises,
        new_unions,
        new_congresses,

        -- rates as reported (percent; impossible values are kept for reconciliation)
        org_rate,
        membership_rate,
        cba_rate,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
