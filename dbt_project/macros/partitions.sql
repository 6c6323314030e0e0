{#- Incremental builds by partition. A partition is one town (region_code) and one period:
    the grain at which returns arrive. int_partitions_to_rebuild lists the partitions the
    loads not yet published touched (the record the ingestion writes); the large models
    rebuild only those. -#}

{#- True for rows of a partition that is rebuilt in this run. -#}
{% macro in_partitions_to_rebuild() -%}
    {{ adapter.dispatch('in_partitions_to_rebuild', 'gonghui')() }}
{%- endmacro %}

{#- DuckDB: the towns are also named as constants. DuckDB filters on a constant list before
    it computes the rest of a row; the semi-join it applies only after every column of every
    row is read and projected. int_enterprise_returns__ranked (the landing Parquet through the
    staging view) at scale 3, one town to rebuild: 1.4 s -> 0.05 s. Past a thousand towns the
    semi-join alone says it (a list that long is a big night, not the common one). -#}
{% macro default__in_partitions_to_rebuild() -%}
    {%- set towns = values_to_rebuild('region_code') if execute else none -%}
    {%- set named = '' -%}
    {%- if towns is not none and towns | length <= 1000 -%}
        {%- set quoted = towns | map('replace', "'", "''") | join("', '") -%}
        {%- set named = "region_code in ('" ~ quoted ~ "') and " if towns else 'false and ' -%}
    {%- endif -%}
    (
        {{ named }}(region_code, period) in (
            select region_code, period from {{ ref('int_partitions_to_rebuild') }}
        )
    )
{%- endmacro %}

{#- The distinct values of a column of int_partitions_to_rebuild (its towns, its periods), as
    this build wrote it; none before the table was ever built (dbt compile, docs of an empty
    warehouse). -#}
{% macro values_to_rebuild(column) -%}
    {%- set partitions = load_relation(ref('int_partitions_to_rebuild')) -%}
    {%- if partitions is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set values = run_query(
        'select distinct ' ~ column ~ ' from ' ~ partitions
        ~ ' where ' ~ column ~ ' is not null order by ' ~ column
    ) -%}
    {{ return(values.columns[0].values()) }}
{%- endmacro %}

{#- True for landing rows of the loads not yet published (landing.pending_loads): the rows a
    build sees for the first time. A landing row never changes once written (a replaced
    file's rows move to the archive as they were), so what a build kept or tested of the
    earlier loads' rows still holds. -#}
{% macro in_pending_loads() -%}
    load_id in (select load_id from {{ source('landing', 'pending_loads') }})
{%- endmacro %}

{#- Spark: the tables are partitioned by period (a town-and-period partition is far too small at
    national scale), so a rebuild takes whole periods: every town of a touched period. -#}
{% macro spark__in_partitions_to_rebuild() -%}
    period in (select period from {{ ref('int_partitions_to_rebuild') }})
{%- endmacro %}

{#- How a model built by partition is written, per engine (config of the seven models built
    by partition): DuckDB deletes and inserts the partitions to rebuild (the strategy below);
    Spark overwrites whole periods of a table partitioned by period. -#}
{% macro partition_strategy() -%}
    {{ adapter.dispatch('partition_strategy', 'gonghui')() }}
{%- endmacro %}

{% macro default__partition_strategy() -%}
    replace_partitions
{%- endmacro %}

{% macro spark__partition_strategy() -%}
    insert_overwrite
{%- endmacro %}

{#- The table's partition column: none in DuckDB (one file), the period in Spark. -#}
{% macro partition_column() -%}
    {{ adapter.dispatch('partition_column', 'gonghui')() }}
{%- endmacro %}

{% macro default__partition_column() -%}
{%- endmacro %}

{% macro spark__partition_column() -%}
    period
{%- endmacro %}

{#- Spark, before an incremental insert_overwrite: drop the periods to rebuild, so a period
    whose rows all went away is emptied too (a dynamic overwrite only replaces the periods
    the new rows have). -#}
{% macro drop_partitions_to_rebuild() -%}
    {{ adapter.dispatch('drop_partitions_to_rebuild', 'gonghui')() }}
{%- endmacro %}

{% macro default__drop_partitions_to_rebuild() -%}
{%- endmacro %}

{% macro spark__drop_partitions_to_rebuild() -%}
    {%- if execute and is_incremental() -%}
        {%- set periods = values_to_rebuild('period') -%}
        {%- if periods -%}
            alter table {{ this }} drop if exists
            {%- for period in periods %}
                partition (period = '{{ period }}'){{ ',' if not loop.last }}
            {%- endfor %}
        {%- endif -%}
    {%- endif -%}
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
