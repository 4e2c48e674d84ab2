-- The region x year panel of city_indicators: every region any source mentions (with
-- the regions that registry and compute rows roll up into), for every year from the
-- first to the last year an actual figure, registration, document or event mentions;
-- plus the exact region-year pairs that only forecast figures mention. is_actual_year
-- tells the two kinds of year apart: a forecast alone never makes an index year
-- (modu_index).
--
-- Each source is reduced to its distinct (region, year) pairs before anything is
-- joined: the national registry has millions of rows but only tens of thousands of pairs.
with enterprise_years as (
    select distinct region_code, year(registered_on) as year
    from {{ ref('int_enterprises__latest_record') }}
),

event_years as (
    select distinct region_code, year(event_date) as year
    from {{ ref('stg_compute__events') }}
),

mentions as (
    select region_code, period as year, is_forecast from {{ ref('stg_indicators__figures') }}
    union
    select region_code, year(published_on), false from {{ ref('int_policies__documents') }}
    union
    select ancestors.ancestor_code, event_years.year, false
    from event_years
    join {{ ref('int_region_ancestors') }} as ancestors using (region_code)
    union
    select ancestors.ancestor_code, enterprise_years.year, false
    from enterprise_years
    join {{ ref('int_region_ancestors') }} as ancestors using (region_code)
),

span as (
    select min(year) as first_year, max(year) as last_year from mentions where not is_forecast
),

mentioned_regions as (
    select distinct region_code from mentions
),

panel as (
    select mentioned_regions.region_code, panel_year as year
    from mentioned_regions
    cross join span
    {{ modu_join_integer_series('span.first_year', 'span.last_year', 'panel_year') }}
    union
    -- every year an actual figure mentions lies in the span; forecasts may lie beyond it
    select region_code, year from mentions where is_forecast
)

select
    panel.region_code,
    cast(panel.year as integer) as year,
    coalesce(panel.year between span.first_year and span.last_year, false) as is_actual_year
from panel
cross join span
