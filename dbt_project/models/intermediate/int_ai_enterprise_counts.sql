-- AI-related enterprises per region (the region itself and everything within it) at
-- the end of each panel year: registered on or before 31 December and not
-- deregistered on or before that day, and the change over the previous year's count.
-- Regions with registry rows but no AI-related enterprise get 0; regions without
-- registry rows get no row (null downstream).
-- The registry is read twice, each time reduced before the region roll-up: its distinct
-- regions (to know which regions have registry rows) and its AI-related enterprises (a few
-- percent of it). Rolling every enterprise up to its ancestors first would multiply the
-- whole registry by its depth.
with ai_enterprises as (
    select region_code, registered_on, deregistered_on
    from {{ ref('int_enterprises__latest_record') }}
    where is_ai_related
),

located as (
    select
        ancestors.ancestor_code as region_code,
        ai_enterprises.registered_on,
        ai_enterprises.deregistered_on
    from ai_enterprises
    join {{ ref('int_region_ancestors') }} as ancestors using (region_code)
),

covered_regions as (
    select distinct ancestors.ancestor_code as region_code
    from (select distinct region_code from {{ ref('int_enterprises__latest_record') }}) as registry_regions
    join {{ ref('int_region_ancestors') }} as ancestors using (region_code)
),

panel as (
    select panel.region_code, panel.year
    from {{ ref('int_region_years') }} as panel
    join covered_regions using (region_code)
),

-- Each AI enterprise adds one from its registration year and takes it back from the
-- year it is deregistered, so a year's count is a running sum of these changes.
changes as (
    select region_code, year(registered_on) as year, count(*) as delta
    from located
    group by all
    union all
    select region_code, year(deregistered_on), -count(*)
    from located where deregistered_on is not null
    group by all
),

counts as (
    select
        panel.region_code,
        panel.year,
        cast(coalesce(sum(changes.delta), 0) as bigint) as ai_enterprise_count
    from panel
    left join changes
        on changes.region_code = panel.region_code
        and changes.year <= panel.year
    group by panel.region_code, panel.year
)

select
    counts.region_code,
    counts.year,
    counts.ai_enterprise_count,
    -- A fraction; null where the previous year is not in the panel or its count is 0.
    case
        when previous.ai_enterprise_count > 0
        then (counts.ai_enterprise_count - previous.ai_enterprise_count) / previous.ai_enterprise_count
    end as ai_enterprise_yoy_growth
from counts
left join counts as previous
    on previous.region_code = counts.region_code
    and previous.year = counts.year - 1
