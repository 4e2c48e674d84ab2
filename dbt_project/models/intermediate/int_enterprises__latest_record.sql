-- One row per USCC: the most recent registration record (latest registered_on; on a
-- tie the most recently landed file, then the later line), classified as AI-related
-- when its name or business scope contains a keyword of the ai_keywords seed.
--
-- Incremental on DuckDB (modu_upsert_config; rebuilt whole on Spark): a night recomputes only the USCCs that appear in rows landed since the
-- last build (from all of their records, old and new), so the result equals a full
-- rebuild. A file leaving the landing folder triggers a full refresh (the ingest asks
-- for one in audit.full_refresh_requests).
{{ config(**modu_upsert_config(unique_key='uscc')) }}

with staged as (
    select * from {{ ref('stg_registry__enterprises') }}
),

records as (
    select * from staged
    {% if is_incremental() %}
    where uscc in (
        select uscc from staged
        where ingested_at > (select max(built_through_ingested_at) from {{ this }})
    )
    {% endif %}
),

latest as (
    select *
    from records
    qualify row_number() over (
        partition by uscc
        order by registered_on desc, ingested_at desc, source_file desc, source_line desc
    ) = 1
),

keywords as (
    select lower(keyword) as keyword from {{ ref('ai_keywords') }}
)

select
    latest.uscc,
    latest.enterprise_name,
    latest.region_code,
    latest.registered_on,
    latest.deregistered_on,
    latest.registered_capital_cny,
    latest.registered_capital_currency,
    exists (
        select 1 from keywords
        where contains(lower(latest.enterprise_name), keywords.keyword)
           or contains(lower(coalesce(latest.business_scope, '')), keywords.keyword)
    ) as is_ai_related,
    latest.source_file,
    latest.source_line,
    (select max(ingested_at) from staged) as built_through_ingested_at
from latest
