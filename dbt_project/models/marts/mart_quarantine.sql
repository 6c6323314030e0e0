with

quarantine as (

    select * from {{ ref('stg_landing__quarantine') }}

),

final as (

    select
        source_file,
        sheet,
        source_row,
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
        file_mtime,
        load_id

    from quarantine

)

select * from final
