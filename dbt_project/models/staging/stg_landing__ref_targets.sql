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
        source_file,
        sheet,
        source_row,
        file_mtime,
        load_id

    from source

)

select * from renamed
