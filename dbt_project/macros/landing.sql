{#- The landing as dbt's sources see it: the Parquet the ingestion writes under
    GONGHUI_LANDING_DIR (pipelines/warehouse/landing_parquet.py), one folder per table, the
    row tables Hive-partitioned by period and prefecture. Both engines read it through views
    made at the start of every dbt command (on-run-start): on DuckDB in schema
    `landing_parquet` (the ingestion's own tables keep `landing` in the warehouse file), on
    Spark in database `landing`. A view reads its files afresh on every query, so no catalog
    of partitions needs keeping. -#}
{% macro register_landing() -%}
    {{ return(adapter.dispatch('register_landing', 'gonghui')()) }}
{%- endmacro %}

{#- DuckDB: the partition folders are named (`p_period=…/p_city=…`) and the small tables' file
    too, so the hidden folder and names a copy stages its files under are never read; the
    partition keys are left out, so the columns are the landing tables' own. -#}
{% macro duckdb__register_landing() -%}
    {%- if execute -%}
        {%- set landing_dir = env_var('GONGHUI_LANDING_DIR') | replace("'", "''") -%}
        {%- do run_query('create schema if not exists landing_parquet') -%}
        {%- for source in graph.sources.values() if source.source_name == 'landing' -%}
            {%- set folder = landing_dir ~ '/' ~ source.name -%}
            {%- set partitions = folder ~ '/p_period=*/p_city=*/*.parquet' -%}
            {%- set found = run_query("select count(*) from glob('" ~ partitions ~ "')") -%}
            {%- if found.columns[0].values()[0] > 0 -%}
                {%- set rows = "select * exclude (p_period, p_city) from read_parquet('"
                    ~ partitions ~ "', hive_partitioning = true, hive_types_autocast = false)" -%}
            {%- else -%}
                {%- set rows = "select * from read_parquet('" ~ folder ~ "/data_0.parquet')" -%}
            {%- endif -%}
            {%- set view = 'landing_parquet.' ~ source.name -%}
            {%- do run_query('create or replace view ' ~ view ~ ' as ' ~ rows) -%}
        {%- endfor -%}
    {%- endif -%}
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
