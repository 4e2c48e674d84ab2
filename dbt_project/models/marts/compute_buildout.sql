with events as (
    select
        events.project_id,
        events.region_code,
        events.event,
        vocabulary.is_completed,
        {{ modu_month_start('events.event_date') }} as month
    from {{ ref('stg_compute__events') }} as events
    join {{ ref('compute_events') }} as vocabulary on vocabulary.event = events.event
),

projects as (
    select * from {{ ref('int_compute__projects') }}
),

months as (
    select
        region_code,
        month,
        count(*) filter (where event = 'announced') as projects_announced,
        count(*) filter (where event = 'construction_started') as projects_started,
        count(*) filter (where is_completed) as projects_completed
    from events
    group by all
),

-- A project's capacity counts as completed in the month it first became completed or operational.
completed_in_month as (
    select region_code, {{ modu_month_start('first_completed_on') }} as month,
        sum(capacity_pflops) as capacity_completed_pflops
    from projects
    where first_completed_on is not null
    group by all
),

announced_in_month as (
    select region_code, month, sum(projects.investment_cny) as investment_announced_cny
    from (select distinct region_code, project_id, month from events where event = 'announced') as announced
    join projects using (project_id, region_code)
    group by all
),

cumulative as (
    select region_code, {{ modu_month_start('as_of') }} as month,
        sum(capacity_pflops) filter (where is_completed) as cumulative_capacity_pflops
    from {{ ref('int_compute__project_status_by_date') }}
    group by all
)

select
    months.region_code,
    months.month,
    months.projects_announced,
    months.projects_started,
    months.projects_completed,
    cast(coalesce(completed_in_month.capacity_completed_pflops, 0) as decimal(18, 4)) as capacity_completed_pflops,
    cast(coalesce(cumulative.cumulative_capacity_pflops, 0) as decimal(18, 4)) as cumulative_capacity_pflops,
    cast(announced_in_month.investment_announced_cny as decimal(18, 2)) as investment_announced_cny
from months
left join completed_in_month using (region_code, month)
left join cumulative using (region_code, month)
left join announced_in_month using (region_code, month)
