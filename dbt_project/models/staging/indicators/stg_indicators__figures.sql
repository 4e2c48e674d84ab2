-- One row per published indicator figure as landed (several sources may report
-- the same region, indicator and period; all are kept here).
select
    region_code,
    indicator_code,
    period,
    value,
    value_kind,
    is_forecast,
    source,
    source_quote,
    _file as source_file,
    _line as source_line,
    _ingested_at as ingested_at,
    {{ modu_is_synthetic_file('_file') }} as is_synthetic
from {{ source('raw', 'indicators') }}
-- The raw layer holds every landed row; rejected ones carry their reason (also in audit.rejected_rows).
where _reject_reason is null
