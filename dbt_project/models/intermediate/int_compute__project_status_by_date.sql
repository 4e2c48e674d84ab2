-- A project's status on every date that matters downstream (the end of every month with
-- a compute event anywhere, and 31 December of every panel year): its latest event on or
-- before that date, whatever order the events arrived in. Events on the same day rank by
-- lifecycle order, and whether a status counts as built is_completed, both from the
-- compute_events vocabulary.
with events as (
    select
        events.project_id,
        events.region_code,
        events.event,
        events.event_date,
        vocabulary.lifecycle_rank,
        vocabulary.is_completed
    from {{ ref('stg_compute__events') }} as events
    join {{ ref('compute_events') }} as vocabulary on vocabulary.event = events.event
),

as_of_dates as (
    select distinct last_day(event_date) as as_of from events
    union
    select distinct make_date(year, 12, 31) from {{ ref('int_region_years') }}
),

latest as (
    select as_of_dates.as_of, events.project_id, events.region_code, events.event, events.is_completed
    from as_of_dates
    join events on events.event_date <= as_of_dates.as_of
    qualify row_number() over (
        partition by as_of_dates.as_of, events.project_id
        order by events.event_date desc, events.lifecycle_rank desc
    ) = 1
)

select
    latest.as_of,
    latest.project_id,
    latest.region_code,
    latest.event as status,
    latest.is_completed,
    projects.capacity_pflops
from latest
join {{ ref('int_compute__projects') }} as projects on projects.project_id = latest.project_id
