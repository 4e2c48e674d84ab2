-- One row per compute-centre project (name within region), with the capacity and
-- investment stated on any of its event rows and the date it was first completed or
-- operational.
select
    md5(region_code || '|' || project_name) as project_id,
    project_name,
    region_code,
    max(capacity_pflops) as capacity_pflops,
    max(investment_cny) as investment_cny,
    min(event_date) filter (where event in ('completed', 'operational')) as first_completed_on,
    min(event_date) filter (where event = 'announced') as first_announced_on
from {{ ref('stg_compute__events') }}
group by project_name, region_code
