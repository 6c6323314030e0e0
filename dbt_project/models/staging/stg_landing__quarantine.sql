with

source as (

    select * from {{ source('landing', 'quarantine') }}

),

renamed as (

    select
        feed,
        field,
        value,
        reason_code,
        message_zh,
        message_en,
        row_data,
        uscc,
        region_code,
        period,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
