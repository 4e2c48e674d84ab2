-- MetricFlow's time spine: one row per day of every year of the region x year panel
-- (int_region_years). dbt requires a day-grain spine before it parses a semantic layer; no
-- metric of modu's joins it (none is an offset or cumulative metric: growth is the mart's own
-- column), so it is built with the models but not published.
with span as (
    select min(year) as first_year, max(year) as last_year
    from {{ ref('int_region_years') }}
)

select cast(day as date) as date_day
from span
{{ modu_join_day_series('make_date(span.first_year, 1, 1)', 'make_date(span.last_year, 12, 31)', 'day') }}
