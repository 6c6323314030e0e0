with

region_hierarchy as (

    select * from {{ ref('int_region_hierarchy') }}

),

final as (

    select
        region_code,
        region_name,
        region_level,
        parent_code,
        district_code,
        district_name,
        city_code,
        city_name

    from region_hierarchy

)

select * from final
