"""GX Data Docs that open from disk with no network, named by Dagster run, pruned with releases.

- Offline. GX's templates load Bootstrap, bootstrap-table, jQuery, Font Awesome and Vega
  from CDNs and the logo from S3. `offline_template` rewrites those tags as GX's Jinja
  loader hands each template over (docs_views.py), to the same libraries in the site's
  static/vendor/, which `vendor_static_files` fills from packages installed with the
  environment (and the three files no package ships, in data_docs_vendor/). A remote URL
  that is not mapped here fails the build, naming it: a GX upgrade cannot quietly bring
  the network back.
- Named by run. runner.py passes the Dagster run id as GX's run name, so a validation's
  page is validations/<schema>/<table>/<run id>/<time>/<batch>.html.
- Pruned. Only the validations of the last `keep_runs` runs (MODU_KEEP_RELEASES) stay, with
  each suite's newest one, the page a carried-over result links to.

GX is not imported here; docs_views.py, which GX itself imports while it builds, is
where its classes are subclassed.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from orchestration.prepared import prepared_file

SITE_NAME = "local_site"
VENDOR = "static/vendor/"
SHIPPED_DIR = Path(__file__).parent / "data_docs_vendor"
SHIPPED = {"bootstrap-table": "1.19.1", "bootstrap-datepicker": "1.9.0", "bootstrap-dark": "1.1.0"}
_VIEWS = "orchestration.quality.docs_views"

# Every script or stylesheet GX 1.24's templates load from a CDN -> the file under
# static/vendor/ served instead (None: nothing, another file carries it).
CDN_FILES: dict[str, str | None] = {
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/vega-bundle.js",  # vega, vega-lite and vega-embed in one
    "https://cdn.jsdelivr.net/npm/vega-lite@5": None,
    "https://cdn.jsdelivr.net/npm/vega-embed@6": None,
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome/css/all.min.css",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": None,  # in Bootstrap's bundle
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap/js/bootstrap.bundle.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap/css/bootstrap.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table/bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker/bootstrap-datepicker.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "bootstrap-dark/bootstrap-prefers-dark.min.css",
}
_S3 = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
# Other remote references, as GX writes them -> local ones. The favicon also gets the
# right depth (GX's is one folder short on validation pages).
_TEXT: dict[str, str] = {
    f'{{% set static_images_dir = "{_S3}" -%}}': '{% set static_images_dir = modu_site_root() + "static/images/" -%}',
    '| add_data_context_id_to_url ': "",  # appends a tracking query to the logo's URL
    f"url('{_S3}full_logo_dark.png')": "url('{{ modu_site_root() }}static/images/logo-long.png')",
    '{{ static_images_dir + "favicon.ico" }}': '{{ modu_site_root() }}static/images/favicon.ico',
}
_CDN_TAG = re.compile(r'<(script|link)\b[^>]*?\b(?:src|href)="(https?://[^"]+)"[^>]*>(?:\s*</script>)?')
# What may still name a remote URL: links a reader clicks, Jinja comments, markdown links, XML namespaces.
_HARMLESS = re.compile(r"<a\b[^>]*>|\{#.*?#\}|\]\(https?://[^)]*\)|https?://www\.w3\.org/", re.S)
_REMOTE = re.compile(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", re.I)


def offline_template(name: str, source: str) -> str:
    """GX's template `name` with every remote load replaced by a file under static/vendor/."""
    for remote, local in _TEXT.items():
        source = source.replace(remote, local)

    def local_tag(match: re.Match) -> str:
        kind, url = match.groups()
        if url not in CDN_FILES:
            raise ValueError(f"GX Data Docs template {name} loads {url}: add it to CDN_FILES in {__file__}")
        file = CDN_FILES[url]
        if file is None:
            return ""
        href = "{{ modu_site_root() }}" + VENDOR + file
        return f'<script src="{href}"></script>' if kind == "script" else f'<link rel="stylesheet" href="{href}">'

    source = _CDN_TAG.sub(local_tag, source)
    remote = _REMOTE.search(_HARMLESS.sub("", source))
    if remote:
        raise ValueError(f"GX Data Docs template {name} still reaches {remote.group(0)!r} on the network: "
                         f"map it in {__file__}")
    return source


def site_config() -> dict:
    """The Data Docs site: GX's, with views that load nothing from the network and no GX tutorial buttons."""
    view = {"module_name": _VIEWS, "class_name": "OfflinePageView"}
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                          "base_directory": f"uncommitted/data_docs/{SITE_NAME}/"},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder",
                               "view": {"module_name": _VIEWS, "class_name": "OfflineIndexPageView"}},
        "site_section_builders": {"expectations": {"view": view}, "validations": {"view": view},
                                  "profiling": "None"},
    }


def configure(context) -> None:
    """Make the project's one Data Docs site the offline one (written to great_expectations.yml when it differs)."""
    wanted = {SITE_NAME: site_config()}
    if context.variables.data_docs_sites != wanted:
        context.variables.data_docs_sites = wanted
        context.variables.save()


