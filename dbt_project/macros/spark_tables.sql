{#- Spark: where the tables are. The checks and the publish read the tables dbt builds as files,
    through DuckDB (pipelines/warehouse/spark_tables.py), so they must be where this machine
    can read them: the database dbt builds in is created at GONGHUI_SPARK_TABLES_DIR (a local
    folder, or on a cluster a folder it mounts at the same path as this machine), and each
    table, a managed one, is a folder in it. Managed, not `location_root`: dropping a managed
    table or partition deletes its files, an external one's stay behind for DuckDB to read. -#}
{% macro spark__create_schema(relation) -%}
    {%- call statement('create_schema') -%}
        create schema if not exists {{ relation }}
        {%- if relation.schema == target.schema %}
            location '{{ env_var('GONGHUI_SPARK_TABLES_DIR') }}'
        {%- endif %}
    {%- endcall %}
{%- endmacro %}

{#- A database made before (by hand, or with another GONGHUI_SPARK_TABLES_DIR) keeps its own
    location, and the publish would read another folder than the one Spark writes: stop. -#}
{% macro check_tables_location() -%}
    {{ return(adapter.dispatch('check_tables_location', 'gonghui')()) }}
{%- endmacro %}

{% macro default__check_tables_location() -%}
{%- endmacro %}

{% macro spark__check_tables_location() -%}
    {%- if execute and adapter.check_schema_exists(target.database, target.schema) -%}
        {%- set expected = env_var('GONGHUI_SPARK_TABLES_DIR').rstrip('/') -%}
        {%- set described = run_query('describe schema ' ~ target.schema) -%}
        {%- set location = [] -%}
        {%- for row in described.rows if row[0] == 'Location' -%}
            {%- do location.append(modules.re.sub('^file:(//)?', '', row[1]).rstrip('/')) -%}
        {%- endfor -%}
        {%- if location != [expected] -%}
            {%- do exceptions.raise_compiler_error(
                'Spark 的数据库 ' ~ target.schema ~ ' 位于 ' ~ (location | join(', ') or '（未知）')
                ~ '，而不是 GONGHUI_SPARK_TABLES_DIR=' ~ expected ~ '：发布读不到它的表'
                ~ ' (Spark database ' ~ target.schema ~ ' is at ' ~ (location | join(', '))
                ~ ', not at GONGHUI_SPARK_TABLES_DIR; the publish could not read its tables.'
                ~ ' Drop it, or point GONGHUI_SPARK_TABLES_DIR at its location)'
            ) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
