{#- Incremental builds by partition. A partition is one town (region_code) and one period:
    the grain at which returns arrive. int_partitions_to_rebuild lists the partitions the
    loads not yet published touched (the record the ingestion writes); the large models
    rebuild only those. -#}

{#- True for rows of a partition that is rebuilt in this run. -#}
{% macro in_partitions_to_rebuild() -%}
    (region_code, period) in (
        select region_code, period from {{ ref('int_partitions_to_rebuild') }}
    )
{%- endmacro %}

{#- Incremental strategy 'replace_partitions' (DuckDB): empty every partition to rebuild,
    then insert the model's rows for them. Unlike delete+insert on a unique key, a partition
    whose rows all went away (a removed file) is emptied too. -#}
{% macro get_incremental_replace_partitions_sql(arg_dict) -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ in_partitions_to_rebuild() }};

    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
