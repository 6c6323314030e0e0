{#- Periods are 'YYYY-MM' text (a year alone was already turned into 'YYYY-12' by ingestion).
    Parsing and formatting dates differ by engine: each engine has its own implementation. -#}

{% macro period_start(period) -%}
    {{ adapter.dispatch('period_start', 'gonghui')(period) }}
{%- endmacro %}

{% macro duckdb__period_start(period) -%}
    cast(strptime({{ period }} || '-01', '%Y-%m-%d') as date)
{%- endmacro %}

{% macro period_end(period) -%}
    {{ adapter.dispatch('period_end', 'gonghui')(period) }}
{%- endmacro %}

{% macro default__period_end(period) -%}
    {{ dbt.last_day(period_start(period), 'month') }}
{%- endmacro %}

{#- dbt-spark's dbt.last_day (date_trunc, dateadd through unix timestamps) gives NULL here;
    Spark has last_day(date). -#}
{% macro spark__period_end(period) -%}
    last_day({{ period_start(period) }})
{%- endmacro %}

{#- The period `months` months after (before, when negative) `period`, as 'YYYY-MM'. -#}
{% macro shift_period(period, months) -%}
    {{ adapter.dispatch('shift_period', 'gonghui')(period, months) }}
{%- endmacro %}

{% macro duckdb__shift_period(period, months) -%}
    strftime({{ period_start(period) }} + to_months({{ months }}), '%Y-%m')
{%- endmacro %}

{% macro spark__period_start(period) -%}
    to_date({{ period }} || '-01', 'yyyy-MM-dd')
{%- endmacro %}

{% macro spark__shift_period(period, months) -%}
    date_format(add_months({{ period_start(period) }}, {{ months }}), 'yyyy-MM')
{%- endmacro %}
