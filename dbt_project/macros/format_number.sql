{#- A number as people write it in a message: 20230.0 → '20230', 98.456 → '98.46', 0.125 → '0.13'.
    Rounded as a decimal, half away from zero, the same on every engine: printf (DuckDB) rounds
    the binary double half-to-even (0.125 → '0.12'), Java's format_string (Spark) half-up on the
    shortest decimal (2.675 → '2.68'), so the same figure gave two messages. -#}
{% macro format_number(expr) -%}
    {{ adapter.dispatch('format_number', 'gonghui')(expr) }}
{%- endmacro %}

{% macro default__format_number(expr) -%}
    rtrim(rtrim(cast(round(cast({{ expr }} as decimal(38, 6)), 2) as {{ dbt.type_string() }}), '0'), '.')
{%- endmacro %}

{#- Spark's two-argument rtrim is rtrim(trimStr, str), the reverse of DuckDB's: the standard
    trim(trailing … from …) instead. -#}
{% macro spark__format_number(expr) -%}
    trim(trailing '.' from trim(trailing '0' from
        cast(round(cast({{ expr }} as decimal(38, 6)), 2) as string)
    ))
{%- endmacro %}
