-- Per partition (town, period) of each mart built by partition: its row count and a sum of
-- whole-row hashes. The published snapshot keeps the digests it was made from, and
-- pipelines/publish.py rewrites only the partitions whose digests differ from these.
-- Incremental: the digests of the partitions rebuilt in this run are computed again.

-- depends_on: {{ ref('int_partitions_to_rebuild') }}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_partitions',
    on_schema_change='fail',
) }}

{%- set partitioned_marts = [
    'fct_enterprise_returns',
    'fct_enterprise_return_history',
    'mart_actions',
] %}

with

{% for mart in partitioned_marts %}

    {{ mart }}_digests as (

        select
            '{{ mart }}' as table_name,
            region_code,
            period,
            count(*) as row_count,
            sum(hash(*columns(*))) as digest

        from {{ ref(mart) }}

        {% if is_incremental() %}
            where {{ in_partitions_to_rebuild() }}
        {% endif %}

        group by region_code, period

    ),

{% endfor %}

final as (

    {% for mart in partitioned_marts %}
        select * from {{ mart }}_digests
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
