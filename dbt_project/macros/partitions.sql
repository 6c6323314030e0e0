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

{#- The rows a test of a model rebuilt by partition needs to judge. In an incremental build,
    with only_rebuilt, those of the partitions it rebuilt: the others hold the rows the last
    build tested, and a key they share with a rebuilt partition is caught all the same, as
    int_partitions_to_rebuild widens the rebuild to every partition holding an
    enterprise-period of a changed one, so both rows of such a pair are rebuilt. Otherwise
    every row. (The partitions are referenced whatever the build, so that dbt knows, when it
    parses the project, that such a test runs after them.) -#}
{% macro partitions_tested(only_rebuilt) -%}
    {%- set rebuilt = in_partitions_to_rebuild() if only_rebuilt else none -%}
    {%- if rebuilt and env_var('GONGHUI_INCREMENTAL_BUILD', 'false') == 'true' -%}
        {{ rebuilt }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
