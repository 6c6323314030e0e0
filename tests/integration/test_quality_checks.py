"""Great Expectations suites as Dagster asset checks: what they find on the messy city,
that they catch a corrupted warehouse, and that a failing blocking check keeps the last
good snapshot on the dashboard."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import defs
from pipelines.quality import suites
from pipelines.quality.runner import run_suite
from pipelines.warehouse import changes
from pipelines.warehouse.publish import current_snapshot
from tests.integration.conftest import check_evaluations

SUITES = {suite.name: suite for suite in suites.SUITES}
EAST, SOUTH, CITY = "990101001000", "990201001000", "990000000000"


@pytest.fixture
def warehouse_copy(refreshed_city, tmp_path) -> Path:
    """A private copy of the refreshed warehouse, free to corrupt."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(refreshed_city.warehouse, copy)
    return copy


def execute(warehouse: Path, *statements: str) -> None:
    with duckdb.connect(str(warehouse)) as con:
        for statement in statements:
            con.execute(statement)


def test_every_suite_is_an_asset_check_on_the_table_it_reads():
    graph = defs.resolve_asset_graph()
    keys = {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    for suite in suites.SUITES:
        assert ("/".join(suite.asset), suite.name) in keys
    job_checks = {
        key.name for key in defs.resolve_job_def("refresh").asset_layer.asset_graph.asset_check_keys
    }
    assert set(SUITES) <= job_checks
    blocking = {name for name, suite in SUITES.items() if suite.blocking}
    assert {"kpi_rates_within_bounds", "kpi_complete", "returns_known_region"} <= blocking
    assert not {"summary_reconciliation_flags", "returns_volume_vs_previous_period"} & blocking


def test_messy_city_passes_every_check_but_the_reconciliation_warning(refreshed_city):
    assert refreshed_city.exit_code == 0, refreshed_city.output
    evaluations = check_evaluations(refreshed_city.root / "dagster_home")
    assert set(evaluations) == set(SUITES)
    failed = {name for name, evaluation in evaluations.items() if not evaluation.passed}
    assert failed == {"summary_reconciliation_flags"}
    # 东镇 had 4 returns in 2024 and 5 in 2025: no drop to warn about.
    assert evaluations["returns_volume_vs_previous_period"].passed
    warning = evaluations["summary_reconciliation_flags"]
    assert warning.severity == dg.AssetCheckSeverity.WARN
    # 东镇's 组建率 (its summary left out E6) and 集体合同签订率 (20230%), 西街道's 入会率
    assert warning.metadata["unexpected_rows"].value == 3
    sample = warning.metadata["sample"].value
    assert "20230" in sample and "西街道" in sample
    for name, evaluation in evaluations.items():
        expected = (
            dg.AssetCheckSeverity.ERROR if SUITES[name].blocking else dg.AssetCheckSeverity.WARN
        )
        assert evaluation.severity == expected, name
    assert "⚠ 警告 warning: mart_summary_reconciliation · summary_reconciliation_flags" in (
        refreshed_city.output
    )
    assert "（3 行 rows）" in refreshed_city.output


def test_a_rate_over_100_fails_the_blocking_bounds_check(warehouse_copy):
    execute(
        warehouse_copy,
        f"update main.mart_kpi set value = 150 where region_code = '{CITY}' "
        "and kpi = 'org_rate' and period = '2025-12'",
    )
    outcome = run_suite(SUITES["kpi_rates_within_bounds"], warehouse_copy)
    assert not outcome.success
    assert outcome.unexpected_count == 1
    [failed] = outcome.failed
    assert failed.unexpected_count == 1
    assert failed.sample == [
        {
            "region_code": CITY,
            "region_level": "city",
            "period": "2025-12",
            "kpi": "org_rate",
            "value": 150.0,
        }
    ]
    assert "150.00" in outcome.sample_markdown()
    # the value no longer matches numerator / denominator either
    assert run_suite(SUITES["kpi_values_match_counts"], warehouse_copy).unexpected_count == 1


def test_a_missing_kpi_row_fails_the_completeness_check(warehouse_copy):
    execute(
        warehouse_copy,
        f"delete from main.mart_kpi where region_code = '{SOUTH}' "
        "and kpi = 'cba_rate' and period = '2025-12'",
    )
    outcome = run_suite(SUITES["kpi_complete"], warehouse_copy)
    assert not outcome.success
    assert outcome.unexpected_count == 1
    [row] = outcome.failed[0].sample
    assert (row["region_code"], row["region_level"], row["kpi"]) == (SOUTH, "town", "cba_rate")


def test_a_town_whose_returns_halve_is_a_warning_naming_it(warehouse_copy):
    execute(
        warehouse_copy,
        f"""delete from landing.enterprise_returns where uscc in (
            select uscc from landing.enterprise_returns
            where region_code = '{EAST}' and period = '2025-12' order by uscc limit 3)
            and period = '2025-12'""",
    )
    outcome = run_suite(SUITES["returns_volume_vs_previous_period"], warehouse_copy)
    assert outcome.unexpected_count == 1
    assert outcome.failed[0].sample == [
        {
            "region_code": EAST,
            "period": "2025-12",
            "returns": 2,
            "previous_period": "2024-12",
            "previous_returns": 4,
        }
    ]


def test_a_return_from_an_unknown_town_fails_the_landing_check(warehouse_copy):
    execute(
        warehouse_copy,
        "update landing.enterprise_returns set region_code = '990101999000' "
        "where enterprise_name = '西湖软件有限公司'",
    )
    outcome = run_suite(SUITES["returns_known_region"], warehouse_copy)
    assert outcome.unexpected_count == 1
    assert outcome.failed[0].sample[0]["region_code"] == "990101999000"


def test_row_by_row_suites_judge_only_the_loads_not_yet_published(warehouse_copy):
    # The refreshed city published every load now in the warehouse: none is pending.
    assert changes.pending(warehouse_copy) == changes.NOTHING
    row_by_row = [suite for suite in suites.SUITES if suite.row_by_row]
    assert {suite.name for suite in row_by_row} == {
        "returns_fields_valid",
        "returns_counts_consistent",
        "returns_known_region",
    }
    for suite in row_by_row:
        nothing_new = run_suite(suite, warehouse_copy, loads=[])
        assert (nothing_new.success, nothing_new.unexpected_count) == (True, 0), suite.name
    # An old row goes bad behind the build's back, and a new load brings a bad row of its own.
    execute(
        warehouse_copy,
        "update landing.enterprise_returns set wage_rise_pct = 150 "
        "where enterprise_name = '西湖软件有限公司'",
        "insert into landing.enterprise_returns select * replace ("
        "'returns/东镇2025 补报.csv' as source_file, 'new-load' as load_id, "
        "120.0 as wage_rise_pct) from landing.enterprise_returns "
        "where enterprise_name = '东方机械有限公司' and period = '2025-12'",
    )
    suite = SUITES["returns_counts_consistent"]

    everything = run_suite(suite, warehouse_copy)
    new_rows = run_suite(suite, warehouse_copy, loads=["new-load"])

    assert everything.unexpected_count == 2
    assert new_rows.unexpected_count == 1
    assert [rule.description for rule in new_rows.failed] == ["协商工资增幅在0–100%之间"]


def test_checks_read_only_and_release_the_file(warehouse_copy):
    for suite in suites.SUITES:
        run_suite(suite, warehouse_copy)
    with duckdb.connect(str(warehouse_copy)) as con:  # would fail if a reader still held it
        con.execute("create table scratch as select 1 as x")


def test_a_failing_blocking_check_keeps_the_last_good_snapshot(
    tmp_path, gonghui_refresh, copy_messy_city, monkeypatch
):
    raw = copy_messy_city(tmp_path)
    first, output = gonghui_refresh(tmp_path, raw)
    assert first == 0, output
    published = tmp_path / "published"
    good = current_snapshot(published)
    assert good is not None

    # Something new to load (a re-sent copy of a file), then a stricter limit on rates than
    # the messy city meets: the marts build and pass dbt's tests, the GX check does not.
    resent = raw / "returns" / "东镇2024年报 重报.csv"
    shutil.copy(raw / "returns" / "东镇2024年报.csv", resent)
    later = time.time()
    os.utime(resent, (later, later))
    monkeypatch.setattr(suites, "PCT_MAX", 50.0)
    second, output = gonghui_refresh(tmp_path, raw)

    assert second != 0, output
    assert current_snapshot(published) == good
    assert "✗ 检查未通过 check failed: mart_kpi · kpi_rates_within_bounds" in output
    assert "未发布新快照" in output
    # dbt built and tested the marts; the GX check alone stopped the publish
    assert "gonghui_dbt_models" not in output
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        over = con.execute(
            "select count(*) from main.mart_kpi where kpi in ? and value > 50",
            [suites.pct_kpis(bounded=True)],
        ).fetchone()[0]
    assert over > 0
    assert f"（{over:,} 行 rows）" in output
    evaluations = check_evaluations(tmp_path / "dagster_home")
    assert not evaluations["kpi_rates_within_bounds"].passed
    assert evaluations["kpi_rates_within_bounds"].metadata["unexpected_rows"].value == over
