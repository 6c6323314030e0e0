{#- The listed columns together identify a row (dbt_utils.unique_combination_of_columns,
    without the package: the project installs no packages). NULLs compare equal here.

    only_rebuilt_partitions: on a model rebuilt by partition (macros/partitions.sql), an
    incremental build looks only at the partitions it rebuilt. The others hold the rows the
    last build tested, and a key shared with a rebuilt partition is caught all the same:
    int_partitions_to_rebuild widens the rebuild to every partition holding an
    enterprise-period of a changed one, so both rows of such a pair are rebuilt. (The
    partitions are referenced whatever the build, so dbt knows the test depends on them.) -#}
{% test unique_combination(model, combination_of_columns, only_rebuilt_partitions=false) %}

{%- set columns = combination_of_columns | join(', ') %}
{%- set rebuilt = in_partitions_to_rebuild() if only_rebuilt_partitions else none %}
{%- set incremental = env_var('GONGHUI_INCREMENTAL_BUILD', 'false') == 'true' %}

with

duplicates as (

    select
        {{ columns }},
        count(*) as row_count

    from {{ model }}

    {% if rebuilt and incremental -%}
        where {{ rebuilt }}
    {%- endif %}

    group by {{ columns }}

    having count(*) > 1

)

select * from duplicates

{% endtest %}
