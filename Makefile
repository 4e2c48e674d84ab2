# modu: two commands set everything up on a fresh machine.
#   make refresh   build the environment, run the nightly refresh on raw/, print where the marts are
#   make test      build the environment, run every test
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/seeds -type f) dbt_project/dbt_project.yml dbt_project/profiles.yml

.PHONY: refresh test ui docs lock clean-warehouse

$(INSTALLED): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $@

# The dbt manifest is prepared here, ahead of time, so loading the Dagster definitions
# never runs a full `dbt parse`. It is remade only when the dbt project changes.
$(MANIFEST): $(INSTALLED) $(DBT_SOURCES)
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir . --target-path target --log-path target/logs
	touch $@

refresh: $(MANIFEST)
	PYTHONDONTWRITEBYTECODE=1 $(BIN)/python -m orchestration.cli refresh

test: $(MANIFEST)
	$(BIN)/python -m pytest

# The UI and daemon on 127.0.0.1, so the schedule and the raw-drop sensor really run.
ui: $(MANIFEST)
	$(BIN)/python -m orchestration.cli ui

docs: $(MANIFEST)
	$(BIN)/python -m orchestration.cli docs

lock: $(INSTALLED)
	{ head -2 requirements.lock; $(BIN)/pip freeze --exclude-editable; } > requirements.lock.new && mv requirements.lock.new requirements.lock
