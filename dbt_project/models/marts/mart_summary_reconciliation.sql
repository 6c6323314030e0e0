-- Each town summary return (镇街汇总表) row, metric by metric: the figure the town reported
-- against the figure recomputed from the current enterprise returns of that region and period.
-- impossible_value (a rate outside 0–100, a negative count, a part larger than its whole)
-- wins over beyond_tolerance (more than 1 point for rates; for counts more than
-- max(1, 1% of the recomputed count)). Without enterprise returns for the region and period
-- nothing is recomputed and only impossible values are flagged.

with

summary_returns as (

    select * from {{ ref('stg_landing__summary_returns') }}

),

kpi_counts as (

    select * from {{ ref('int_kpi_counts__rollup') }}

),

region_hierarchy as (

    select * from {{ ref('int_region_hierarchy') }}

),

metric_definitions as (

    -- whole_metric: the reported figure this one can never exceed
    select
        definitions.metric,
        definitions.metric_zh,
        definitions.is_rate,
        definitions.whole_metric,
        definitions.whole_zh

    from (
        values
        ('enterprises', '企业数', false, null, null),
        ('unionised_enterprises', '已建会企业数', false, 'enterprises', '企业数'),
        ('org_rate', '组建率', true, null, null),
        ('employees', '职工人数', false, null, null),
        ('members', '会员人数', false, 'employees', '职工人数'),
        ('membership_rate', '入会率', true, null, null),
        ('cba_enterprises', '签订集体合同企业数', false, 'enterprises', '企业数'),
        ('cba_rate', '集体合同签订率', true, null, null),
        ('wage_enterprises', '开展工资集体协商企业数', false, 'enterprises', '企业数')
    ) as definitions (metric, metric_zh, is_rate, whole_metric, whole_zh)

),

summary_values as (

    select
        region_code,
        region_name,
        period,
        source_file,
        sheet,
        source_row,
        cast(enterprises as double) as enterprises,
        cast(unionised_enterprises as double) as unionised_enterprises,
        cast(org_rate as double) as org_rate,
        cast(employees as double) as employees,
        cast(members as double) as members,
        cast(membership_rate as double) as membership_rate,
        cast(cba_enterprises as double) as cba_enterprises,
        cast(cba_rate as double) as cba_rate,
        cast(wage_enterprises as double) as wage_enterprises

    from summary_returns

),

reported_long as (

    -- unpivot drops metrics the town left empty: nothing to reconcile
    unpivot summary_values
    on columns(* exclude (region_code, region_name, period, source_file, sheet, source_row))
    into name metric value reported

),

recomputed_values as (

    select
        region_code,
        period,
        cast(enterprises as double) as enterprises,
        cast(unionised_enterprises as double) as unionised_enterprises,
        100.0 * unionised_enterprises / nullif(enterprises, 0) as org_rate,
        cast(employees as double) as employees,
        cast(members as double) as members,
        100.0 * members / nullif(employees, 0) as membership_rate,
        cast(cba_enterprises as double) as cba_enterprises,
        100.0 * cba_enterprises / nullif(unionised_enterprises, 0) as cba_rate,
        cast(wage_enterprises as double) as wage_enterprises

    from kpi_counts

),

recomputed_long as (

    unpivot recomputed_values
    on columns(* exclude (region_code, period))
    into name metric value recomputed

),

compared as (

    select
        reported_long.region_code,
        coalesce(region_hierarchy.region_name, reported_long.region_name) as region_name,
        reported_long.period,
        reported_long.metric,
        metric_definitions.metric_zh,
        metric_definitions.is_rate,
        reported_long.reported,
        recomputed_long.recomputed,
        wholes.reported as reported_whole,
        metric_definitions.whole_zh,
        reported_long.source_file,
        reported_long.source_row

    from reported_long

    inner join metric_definitions
        on reported_long.metric = metric_definitions.metric

    left join reported_long as wholes
        on
            reported_long.source_file = wholes.source_file
            and reported_long.sheet is not distinct from wholes.sheet
            and reported_long.source_row = wholes.source_row
            and metric_definitions.whole_metric = wholes.metric

    left join recomputed_long
        on
            reported_long.region_code = recomputed_long.region_code
            and reported_long.period = recomputed_long.period
            and reported_long.metric = recomputed_long.metric

    left join region_hierarchy
        on reported_long.region_code = region_hierarchy.region_code

),

checked as (

    select
        *,
        reported - recomputed as difference,
        case
            when is_rate and reported > 100
                then '上报' || metric_zh || {{ format_number('reported') }} || '%不可能(超过100%)'
            when is_rate and reported < 0
                then '上报' || metric_zh || {{ format_number('reported') }} || '%不可能(小于0)'
            when not is_rate and reported < 0
                then '上报' || metric_zh || {{ format_number('reported') }} || '不可能(负数)'
            when reported > reported_whole
                then
                    '上报' || metric_zh || {{ format_number('reported') }}
                    || '超过' || whole_zh || {{ format_number('reported_whole') }} || ',不可能'
        end as impossible_reason_zh,
        case
            when is_rate
                then abs(reported - recomputed) > 1
            else abs(reported - recomputed) > greatest(1, 0.01 * recomputed)
        end as is_beyond_tolerance

    from compared

),

final as (

    select
        region_code,
        region_name,
        period,
        metric,
        metric_zh,
        reported,
        recomputed,
        difference,
        impossible_reason_zh is not null or coalesce(is_beyond_tolerance, false) as is_flagged,
        case
            when impossible_reason_zh is not null then 'impossible_value'
            when is_beyond_tolerance then 'beyond_tolerance'
        end as flag_reason,
        case
            when impossible_reason_zh is not null then impossible_reason_zh
            when is_beyond_tolerance and is_rate
                then
                    '上报值与企业报表汇总相差超过1个百分点(上报'
                    || {{ format_number('reported') }} || '%,汇总'
                    || {{ format_number('recomputed') }} || '%)'
            when is_beyond_tolerance
                then
                    '上报值与企业报表汇总相差超过容差(上报'
                    || {{ format_number('reported') }} || ',汇总'
                    || {{ format_number('recomputed') }} || ')'
        end as flag_reason_zh,
        source_file,
        source_row

    from checked

)

select * from final
