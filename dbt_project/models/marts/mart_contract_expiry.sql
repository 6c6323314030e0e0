-- Contracts with a known expiry date, per period: one row per enterprise and contract
-- (集体合同 cba, 工资专项集体合同 wage), signed on or before the period end (or with no
-- signing date). Which of them are 已到期未续签 or 即将到期 depends on the date the reader
-- counts from (period end or today) and how far ahead they look, so the lists are drawn at
-- read time (pipelines/exports/contract_expiry.py) from this one table.

-- depends_on: {{ ref('int_partitions_to_rebuild') }}
{{ config(
    materialized='incremental',
    incremental_strategy=partition_strategy(),
    partition_by=partition_column(),
    pre_hook="{{ drop_partitions_to_rebuild() }}",
    on_schema_change='fail',
) }}

with

enterprises as (

    select * from {{ ref('int_enterprise_flags') }}

    {% if is_incremental() %}
        where {{ in_partitions_to_rebuild() }}
    {% endif %}

),

region_hierarchy as (

    select * from {{ ref('int_region_hierarchy') }}

),

contracts as (

    select
        period,
        period_end,
        'cba' as contract_type,
        '集体合同' as contract_zh,
        uscc,
        enterprise_name,
        region_code,
        employees,
        cba_signed_on as signed_on,
        cba_expires_on as expires_on,
        source_file,
        sheet,
        source_row

    from enterprises

    where cba_expires_on is not null and coalesce(cba_signed_on <= period_end, true)

    union all

    select
        period,
        period_end,
        'wage' as contract_type,
        '工资专项集体合同' as contract_zh,
        uscc,
        enterprise_name,
        region_code,
        employees,
        wage_signed_on as signed_on,
        wage_expires_on as expires_on,
        source_file,
        sheet,
        source_row

    from enterprises

    where wage_expires_on is not null and coalesce(wage_signed_on <= period_end, true)

),

final as (

    select
        contracts.period,
        contracts.period_end,
        contracts.contract_type,
        contracts.contract_zh,
        contracts.uscc,
        contracts.enterprise_name,
        contracts.region_code,
        region_hierarchy.region_name,
        region_hierarchy.district_code,
        region_hierarchy.district_name,
        contracts.employees,
        contracts.signed_on,
        contracts.expires_on,
        contracts.source_file,
        contracts.sheet,
        contracts.source_row

    from contracts

    left join region_hierarchy
        on contracts.region_code = region_hierarchy.region_code

)

select * from final
