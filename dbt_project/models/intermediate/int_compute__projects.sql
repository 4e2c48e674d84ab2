-- One row per compute-centre project (name within region), with the capacity and
-- investment stated on any of its event rows and the date it was first completed or
-- operational (an event after which its capacity counts as built: is_completed of the
-- compute_events vocabulary).
select
    events.project_id,
    events.project_name,
    events.region_code,
    max(events.capacity_pflops) as capacity_pflops,
    max(events.investment_cny) as investment_cny,
    min(events.event_date) filter (where vocabulary.is_completed) as first_completed_on,
    min(events.event_date) filter (where events.event = 'announced') as first_announced_on
from {{ ref('stg_compute__events') }} as events
join {{ ref('compute_events') }} as vocabulary on vocabulary.event = events.event
group by events.project_id, events.project_name, events.region_code
