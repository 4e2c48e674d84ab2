-- The region x year panel with each figure joined on; every figure is computed in the
-- intermediate model named beside it.
select
    panel.region_code,
    regions.name_zh as region_name_zh,
    regions.level,
    panel.year,
    counts.ai_enterprise_count,
    figures.ai_enterprise_count_published,
    counts.ai_enterprise_yoy_growth,
    figures.ai_industry_output_cny,
    coalesce(policies.policy_count, 0) as policy_count,
    capacity.compute_capacity_pflops
from {{ ref('int_region_years') }} as panel
join {{ ref('dim_region') }} as regions
    on regions.region_code = panel.region_code
left join {{ ref('int_ai_enterprise_counts') }} as counts
    on counts.region_code = panel.region_code and counts.year = panel.year
left join {{ ref('int_indicators__figures_by_region_year') }} as figures
    on figures.region_code = panel.region_code and figures.year = panel.year
left join {{ ref('int_policies__counts_by_region_year') }} as policies
    on policies.region_code = panel.region_code and policies.year = panel.year
left join {{ ref('int_compute__capacity_by_region_year') }} as capacity
    on capacity.region_code = panel.region_code and capacity.year = panel.year
