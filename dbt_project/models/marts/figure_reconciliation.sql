-- Published figures beside the same figure computed by the warehouse. A mismatch is a
-- recorded finding, never a silent fix: the published value is shown as published. Every
-- landed figure of a reconciled indicator has its row, whatever its file's name (the contract:
-- one row per published figure the warehouse can also compute).
with published as (
    select *
    from {{ ref('stg_indicators__figures') }}
    where not is_forecast
      and indicator_code in ('ai_enterprise_count', 'ai_enterprise_increase', 'compute_centre_city_count')
),

registry_counts as (
    select region_code, year, ai_enterprise_count from {{ ref('city_indicators') }}
),

-- The increase a source states is checked against its own counts: the same region's
-- latest published count before the period.
earlier_published as (
    select
        later.region_code,
        later.period,
        later.value - earlier.value as increase,
        earlier.period as base_period
    from {{ ref('int_indicators__chosen_figures') }} as later
    join {{ ref('int_indicators__chosen_figures') }} as earlier
        on earlier.region_code = later.region_code
        and earlier.indicator_code = later.indicator_code
        and earlier.period < later.period
    where later.indicator_code = 'ai_enterprise_count'
    qualify row_number() over (partition by later.region_code, later.period order by earlier.period desc) = 1
),

-- Regions (by their own code: provinces stay provinces) with a compute-centre event in the year.
compute_regions as (
    select year(event_date) as year, count(distinct region_code) as regions_with_events
    from {{ ref('stg_compute__events') }}
    group by all
),

computed as (
    select
        published.*,
        -- Cast whole: engines widen decimal arithmetic differently (Spark adds a digit).
        cast(case published.indicator_code
            when 'ai_enterprise_count' then registry_counts.ai_enterprise_count
            when 'ai_enterprise_increase' then earlier_published.increase
            when 'compute_centre_city_count' then compute_regions.regions_with_events
        end as decimal(18, 2)) as computed_value,
        case published.indicator_code
            when 'ai_enterprise_count' then 'AI-related enterprises in the registry extract at year end'
            when 'ai_enterprise_increase' then 'published ai_enterprise_count ' || published.period
                || ' minus published ai_enterprise_count ' || earlier_published.base_period
            when 'compute_centre_city_count' then 'distinct regions with a compute-centre event in raw/compute'
        end as computed_from
    from published
    left join registry_counts
        on published.indicator_code = 'ai_enterprise_count'
        and registry_counts.region_code = published.region_code
        and registry_counts.year = published.period
    left join earlier_published
        on published.indicator_code = 'ai_enterprise_increase'
        and earlier_published.region_code = published.region_code
        and earlier_published.period = published.period
    left join compute_regions
        on published.indicator_code = 'compute_centre_city_count'
        and compute_regions.year = published.period
)

select
    region_code,
    indicator_code as indicator,
    period,
    value as published_value,
    computed_value,
    cast(computed_value - value as decimal(18, 2)) as difference,
    case
        when computed_value is null then 'not_computable'
        when computed_value = value then 'match'
        else 'mismatch'
    end as status,
    computed_from,
    source,
    source_quote,
    source_file,
    source_line
from computed
