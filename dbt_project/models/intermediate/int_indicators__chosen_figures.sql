-- One actual (not forecast) figure per region x indicator x period, by source
-- precedence (macros/figure_precedence.sql).
select *
from {{ ref('stg_indicators__figures') }}
where not is_forecast
qualify row_number() over (
    partition by region_code, indicator_code, period
    order by {{ modu_figure_precedence() }}
) = 1
