"""The held-out acceptance district: seven files of a made-up district (示范区) written from
real federation forms by someone who had not read the ingestion code, with every KPI worked
out by hand in tests/fixtures/acceptance_district/expected.py (its README explains each
figure). Variant headers, missing columns, month-only dates, a part above its whole, an
enterprise that moved town: every KPI must come out as computed there."""

from __future__ import annotations

import os
import shutil
import time

import polars as pl
import pytest

from pipelines.cli import main as gonghui
from tests.integration.acceptance import FIXTURE, MART_KPI_COLUMNS, expected_kpis, kpi_mismatches
from tests.integration.conftest import RefreshedCity, run_refresh


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> RefreshedCity:
    root = tmp_path_factory.mktemp("acceptance")
    raw = root / "raw"
    shutil.copytree(FIXTURE / "raw", raw)
    base = time.time() - 3600
    for path in raw.rglob("*"):
        if path.is_file():
            os.utime(path, (base, base))
    code, output = run_refresh(root, raw)
    published = root / "published"
    return RefreshedCity(root, raw, root / "warehouse.duckdb", published, code, output)


def test_the_refresh_succeeds_and_loses_no_enterprise_to_a_field_problem(district):
    assert district.exit_code == 0, district.output
    rows = district.query(
        "select sum(rows_read), sum(rows_accepted), sum(rows_quarantined), sum(rows_skipped)"
        " from landing.load_audit where feed = 'returns'"
    )
    # the two row-level errors of the README, nothing else; each of the 7 returns ends in a
    # 合计 line and two notes
    assert rows == [(93, 70, 2, 21)]
    assert district.query(
        "select source_row, reason_code from landing.quarantine order by reason_code"
    ) == [(14, "count_negative"), (7, "uscc_bad_check_char")]


def test_every_hand_computed_kpi_matches(district):
    rows = district.query(
        f"select {MART_KPI_COLUMNS} from mart_kpi where region_code like '330299%'"
    )
    assert kpi_mismatches(rows) == []
    assert len(expected_kpis()) == 170


def test_a_kpi_nobody_reported_is_unknown_not_zero(district):
    # 西岭镇 2024: its file has no 厂务公开 column
    assert district.query(
        "select value, reported_enterprises, in_scope_enterprises from mart_kpi"
        " where region_code = '330299002000' and period = '2024-12' and kpi = 'open_affairs_rate'"
    ) == [(None, 0, 7)]


def test_exports_carry_the_coverage_and_the_field_issues(district, tmp_path):
    publish = ["--publish-dir", str(district.published)]
    kpis = tmp_path / "kpis.csv"
    args = ["export", "kpis", "--period", "2024-12", "--region", "330299002000"]
    assert gonghui([*args, "--out", str(kpis), *publish]) == 0
    open_affairs = pl.read_csv(kpis).filter(pl.col("kpi") == "open_affairs_rate")
    assert open_affairs.select(
        "region_code", "value", "reported_enterprises", "in_scope_enterprises",
        "unreported_enterprises",
    ).rows() == [(330299002000, None, 0, 7, 7)]  # fmt: skip

    quarantine = tmp_path / "隔离.xlsx"
    assert gonghui(["export", "quarantine", "--out", str(quarantine), *publish]) == 0
    issues = pl.read_excel(quarantine, sheet_name="字段问题")
    assert issues.select("原文件 source_file", "原行号 row", "字段", "处理", "原因代码 reason_code").rows() == [
        ("returns/2025/东湖街道2025年企业工会报表.csv", 12, "集体合同签订日期", "只到月份", "date_month_only"),
        ("returns/2025/西岭镇_2025年度企业工会统计.xlsx", 15, "女职工人数", "按未报计", "female_exceeds_total"),
        ("returns/2024/南浦街道_北山镇_2024年企业工会报表.xlsx", 5, "集体合同覆盖职工数", "按上限计", "cba_covered_exceeds_employees"),
        ("returns/2025/北山镇2025年企业工会情况统计表.csv", 4, "工资专项集体合同到期日期", "只到月份", "date_month_only"),
    ]  # fmt: skip
