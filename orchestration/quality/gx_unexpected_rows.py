"""An unexpected-rows check runs its query once.

GX's UnexpectedRowsExpectation resolves two metrics of one query: its first rows
(`unexpected_rows_query.table`, at most MAX_RESULT_RECORDS of them, fetched from the
query itself) and its row count (`unexpected_rows_query.row_count`, a second query,
`SELECT COUNT(*) FROM (<query>)`). On the national registry such a query is a scan of
5M rows (lineage uniqueness groups them all: about 0.7 s), and GX ran each one twice.

`register()` replaces GX's row-count metric on SQL engines with one that reads the
rows metric: fewer rows than GX fetches are all the rows, so their number is the
count (a passing check returns none). When the fetch is full, the count query runs
as GX's does. Called once GX is imported (runner.validate).
"""

from __future__ import annotations

_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    from great_expectations.constants import MAX_RESULT_RECORDS
    from great_expectations.execution_engine import SqlAlchemyExecutionEngine
    from great_expectations.expectations.metrics.metric_provider import metric_value
    from great_expectations.expectations.metrics.query_metrics.query_row_count.query_row_count import QueryRowCount
    from great_expectations.expectations.metrics.query_metrics.query_row_count.unexpected_rows_query_row_count import (
        UnexpectedRowsQueryRowCount,
    )
    from great_expectations.validator.metric_configuration import MetricConfiguration

    rows_metric = "unexpected_rows_query.table"
    count_by_query = QueryRowCount._sqlalchemy  # GX's own count query, for a full fetch

    # Defining the subclass is the registration: GX's metric providers register their
    # metric (by its name, here the parent's) when their class is created.
    class RowCountFromRows(UnexpectedRowsQueryRowCount):
        @classmethod
        def _get_evaluation_dependencies(cls, metric, configuration=None, execution_engine=None,
                                         runtime_configuration=None):
            dependencies = super()._get_evaluation_dependencies(metric, configuration, execution_engine,
                                                                runtime_configuration)
            dependencies[rows_metric] = MetricConfiguration(rows_metric, metric.metric_domain_kwargs,
                                                            metric.metric_value_kwargs)
            return dependencies

        @metric_value(engine=SqlAlchemyExecutionEngine)
        def _sqlalchemy(cls, execution_engine, metric_domain_kwargs, metric_value_kwargs, metrics,
                        runtime_configuration) -> int:
            rows = metrics[rows_metric]
            if len(rows) < MAX_RESULT_RECORDS:
                return len(rows)
            return count_by_query(cls=cls, execution_engine=execution_engine,
                                  metric_domain_kwargs=metric_domain_kwargs, metric_value_kwargs=metric_value_kwargs,
                                  metrics=metrics, runtime_configuration=runtime_configuration)

    _registered = True
