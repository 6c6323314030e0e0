with

source as (

    select * from {{ source('landing', 'ref_targets') }}

),

renamed as (

    select
        year,
        trim(region_code) as region_code,
        trim(kpi) as kpi,
        target,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
