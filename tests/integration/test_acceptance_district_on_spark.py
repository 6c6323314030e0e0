"""The held-out acceptance district (test_acceptance_district.py) refreshed on Apache Spark,
`GONGHUI_ENGINE=spark gonghui refresh --raw DIR` as in production (a local session): a fixture
written by someone who had not read the code, and every KPI worked out by hand, must come out
of Spark's build as of DuckDB's (issue 16, "Done when")."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from pipelines import kpi_table
from tests.integration.acceptance import FIXTURE, MART_KPI_COLUMNS, expected_kpis, kpi_mismatches
from tests.integration.engines import Deployment

pytestmark = pytest.mark.spark


def test_spark_computes_every_hand_computed_kpi(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(FIXTURE / "raw", raw)
    spark = Deployment(tmp_path / "spark", "spark")
    spark.refresh(raw)
    with duckdb.connect(str(spark.snapshot), read_only=True) as snapshot:
        assert snapshot.execute("select engine from snapshot_info").fetchone() == ("spark",)
        rows = snapshot.execute(
            f"select {MART_KPI_COLUMNS} from mart_kpi where region_code like '330299%'"
        ).fetchall()
    # the district and its 4 towns, 2 periods, every KPI of the KPI table (the 170 expected
    # figures are of the 17 KPIs the fixture was written for)
    assert len(rows) == 5 * 2 * len(kpi_table.kpis())
    assert len(expected_kpis()) == 170
    assert kpi_mismatches(rows) == []
