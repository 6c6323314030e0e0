with

source as (

    select * from {{ source('landing', 'ref_header_aliases') }}

),

renamed as (

    select
        header,
        lower(trim(field_code)) as field_code,
        coalesce(applies_to, 'returns') as applies_to,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
