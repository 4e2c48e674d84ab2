-- Built compute capacity at year end, rolled up: for every panel region-year whose region
-- has a compute project in it or anywhere within it, the capacity of those projects whose
-- status at 31 December is completed or operational (0 when none is). A region without
-- any project has no row (null in city_indicators).
with compute_regions as (
    select distinct ancestors.ancestor_code as region_code
    from {{ ref('int_compute__projects') }} as projects
    join {{ ref('int_region_ancestors') }} as ancestors on ancestors.region_code = projects.region_code
),

year_end as (
    select
        ancestors.ancestor_code as region_code,
        year(status.as_of) as year,
        sum(status.capacity_pflops) filter (where status.is_completed) as completed_capacity_pflops
    from {{ ref('int_compute__project_status_by_date') }} as status
    join {{ ref('int_region_ancestors') }} as ancestors on ancestors.region_code = status.region_code
    where month(status.as_of) = 12 and day(status.as_of) = 31
    group by ancestors.ancestor_code, year(status.as_of)
)

select
    panel.region_code,
    panel.year,
    cast(coalesce(year_end.completed_capacity_pflops, 0) as decimal(18, 4)) as compute_capacity_pflops
from {{ ref('int_region_years') }} as panel
join compute_regions on compute_regions.region_code = panel.region_code
left join year_end on year_end.region_code = panel.region_code and year_end.year = panel.year
