-- Every region paired with itself and each region it lies within: district -> city
-- -> province -> national. Counts "in the region or anywhere within it" join here.
-- Municipalities are cities whose province_code is their own code, so they appear once.
with regions as (
    select * from {{ ref('regions') }}
),

pairs as (
    select region_code, region_code as ancestor_code from regions
    union
    select region_code, city_code from regions where city_code is not null
    union
    select region_code, province_code from regions where province_code is not null
    union
    select region_code, '000000' from regions
)

select
    pairs.region_code,
    pairs.ancestor_code,
    ancestor.level as ancestor_level
from pairs
join regions as ancestor on ancestor.region_code = pairs.ancestor_code
