-- The region x year panel of city_indicators: every region any source mentions (with
-- the regions that registry and compute rows roll up into), for every year from the
-- first to the last year an actual figure, registration, document or event mentions;
-- plus the exact region-year pairs that only forecast figures mention. is_actual_year
-- tells the two kinds of year apart: a forecast alone never makes an index year
-- (modu_index).
with mentions as (
    select region_code, period as year, is_forecast from {{ ref('stg_indicators__figures') }}
    union all
    select region_code, year(published_on), false from {{ ref('int_policies__documents') }}
    union all
    select ancestors.ancestor_code, year(events.event_date), false
    from {{ ref('stg_compute__events') }} as events
    join {{ ref('int_region_ancestors') }} as ancestors using (region_code)
    union all
    select ancestors.ancestor_code, year(enterprises.registered_on), false
    from {{ ref('int_enterprises__latest_record') }} as enterprises
    join {{ ref('int_region_ancestors') }} as ancestors using (region_code)
),

span as (
    select min(year) as first_year, max(year) as last_year from mentions where not is_forecast
),

panel as (
    select distinct mentions.region_code, panel_year as year
    from mentions
    cross join span
    {{ modu_join_integer_series('span.first_year', 'span.last_year', 'panel_year') }}
    union
    select region_code, year from mentions
)

select
    panel.region_code,
    cast(panel.year as integer) as year,
    coalesce(panel.year between span.first_year and span.last_year, false) as is_actual_year
from panel
cross join span
