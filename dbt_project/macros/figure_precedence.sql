{#- Source precedence among figures of one region x indicator x period (and kind, actual or
    forecast): a figure from a real source beats one from a synthetic file (synthetic.sql), so
    a made-up figure never hides a published one; then a figure that cites its source sentence
    beats one that does not; then the most recently landed file; then the later file name; then
    the later line of that file. The one home of the rule: int_indicators__chosen_figures
    (actuals) and the published_figures mart (actuals and forecasts) order by it. -#}
{% macro modu_figure_precedence() -%}
(not is_synthetic) desc, (source_quote is not null) desc, ingested_at desc, source_file desc, source_line desc
{%- endmacro %}
