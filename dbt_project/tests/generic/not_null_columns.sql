{#- None of the listed columns is null: one test (one query, one dbt node, one Dagster check)
    instead of a not_null test per column. Marts do this with contract constraints; this is
    for the views and seeds, which have no contract. only_pending_loads: judge only the rows
    of the loads not yet published (a landing model's rows, which never change once written:
    the earlier loads' rows were judged when they were pending). -#}
{% test not_null_columns(model, columns, only_pending_loads=false) %}

select *

from {{ model }}

where
    {{ in_pending_loads() if only_pending_loads else 'true' }}
    and (
        {% for column in columns -%}
            {{ column }} is null{% if not loop.last %} or {% endif %}
        {%- endfor %}
    )

{% endtest %}
