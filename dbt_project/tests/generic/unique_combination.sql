{#- The listed columns together identify a row (dbt_utils.unique_combination_of_columns,
    without the package: the project installs no packages). NULLs compare equal here.
    only_rebuilt_partitions: see partitions_tested() in macros/partitions.sql. -#}
{% test unique_combination(model, combination_of_columns, only_rebuilt_partitions=false) %}

{%- set columns = combination_of_columns | join(', ') %}

with

duplicates as (

    select
        {{ columns }},
        count(*) as row_count

    from {{ model }}

    where {{ partitions_tested(only_rebuilt_partitions) }}

    group by {{ columns }}

    having count(*) > 1

)

select * from duplicates

{% endtest %}
