{#- A landed file is synthetic - made up, describing nothing real - when its name starts with
    `synthetic_`: the rule of the landing folder (raw/README.md). Its figures are never
    published figures (published_figures, figure_reconciliation leave them out) and any other
    figure beats them (figure_precedence.sql). The one home of the rule in SQL; the report
    names the registry files it counts from by the same rule (orchestration/publish/report/data.py). -#}
{% macro modu_is_synthetic_file(path_expression) -%}
    {{ modu_regexp_matches(path_expression, '(^|/)synthetic_[^/]*$') }}
{%- endmacro %}
