with panel as (
    select * from {{ ref('int_region_years') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

counts as (
    select * from {{ ref('int_ai_enterprise_counts') }}
),

figures as (
    select
        region_code,
        period as year,
        max(value) filter (where indicator_code = 'ai_enterprise_count') as ai_enterprise_count_published,
        max(value) filter (where indicator_code = 'ai_industry_output_cny') as ai_industry_output_cny
    from {{ ref('int_indicators__chosen_figures') }}
    group by all
),

policies as (
    select region_code, year(published_on) as year, count(*) as policy_count
    from {{ ref('int_policies__documents') }}
    group by all
),

compute_regions as (
    select distinct ancestors.ancestor_code as region_code
    from {{ ref('int_compute__projects') }} as projects
    join {{ ref('int_region_ancestors') }} as ancestors using (region_code)
),

capacity as (
    select
        ancestors.ancestor_code as region_code,
        year(status.as_of) as year,
        sum(status.capacity_pflops) filter (where status.is_completed) as completed_capacity_pflops
    from {{ ref('int_compute__project_status_by_date') }} as status
    join {{ ref('int_region_ancestors') }} as ancestors using (region_code)
    where month(status.as_of) = 12 and day(status.as_of) = 31
    group by all
)

select
    panel.region_code,
    regions.name_zh as region_name_zh,
    regions.level,
    panel.year,
    counts.ai_enterprise_count,
    cast(figures.ai_enterprise_count_published as bigint) as ai_enterprise_count_published,
    case
        when previous.ai_enterprise_count > 0 and counts.ai_enterprise_count is not null
        then (counts.ai_enterprise_count - previous.ai_enterprise_count) / previous.ai_enterprise_count
    end as ai_enterprise_yoy_growth,
    figures.ai_industry_output_cny,
    coalesce(policies.policy_count, 0) as policy_count,
    cast(case when compute_regions.region_code is not null
         then coalesce(capacity.completed_capacity_pflops, 0) end as decimal(18, 4)) as compute_capacity_pflops
from panel
join regions using (region_code)
left join counts on counts.region_code = panel.region_code and counts.year = panel.year
left join counts as previous on previous.region_code = panel.region_code and previous.year = panel.year - 1
left join figures on figures.region_code = panel.region_code and figures.year = panel.year
left join policies on policies.region_code = panel.region_code and policies.year = panel.year
left join compute_regions on compute_regions.region_code = panel.region_code
left join capacity on capacity.region_code = panel.region_code and capacity.year = panel.year
