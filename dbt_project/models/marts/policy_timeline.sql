select
    policy_id,
    region_code,
    level,
    published_on,
    published_on_precision,
    doc_type,
    title,
    issuer,
    plan_start_year,
    plan_end_year,
    cast({{ dbt.datediff(
        'lag(published_on) over (partition by region_code order by published_on, policy_id)',
        'published_on',
        'day'
    ) }} as bigint) as days_since_previous_in_region
from {{ ref('int_policies__documents') }}
