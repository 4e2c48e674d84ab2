-- Policy documents each region issued itself, per year of publication (no roll-up: a
-- province's count leaves out its cities' documents). Years without a document have no row.
select
    region_code,
    year(published_on) as year,
    count(*) as policy_count
from {{ ref('int_policies__documents') }}
group by region_code, year(published_on)
