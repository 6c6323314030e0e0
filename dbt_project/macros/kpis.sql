{#- The KPI table (vars.kpis in dbt_project.yml) rendered into SQL. -#}

{#- A KPI's numerator or denominator over the rows of its population, per group: the measure
    summed over the rows the filter keeps. The measure `enterprises` counts rows; any other
    measure is a column of the rows, a missing value counting 0. -#}
{% macro kpi_count(count) -%}
    {%- if count.measure == 'enterprises' -%}
        {%- set value = '1' -%}
    {%- else -%}
        {%- set value = 'coalesce(' ~ count.measure ~ ', 0)' -%}
    {%- endif -%}
    {%- if count.get('filter') -%}
        cast(sum(case when {{ count.filter }} then {{ value }} else 0 end) as bigint)
    {%- else -%}
        cast(sum({{ value }}) as bigint)
    {%- endif -%}
{%- endmacro %}

{#- A text of the KPI table as a string literal, or a null string when it is missing. -#}
{% macro kpi_text(value) -%}
    {%- if value is none -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
        '{{ dbt.escape_single_quotes(value) }}'
    {%- endif -%}
{%- endmacro %}
