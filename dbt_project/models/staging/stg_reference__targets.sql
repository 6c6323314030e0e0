-- The shipped seed targets, overridden by target files dropped in raw/reference/
-- on (year, region_code, kpi). A file may name the KPI by its Chinese name.

with

kpi_definitions as (

    select * from {{ ref('kpi_definitions') }}

),

seeded as (

    select
        cast(year as integer) as year,
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        kpi,
        cast(target as double) as target,
        'seed' as origin,
        2 as precedence

    from {{ ref('targets') }}

),

file_rows as (

    select
        ref_targets.year,
        ref_targets.region_code,
        coalesce(kpi_definitions.kpi, ref_targets.kpi) as kpi,
        ref_targets.target,
        'reference_file' as origin,
        1 as precedence,
        -- the latest file wins when several files set the same target
        row_number() over (
            partition by
                ref_targets.year,
                ref_targets.region_code,
                coalesce(kpi_definitions.kpi, ref_targets.kpi)
            order by
                ref_targets.file_mtime desc nulls last,
                ref_targets.source_file desc,
                ref_targets.source_row desc
        ) as file_rank

    from {{ ref('stg_landing__ref_targets') }} as ref_targets

    left join kpi_definitions
        on ref_targets.kpi = kpi_definitions.name_zh

),

from_files as (

    select
        year,
        region_code,
        kpi,
        target,
        origin,
        precedence

    from file_rows

    where file_rank = 1

),

combined as (

    select * from from_files
    union all
    select * from seeded

),

ranked as (

    select
        *,
        row_number() over (
            partition by year, region_code, kpi order by precedence
        ) as precedence_rank

    from combined

),

final as (

    select
        year,
        region_code,
        kpi,
        target,
        origin

    from ranked

    where precedence_rank = 1

)

select * from final
