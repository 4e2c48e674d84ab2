with timeline as (
    select * from {{ ref('policy_timeline') }}
),

region_years as (
    select
        region_code,
        year(published_on) as year,
        count(*) as policy_count,
        min(published_on) as first_published_on,
        max(published_on) as last_published_on,
        -- Of an even number of gaps, the mean of the two middle ones.
        {{ modu_median('days_since_previous_in_region') }} as median_gap_days
    from timeline
    group by all
),

plans as (
    select region_code, plan_start_year, plan_end_year
    from timeline
    where doc_type = 'plan' and plan_start_year is not null
)

select
    region_years.region_code,
    cast(region_years.year as integer) as year,
    region_years.policy_count,
    region_years.first_published_on,
    region_years.last_published_on,
    cast(region_years.median_gap_days as double) as median_gap_days,
    (
        select count(*) from plans
        where plans.region_code = region_years.region_code
          and region_years.year between plans.plan_start_year and plans.plan_end_year
    ) as plans_in_force
from region_years
