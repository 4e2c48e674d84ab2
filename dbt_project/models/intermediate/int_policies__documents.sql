-- One row per policy document: the same policy_id landed twice (in two files, or twice
-- in one) is one document; the first landed copy is kept.
-- Incremental: only policy_ids of newly landed rows are recomputed, from all their copies.
-- The staged rows are read by name each time, not through one CTE: a CTE read twice is
-- materialized whole.
{{ config(**modu_upsert_config(unique_key='policy_id')) }}

select *, (select max(ingested_at) from {{ ref('stg_policies__documents') }}) as built_through_ingested_at
from {{ ref('stg_policies__documents') }}
{% if is_incremental() %}
where policy_id in (
    select policy_id from {{ ref('stg_policies__documents') }}
    where ingested_at > (select max(built_through_ingested_at) from {{ this }})
)
{% endif %}
qualify row_number() over (
    partition by policy_id
    order by ingested_at, source_file, source_line
) = 1
