{#- A number as people write it in a message: 20230.0 → '20230', 98.456 → '98.46'. -#}
{% macro format_number(expr) -%}
    {{ adapter.dispatch('format_number', 'gonghui')(expr) }}
{%- endmacro %}

{% macro duckdb__format_number(expr) -%}
    rtrim(rtrim(printf('%.2f', cast({{ expr }} as double)), '0'), '.')
{%- endmacro %}
