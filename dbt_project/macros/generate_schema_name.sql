{#- Use the configured schema name as it is (marts, not main_marts): the serving
    layer and analysts rely on the published names of the mart contract. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
