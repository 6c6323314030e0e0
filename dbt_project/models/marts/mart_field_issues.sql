-- Field issues: problems of one optional field of an accepted return (the enterprise still
-- counts; the field is unknown, capped or read to the month, see `outcome`), with whether
-- the row is its enterprise's current return for the period (a later correction may have
-- replaced it).

with

field_issues as (

    select * from {{ ref('stg_landing__field_issues') }}

),

ranked_returns as (

    select * from {{ ref('int_enterprise_returns__ranked') }}

    where archived_at is null

),

final as (

    select
        field_issues.source_file,
        field_issues.sheet,
        field_issues.source_row,
        field_issues.feed,
        field_issues.field,
        field_issues.value,
        field_issues.reason_code,
        field_issues.message_zh,
        field_issues.message_en,
        field_issues.outcome,
        field_issues.uscc,
        field_issues.region_code,
        field_issues.period,
        field_issues.file_mtime,
        field_issues.load_id,
        coalesce(ranked_returns.is_current, false) as is_current

    from field_issues

    left join ranked_returns
        on
            field_issues.source_file = ranked_returns.source_file
            and coalesce(field_issues.sheet, '') = coalesce(ranked_returns.sheet, '')
            and field_issues.source_row = ranked_returns.source_row

)

select * from final
