# modu: two commands set everything up on a fresh machine.
#   make refresh   build the environment, run the nightly refresh on raw/, print where the marts are
#                  (MODU_TARGET=spark make refresh: the same, with dbt building on a local Spark)
#   make test      build the environment, run every test (the Spark parity tests included)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/seeds -type f) dbt_project/dbt_project.yml dbt_project/profiles.yml

.PHONY: refresh test ui docs serve lock clean-warehouse

$(INSTALLED): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev,spark]'
	touch $@

# The dbt manifest is prepared here, ahead of time, so loading the Dagster definitions
# never runs a full `dbt parse`, and a night's dbt starts from this parse. It is remade
# only when the dbt project or the environment changes. The same command plans the metrics'
# SQL and bundles Vega for every warehouse's Data Docs, into build/ (a night makes either
# if it is missing).
$(MANIFEST): $(INSTALLED) $(DBT_SOURCES)
	$(BIN)/python -m orchestration.cli prepare
	touch $@

refresh: $(MANIFEST)
	$(if $(filter spark,$(MODU_TARGET)),scripts/ensure_java.sh)
	PYTHONDONTWRITEBYTECODE=1 $(BIN)/python -m orchestration.cli refresh

# Test files run in parallel (TEST_WORKERS=1 for one process); a file's tests stay on one
# worker, so its module fixtures are built once. Three workers on two cores: the tests that
# start servers and nights spend much of their time waiting for them. The longest files go
# first (tests/conftest.py), in that order.
TEST_WORKERS ?= 3
test: $(MANIFEST)
	scripts/ensure_java.sh
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# The UI and daemon on 127.0.0.1, so the schedule and the raw-drop sensor really run.
ui: $(MANIFEST)
	$(BIN)/python -m orchestration.cli ui

docs: $(MANIFEST)
	$(BIN)/python -m orchestration.cli docs

# A metric of the semantic layer from the current release (serving/modu.duckdb, read-only):
# make metrics ARGS='--metrics ai_enterprises --group-by region,metric_time__year'; ARGS='--list' lists them.
.PHONY: metrics
metrics: $(INSTALLED)
	$(BIN)/python -m orchestration.cli metrics $(ARGS)

# PostgreSQL on 127.0.0.1 serving the current release to BI tools (role analyst,
# password MODU_ANALYST_PASSWORD); each refresh swaps its release in. Ctrl-C stops it.
serve: $(INSTALLED)
	$(BIN)/python -m orchestration.cli serve

lock: $(INSTALLED)
	{ head -2 requirements.lock; $(BIN)/pip freeze --exclude-editable; } > requirements.lock.new && mv requirements.lock.new requirements.lock

# Operations (docs/operations.md). `make rollback` serves the release before the served one;
# `make rollback TO=<release_id>` serves that one. `make releases` lists the kept releases.
.PHONY: rollback releases screenshot
rollback: $(INSTALLED)
	$(BIN)/python -m orchestration.cli rollback $(if $(TO),--to $(TO))

releases: $(INSTALLED)
	$(BIN)/python -m orchestration.cli releases

# docs/img/asset-graph.png from the running UI in headless Chromium (installed with apt-get if missing).
screenshot: $(MANIFEST)
	$(BIN)/python scripts/screenshot_asset_graph.py

# docs/img/report.png from the served report (REPORT=<path> for another), in headless Chromium
# under a fontconfig without CJK fonts, so the picture shows the font the page embeds.
.PHONY: report-screenshot
report-screenshot: $(INSTALLED)
	$(BIN)/python scripts/screenshot_report.py $(if $(REPORT),--report $(REPORT))

# Benchmarks (benchmarks/README.md). `make data SCALE=0.05` writes synthetic raw files into
# DATA_DIR (never raw/); `make bench SCALE=0.05` runs the full, empty and incremental nights,
# the hand-written limit and the sample's empty night on that data, checks them against the
# generator's truth and writes BENCHMARKS.md (warehouses and logs in WORK_DIR, default
# /tmp/modu-bench-$(SCALE)).
.PHONY: data bench
SCALE ?= 1
DATA_DIR ?= /tmp/modu-data-$(SCALE)
data: $(INSTALLED)
	$(BIN)/python -m benchmarks.generate_data --scale $(SCALE) --out $(DATA_DIR)

bench: $(MANIFEST)
	$(BIN)/python -m benchmarks.run --scale $(SCALE) --data $(DATA_DIR) $(if $(WORK_DIR),--work $(WORK_DIR))

# The refresh on DuckDB and on a local Spark, on the shipped sample and at SCALE (docs/scale-out.md).
.PHONY: bench-engines
bench-engines: $(MANIFEST)
	scripts/ensure_java.sh
	$(BIN)/python -m benchmarks.engines --scale $(SCALE) --data $(DATA_DIR)
