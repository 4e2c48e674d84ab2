-- One row per region known to the warehouse (the regions seed, built from
-- administrative codes by scripts/build_region_seed.py).
select
    cast(region_code as varchar) as region_code,
    cast(name_zh as varchar) as name_zh,
    cast(name_en as varchar) as name_en,
    cast(level as varchar) as level,
    cast(province_code as varchar) as province_code,
    cast(city_code as varchar) as city_code
from {{ ref('regions') }}
