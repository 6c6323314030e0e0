{#- The derived enterprise flags, spelled once: used by int_enterprise_flags (current rows)
    and fct_enterprise_return_history (every row). -#}

{% macro has_union(union_form) -%}
    coalesce({{ union_form }} in ('single', 'joint'), false)
{%- endmacro %}

{#- In force at period end: signed on or before the last day, expiring on or after it. -#}
{% macro in_force(signed_on, expires_on, period_end) -%}
    coalesce({{ signed_on }} <= {{ period_end }} and {{ expires_on }} >= {{ period_end }}, false)
{%- endmacro %}
