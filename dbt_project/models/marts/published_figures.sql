-- Every figure the indicator sources publish, actuals and forecasts alike, one per
-- region x indicator x period x kind, chosen by the same source precedence as the
-- actual figures of city_indicators (macros/figure_precedence.sql). A forecast and an
-- actual for the same year are two figures: neither hides the other. Every landed file
-- counts, whatever its name: a figure of a synthetic file (macros/synthetic.sql) only loses
-- to a figure of another file for the same key, by that precedence.
select
    region_code,
    indicator_code as indicator,
    period,
    value,
    value_kind,
    is_forecast,
    source,
    source_quote,
    source_file,
    source_line
from {{ ref('stg_indicators__figures') }}
qualify row_number() over (
    partition by region_code, indicator_code, period, is_forecast
    order by {{ modu_figure_precedence() }}
) = 1
