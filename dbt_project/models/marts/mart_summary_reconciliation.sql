-- Each town summary return (镇街汇总表) row, metric by metric: the figure the town reported
-- against the same figure of the current enterprise returns of that region and period, in
-- mart_kpi. The metrics are the summary columns the KPI table (vars.kpis in dbt_project.yml)
-- maps to a KPI's value, numerator or denominator; a column mapped by several KPIs (已建会企业数
-- is org_rate's numerator and cba_rate's denominator) is checked once, as its first KPI's.
-- impossible_value (a rate outside 0–100, a negative count, a reported numerator above the
-- reported denominator of its KPI) wins over beyond_tolerance (more than 1 point for rates;
-- for counts more than max(1, 1% of the recomputed count)). Without enterprise returns for
-- the region and period nothing is recomputed and only impossible values are flagged.

{%- set metrics = [] %}
{%- set mapped = [] %}
{%- for kpi in var('kpis') if kpi.get('summary') %}
    {%- for part in ['value', 'numerator', 'denominator'] %}
        {%- set reported = kpi.summary.get(part) %}
        {%- if reported and reported.column not in mapped %}
            {%- do mapped.append(reported.column) %}
            {%- do metrics.append({
                'kpi': kpi.code,
                'part': part,
                'column': reported.column,
                'name_zh': reported.name_zh,
                'is_rate': part == 'value' and kpi.unit == 'pct',
                'whole': kpi.summary.get('denominator') if part == 'numerator' else none,
            }) %}
        {%- endif %}
    {%- endfor %}
{%- endfor %}

with

summary_returns as (

    select * from {{ ref('stg_landing__summary_returns') }}

),

kpis as (

    select * from {{ ref('mart_kpi') }}

),

region_hierarchy as (

    select * from {{ ref('int_region_hierarchy') }}

),

reported_long as (

    {% for metric in metrics %}
        select
            region_code,
            region_name,
            period,
            source_file,
            source_row,
            {{ kpi_text(metric.column) }} as metric,
            {{ kpi_text(metric.name_zh) }} as metric_zh,
            {{ kpi_text(metric.kpi) }} as kpi,
            {{ kpi_text(metric.part) }} as kpi_part,
            {{ 'true' if metric.is_rate else 'false' }} as is_rate,
            cast({{ metric.column }} as double) as reported,
            {%- if metric.whole %}
                cast({{ metric.whole.column }} as double) as reported_whole,
                {{ kpi_text(metric.whole.name_zh) }} as whole_zh
            {%- else %}
                cast(null as double) as reported_whole,
                cast(null as {{ dbt.type_string() }}) as whole_zh
            {%- endif %}

        from summary_returns

        -- a figure the town left empty: nothing to reconcile
        where {{ metric.column }} is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

compared as (

    select
        reported_long.region_code,
        coalesce(region_hierarchy.region_name, reported_long.region_name) as region_name,
        reported_long.period,
        reported_long.metric,
        reported_long.metric_zh,
        reported_long.is_rate,
        reported_long.reported,
        case reported_long.kpi_part
            when 'value' then kpis.value
            when 'numerator' then kpis.numerator
            when 'denominator' then kpis.denominator
        end as recomputed,
        reported_long.reported_whole,
        reported_long.whole_zh,
        reported_long.source_file,
        reported_long.source_row

    from reported_long

    left join kpis
        on
            reported_long.region_code = kpis.region_code
            and reported_long.period = kpis.period
            and reported_long.kpi = kpis.kpi

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
