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
        source_file,
        sheet,
        source_row,
        file_mtime,
        load_id

    from source

)

select * from renamed
