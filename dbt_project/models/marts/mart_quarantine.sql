-- Quarantined rows, one per problem, with whether a later return has fixed the row.
-- A row is resolved when a later file (by file modification time, ties broken by the larger
-- file name: the same order as corrections) has an accepted row with the same key: uscc and
-- period for enterprise returns, region code and period for town summaries. The quarantined
-- row stays here (the history keeps both); resolved_by_file names the first file that fixed it.

with

quarantine as (

    select * from {{ ref('stg_landing__quarantine') }}

),

enterprise_returns as (

    select * from {{ ref('int_enterprise_returns__ranked') }}

),

summary_returns as (

    select * from {{ ref('stg_landing__summary_returns') }}

),

accepted_rows as (

    select
        'returns' as feed,
        uscc as row_key,
        period,
        source_file,
        file_mtime

    from enterprise_returns

    where archived_at is null

    union all

    select
        'summaries' as feed,
        region_code as row_key,
        period,
        source_file,
        file_mtime

    from summary_returns

),

keyed as (

    select
        *,
        case feed
            when 'returns' then uscc
            when 'summaries' then region_code
        end as row_key

    from quarantine

),

matches as (

    -- a quarantined row and each later accepted row with its key
    select
        keyed.source_file,
        keyed.sheet,
        keyed.source_row,
        accepted_rows.source_file as resolved_by_file,
        row_number() over (
            partition by keyed.source_file, keyed.sheet, keyed.source_row
            order by accepted_rows.file_mtime, accepted_rows.source_file
        ) as resolution_rank

    from keyed

    inner join accepted_rows
        on
            keyed.feed = accepted_rows.feed
            and keyed.row_key = accepted_rows.row_key
            and keyed.period = accepted_rows.period
            and (
                keyed.file_mtime < accepted_rows.file_mtime
                or (
                    keyed.file_mtime = accepted_rows.file_mtime
                    and keyed.source_file < accepted_rows.source_file
                )
            )

),

resolutions as (

    -- one quarantine row per problem: the same source row pairs with a file once per problem
    select
        source_file,
        sheet,
        source_row,
        resolved_by_file

    from matches

    where resolution_rank = 1

),

final as (

    select
        keyed.source_file,
        keyed.sheet,
        keyed.source_row,
        keyed.feed,
        keyed.field,
        keyed.value,
        keyed.reason_code,
        keyed.message_zh,
        keyed.message_en,
        keyed.row_data,
        keyed.uscc,
        keyed.region_code,
        keyed.period,
        keyed.file_mtime,
        keyed.load_id,
        resolutions.resolved_by_file is not null as is_resolved,
        resolutions.resolved_by_file

    from keyed

    left join resolutions
        on
            keyed.source_file = resolutions.source_file
            and keyed.sheet is not distinct from resolutions.sheet
            and keyed.source_row = resolutions.source_row

)

select * from final
