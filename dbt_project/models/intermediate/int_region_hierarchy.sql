-- Each region with its district and city: a town's parent is its district, whose parent is
-- the city. Walking two parents up by level (not by position) also handles a town that hangs
-- directly under a city.

with

regions as (

    select * from {{ ref('stg_reference__regions') }}

),

chain as (

    select
        regions.region_code,
        regions.region_name,
        regions.region_level,
        regions.parent_code,
        parents.region_code as parent1_code,
        parents.region_name as parent1_name,
        parents.region_level as parent1_level,
        grandparents.region_code as parent2_code,
        grandparents.region_name as parent2_name,
        grandparents.region_level as parent2_level

    from regions

    left join regions as parents
        on regions.parent_code = parents.region_code

    left join regions as grandparents
        on parents.parent_code = grandparents.region_code

),

final as (

    select
        region_code,
        region_name,
        region_level,
        parent_code,
        case
            when region_level = 'district' then region_code
            when parent1_level = 'district' then parent1_code
            when parent2_level = 'district' then parent2_code
        end as district_code,
        case
            when region_level = 'district' then region_name
            when parent1_level = 'district' then parent1_name
            when parent2_level = 'district' then parent2_name
        end as district_name,
        case
            when region_level = 'city' then region_code
            when parent1_level = 'city' then parent1_code
            when parent2_level = 'city' then parent2_code
        end as city_code,
        case
            when region_level = 'city' then region_name
            when parent1_level = 'city' then parent1_name
            when parent2_level = 'city' then parent2_name
        end as city_name

    from chain

)

select * from final
