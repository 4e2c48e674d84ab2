-- One row per policy document: the same policy_id landed twice (in two files, or twice
-- in one) is one document; the first landed copy is kept.
select *
from {{ ref('stg_policies__documents') }}
qualify row_number() over (
    partition by policy_id
    order by ingested_at, source_file, source_line
) = 1
