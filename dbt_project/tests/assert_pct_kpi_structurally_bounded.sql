-- KPIs whose numerator is a subset of the denominator by construction (counts of flagged
-- enterprises, covered employees capped at employees, submission) never exceed 100%.

with

kpis as (

    select * from {{ ref('mart_kpi') }}

),

violations as (

    select *

    from kpis

    where
        kpi in (
            'org_rate', 'org_rate_25plus', 'single_union_share', 'joint_union_share',
            'cba_rate', 'cba_coverage', 'female_cba_rate', 'wage_rate',
            'congress_rate_public', 'congress_rate_nonpublic', 'open_affairs_rate',
            'legal_person_rate', 'submission_rate'
        )
        and (value > 100 or value < 0 or numerator > denominator)

)

select * from violations
