-- KPIs whose numerator is a part of the denominator by construction (kpi_definitions.bounded:
-- counts of flagged enterprises, covered employees capped at employees, submission) never
-- exceed 100%.

{{ config(meta={'dagster': {'ref': {'name': 'mart_kpi'}}}) }}

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
        kpi_definitions.bounded
        and (kpis.value > 100 or kpis.value < 0 or kpis.numerator > kpis.denominator)

)

select * from violations
