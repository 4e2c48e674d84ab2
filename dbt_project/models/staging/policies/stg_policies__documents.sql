-- One row per policy document line as landed; the same document may arrive in several files.
select
    policy_id,
    title,
    issuer,
    region_code,
    level,
    published_on,
    published_on_precision,
    effective_on,
    plan_start_year,
    plan_end_year,
    doc_type,
    topics,
    url,
    summary,
    source,
    source_quote,
    _file as source_file,
    _line as source_line,
    _ingested_at as ingested_at
from {{ source('raw', 'policies') }}
-- The raw layer holds every landed row; rejected ones carry their reason (also in audit.rejected_rows).
where _reject_reason is null
