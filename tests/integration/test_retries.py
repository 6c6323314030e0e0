"""Transient trouble is retried; a data problem is not."""

from __future__ import annotations

import duckdb

from pipelines.defs import dbt_models, publishing
from pipelines.warehouse import run_log


def test_a_transient_publish_failure_is_retried_and_the_run_succeeds(
    tmp_path, monkeypatch, gonghui_refresh, copy_messy_city
):
    real_publish = publishing.publish_snapshot
    calls = []

    def flaky_publish(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("磁盘暂时不可用 disk briefly unavailable")
        return real_publish(*args, **kwargs)

    monkeypatch.setattr(publishing, "publish_snapshot", flaky_publish)
    code, output = gonghui_refresh(tmp_path, copy_messy_city(tmp_path))

    assert code == 0, output
    assert len(calls) == 2
    assert "已发布新快照" in output


def test_a_failing_dbt_build_is_not_retried_and_publishes_nothing(
    tmp_path, monkeypatch, gonghui_refresh, copy_messy_city
):
    # dbt stops with an error, as it does on a broken model or a failed test
    monkeypatch.setattr(dbt_models, "BUILD", ["run-operation", "no_such_macro"])
    raw = copy_messy_city(tmp_path)
    (tmp_path / "published").mkdir()
    code, output = gonghui_refresh(tmp_path, raw)

    assert code == 1
    assert output.count("dbt 建模失败") == 1  # tried once, not retried
    assert not (tmp_path / "published" / "CURRENT").exists()
    [record] = run_log.latest(tmp_path / "published")
    assert (record["status"], record["published"]) == ("failure", 0)
    assert "gonghui_dbt_models" in record["failure_reason"]
    assert "dbt 建模失败 dbt build failed" in output
    assert "no_such_macro" in output
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from landing.enterprise_returns").fetchone()[0] == 15


def test_a_step_that_keeps_failing_is_reported_by_its_own_error(
    tmp_path, monkeypatch, gonghui_refresh, copy_messy_city
):
    """The run's summary and record name the error the step raised, not Dagster's wrapper
    around it ("Error occurred while executing op …")."""

    def full_disk(*args, **kwargs):
        raise OSError("磁盘已满 disk full")

    monkeypatch.setattr(publishing, "publish_snapshot", full_disk)
    code, output = gonghui_refresh(tmp_path, copy_messy_city(tmp_path))

    assert code == 1
    assert "✗ published_snapshot: OSError: 磁盘已满 disk full" in output
    assert "Error occurred while executing" not in output
    [record] = run_log.latest(tmp_path / "published")
    assert record["failure_reason"] == "published_snapshot: OSError: 磁盘已满 disk full"
