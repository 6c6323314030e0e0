{#- The landing tables as dbt's sources see them (schema `landing`). DuckDB: the ingestion's
    tables in the warehouse file. Spark: views over the Parquet directories under
    GONGHUI_LANDING_DIR (one per source, Hive-partitioned or not), made at the start of every dbt
    command (on-run-start); a path read by Spark lists its files and partitions afresh on every
    query, so no metastore partitions need registering. -#}
{% macro register_landing() -%}
    {{ return(adapter.dispatch('register_landing', 'gonghui')()) }}
{%- endmacro %}

{#- DuckDB: the ingestion made them; nothing to run (an empty hook is skipped). -#}
{% macro default__register_landing() -%}
{%- endmacro %}

{% macro spark__register_landing() -%}
    {%- if execute -%}
        {%- set landing_dir = env_var('GONGHUI_LANDING_DIR') -%}
        {%- do run_query('create database if not exists landing') -%}
        {%- for source in graph.sources.values() if source.source_name == 'landing' -%}
            {%- do run_query(
                'create or replace view landing.' ~ source.name ~ ' as select * from parquet.`'
                ~ landing_dir ~ '/' ~ source.name ~ '`'
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
