-- The outline of each region that a boundary file in raw/reference/ draws (GeoJSON text, for
-- the dashboard's map): where several files draw one region, the latest file wins, as for
-- region files. Only regions of dim_region: the ingestion has checked the codes, but a
-- region file may have been taken away since.

with

boundaries as (

    select * from {{ ref('stg_landing__ref_boundaries') }}

),

regions as (

    select * from {{ ref('dim_region') }}

),

ranked as (

    select
        region_code,
        geometry,
        source_file,
        source_row,
        file_mtime,
        row_number() over (
            partition by region_code
            order by file_mtime desc nulls last, source_file desc, source_row desc
        ) as newest_first

    from boundaries

),

final as (

    select
        ranked.region_code,
        regions.region_name,
        regions.region_level,
        ranked.geometry,
        ranked.source_file,
        ranked.source_row,
        ranked.file_mtime

    from ranked

    inner join regions
        on ranked.region_code = regions.region_code

    where ranked.newest_first = 1

)

select * from final
