{#- The SQL that differs between the engines modu builds on (DuckDB, the default, and
    Spark; docs/scale-out.md). Models call these macros and hold no engine-specific SQL;
    each macro dispatches on the adapter: duckdb__ / spark__, with default__ for others.
    dbt's own cross-database macros (dbt.datediff, dbt.date_trunc, dbt.type_string, ...)
    are used where they exist. -#}


{#- How a model that recomputes only changed keys is materialised. DuckDB deletes and
    re-inserts the keys; Spark's plain Parquet tables have no row-level delete, so there
    the model is rebuilt whole (with Delta or Iceberg tables it would be a merge). -#}
{% macro modu_upsert_config(unique_key) -%}
    {{ return(adapter.dispatch('modu_upsert_config', 'modu')(unique_key)) }}
{%- endmacro %}

{% macro default__modu_upsert_config(unique_key) -%}
    {{ return({'materialized': 'incremental', 'unique_key': unique_key, 'incremental_strategy': 'delete+insert'}) }}
{%- endmacro %}

{% macro spark__modu_upsert_config(unique_key) -%}
    {{ return({'materialized': 'table'}) }}
{%- endmacro %}


{#- The median of a group; of an even number of values, the mean of the two middle ones.
    Spark's percentile() interpolates exactly so (its median() is only Spark 3.4+). -#}
{% macro modu_median(expression) -%}
    {{ return(adapter.dispatch('modu_median', 'modu')(expression)) }}
{%- endmacro %}

{% macro default__modu_median(expression) -%}
    median({{ expression }})
{%- endmacro %}

{% macro spark__modu_median(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}


{#- Joins every whole number from start to end (both included) to each row of the FROM
    clause as column `column`; the bounds may be columns of that clause. It ends the
    FROM clause: Spark writes this as a LATERAL VIEW after the joins. -#}
{% macro modu_join_integer_series(start, end, column) -%}
    {{ return(adapter.dispatch('modu_join_integer_series', 'modu')(start, end, column)) }}
{%- endmacro %}

{% macro default__modu_join_integer_series(start, end, column) -%}
    cross join range({{ start }}, {{ end }} + 1) as {{ column }}_series({{ column }})
{%- endmacro %}

{% macro spark__modu_join_integer_series(start, end, column) -%}
    lateral view explode(sequence({{ start }}, {{ end }})) {{ column }}_series as {{ column }}
{%- endmacro %}


{#- The first day of a date's month, as a date (dbt.date_trunc gives a timestamp on Spark). -#}
{% macro modu_month_start(date_expression) -%}
    cast({{ dbt.date_trunc('month', date_expression) }} as date)
{%- endmacro %}


{#- Makes the raw sources readable by name. DuckDB reads the Parquet files directly
    (meta.external_location in staging/_sources.yml); Spark needs a table in its
    catalog over each source's Parquet folder, made again on every run so it sees the
    files as they are now. Called from on-run-start. -#}
{% macro modu_register_raw_sources() -%}
    {{ return(adapter.dispatch('modu_register_raw_sources', 'modu')()) }}
{%- endmacro %}

{% macro default__modu_register_raw_sources() -%}
{%- endmacro %}

{% macro spark__modu_register_raw_sources() -%}
    {%- if execute -%}
        {%- set parquet_dir = env_var('MODU_RAW_PARQUET_DIR') -%}
        {%- do run_query('create database if not exists raw') -%}
        {%- for source in graph.sources.values() if source.source_name == 'raw' -%}
            {%- do run_query('drop table if exists raw.' ~ source.name) -%}
            {%- do run_query('create table raw.' ~ source.name ~ " using parquet location '"
                             ~ parquet_dir ~ '/' ~ source.name ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{#- True when the text contains any of the words, ignoring case. The words become one
    regular expression, written into the SQL when the model compiles, so each value is
    scanned once: joining the text to a table of words and testing each pair took 120 s
    on the national registry, the expression under 1 s. Case is ignored by the
    expression's own (?i) flag (RE2 on DuckDB, java.util.regex on Spark): lower() on
    every value first cost three times as much. -#}
{% macro modu_contains_any(text_expression, words) -%}
    {%- if words | length == 0 -%}
        {{ return('false') }}
    {%- endif -%}
    {%- set escaped = [] -%}
    {%- for word in words -%}
        {%- do escaped.append(modules.re.escape(word | string)) -%}
    {%- endfor -%}
    {{ return(adapter.dispatch('modu_contains_any', 'modu')(text_expression, '(?i)' ~ escaped | join('|'))) }}
{%- endmacro %}

{% macro default__modu_contains_any(text_expression, pattern) -%}
    regexp_matches({{ text_expression }}, '{{ pattern | replace("'", "''") }}')
{%- endmacro %}

{#- Spark string literals take backslash escapes, so the pattern's own backslashes double. -#}
{% macro spark__modu_contains_any(text_expression, pattern) -%}
    ({{ text_expression }} rlike '{{ pattern | replace("\\", "\\\\") | replace("'", "\\'") }}')
{%- endmacro %}


{#- The values of one column of a built relation (a seed), read when the calling model
    compiles: the caller must also ref() the relation so dbt builds it first. While dbt
    only parses the project nothing is read and the list is empty. -#}
{% macro modu_column_values(relation, column) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set rows = run_query('select distinct ' ~ column ~ ' from ' ~ relation ~ ' order by 1') -%}
    {{ return(rows.columns[0].values() | list) }}
{%- endmacro %}
