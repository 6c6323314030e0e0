with

source as (

    select * from {{ source('landing', 'load_audit') }}

),

renamed as (

    select
        load_id,
        source_file,
        feed,
        sheet,
        file_mtime,
        file_size,
        sha256,
        status,
        error_code,
        message_zh,
        message_en,
        rows_read,
        rows_accepted,
        rows_quarantined,
        rows_with_field_issues,
        rows_skipped,
        total_lines,
        note_lines,
        other_lines,
        unknown_columns,
        loaded_at

    from source

)

select * from renamed
