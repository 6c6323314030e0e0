-- The city's counts equal the sum of its towns' counts (rates are never averaged).

{{ config(meta={'dagster': {'ref': {'name': 'mart_kpi'}}}) }}

with

kpis as (

    select * from {{ ref('mart_kpi') }}

),

regions as (

    select * from {{ ref('dim_region') }}

),

town_sums as (

    select
        regions.city_code,
        kpis.period,
        kpis.kpi,
        sum(kpis.numerator) as numerator,
        sum(kpis.denominator) as denominator

    from kpis

    inner join regions
        on kpis.region_code = regions.region_code

    where kpis.region_level = 'town'

    group by regions.city_code, kpis.period, kpis.kpi

),

mismatches as (

    select
        kpis.region_code,
        kpis.period,
        kpis.kpi,
        kpis.numerator,
        town_sums.numerator as town_numerator,
        kpis.denominator,
        town_sums.denominator as town_denominator

    from kpis

    inner join town_sums
        on
            kpis.region_code = town_sums.city_code
            and kpis.period = town_sums.period
            and kpis.kpi = town_sums.kpi

    where
        kpis.region_level = 'city'
        and (
            kpis.numerator is distinct from town_sums.numerator
            or kpis.denominator is distinct from town_sums.denominator
        )

)

select * from mismatches
