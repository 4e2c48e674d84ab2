{#- Rows whose combination of `columns` is not unique (a compound key test; the project
    installs no dbt packages, since dbt deps needs the network). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
