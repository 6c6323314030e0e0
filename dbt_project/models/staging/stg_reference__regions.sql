-- The shipped seed, overridden and extended by region files dropped in raw/reference/:
-- a reference-file row wins on region_code; among reference files the latest file wins.

with

seeded as (

    select
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        region_name,
        region_level,
        nullif(cast(parent_code as {{ dbt.type_string() }}), '') as parent_code,
        'seed' as origin,
        2 as precedence

    from {{ ref('regions') }}

),

file_rows as (

    select
        region_code,
        region_name,
        region_level,
        parent_code,
        'reference_file' as origin,
        1 as precedence,
        -- the latest file wins when several files name the same region
        row_number() over (
            partition by region_code
            order by file_mtime desc nulls last, source_file desc, source_row desc
        ) as file_rank

    from {{ ref('stg_landing__ref_regions') }}

),

from_files as (

    select
        region_code,
        region_name,
        region_level,
        parent_code,
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
        row_number() over (partition by region_code order by precedence) as precedence_rank

    from combined

),

final as (

    select
        region_code,
        region_name,
        region_level,
        parent_code,
        origin

    from ranked

    where precedence_rank = 1

)

select * from final
