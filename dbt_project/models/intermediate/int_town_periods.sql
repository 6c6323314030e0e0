-- Each town and period with returns, and its previous period: the latest earlier period
-- with returns in that same town (towns do not all report every month). Read from the ranked
-- returns, not int_enterprise_flags, which needs the previous period for its own flags.

with

town_periods as (

    select distinct
        region_code,
        period

    from {{ ref('int_enterprise_returns__ranked') }}

    where is_current

),

final as (

    select
        town_periods.region_code,
        town_periods.period,
        max(earlier.period) as previous_period

    from town_periods

    left join town_periods as earlier
        on
            town_periods.region_code = earlier.region_code
            and town_periods.period > earlier.period

    group by town_periods.region_code, town_periods.period

)

select * from final
