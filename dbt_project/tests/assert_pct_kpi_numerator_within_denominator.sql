-- A percentage KPI of two figures each enterprise reports (kpi_definitions.bounded = false,
-- e.g. female members and female employees) should not exceed 100% either; the bounded ones
-- are errors in assert_pct_kpi_structurally_bounded.
-- Warn, not error: female/migrant members above female/migrant employees is a data error in
-- a return (ingestion checks them against the totals only), and must not stop the refresh.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'mart_kpi'}}}) }}

with

kpis as (

    select * from {{ ref('mart_kpi') }}

),

kpi_definitions as (

    select * from {{ ref('kpi_definitions') }}

),

violations as (

    select kpis.*

    from kpis

    inner join kpi_definitions
        on kpis.kpi = kpi_definitions.kpi

    where
        kpi_definitions.unit = 'pct'
        and not kpi_definitions.bounded
        and (kpis.numerator > kpis.denominator or kpis.numerator < 0)

)

select * from violations
