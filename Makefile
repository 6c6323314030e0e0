# Two commands for a fresh clone: `make run` and `make test` (see README).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export GX_ANALYTICS_ENABLED := False
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false

.PHONY: setup run refresh serve system-packages test lint format sample lock clean screenshot bench

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

## Refresh the warehouse from raw/, then serve the dashboard (8501) and Dagster UI (3000).
run: setup
	$(BIN)/gonghui refresh || echo "刷新失败，仪表盘显示上一次发布的数据 (refresh failed; serving the last published snapshot)"
	$(MAKE) --no-print-directory serve

## Serve the dashboard (8501) and the Dagster UI (3000); Ctrl-C stops both and everything
## they started (pipelines/cli/serve.py; GONGHUI_DASHBOARD_PORT, GONGHUI_DAGSTER_PORT move them).
serve: setup
	$(BIN)/gonghui serve

refresh: setup
	$(BIN)/gonghui refresh

## The system packages the tests need (Chromium, a Chinese font): installed when missing.
system-packages:
	.ci/system-packages

## The whole suite: system packages, lint, then every test (unit, dbt, integration,
## dashboard, browser), in parallel (pyproject.toml).
# The shipped instance configuration (telemetry off) before any dagster command runs.
$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

test: system-packages setup lint
	$(BIN)/python -m pytest

lint: setup $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python .ci/check_public_api.py pipelines dashboards benchmarks
	$(BIN)/lint-imports
	$(BIN)/sqlfluff lint dbt_project/models dbt_project/tests dbt_project/macros --disable-progress-bar
	$(BIN)/dagster definitions validate -w workspace.yaml

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/sqlfluff fix dbt_project/models dbt_project/tests --disable-progress-bar

## Benchmark against a DuckDB floor and a pandas peer; writes docs/benchmarks.md (SCALE=0.25 to shrink).
bench: setup
	$(BIN)/python -m benchmarks.run --scale $(or $(SCALE),1.0)

## Regenerate the committed sample city in raw/ and the region/target seeds.
sample: setup
	$(BIN)/python -m pipelines.sample

## Screenshot the overview of the published data for the README (needs chromium).
screenshot: setup
	$(BIN)/python -m tests.browser.test_screenshot --out docs/screenshots/overview.png

## Re-pin requirements.lock from a clean resolve of pyproject.toml.
lock:
	rm -rf /tmp/gonghui-lock && $(PYTHON) -m venv /tmp/gonghui-lock
	/tmp/gonghui-lock/bin/python -m pip install --quiet -e '.[dev]'
	/tmp/gonghui-lock/bin/python -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

clean:
	rm -rf data .dagster_home/storage .dagster_home/history .dagster_home/schedules dbt_project/target dbt_project/logs
