with

source as (

    select * from {{ source('landing', 'ref_boundaries') }}

),

renamed as (

    select
        trim(region_code) as region_code,
        geometry,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
