-- One row per region, level, period and KPI: numerator, denominator, value, its coverage
-- (reported_enterprises of in_scope_enterprises: the others have not reported an input of
-- the KPI, and are in neither numerator nor denominator), target and gap, for a rate below
-- its target how many more enterprises or persons the numerator needs (still_needed),
-- change on the same period last year, and rank among siblings. Each KPI of the KPI table
-- (vars.kpis in dbt_project.yml) reads its own count columns: a rate is 100 × numerator ÷
-- denominator (null when the denominator is 0), a KPI without a denominator is its numerator
-- (null when it needs a previous period that no town of the region has).

{%- set kpis = var('kpis') %}

with

kpi_counts as (

    select * from {{ ref('int_kpi_counts__rollup') }}

),

region_ancestors as (

    select * from {{ ref('int_region_ancestors') }}

),

targets as (

    select * from {{ ref('stg_reference__targets') }}

),

valued as (

    {% for kpi in kpis %}
        select
            region_code,
            region_name,
            region_level,
            parent_code,
            period,
            {{ kpi_text(kpi.code) }} as kpi,
            {{ kpi_text(kpi.name_zh) }} as kpi_name_zh,
            cast({{ kpi.code }}__numerator as double) as numerator,
            {%- if kpi.get('denominator') %}
                cast({{ kpi.code }}__denominator as double) as denominator,
                100.0 * cast({{ kpi.code }}__numerator as double)
                / nullif(cast({{ kpi.code }}__denominator as double), 0) as value,
            {%- elif kpi.get('needs_previous_period') %}
                cast(null as double) as denominator,
                -- unknown, not 0, where no town of the region has an earlier period
                case
                    when towns_with_previous_period > 0 and {{ kpi.code }}__reported > 0
                        then cast({{ kpi.code }}__numerator as double)
                end as value,
            {%- else %}
                cast(null as double) as denominator,
                -- 未报 (null), not 0, where no enterprise in scope reported it
                case
                    when {{ kpi.code }}__reported > 0 or {{ kpi.code }}__in_scope = 0
                        then cast({{ kpi.code }}__numerator as double)
                end as value,
            {%- endif %}
            {{ kpi.code }}__reported as reported_enterprises,
            {{ kpi.code }}__in_scope as in_scope_enterprises

        from kpi_counts
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

target_candidates as (

    -- the region's own target, else its district's, else its city's
    select
        valued.region_code,
        valued.period,
        valued.kpi,
        targets.target,
        row_number() over (
            partition by valued.region_code, valued.period, valued.kpi
            order by region_ancestors.distance
        ) as nearness

    from valued

    inner join region_ancestors
        on valued.region_code = region_ancestors.region_code

    inner join targets
        on
            region_ancestors.ancestor_code = targets.region_code
            and valued.kpi = targets.kpi
            and cast(substring(valued.period, 1, 4) as integer) = targets.year

),

nearest_targets as (

    select
        region_code,
        period,
        kpi,
        target

    from target_candidates

    where nearness = 1

),

compared as (

    select
        valued.*,
        nearest_targets.target,
        valued.value - nearest_targets.target as gap,
        -- 还需: the fewest enterprises or persons that must join the numerator, the
        -- denominator as it is, for the rate to reach its target; 0 once it is met. Rounded
        -- before ceil so that float noise (16.1% of 1,000 = 161.00000000000003) adds no one.
        case
            when valued.denominator > 0 and nearest_targets.target is not null
                then cast(greatest(0, ceil(round(
                    nearest_targets.target * valued.denominator / 100.0 - valued.numerator, 6
                ))) as bigint)
        end as still_needed,
        last_year.value as value_last_year,
        valued.value - last_year.value as yoy_change

    from valued

    left join nearest_targets
        on
            valued.region_code = nearest_targets.region_code
            and valued.period = nearest_targets.period
            and valued.kpi = nearest_targets.kpi

    left join valued as last_year
        on
            valued.region_code = last_year.region_code
            and valued.kpi = last_year.kpi
            and {{ shift_period('valued.period', -12) }} = last_year.period

),

final as (

    select
        region_code,
        region_name,
        region_level,
        parent_code,
        period,
        kpi,
        kpi_name_zh,
        numerator,
        denominator,
        value,
        reported_enterprises,
        in_scope_enterprises,
        target,
        gap,
        still_needed,
        value_last_year,
        yoy_change,
        case
            -- rank() is BIGINT in DuckDB, INT in Spark: the contract says bigint
            when value is not null
                then cast(rank() over (
                    partition by region_level, parent_code, period, kpi
                    order by value desc nulls last
                ) as bigint)
        end as rank_in_parent

    from compared

)

select * from final