def _package_sources() -> tuple[dict[str, str], list[tuple[Path, str]]]:
    """Versions and (source file, target under static/vendor/) of the libraries Python packages ship."""
    import xstatic.pkg.bootstrap as bootstrap
    import xstatic.pkg.font_awesome as font_awesome
    import xstatic.pkg.jquery as jquery

    bootstrap_dir, awesome_dir = Path(bootstrap.BASE_DIR), Path(font_awesome.BASE_DIR)
    files = [
        (Path(jquery.BASE_DIR) / "jquery.min.js", "jquery/jquery.min.js"),
        (bootstrap_dir / "css" / "bootstrap.min.css", "bootstrap/css/bootstrap.min.css"),
        (bootstrap_dir / "js" / "bootstrap.bundle.min.js", "bootstrap/js/bootstrap.bundle.min.js"),
        (awesome_dir / "css" / "all.min.css", "fontawesome/css/all.min.css"),
        (awesome_dir / "LICENSE.txt", "fontawesome/LICENSE.txt"),
        *((font, f"fontawesome/webfonts/{font.name}") for font in sorted((awesome_dir / "webfonts").iterdir())),
    ]
    shipped = [(path, path.relative_to(SHIPPED_DIR).as_posix())
               for path in sorted(SHIPPED_DIR.rglob("*")) if path.is_file() and path.name != "README.md"]
    versions = {"jquery": jquery.VERSION, "bootstrap": bootstrap.VERSION, "font-awesome": font_awesome.VERSION,
                **SHIPPED}
    return versions, files + shipped


def prepared_vega_bundle() -> Path:
    """Vega, Vega-Lite and Vega-Embed in one classic script, as vl-convert bundles them, with
    their versions, as JSON. Bundling takes vl-convert over a second, so it is prepared once
    per installation (orchestration/prepared.py), not on every warehouse's first night."""
    import vl_convert

    def bundle() -> str:
        # The bundle declares top-level consts: a function scope keeps them out of the page's globals.
        exports = "window.vega = vega; window.vegaLite = vegaLite; window.vegaEmbed = vegaEmbed;"
        script = "(function () {\n" + vl_convert.javascript_bundle(exports) + "\n})();\n"
        version = (f"vega {vl_convert.get_vega_version()}, vega-lite {vl_convert.get_vegalite_versions()[-1]}, "
                   f"vega-embed {vl_convert.get_vega_embed_version()}")
        return json.dumps({"script": script, "version": version})

    return prepared_file(f"vega-bundle-vl-convert-{vl_convert.__version__}.json", bundle)


def vendor_static_files(site: Path) -> None:
    """Fill <site>/static/vendor/ with every library the templates load, unless it already holds these versions."""
    import vl_convert

    target = site / VENDOR
    stamp = target / "VERSIONS.json"
    versions, files = _package_sources()
    versions["vl-convert"] = vl_convert.__version__
    if stamp.exists() and json.loads(stamp.read_text(encoding="utf-8")).get("packages") == versions:
        return
    shutil.rmtree(target, ignore_errors=True)
    for source, name in files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target / name)
    vega = json.loads(prepared_vega_bundle().read_text(encoding="utf-8"))
    (target / "vega").mkdir(parents=True, exist_ok=True)
    (target / "vega" / "vega-bundle.js").write_text(vega["script"], encoding="utf-8")
    stamp.write_text(json.dumps({"packages": versions, "vega": vega["version"]}, indent=2), encoding="utf-8")


def page_of(site: Path, key) -> Path:
    """Where GX writes the page of a validation result (its site index builder's layout)."""
    name = key.expectation_suite_identifier.name
    return site.joinpath("validations", *name.split("."), *key.run_id.to_tuple(), f"{key.batch_identifier}.html")


def prune(context, site: Path, keep_runs: int) -> int:
    """Drop stored validations (and their pages) but those of the newest `keep_runs` runs and each suite's newest."""
    store = context.validation_results_store
    keys = store.list_keys()
    run_time: dict[str, object] = {}
    newest: dict[str, object] = {}
    for key in keys:
        name, run = key.expectation_suite_identifier.name, key.run_id
        run_time[run.run_name] = max(run_time.get(run.run_name, run.run_time), run.run_time)
        if name not in newest or run.run_time > newest[name].run_id.run_time:
            newest[name] = key
    kept_runs = set(sorted(run_time, key=run_time.__getitem__, reverse=True)[:max(keep_runs, 1)])
    kept = [key for key in keys if key.run_id.run_name in kept_runs or key in newest.values()]
    dropped = [key for key in keys if key not in kept]
    for key in dropped:
        store.remove_key(key)
    kept_pages = {page_of(site, key) for key in kept}
    validations = site / "validations"
    for page in sorted(validations.rglob("*.html")) if validations.exists() else []:
        if page not in kept_pages:
            page.unlink()
    for root in (validations, Path(context.root_directory) / "uncommitted" / "validations"):
        _remove_empty_folders(root)
    return len(dropped)


def _remove_empty_folders(root: Path) -> None:
    if not root.exists():
        return
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
