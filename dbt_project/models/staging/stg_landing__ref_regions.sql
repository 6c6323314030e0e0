with

source as (

    select * from {{ source('landing', 'ref_regions') }}

),

renamed as (

    select
        trim(region_code) as region_code,
        trim(region_name) as region_name,
        -- ingestion already maps 市/区/县/镇/街道; accept either spelling
        case
            when trim(region_level) in ('city', '市') then 'city'
            when trim(region_level) in ('district', '区', '县', '区县') then 'district'
            when trim(region_level) in ('town', '镇', '街道', '乡', '镇街') then 'town'
            else lower(trim(region_level))
        end as region_level,
        nullif(trim(parent_code), '') as parent_code,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
