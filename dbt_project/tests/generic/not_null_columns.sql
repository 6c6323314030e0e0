{#- None of the listed columns is null: one test (one query, one dbt node, one Dagster check)
    instead of a not_null test per column. Marts do this with contract constraints; this is
    for the views and seeds, which have no contract. -#}
{% test not_null_columns(model, columns) %}

select *

from {{ model }}

where
    {% for column in columns -%}
        {{ column }} is null{% if not loop.last %} or {% endif %}
    {%- endfor %}

{% endtest %}
