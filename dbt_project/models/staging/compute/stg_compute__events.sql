-- One row per compute-centre project event as landed.
select
    project as project_name,
    region_code,
    event,
    event_date,
    event_date_precision,
    capacity_pflops,
    capacity_precision,
    investment_cny,
    investment,
    investment_currency,
    operator,
    source,
    _file as source_file,
    _line as source_line,
    _ingested_at as ingested_at
from {{ source('raw', 'compute') }}
