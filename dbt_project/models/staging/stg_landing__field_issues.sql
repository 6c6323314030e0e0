with

source as (

    select * from {{ source('landing', 'field_issues') }}

),

renamed as (

    select
        feed,
        field,
        value,
        reason_code,
        message_zh,
        message_en,
        outcome,
        uscc,
        region_code,
        period,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
