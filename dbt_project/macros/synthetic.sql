{#- A landed file is synthetic - made up, describing nothing real - when its name starts with
    `synthetic_`: the rule of the landing folder (raw/README.md). Any other figure for the same
    key beats its figures (figure_precedence.sql); alone, its figure is kept like any other, so
    a landing folder whose every file is named synthetic_ loses nothing. The one home of the
    rule in SQL; the report names the registry files it counts from by the same rule
    (orchestration/publish/report/data.py). -#}
{% macro modu_is_synthetic_file(path_expression) -%}
    {{ modu_regexp_matches(path_expression, '(^|/)synthetic_[^/]*$') }}
{%- endmacro %}
