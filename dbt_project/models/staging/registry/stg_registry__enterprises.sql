-- One row per registry record as landed; a USCC may appear more than once.
select
    uscc,
    name as enterprise_name,
    region_code,
    registered_on,
    deregistered_on,
    registered_capital,
    registered_capital_currency,
    registered_capital_cny,
    business_scope,
    _file as source_file,
    _line as source_line,
    _ingested_at as ingested_at
from {{ source('raw', 'enterprises') }}
-- The raw layer holds every landed row; rejected ones carry their reason (also in audit.rejected_rows).
where _reject_reason is null
