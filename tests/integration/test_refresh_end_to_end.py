"""`gonghui refresh` + exports on the messy-city fixture, against numbers worked by hand.

The fixture (tests/fixtures/messy_city/build_fixture.py) has three towns in two districts:
  东镇 2025: E1 100 employees single union, E2 30 joint, E3 10 none, E4 40 none
             (+2 quarantined rows); 2024 had E1 E2 E3 and E9, which stopped reporting.
  西街道 2025 (XLSX, merged two-row header): E5 200 single, E6 50 single
             (+3 quarantined rows: future period, negative count, duplicate).
  南镇 2025: E7 1000 single, E8 single: 20 employees/18 members, corrected to 24/22
             by a later file.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
from openpyxl import load_workbook

from pipelines.cli import main as gonghui
from tests.integration.conftest import copy_fixture, run_refresh

EAST, WEST, SOUTH = "990101001000", "990101002000", "990201001000"
DISTRICT_A, DISTRICT_B, CITY = "990100000000", "990200000000", "990000000000"


def kpi(city, region: str, code: str, period: str = "2025-12") -> tuple:
    rows = city.query(
        "select numerator, denominator, round(value, 2), target, round(gap, 2) "
        "from main.mart_kpi where region_code = ? and kpi = ? and period = ?",
        [region, code, period],
    )
    assert len(rows) == 1, (region, code, rows)
    return rows[0]


def test_refresh_succeeds_and_prints_the_accounting(refreshed_city):
    assert refreshed_city.exit_code == 0, refreshed_city.output
    assert (
        "读入 read 45 = 接受 accepted 26 + 隔离 quarantined 4 + 跳过 skipped 15"
        in refreshed_city.output
    )
    assert "损坏的文件.xlsx" in refreshed_city.output
    assert "无表头.csv" in refreshed_city.output


def test_every_readable_file_accounts_for_every_row(refreshed_city):
    rows = refreshed_city.query(
        "select source_file, status, error_code, rows_read, rows_accepted, rows_quarantined,"
        " rows_skipped from landing.load_audit order by source_file"
    )
    by_file = {row[0]: row[1:] for row in rows}
    # the returns end in a 合计 line, a 备注 line and a 填表人 line (a note); 西街道's
    # workbook and the summary have fewer
    assert by_file["returns/东镇2025年报.csv"] == ("loaded", None, 9, 5, 1, 3)
    assert by_file["returns/东镇2024年报.csv"] == ("loaded", None, 7, 4, 0, 3)
    assert by_file["returns/西街道2025.xlsx"] == ("loaded", None, 7, 2, 3, 2)
    assert by_file["returns/南镇2025.csv"] == ("loaded", None, 5, 2, 0, 3)
    assert by_file["returns/南镇2025 更正.csv"] == ("loaded", None, 5, 2, 0, 3)
    assert by_file["returns/损坏的文件.xlsx"][:2] == ("unreadable", "file_unreadable")
    assert by_file["returns/无表头.csv"][:2] == ("unreadable", "header_not_found")
    assert by_file["summaries/甲区2025汇总.csv"] == ("loaded", None, 3, 2, 0, 1)
    assert by_file["reference/regions.csv"] == ("loaded", None, 6, 6, 0, 0)
    assert by_file["reference/targets 2025.csv"] == ("loaded", None, 3, 3, 0, 0)
    for _file, _status, _code, read, accepted, quarantined, skipped in rows:
        assert read == accepted + quarantined + skipped


def test_dbt_reads_the_landing_as_the_parquet_the_ingestion_wrote(refreshed_city):
    """The sources of dbt are views over the Parquet beside the warehouse, holding the rows
    of the ingestion's tables; only the record of what changed differs, which the publish
    cleared in the warehouse after the Parquet was written (the next load writes it again)."""
    landing = refreshed_city.root / "landing"
    tables = [
        name
        for (name,) in refreshed_city.query(
            "select table_name from information_schema.tables"
            " where table_schema = 'landing' and table_type = 'BASE TABLE' order by 1"
        )
    ]
    # the pipeline's own state stays in the warehouse: where the last snapshot was
    # published from, and the registry's
    sources = [table for table in tables if table not in ("ingest_state", "published_build")]
    assert len(sources) == len(tables) - 2
    assert sorted(path.name for path in landing.iterdir()) == sources
    # a folder per period and prefecture, 甲区 (9901) reported 2024 and 2025, 乙区 (9902)
    # 2025; in each one file of the refresh's one load
    [(load,)] = refreshed_city.query("select distinct load_id from landing.enterprise_returns")
    assert sorted(
        path.relative_to(landing).as_posix()
        for path in (landing / "enterprise_returns").glob("*/*/*.parquet")
    ) == [
        f"enterprise_returns/p_period=2024-12/p_city=9901/part-{load}-0.parquet",
        f"enterprise_returns/p_period=2025-12/p_city=9901/part-{load}-0.parquet",
        f"enterprise_returns/p_period=2025-12/p_city=9902/part-{load}-0.parquet",
    ]
    views = [
        name
        for (name,) in refreshed_city.query(
            "select table_name from information_schema.tables"
            " where table_schema = 'landing_parquet' order by 1"
        )
    ]
    assert views == sources
    for table in views:
        differing = refreshed_city.query(
            f"select count(*) from ((select * from landing_parquet.{table}"
            f" except all select * from landing.{table}) union all"
            f" (select * from landing.{table} except all select * from landing_parquet.{table}))"
        )[0][0]
        in_parquet = f"select count(*) from read_parquet('{landing / table}/**/*.parquet')"
        expected = refreshed_city.query(in_parquet)[0][0] if table.startswith("pending_") else 0
        assert (table, differing) == (table, expected)
    # accepted returns: 东镇 5 + 4, 西街道 2, 南镇 2 and its correction 2
    assert refreshed_city.query("select count(*) from landing_parquet.enterprise_returns") == [
        (15,)
    ]


def test_quarantine_names_file_row_field_and_reason(refreshed_city):
    rows = refreshed_city.query(
        "select source_file, source_row, field, reason_code from landing.quarantine "
        "order by source_file, source_row, reason_code"
    )
    assert rows == [
        ("returns/东镇2025年报.csv", 8, "uscc", "uscc_bad_check_char"),
        ("returns/西街道2025.xlsx", 7, "period", "period_in_future"),
        ("returns/西街道2025.xlsx", 8, "employees", "count_negative"),
        ("returns/西街道2025.xlsx", 9, "uscc", "duplicate_in_file"),
    ]
    # E6's members above its employees: a problem of an optional field keeps the enterprise
    issues = refreshed_city.query(
        "select source_file, source_row, field, reason_code, outcome, message_zh, sheet"
        " from landing.field_issues"
    )
    assert issues == [
        ("returns/东镇2025年报.csv", 9, "members", "members_exceed_employees", "unknown",
         "会员人数(120)大于职工人数(100)；此项按未报计，该企业其他各项照常统计", None),
    ]  # fmt: skip


def test_the_correction_supersedes_the_earlier_file(refreshed_city):
    current = refreshed_city.query(
        "select employees, members, source_file from main.fct_enterprise_returns "
        "where enterprise_name = '南星包装有限公司'"
    )
    assert current == [(24, 22, "returns/南镇2025 更正.csv")]
    history = refreshed_city.query(
        "select count(*) from main.fct_enterprise_return_history "
        "where enterprise_name = '南星包装有限公司'"
    )
    assert history == [(2,)]


def test_org_rate_at_every_level_with_nearest_target(refreshed_city):
    # 东镇 3 of 5 with a union (E6 counts: only its members are unknown); the target comes
    # from 甲区's override (90), not the city (95).
    assert kpi(refreshed_city, EAST, "org_rate") == (3, 5, 60.0, 90.0, -30.0)
    assert kpi(refreshed_city, WEST, "org_rate") == (2, 2, 100.0, 90.0, 10.0)
    assert kpi(refreshed_city, SOUTH, "org_rate") == (2, 2, 100.0, 95.0, 5.0)
    assert kpi(refreshed_city, DISTRICT_A, "org_rate") == (5, 7, 71.43, 90.0, -18.57)
    assert kpi(refreshed_city, CITY, "org_rate") == (7, 9, 77.78, 95.0, -17.22)
    # ≥25 employees: 东镇 E1 E2 E4 E6 (three with unions); 南镇 only E7 (E8 has 24).
    assert kpi(refreshed_city, EAST, "org_rate_25plus")[:3] == (3, 4, 75.0)
    assert kpi(refreshed_city, CITY, "org_rate_25plus")[:3] == (6, 7, 85.71)


def test_rates_roll_up_from_counts_not_averages(refreshed_city):
    # E6's members are unknown: E1–E4 reported the membership rate, E6 did not
    assert kpi(refreshed_city, EAST, "membership_rate")[:3] == (120, 180, 66.67)
    assert refreshed_city.query(
        "select reported_enterprises, in_scope_enterprises from main.mart_kpi"
        " where region_code = ? and kpi = 'membership_rate' and period = '2025-12'",
        [EAST],
    ) == [(4, 5)]
    assert kpi(refreshed_city, SOUTH, "membership_rate")[:3] == (922, 1024, 90.04)
    # the average of the three towns' rates would be 83.57
    assert kpi(refreshed_city, CITY, "membership_rate") == (1277, 1454, 87.83, 90.0, -2.17)
    assert kpi(refreshed_city, CITY, "female_membership_rate")[:3] == (
        38 + 8 + 50 + 95 + 18 + 450 + 8,
        40 + 10 + 5 + 20 + 50 + 100 + 20 + 500 + 10,
        round(100 * 667 / 755, 2),
    )
    assert kpi(refreshed_city, CITY, "registration_rate")[:3] == (1217, 1277, 95.30)


def test_contracts_in_force_on_the_last_day_of_the_period(refreshed_city):
    # E2's contract expires on 2025-12-31 itself: still in force. E5's wage agreement
    # expired on 2025-12-30: not in force.
    # E6 has a union and no contract
    assert kpi(refreshed_city, EAST, "cba_rate")[:3] == (2, 3, 66.67)
    assert kpi(refreshed_city, CITY, "cba_rate")[:3] == (4, 7, 57.14)
    assert kpi(refreshed_city, EAST, "cba_coverage")[:3] == (130, 280, 46.43)
    assert kpi(refreshed_city, WEST, "wage_rate")[:3] == (1, 2, 50.0)
    assert kpi(refreshed_city, CITY, "wage_rate")[:3] == (3, 7, 42.86)
    assert kpi(refreshed_city, CITY, "wage_covered_employees")[2] == 100 + 50 + 1000


def test_workers_congress_split_by_ownership(refreshed_city):
    assert kpi(refreshed_city, CITY, "congress_rate_public")[:3] == (1, 2, 50.0)
    assert kpi(refreshed_city, CITY, "congress_rate_nonpublic")[:3] == (2, 5, 40.0)
    assert kpi(refreshed_city, SOUTH, "congress_rate_public")[2] is None


def test_submission_rate_and_year_on_year(refreshed_city):
    assert kpi(refreshed_city, EAST, "submission_rate")[:3] == (3, 4, 75.0)
    change = refreshed_city.query(
        "select round(value_last_year, 2), round(yoy_change, 2) from main.mart_kpi "
        "where region_code = ? and kpi = 'org_rate' and period = '2025-12'",
        [EAST],
    )
    assert change == [(75.0, -15.0)]


def test_every_kpi_code_for_every_level(refreshed_city):
    codes = refreshed_city.query(
        "select region_level, count(distinct kpi) from main.mart_kpi "
        "where period = '2025-12' group by 1 order by 1"
    )
    expected = refreshed_city.query("select count(*) from main.kpi_definitions")[0][0]
    assert codes == [("city", expected), ("district", expected), ("town", expected)]
    assert expected >= 17


def test_action_lists(refreshed_city):
    rows = refreshed_city.query(
        "select action_type, enterprise_name from main.mart_actions "
        "where period = '2025-12' order by action_type, enterprise_name"
    )
    assert rows == [("no_union", "东盛电子有限公司"), ("stopped_reporting", "东逝纺织有限公司")]


def _export_actions(city, tmp_path, out_name: str, *options: str) -> Path:
    out = tmp_path / out_name
    args = ["export", "actions", "--period", "2025-12", "--out", str(out)]
    assert gonghui([*args, *options, "--publish-dir", str(city.published)]) == 0
    return out


def test_export_actions_one_sheet_per_list_titled_with_the_reference_date(refreshed_city, tmp_path):
    out = _export_actions(refreshed_city, tmp_path, "行动清单.xlsx")

    workbook = load_workbook(out, read_only=True)
    city = refreshed_city.query(
        "select region_name from main.dim_region where region_level = 'city'"
    )[0][0]
    assert workbook["集体合同90天内到期"]["A1"].value == (
        f"{city}　报告期 2025-12　集体合同90天内到期　截至 2025-12-31（报告期末）"
    )
    assert workbook["未建会企业"]["A1"].value == f"{city}　报告期 2025-12　未建会企业"
    sheets = pl.read_excel(out, sheet_id=0, read_options={"header_row": 1})
    listed = {
        name: list(zip(frame["企业名称"], frame["状态"], strict=True)) if "状态" in frame.columns
        else frame["企业名称"].to_list()
        for name, frame in sheets.items()
    }  # fmt: skip
    assert listed == {
        "未建会企业": ["东盛电子有限公司"],
        "集体合同已到期未续签": [],
        "工资专项集体合同已到期未续签": [("西湖软件有限公司", "已到期1天")],
        "集体合同90天内到期": [("东升贸易有限公司", "当天到期")],
        "工资专项集体合同90天内到期": [
            ("东方机械有限公司", "59天后到期"),
            ("南方制造有限公司", "74天后到期"),
        ],
        "停报企业": ["东逝纺织有限公司"],
        "迁出企业": [],
    }


def test_export_actions_as_csv_with_fewer_days_ahead(refreshed_city, tmp_path):
    out = _export_actions(refreshed_city, tmp_path, "actions.csv", "--days", "60")

    frame = pl.read_csv(out, infer_schema=False)
    assert frame.select("清单", "企业名称").rows() == [
        ("未建会企业", "东盛电子有限公司"),
        ("工资专项集体合同已到期未续签", "西湖软件有限公司"),
        ("集体合同60天内到期", "东升贸易有限公司"),
        ("工资专项集体合同60天内到期", "东方机械有限公司"),
        ("停报企业", "东逝纺织有限公司"),
    ]


def test_summary_reconciliation_flags(refreshed_city):
    flagged = refreshed_city.query(
        "select region_code, metric, reported, is_flagged, flag_reason "
        "from main.mart_summary_reconciliation where is_flagged order by region_code, metric"
    )
    # 东镇's summary left out E6 (2 of 4 with a union): its returns say 3 of 5
    assert flagged == [
        (EAST, "cba_rate", 20230.0, True, "impossible_value"),
        (EAST, "org_rate", 50.0, True, "beyond_tolerance"),
        (WEST, "membership_rate", 96.0, True, "beyond_tolerance"),
    ]


def test_export_kpis_reads_back_the_mart(refreshed_city, tmp_path):
    out = tmp_path / "kpis.csv"
    code = gonghui(
        [
            "export",
            "kpis",
            "--period",
            "2025-12",
            "--region",
            DISTRICT_A,
            "--out",
            str(out),
            "--publish-dir",
            str(refreshed_city.published),
        ]
    )
    assert code == 0
    frame = pl.read_csv(out)
    assert frame.columns == [
        "region_code",
        "region_name",
        "region_level",
        "period",
        "kpi",
        "numerator",
        "denominator",
        "value",
        "reported_enterprises",
        "in_scope_enterprises",
        "unreported_enterprises",
        "target",
        "gap",
        "still_needed",
        "value_last_year",
        "yoy_change",
    ]
    assert set(frame["region_code"].cast(pl.Utf8)) == {DISTRICT_A, EAST, WEST}
    org = frame.filter((pl.col("kpi") == "org_rate") & (pl.col("region_code") == int(EAST)))
    # 2025: E1, E2, E6 of E1–E4 and E6 have a union; 2024: E1, E2, E9 of E1, E2, E3, E9.
    # Still needed for 90%: 90% of 5 is 4.5, so 2 more than the 3
    assert org.select(
        "numerator",
        "denominator",
        "value",
        "target",
        "gap",
        "still_needed",
        "value_last_year",
        "yoy_change",
    ).row(0) == (3, 5, 60.0, 90.0, -30.0, 2, 75.0, -15.0)


def test_export_quarantine_writes_a_sheet_per_town(refreshed_city, tmp_path):
    out = tmp_path / "quarantine.xlsx"
    args = ["export", "quarantine", "--out", str(out)]
    assert gonghui([*args, "--publish-dir", str(refreshed_city.published)]) == 0
    sheets = pl.read_excel(out, sheet_id=0)
    # a sheet per town, and the companion sheet of field issues
    assert sheets.pop("字段问题").height == 1
    assert sum(frame.height for frame in sheets.values()) == 4


def test_export_reconciliation_lists_each_town_with_the_flag_reason(refreshed_city, tmp_path):
    out = tmp_path / "核对.csv"
    args = ["export", "reconciliation", "--period", "2025-12", "--region", DISTRICT_A]
    assert gonghui([*args, "--out", str(out), "--publish-dir", str(refreshed_city.published)]) == 0
    frame = pl.read_csv(out, infer_schema=False)
    assert frame.columns[:5] == [
        "镇街代码 region_code",
        "镇街",
        "报告期 period",
        "指标",
        "指标代码 metric",
    ]
    flagged = frame.filter(pl.col("是否异常") == "是")
    assert flagged.select("镇街代码 region_code", "指标代码 metric", "上报值 reported").rows() == [
        (EAST, "cba_rate", "20230.0"),
        (EAST, "org_rate", "50.0"),
        (WEST, "membership_rate", "96.0"),
    ]
    assert "不可能" in flagged["异常原因"][0]
    assert set(frame["镇街代码 region_code"]) == {EAST, WEST}


def test_export_of_unknown_period_is_a_clear_error(refreshed_city, tmp_path, capsys):
    code = gonghui(
        [
            "export",
            "kpis",
            "--period",
            "2030-12",
            "--out",
            str(tmp_path / "x.csv"),
            "--publish-dir",
            str(refreshed_city.published),
        ]
    )
    assert code == 2
    assert "报告期 2030-12 没有数据" in capsys.readouterr().err


def test_raw_files_are_never_modified(refreshed_city):
    fixture_raw = Path(__file__).parents[1] / "fixtures" / "messy_city" / "raw"
    for original in fixture_raw.rglob("*"):
        if original.is_file():
            copy = refreshed_city.raw / original.relative_to(fixture_raw)
            assert copy.read_bytes() == original.read_bytes()


def test_an_enterprise_in_two_towns_files_is_a_listed_conflict(tmp_path):
    """西街道 sends in 东来小吃店 (a 东镇 enterprise) for 2025 in a later file: the later file
    counts, as any correction, and both towns see the conflict."""
    raw = copy_fixture(tmp_path)
    later = raw / "returns" / "西街道补报.csv"
    later.write_text(
        "统一社会信用代码,企业名称,所属镇街代码,报告期,职工人数,建会形式\n"
        f"91330200MA0000003T,东来小吃店,{WEST},2025,10,未建会\n",
        encoding="utf-8",
    )
    code, output = run_refresh(tmp_path, raw)
    assert code == 0, output

    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute(
            "select region_code, is_current, source_file, source_row from main.mart_town_conflicts"
            " order by is_current"
        ).fetchall() == [
            (EAST, False, "returns/东镇2025年报.csv", 6),
            (WEST, True, "returns/西街道补报.csv", 2),
        ]
    out = tmp_path / "隔离.xlsx"
    args = ["export", "quarantine", "--region", EAST, "--out", str(out)]
    assert gonghui([*args, "--publish-dir", str(tmp_path / "published")]) == 0
    sheet = pl.read_excel(out, sheet_name="镇街冲突")
    assert sheet.select("镇街", "计入指标", "原行号 row").rows() == [
        (f"西街道 {WEST}", "是", 2),
        (f"东镇 {EAST}", "否", 6),
    ]
