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

-- Each status holds from its event's date until the project's next event on a later day
-- (of a day's events, the last in lifecycle order), so a date joins one span per project.
-- Ranking all of a project's earlier events at every date instead joined twice as many
-- rows on the national data and took twice as long.
spans as (
    select *
    from (
        select
            *,
            lead(event_date) over (partition by project_id order by event_date, lifecycle_rank) as next_event_date
        from events
    ) as ordered
    where next_event_date is null or next_event_date > event_date
),

latest as (
    select as_of_dates.as_of, spans.project_id, spans.region_code, spans.event, spans.is_completed
    from as_of_dates
    join spans
        on spans.event_date <= as_of_dates.as_of
        and (spans.next_event_date is null or as_of_dates.as_of < spans.next_event_date)
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
