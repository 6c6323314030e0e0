"""The expectation suites on dbt's tables, validated by Apache Spark through GX's Spark datasource.

On GONGHUI_ENGINE=spark the tables dbt built are Spark's. `validate_on_spark` validates suites
against them with GX's Spark datasource (`add_spark`, one dataframe asset per suite), so every
expectation, the suites' own SQL included, is a Spark query.

It runs in a process of its own, `python -m pipelines.quality.spark_checks`, one for all the
suites of a run: PySpark starts a JVM that lives as long as the Python process that started it,
and ending that process is the only public way to stop it. The process reads its request (the
tables folder, the contracts, the suites, where to write) as JSON on stdin and writes the
outcomes as a JSON file; Spark's log goes to stderr, shown when the process fails.

The session is local, as the build's was, with a catalog of its own in memory whose default
database holds a view over each table's folder under GONGHUI_SPARK_TABLES_DIR, so the
suites' SQL names the tables bare (`dim_region`, …), as it reads on DuckDB. Its settings are
those of the `spark` output of dbt_project/profiles.yml, from the same variables.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pipelines import settings
from pipelines.quality.runner import (
    ExpectationOutcome,
    SuiteOutcome,
    could_not_run,
    execution_engine_name,
    gx_context,
    validate_batch,
)
from pipelines.quality.suites import SUITES, Suite

log = logging.getLogger("gonghui")


def validate_on_spark(
    suites: Sequence[Suite],
    tables_dir: Path,
    contracts: Mapping[str, Sequence[tuple[str, str]]],
) -> list[SuiteOutcome]:
    """Every suite of `suites` validated on Spark against the tables under `tables_dir`, in a
    process of its own. `contracts`: each model's (column, type) pairs, which give a table
    folder without a file yet its columns. If the process fails (no Java, a broken folder),
    every suite fails with its error."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gonghui-spark-checks-") as folder:
        found = Path(folder) / "outcomes.json"
        request = {
            "tables_dir": str(tables_dir),
            "contracts": {table: list(map(list, columns)) for table, columns in contracts.items()},
            "suites": [suite.name for suite in suites],
            "outcomes": str(found),
        }
        finished = subprocess.run(
            [sys.executable, "-m", __name__],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            check=False,
        )
        if finished.returncode == 0:
            outcomes = [_outcome_from_json(one) for one in json.loads(found.read_text())]
    seconds = time.perf_counter() - started
    log.info(f"Spark 校验 {len(suites)} 组规则 ({len(suites)} suites on Spark): {seconds:.1f} 秒 s")
    if finished.returncode != 0:
        error = RuntimeError(_last_lines(finished.stderr) or f"exit code {finished.returncode}")
        return [SuiteOutcome(suite, could_not_run(suite, error), seconds) for suite in suites]
    return outcomes


def main() -> None:
    request = json.load(sys.stdin)
    suites = [suite for suite in SUITES if suite.name in set(request["suites"])]
    with tempfile.TemporaryDirectory(prefix="gonghui-spark-checks-") as scratch:
        spark = _session(Path(scratch))
        _register_tables(spark, Path(request["tables_dir"]), request["contracts"])
        outcomes = [_validate(spark, suite) for suite in suites]
        spark.stop()
    found = [_outcome_to_json(outcome) for outcome in outcomes]
    Path(request["outcomes"]).write_text(json.dumps(found, default=str, ensure_ascii=False))


def _session(scratch: Path) -> Any:
    """A local session with a catalog of its own, in memory."""
    from pyspark.sql import SparkSession

    options = {
        "spark.master": os.environ.get("GONGHUI_SPARK_MASTER") or "local[2]",
        "spark.driver.memory": os.environ.get("GONGHUI_SPARK_DRIVER_MEMORY") or "2g",
        "spark.sql.shuffle.partitions": os.environ.get("GONGHUI_SPARK_SHUFFLE_PARTITIONS") or "4",
        "spark.sql.catalogImplementation": "in-memory",
        "spark.sql.warehouse.dir": str(scratch / "warehouse"),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        **settings.SPARK_SESSION_SETTINGS,
    }
    builder = SparkSession.builder.appName("gonghui-checks")
    for key, value in options.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _register_tables(
    spark: Any, tables_dir: Path, contracts: Mapping[str, Sequence[Sequence[str]]]
) -> None:
    """A view over each table folder under `tables_dir`, named as the table; a folder without
    a file yet becomes an empty table of its contract's columns."""
    for directory in sorted(path for path in tables_dir.iterdir() if path.is_dir()):
        name = f"`{directory.name}`"
        if any(directory.rglob("*.parquet")):
            location = str(directory).replace("`", "``")
            spark.sql(f"create view {name} as select * from parquet.`{location}`")
        elif contracts.get(directory.name):
            columns = ", ".join(f"`{c}` {kind}" for c, kind in contracts[directory.name])
            spark.sql(f"create table {name} ({columns}) using parquet")


def _validate(spark: Any, suite: Suite) -> SuiteOutcome:
    """One suite, through GX's Spark datasource: the table as a dataframe asset."""
    if suite.on_landing:
        raise ValueError(f"{suite.name}: the landing is the warehouse's, not Spark's")
    started = time.perf_counter()
    source = gx_context().data_sources.add_spark(name="spark")
    asset = source.add_dataframe_asset(name=suite.table)
    batch = None
    try:
        batch = asset.add_batch_definition_whole_dataframe("whole table").get_batch(
            batch_parameters={"dataframe": spark.table(suite.table)}
        )
        outcomes = validate_batch(batch, suite)
    except Exception as error:  # a missing table or a broken query: the check fails visibly
        outcomes = could_not_run(suite, error)
    return SuiteOutcome(
        suite, outcomes, time.perf_counter() - started, execution_engine_name(batch)
    )


def _outcome_to_json(outcome: SuiteOutcome) -> dict[str, Any]:
    return {
        "suite": outcome.suite.name,
        "seconds": outcome.seconds,
        "execution_engine": outcome.execution_engine,
        "expectations": [vars(expectation) for expectation in outcome.expectations],
    }


def _outcome_from_json(found: Mapping[str, Any]) -> SuiteOutcome:
    (suite,) = (suite for suite in SUITES if suite.name == found["suite"])
    expectations = [ExpectationOutcome(**expectation) for expectation in found["expectations"]]
    return SuiteOutcome(suite, expectations, found["seconds"], found["execution_engine"])


def _last_lines(text: str, count: int = 5) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-count:])


if __name__ == "__main__":
    main()
