{#- Where a landing row came from: every landing table carries these columns, and every
    staging model passes them on unchanged. -#}
{% macro lineage_columns() -%}
    source_file,
        sheet,
        source_row,
        file_mtime,
        load_id
{%- endmacro %}
