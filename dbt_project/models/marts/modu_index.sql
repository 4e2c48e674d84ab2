-- The modu index: how a city stands in the race in a year. Method in modu_index.yml.
-- Only years with actual (not forecast) data take part (mart contract): a year that only
-- a forecast mentions is in city_indicators' panel but never becomes an index year, so the
-- latest index year ranks every city with data then.
with index_years as (
    select distinct year from {{ ref('int_region_years') }} where is_actual_year
),

cities as (
    select city_indicators.*
    from {{ ref('city_indicators') }} as city_indicators
    join index_years on index_years.year = city_indicators.year
    where city_indicators.level = 'city'
      and (city_indicators.ai_enterprise_count is not null or city_indicators.ai_enterprise_yoy_growth is not null
           or city_indicators.policy_count > 0 or city_indicators.compute_capacity_pflops > 0)
),

-- Each component becomes the share of the year's cities at or below the city's value
-- (cume_dist); a city without a value for a component scores 0 on it.
standing as (
    select
        region_code,
        year,
        ai_enterprise_count,
        ai_enterprise_yoy_growth,
        policy_count,
        compute_capacity_pflops,
        case when ai_enterprise_count is not null then cume_dist() over (
            partition by year order by ai_enterprise_count nulls first) else 0 end as scale_component,
        case when ai_enterprise_yoy_growth is not null then cume_dist() over (
            partition by year order by ai_enterprise_yoy_growth nulls first) else 0 end as growth_component,
        case when policy_count > 0 then cume_dist() over (
            partition by year order by policy_count) else 0 end as policy_component,
        case when compute_capacity_pflops > 0 then cume_dist() over (
            partition by year order by compute_capacity_pflops nulls first) else 0 end as compute_component
    from cities
),

scored as (
    select
        *,
        round(100 * (0.35 * scale_component + 0.25 * growth_component
                     + 0.20 * policy_component + 0.20 * compute_component), 6) as score
    from standing
)

select
    region_code,
    cast(year as integer) as year,
    score,
    cast(rank() over (partition by year order by score desc) as integer) as rank,
    scale_component,
    growth_component,
    policy_component,
    compute_component,
    ai_enterprise_count,
    ai_enterprise_yoy_growth,
    policy_count,
    compute_capacity_pflops
from scored
