{#- Every KPI of DESIGN §5 as (code, numerator count, denominator count) over the columns of
    int_kpi_counts__town / int_kpi_counts__rollup. Rates are always sum(numerator) /
    sum(denominator); labels and units live in the seed kpi_definitions. A count KPI
    (persons, rounds) has no denominator. -#}
{% macro kpi_formulas() %}
    {{ return([
        {"kpi": "org_rate", "numerator": "unionised_enterprises", "denominator": "enterprises"},
        {"kpi": "org_rate_25plus", "numerator": "unionised_enterprises_25plus",
         "denominator": "enterprises_25plus"},
        {"kpi": "single_union_share", "numerator": "single_union_enterprises",
         "denominator": "unionised_enterprises"},
        {"kpi": "joint_union_share", "numerator": "joint_union_enterprises",
         "denominator": "unionised_enterprises"},
        {"kpi": "membership_rate", "numerator": "members", "denominator": "employees"},
        {"kpi": "migrant_membership_rate", "numerator": "migrant_members",
         "denominator": "migrant_employees"},
        {"kpi": "female_membership_rate", "numerator": "female_members",
         "denominator": "female_employees"},
        {"kpi": "cba_rate", "numerator": "cba_enterprises", "denominator": "unionised_enterprises"},
        {"kpi": "cba_coverage", "numerator": "cba_covered_employees", "denominator": "employees"},
        {"kpi": "female_cba_rate", "numerator": "female_cba_enterprises",
         "denominator": "unionised_enterprises"},
        {"kpi": "wage_rate", "numerator": "wage_enterprises", "denominator": "unionised_enterprises"},
        {"kpi": "wage_covered_employees", "numerator": "wage_covered_employees", "denominator": none},
        {"kpi": "wage_rounds", "numerator": "wage_rounds", "denominator": none},
        {"kpi": "congress_rate_public", "numerator": "public_congress_enterprises",
         "denominator": "public_unionised_enterprises"},
        {"kpi": "congress_rate_nonpublic", "numerator": "nonpublic_congress_enterprises",
         "denominator": "nonpublic_unionised_enterprises"},
        {"kpi": "open_affairs_rate", "numerator": "open_affairs_enterprises",
         "denominator": "unionised_enterprises"},
        {"kpi": "legal_person_rate", "numerator": "legal_person_enterprises",
         "denominator": "unionised_enterprises"},
        {"kpi": "registration_rate", "numerator": "members_registered", "denominator": "members"},
        {"kpi": "submission_rate", "numerator": "submission_returned_enterprises",
         "denominator": "submission_previous_enterprises"},
    ]) }}
{% endmacro %}

{#- The count columns the rollup sums: every numerator and denominator above. -#}
{% macro kpi_count_columns() %}
    {%- set columns = [] -%}
    {%- for formula in kpi_formulas() -%}
        {%- for column in [formula.numerator, formula.denominator] -%}
            {%- if column and column not in columns -%}{%- do columns.append(column) -%}{%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(columns) }}
{% endmacro %}
