-- Each region with itself and its ancestors (distance 0 = self, 1 = parent, 2 = grandparent):
-- the path counts roll up along, and the order in which a target is looked for.

with

regions as (

    select * from {{ ref('stg_reference__regions') }}

),

self_rows as (

    select
        region_code,
        region_code as ancestor_code,
        0 as distance

    from regions

),

parent_rows as (

    select
        region_code,
        parent_code as ancestor_code,
        1 as distance

    from regions

    where parent_code is not null

),

grandparent_rows as (

    select
        regions.region_code,
        parents.parent_code as ancestor_code,
        2 as distance

    from regions

    inner join regions as parents
        on regions.parent_code = parents.region_code

    where parents.parent_code is not null

),

final as (

    select * from self_rows
    union all
    select * from parent_rows
    union all
    select * from grandparent_rows

)

select * from final
