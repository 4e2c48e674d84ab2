"""GX's Data Docs page views, with every template made offline as it loads (data_docs.py).

GX imports this module itself, by the `module_name` of the site configuration
(data_docs.site_config), while it builds the docs; nothing else imports it, so loading
the Dagster definitions never imports GX.
"""

from __future__ import annotations

from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2 import BaseLoader, pass_context

from orchestration.quality.data_docs import offline_template


class _OfflineLoader(BaseLoader):
    """GX's own template loader, each template passed through offline_template."""

    def __init__(self, inner: BaseLoader) -> None:
        self.inner = inner

    def get_source(self, environment, template):
        source, filename, uptodate = self.inner.get_source(environment, template)
        return offline_template(template, source), filename, uptodate


@pass_context
def site_root(context) -> str:
    """The relative path from the page being rendered to the site's root folder.

    Validation pages sit at validations/<suite name, one folder per dot part>/<run>/<time>/,
    suite pages at expectations/<suite name parts>.html, the index at the root.
    """
    renderer = context.get("renderer_type") or ""
    dots = (context.get("expectation_suite_name") or "").count(".")
    if "ValidationResults" in renderer or "ProfilingResults" in renderer:
        return "../" * (dots + 4)
    if "ExpectationSuite" in renderer:
        return "../" * (dots + 1)
    return "./"


def _make_offline(view) -> None:
    view.env.loader = _OfflineLoader(view.env.loader)
    view.env.globals["modu_site_root"] = site_root


class OfflinePageView(DefaultJinjaPageView):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _make_offline(self)


class OfflineIndexPageView(DefaultJinjaIndexPageView):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _make_offline(self)
