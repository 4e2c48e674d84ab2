-- One actual (not forecast) figure per region x indicator x period, by source
-- precedence: a figure that cites its source sentence beats one that does not;
-- then the most recently landed file; then the later line of that file.
select *
from {{ ref('stg_indicators__figures') }}
where not is_forecast
qualify row_number() over (
    partition by region_code, indicator_code, period
    order by (source_quote is not null) desc, ingested_at desc, source_file desc, source_line desc
) = 1
