-- One row per compute-centre project event as landed.
select
    -- A project is a name within a region; this is the one place its key is made.
    md5(region_code || '|' || project) as project_id,
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
-- The raw layer holds every landed row; rejected ones carry their reason (also in audit.rejected_rows).
where _reject_reason is null
