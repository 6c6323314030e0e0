-- Every KPI code appears for every region, level and period in mart_kpi.

{{ config(meta={'dagster': {'ref': {'name': 'mart_kpi'}}}) }}

with

kpis as (

    select * from {{ ref('mart_kpi') }}

),

kpi_definitions as (

    select * from {{ ref('kpi_definitions') }}

),

region_periods as (

    select distinct
        region_code,
        region_level,
        period

    from kpis

),

expected as (

    select
        region_periods.region_code,
        region_periods.region_level,
        region_periods.period,
        kpi_definitions.kpi

    from region_periods

    cross join kpi_definitions

),

missing as (

    select expected.*

    from expected

    left join kpis
        on
            expected.region_code = kpis.region_code
            and expected.region_level = kpis.region_level
            and expected.period = kpis.period
            and expected.kpi = kpis.kpi

    where kpis.kpi is null

)

select * from missing
