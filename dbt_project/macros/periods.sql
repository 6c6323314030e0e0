{#- Periods are 'YYYY-MM' text (a year alone was already turned into 'YYYY-12' by ingestion). -#}

{% macro period_start(period) -%}
    cast(strptime({{ period }} || '-01', '%Y-%m-%d') as date)
{%- endmacro %}

{% macro period_end(period) -%}
    last_day({{ period_start(period) }})
{%- endmacro %}

{% macro shift_period(period, months) -%}
    strftime({{ period_start(period) }} + to_months({{ months }}), '%Y-%m')
{%- endmacro %}
