-- The headers the federation taught (raw/reference/表头别名.csv), one row per header and
-- feed: where files teach one header twice, the later file's row is the one ingestion used.
with

aliases as (

    select * from {{ ref('stg_landing__ref_header_aliases') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by applies_to, header
            order by file_mtime desc, source_file desc, source_row desc
        ) as newest_first

    from aliases

),

final as (

    select
        header,
        field_code,
        applies_to,
        source_file,
        sheet,
        source_row,
        file_mtime

    from ranked
    where newest_first = 1

)

select * from final
