-- KPI counts at every level: each town's counts are added to the town itself, its district
-- and its city. Summing counts (never averaging rates) keeps every level's rate exact.
-- A return whose region is missing from the hierarchy still counts for its own code.

{%- set kpis = var('kpis') %}

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
        coalesce(region_ancestors.ancestor_code, town_counts.region_code) as rollup_code,
        town_counts.*

    from town_counts

    left join region_ancestors
        on town_counts.region_code = region_ancestors.region_code

),

summed as (

    select
        {%- for kpi in kpis %}
            cast(sum({{ kpi.code }}__numerator) as bigint) as {{ kpi.code }}__numerator,
            {%- if kpi.get('denominator') %}
                cast(sum({{ kpi.code }}__denominator) as bigint) as {{ kpi.code }}__denominator,
            {%- endif %}
            cast(sum({{ kpi.code }}__reported) as bigint) as {{ kpi.code }}__reported,
            cast(sum({{ kpi.code }}__in_scope) as bigint) as {{ kpi.code }}__in_scope,
        {%- endfor %}
        cast(sum(towns_with_previous_period) as bigint) as towns_with_previous_period,
        rollup_code as region_code,
        period

    from contributions

    group by rollup_code, period

),

final as (

    select
        summed.*,
        region_hierarchy.region_name,
        coalesce(region_hierarchy.region_level, 'town') as region_level,
        region_hierarchy.parent_code

    from summed

    left join region_hierarchy
        on summed.region_code = region_hierarchy.region_code

)

select * from final
