{#- The listed columns together identify a row (dbt_utils.unique_combination_of_columns,
    without the package: the project installs no packages). NULLs compare equal here.
    only_rebuilt_partitions: judge only the partitions int_partitions_to_rebuild lists (a
    full load lists them all); the others hold the rows an earlier build tested, and a key
    they share with a rebuilt partition is caught all the same, as that model widens the
    rebuild to every partition holding an enterprise-period of a pending one. -#}
{% test unique_combination(model, combination_of_columns, only_rebuilt_partitions=false) %}

{%- set columns = combination_of_columns | join(', ') %}

with

duplicates as (

    select
        {{ columns }},
        count(*) as row_count

    from {{ model }}

    where {{ in_partitions_to_rebuild() if only_rebuilt_partitions else 'true' }}

    group by {{ columns }}

    having count(*) > 1

)

select * from duplicates

{% endtest %}
