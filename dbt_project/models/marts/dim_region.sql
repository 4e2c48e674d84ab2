-- One row per region known to the warehouse (the regions seed, built from
-- administrative codes by scripts/build_region_seed.py).
select
    cast(region_code as {{ dbt.type_string() }}) as region_code,
    cast(name_zh as {{ dbt.type_string() }}) as name_zh,
    cast(name_en as {{ dbt.type_string() }}) as name_en,
    cast(level as {{ dbt.type_string() }}) as level,
    cast(province_code as {{ dbt.type_string() }}) as province_code,
    cast(city_code as {{ dbt.type_string() }}) as city_code
from {{ ref('regions') }}
