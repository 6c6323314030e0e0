"""The record of what changed (pipelines.warehouse.changes): where the tables the last
snapshot was published from live, and what that asks of the next build."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.ingest.landing import create_landing_tables
from pipelines.warehouse import changes


@pytest.fixture
def warehouse(tmp_path) -> Path:
    """Landing tables with one load pending, an added town file's (not a full reload)."""
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        create_landing_tables(con)
        con.execute("insert into landing.pending_loads values ('load-1', false, now())")
    return path


def _publish(warehouse: Path) -> None:
    """What the publish does once its snapshot is current; then a town file is added."""
    published = changes.pending(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        changes.clear(con, published, "run-1")
        con.execute("insert into landing.pending_loads values ('load-2', false, now())")


def test_a_load_pending_after_a_publish_from_the_same_tables_is_built_incrementally(
    warehouse, monkeypatch
):
    monkeypatch.delenv("GONGHUI_ENGINE", raising=False)
    _publish(warehouse)

    pending = changes.pending(warehouse)

    assert pending == changes.Pending(("load-2",), full=False)
    assert pending.published_from == "duckdb"


def test_no_publish_noted_asks_for_a_full_build(warehouse):
    """A warehouse published before the note was kept: where its tables were is unknown."""
    assert changes.pending(warehouse) == changes.Pending(("load-1",), full=True)


@pytest.mark.parametrize(
    ("published_on", "built_on", "full"),
    [
        ({"GONGHUI_ENGINE": "duckdb"}, {"GONGHUI_ENGINE": "spark"}, True),
        ({"GONGHUI_ENGINE": "spark"}, {"GONGHUI_ENGINE": "duckdb"}, True),
        ({"GONGHUI_ENGINE": "spark"}, {"GONGHUI_ENGINE": "spark"}, False),
        # a cluster's tables are not the local session's
        (
            {"GONGHUI_ENGINE": "spark"},
            {"GONGHUI_ENGINE": "spark", "GONGHUI_SPARK_TABLES_DIR": "/shared/tables/main.db"},
            True,
        ),
    ],
)
def test_a_build_elsewhere_than_the_published_tables_is_full(
    warehouse, monkeypatch, tmp_path, published_on, built_on, full
):
    monkeypatch.setenv("GONGHUI_SPARK_DIR", str(tmp_path / "spark"))
    monkeypatch.delenv("GONGHUI_SPARK_TABLES_DIR", raising=False)
    monkeypatch.delenv("GONGHUI_SPARK_TARGET", raising=False)
    for name, value in published_on.items():
        monkeypatch.setenv(name, value)
    _publish(warehouse)
    for name, value in built_on.items():
        monkeypatch.setenv(name, value)

    assert changes.pending(warehouse) == changes.Pending(("load-2",), full=full)
