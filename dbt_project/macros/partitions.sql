{#- Incremental builds by partition. A partition is one town (region_code) and one period:
    the grain at which returns arrive. int_partitions_to_rebuild lists the partitions whose
    rows changed since the last build; the large models rebuild only those. -#}

{#- True for rows of a partition that is rebuilt in this run. -#}
{% macro in_partitions_to_rebuild() -%}
    (region_code, period) in (
        select region_code, period from {{ ref('int_partitions_to_rebuild') }}
    )
{%- endmacro %}

{#- What identifies a landing row's content: a load parses a file once, so the same file, sheet,
    row and load id is the same row, and a touched file moves its file_mtime. The sum over a
    partition changes when any row of it is added, removed, reloaded, touched or archived. -#}
{% macro lineage_digest() -%}
    sum(hash(source_file, sheet, source_row, file_mtime, load_id, archived_at))
{%- endmacro %}

{#- Incremental strategy 'replace_partitions': empty every partition to rebuild, then insert the
    model's rows for them. Unlike delete+insert on a unique key, a partition whose rows all went
    away (a removed file) is emptied too. -#}
{% macro get_incremental_replace_partitions_sql(arg_dict) -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ in_partitions_to_rebuild() }};

    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
