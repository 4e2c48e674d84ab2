-- The actual figures city_indicators shows, one column per indicator: one row per region x
-- year with a chosen actual figure of either (int_indicators__chosen_figures: forecasts left
-- out, one figure per region x indicator x period by source precedence).
select
    region_code,
    period as year,
    cast(max(value) filter (where indicator_code = 'ai_enterprise_count') as bigint) as ai_enterprise_count_published,
    max(value) filter (where indicator_code = 'ai_industry_output_cny') as ai_industry_output_cny
from {{ ref('int_indicators__chosen_figures') }}
where indicator_code in ('ai_enterprise_count', 'ai_industry_output_cny')
group by region_code, period
