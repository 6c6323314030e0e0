-- KPI counts at every level: each town's counts are added to the town itself, its district
-- and its city. Summing counts (never averaging rates) keeps every level's rate exact.
-- A return whose region is missing from the hierarchy still counts for its own code.

with

town_counts as (

    select * from {{ ref('int_kpi_counts__town') }}

),

region_ancestors as (

    select * from {{ ref('int_region_ancestors') }}

),

region_hierarchy as (

    select * from {{ ref('int_region_hierarchy') }}

),

contributions as (

    select
        coalesce(region_ancestors.ancestor_code, town_counts.region_code) as region_code,
        town_counts.* exclude (region_code)

    from town_counts

    left join region_ancestors
        on town_counts.region_code = region_ancestors.region_code

),

summed as (

    select
        region_code,
        period,
        cast(sum(enterprises) as bigint) as enterprises,
        cast(sum(unionised_enterprises) as bigint) as unionised_enterprises,
        cast(sum(single_union_enterprises) as bigint) as single_union_enterprises,
        cast(sum(joint_union_enterprises) as bigint) as joint_union_enterprises,
        cast(sum(enterprises_25plus) as bigint) as enterprises_25plus,
        cast(sum(unionised_enterprises_25plus) as bigint) as unionised_enterprises_25plus,
        cast(sum(employees) as bigint) as employees,
        cast(sum(members) as bigint) as members,
        cast(sum(female_employees) as bigint) as female_employees,
        cast(sum(female_members) as bigint) as female_members,
        cast(sum(migrant_employees) as bigint) as migrant_employees,
        cast(sum(migrant_members) as bigint) as migrant_members,
        cast(sum(members_registered) as bigint) as members_registered,
        cast(sum(cba_enterprises) as bigint) as cba_enterprises,
        cast(sum(cba_covered_employees) as bigint) as cba_covered_employees,
        cast(sum(female_cba_enterprises) as bigint) as female_cba_enterprises,
        cast(sum(wage_enterprises) as bigint) as wage_enterprises,
        cast(sum(wage_covered_employees) as bigint) as wage_covered_employees,
        cast(sum(wage_rounds) as bigint) as wage_rounds,
        cast(sum(public_unionised_enterprises) as bigint) as public_unionised_enterprises,
        cast(sum(public_congress_enterprises) as bigint) as public_congress_enterprises,
        cast(sum(nonpublic_unionised_enterprises) as bigint) as nonpublic_unionised_enterprises,
        cast(sum(nonpublic_congress_enterprises) as bigint) as nonpublic_congress_enterprises,
        cast(sum(open_affairs_enterprises) as bigint) as open_affairs_enterprises,
        cast(sum(legal_person_enterprises) as bigint) as legal_person_enterprises,
        cast(sum(submission_previous_enterprises) as bigint) as submission_previous_enterprises,
        cast(sum(submission_returned_enterprises) as bigint) as submission_returned_enterprises

    from contributions

    group by region_code, period

),

final as (

    select
        summed.region_code,
        region_hierarchy.region_name,
        coalesce(region_hierarchy.region_level, 'town') as region_level,
        region_hierarchy.parent_code,
        summed.period,
        summed.enterprises,
        summed.unionised_enterprises,
        summed.single_union_enterprises,
        summed.joint_union_enterprises,
        summed.enterprises_25plus,
        summed.unionised_enterprises_25plus,
        summed.employees,
        summed.members,
        summed.female_employees,
        summed.female_members,
        summed.migrant_employees,
        summed.migrant_members,
        summed.members_registered,
        summed.cba_enterprises,
        summed.cba_covered_employees,
        summed.female_cba_enterprises,
        summed.wage_enterprises,
        summed.wage_covered_employees,
        summed.wage_rounds,
        summed.public_unionised_enterprises,
        summed.public_congress_enterprises,
        summed.nonpublic_unionised_enterprises,
        summed.nonpublic_congress_enterprises,
        summed.open_affairs_enterprises,
        summed.legal_person_enterprises,
        summed.submission_previous_enterprises,
        summed.submission_returned_enterprises

    from summed

    left join region_hierarchy
        on summed.region_code = region_hierarchy.region_code

)

select * from final
