# Two commands for a fresh clone: `make run` and `make test` (see README).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export GX_ANALYTICS_ENABLED := False
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false

.PHONY: setup run refresh serve system-packages test lint format sample lock clean screenshot screenshots bench bench-scales docs report-screenshot

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

# The `spark` and `spark-thrift` extras (dbt-spark, pyspark, PyHive) for the engine tests:
# `make test` adds them, `make run` does not need them (pyproject.toml).
$(VENV)/.spark-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev,spark,spark-thrift]'
	touch $@

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

## The data dictionary: dbt's docs site as one HTML file that opens offline, every table, column
## and KPI formula in Chinese → docs/dbt/index.html (GONGHUI_DBT_DOCS), offered on 数据质量.
## Reads the warehouse's tables; without a warehouse, refreshes it from raw/ first.
docs: setup
	$(BIN)/python -m pipelines.cli.dbt_docs

## The system packages the tests need (Chromium, a Chinese font): installed when missing.
system-packages:
	.ci/system-packages

## The whole suite: system packages, lint, then every test (unit, dbt, integration,
## dashboard, browser, DuckDB and Spark agreeing), in parallel (pyproject.toml).
# The shipped instance configuration (telemetry off) before any dagster command runs.
$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

test: system-packages setup $(VENV)/.spark-installed lint
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

## The cost curve: the sample city and provinces of scale 0.1, 1 and 3 (Spark too at 1), one
## row each → docs/benchmarks.md and docs/benchmarks.json (about an hour; SCALES=city,0.1 for less).
bench-scales: system-packages setup $(VENV)/.spark-installed
	$(BIN)/python -m benchmarks.run --scales $(or $(SCALES),city,0.1,1,3)

## Regenerate the committed sample city in raw/ and the region/target seeds.
sample: setup
	$(BIN)/python -m pipelines.sample

## Screenshot the overview of the published data for the README (needs chromium).
screenshot: setup
	$(BIN)/python -m tests.browser.test_screenshot --out docs/screenshots/overview.png

## Every page as each demo user sees it (needs chromium; the published data of `make refresh`)
## → docs/screenshots/pages/<user>_<page>.png, whole pages at 1440 px.
screenshots: setup
	$(BIN)/python -m tests.browser.page_screenshots --out docs/screenshots/pages

## The README's picture of the year's report: the sample city's root region for 2025-12 from
## data/published (make refresh first), printed to PDF by LibreOffice, its first page as PNG.
## Needs LibreOffice Writer, poppler-utils and a Chinese font (the tests need none of them).
REPORT_SHOT := $(CURDIR)/data/report-screenshot
report-screenshot: setup
	@command -v soffice >/dev/null && command -v pdftoppm >/dev/null || { echo "需要 LibreOffice 和 pdftoppm (needs soffice, pdftoppm): sudo apt-get install -y libreoffice-writer-nogui poppler-utils fonts-noto-cjk" >&2; exit 1; }
	rm -rf $(REPORT_SHOT) && mkdir -p $(REPORT_SHOT)
	$(BIN)/gonghui export report --period 2025-12 --out $(REPORT_SHOT)/report.docx
	FONTCONFIG_FILE=$(CURDIR)/docs/screenshots/report-fonts.conf soffice --headless \
		-env:UserInstallation=file://$(REPORT_SHOT)/profile \
		--convert-to pdf --outdir $(REPORT_SHOT) $(REPORT_SHOT)/report.docx
	pdftoppm -png -r 100 -f 1 -l 1 -singlefile $(REPORT_SHOT)/report.pdf docs/screenshots/report

## Re-pin requirements.lock from a clean resolve of pyproject.toml.
lock:
	rm -rf /tmp/gonghui-lock && $(PYTHON) -m venv /tmp/gonghui-lock
	/tmp/gonghui-lock/bin/python -m pip install --quiet -e '.[dev,spark,spark-thrift]'
	/tmp/gonghui-lock/bin/python -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

clean:
	rm -rf data .dagster_home/storage .dagster_home/history .dagster_home/schedules dbt_project/target dbt_project/logs
