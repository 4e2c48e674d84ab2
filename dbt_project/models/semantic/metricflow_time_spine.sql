-- MetricFlow's time spine: one row per day of every year of the region x year panel
-- (int_region_years). dbt requires a day-grain spine before it parses a semantic layer; no
-- metric of modu's joins it (none is an offset or cumulative metric: growth is the mart's own
-- column), so it is built with the models but not published.
with span as (
    select min(year) as first_year, max(year) as last_year
    from {{ ref('int_region_years') }}
),

days as (
    select
        cast({{ dbt.dateadd('day', 'day_number', 'make_date(span.first_year, 1, 1)') }} as date) as date_day,
        span.last_year
    from span
    {{ modu_join_integer_series('0', '(span.last_year - span.first_year + 1) * 366 - 1', 'day_number') }}
)

select date_day
from days
where year(date_day) <= last_year
