"""`dbt build` over a tiny hand-made warehouse: every mart number below is computed by hand.

The fixture city (codes 99…, not the shipped sample city) arrives through the reference
override path (landing.ref_regions / landing.ref_targets), so the test does not depend on
what the shipped seeds contain.

City 测试市 990000000000
├── 甲区 990100000000
│   ├── 一镇 990101001000   2024-06: A single 10, B single 30, C joint 100, D none 30  → 3/4
│   └── 二镇 990101002000   2024-06: E single 50, F none 10                            → 1/2
└── 乙区 990200000000
    └── 三镇 990201001000   2024-06: G single 40                                       → 1/1
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO_ROOT / "dbt_project"
sys.path.insert(0, str(REPO_ROOT))

from pipelines.exports.contract_expiry import EXPIRY_LISTS, Horizon  # noqa: E402
from pipelines.ingest.landing import SCHEMA, create_landing_tables  # noqa: E402
from pipelines.warehouse.landing_parquet import write_landing_parquet  # noqa: E402

CITY, DISTRICT_A, DISTRICT_B = "990000000000", "990100000000", "990200000000"
TOWN_1, TOWN_2, TOWN_3 = "990101001000", "990101002000", "990201001000"

REGIONS = [
    (CITY, "测试市", "city", None),
    (DISTRICT_A, "甲区", "district", CITY),
    (DISTRICT_B, "乙区", "district", CITY),
    (TOWN_1, "一镇", "town", DISTRICT_A),
    (TOWN_2, "二镇", "town", DISTRICT_A),
    (TOWN_3, "三镇", "town", DISTRICT_B),
]

TARGETS = [
    (2024, CITY, "org_rate", 95.0),
    (2024, DISTRICT_A, "org_rate", 80.0),  # nearer than the city's for 一镇/二镇
    (2024, CITY, "职工入会率", 90.0),  # a KPI named by its Chinese name
]

EARLY = datetime(2024, 7, 1, 9, 0)
LATE = datetime(2024, 7, 5, 9, 0)

ENTERPRISE_COLUMNS = [
    "source_file", "sheet", "source_row", "file_mtime", "load_id",
    "uscc", "enterprise_name", "region_code", "period", "ownership", "industry_code",
    "employees", "female_employees", "migrant_employees", "union_form",
    "members", "female_members", "migrant_members", "members_registered",
    "cba_signed_on", "cba_expires_on", "cba_covered", "female_cba",
    "wage_signed_on", "wage_expires_on", "wage_rounds", "wage_rise_pct",
    "workers_congress", "open_affairs", "union_legal_person",
]  # fmt: skip


_ROW_NUMBERS = iter(range(20, 1000))


def _return(uscc, name, region, period, employees, union_form, members, **extra):
    row = {
        "source_file": f"returns/{period}.csv",
        "sheet": None,
        "source_row": next(_ROW_NUMBERS),
        "file_mtime": EARLY,
        "load_id": "test",
        "uscc": uscc,
        "enterprise_name": name,
        "region_code": region,
        "period": period,
        "ownership": "私营",
        "industry_code": "C",
        "employees": employees,
        "female_employees": None,
        "migrant_employees": None,
        "union_form": union_form,
        "members": members,
        "female_members": None,
        "migrant_members": None,
        "members_registered": None,
        "cba_signed_on": None,
        "cba_expires_on": None,
        "cba_covered": None,
        "female_cba": False,
        "wage_signed_on": None,
        "wage_expires_on": None,
        "wage_rounds": None,
        "wage_rise_pct": None,
        "workers_congress": False,
        "open_affairs": False,
        "union_legal_person": False,
    }
    row.update(extra)
    return [row[c] for c in ENTERPRISE_COLUMNS]


A, B, C, D = "91990101MA0000001A", "91990101MA0000002B", "91990101MA0000003C", "91990101MA0000004D"
E, F, G, X = "91990101MA0000005E", "91990101MA0000006F", "91990201MA0000007G", "91990101MA0000009X"

ENTERPRISE_RETURNS = [
    # 一镇 2024-06
    _return(
        A,
        "甲公司",
        TOWN_1,
        "2024-06",
        10,
        "single",
        8,
        ownership="国有",
        source_row=4,
        # signed ON the last day of the period: in force
        cba_signed_on=date(2024, 6, 30),
        cba_expires_on=date(2027, 6, 29),
        cba_covered=10,
        wage_signed_on=date(2024, 1, 1),
        wage_expires_on=date(2024, 9, 15),
        workers_congress=True,
    ),
    # B first came in saying "none"; a later file corrects it to "single" (更正)
    _return(B, "乙公司", TOWN_1, "2024-06", 30, "none", 0, source_file="returns/a_first.csv"),
    _return(
        B,
        "乙公司",
        TOWN_1,
        "2024-06",
        30,
        "single",
        20,
        source_file="returns/b_correction.csv",
        file_mtime=LATE,
        source_row=7,
        # expiring ON the last day of the period: still in force
        cba_signed_on=date(2021, 7, 1),
        cba_expires_on=date(2024, 6, 30),
        cba_covered=30,
    ),
    _return(
        C,
        "丙公司",
        TOWN_1,
        "2024-06",
        100,
        "joint",
        90,
        source_row=5,
        # expired the day before the period ends: not in force
        cba_signed_on=date(2021, 6, 29),
        cba_expires_on=date(2024, 6, 29),
        cba_covered=100,
    ),
    _return(D, "丁公司", TOWN_1, "2024-06", 30, "none", 0, source_row=9),
    # 一镇 2024-03 (previous period of 2024-06): X returns then, not in 2024-06
    _return(A, "甲公司", TOWN_1, "2024-03", 10, "single", 8),
    _return(B, "乙公司", TOWN_1, "2024-03", 30, "single", 20),
    _return(C, "丙公司", TOWN_1, "2024-03", 100, "joint", 90),
    _return(X, "戊公司", TOWN_1, "2024-03", 60, "single", 50, source_row=12),
    # 一镇 2023-06 (same period last year): 1 of 2 → 50.0
    _return(A, "甲公司", TOWN_1, "2023-06", 10, "single", 8),
    _return(B, "乙公司", TOWN_1, "2023-06", 30, "none", 0),
    # 二镇 2024-06
    _return(
        E,
        "己公司",
        TOWN_2,
        "2024-06",
        50,
        "single",
        40,
        # signed after the period ends: not a contract of this period's lists
        wage_signed_on=date(2024, 7, 1),
        wage_expires_on=date(2025, 6, 30),
    ),
    _return(F, "庚公司", TOWN_2, "2024-06", 10, "none", 0),
    # 三镇 2024-06
    _return(G, "辛公司", TOWN_3, "2024-06", 40, "single", 40),
]

SUMMARY_COLUMNS = [
    "source_file", "sheet", "source_row", "file_mtime", "load_id",
    "region_code", "region_name", "period", "enterprises", "unionised_enterprises", "org_rate",
    "employees", "members", "membership_rate", "cba_enterprises", "cba_rate",
    "wage_enterprises", "new_unions", "new_congresses",
]  # fmt: skip

SUMMARY_RETURNS = [
    # 组建率 20230% is impossible; 入会率 80 vs 118/170 = 69.41 is beyond tolerance;
    # 签订率 66.5 vs 2/3 = 66.67 is within it.
    [
        "summaries/town1.csv", None, 5, EARLY, "test",
        TOWN_1, "一镇", "2024-06", 4, 3, 20230.0,
        170, 118, 80.0, 2, 66.5,
        1, 0, 0,
    ],
]  # fmt: skip


# Boundary files (landing.ref_boundaries, as the ingestion accepted them): 一镇 is drawn by both
# files, the later one wins; 二镇 only by the first.
SQUARE = '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}'
SQUARE_2 = '{"type":"Polygon","coordinates":[[[1,0],[2,0],[2,1],[1,1],[1,0]]]}'
BOUNDARIES = [
    ("reference/边界.geojson", 1, EARLY, TOWN_1, SQUARE),
    ("reference/边界.geojson", 2, EARLY, TOWN_2, SQUARE_2),
    ("reference/边界更新.geojson", 1, LATE, TOWN_1, SQUARE_2),
]


def _build_landing(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        create_landing_tables(con)
        con.executemany(
            "insert into landing.ref_regions (source_file, sheet, source_row, file_mtime,"
            " load_id, region_code, region_name, region_level, parent_code)"
            " values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ["reference/regions.csv", None, i, EARLY, "test", *r]
                for i, r in enumerate(REGIONS, 2)
            ],
        )
        con.executemany(
            "insert into landing.ref_targets (source_file, sheet, source_row, file_mtime,"
            " load_id, year, region_code, kpi, target) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ["reference/targets.csv", None, i, EARLY, "test", *t]
                for i, t in enumerate(TARGETS, 2)
            ],
        )
        marks = ", ".join("?" * len(ENTERPRISE_COLUMNS))
        con.executemany(
            f"insert into landing.enterprise_returns ({', '.join(ENTERPRISE_COLUMNS)})"
            f" values ({marks})",
            ENTERPRISE_RETURNS,
        )
        marks = ", ".join("?" * len(SUMMARY_COLUMNS))
        con.executemany(
            f"insert into landing.summary_returns ({', '.join(SUMMARY_COLUMNS)}) values ({marks})",
            SUMMARY_RETURNS,
        )
        con.executemany(
            "insert into landing.ref_boundaries (source_file, sheet, source_row, file_mtime,"
            " load_id, region_code, geometry) values (?, null, ?, ?, 'test', ?, ?)",
            BOUNDARIES,
        )
    finally:
        con.close()
    # dbt reads the landing as the ingestion leaves it for both engines: as Parquet. Without
    # the tables it was written from, a build that read them would fail.
    write_landing_parquet(path, _landing_dir(path))
    with duckdb.connect(str(path)) as con:
        con.execute(f"drop schema {SCHEMA} cascade")


def _landing_dir(warehouse: Path) -> Path:
    return warehouse.parent / "landing"


def _project_dir(tmp: Path) -> Path:
    """The real project, or, while the shipped city seeds are not written yet, a copy of it
    with empty ones (this test brings its own regions and targets anyway)."""
    seeds = DBT_PROJECT / "seeds"
    if (seeds / "regions.csv").exists() and (seeds / "targets.csv").exists():
        return DBT_PROJECT
    copy = tmp / "dbt_project"
    shutil.copytree(DBT_PROJECT, copy, ignore=shutil.ignore_patterns("target", "logs"))
    if not (copy / "seeds" / "regions.csv").exists():
        (copy / "seeds" / "regions.csv").write_text(
            "region_code,region_name,region_level,parent_code\n", encoding="utf-8"
        )
    if not (copy / "seeds" / "targets.csv").exists():
        (copy / "seeds" / "targets.csv").write_text(
            "year,region_code,kpi,target\n", encoding="utf-8"
        )
    return copy


def _dbt(args: list[str], db: Path, tmp: Path, **env: str) -> subprocess.CompletedProcess:
    """`dbt <args>` on the project, with the warehouse `db`; output kept under `tmp`."""
    project_dir = _project_dir(tmp)
    env = {
        **os.environ,
        "GONGHUI_WAREHOUSE": str(db),
        "GONGHUI_LANDING_DIR": str(_landing_dir(db)),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_VERSION_CHECK": "false",
        **env,
    }
    dbt = Path(sys.executable).with_name("dbt")
    return subprocess.run(
        [
            str(dbt), *args,
            "--project-dir", str(project_dir),
            "--profiles-dir", str(project_dir),
            "--target-path", str(tmp / "target"),
            "--log-path", str(tmp / "logs"),
        ],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("dbt_build")
    db = tmp / "warehouse.duckdb"
    _build_landing(db)
    result = _dbt(["build"], db, tmp)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return db


@pytest.fixture(scope="module")
def warehouse(built):
    con = duckdb.connect(str(built), read_only=True)
    yield con
    con.close()


def _kpi(con, region_code, period, kpi):
    row = con.execute(
        "select numerator, denominator, value, target, gap, value_last_year, yoy_change,"
        " rank_in_parent, region_level, kpi_name_zh from main.mart_kpi"
        " where region_code = ? and period = ? and kpi = ?",
        [region_code, period, kpi],
    ).fetchone()
    assert row is not None, (region_code, period, kpi)
    keys = "numerator denominator value target gap value_last_year yoy_change rank level name"
    return dict(zip(keys.split(), row, strict=True))


def test_town_org_rate_counts_single_and_joint_unions(warehouse):
    got = _kpi(warehouse, TOWN_1, "2024-06", "org_rate")
    assert (got["numerator"], got["denominator"], got["value"]) == (3, 4, 75.0)
    assert got["level"] == "town" and got["name"] == "工会组建率"


def test_correction_from_later_file_is_current(warehouse):
    rows = warehouse.execute(
        "select union_form, is_current from main.fct_enterprise_return_history"
        " where uscc = ? and period = '2024-06' order by source_file",
        [B],
    ).fetchall()
    assert rows == [("none", False), ("single", True)]
    current = warehouse.execute(
        "select union_form, source_file, district_code from main.fct_enterprise_returns"
        " where uscc = ? and period = '2024-06'",
        [B],
    ).fetchall()
    assert current == [("single", "returns/b_correction.csv", DISTRICT_A)]


def test_org_rate_25plus_counts_only_large_enterprises(warehouse):
    got = _kpi(warehouse, TOWN_1, "2024-06", "org_rate_25plus")
    assert (got["numerator"], got["denominator"]) == (2, 3)


def test_cba_in_force_at_period_end_boundaries(warehouse):
    # A signed on 06-30 and B expiring on 06-30 count; C expired on 06-29 does not
    got = _kpi(warehouse, TOWN_1, "2024-06", "cba_rate")
    assert (got["numerator"], got["denominator"]) == (2, 3)
    coverage = _kpi(warehouse, TOWN_1, "2024-06", "cba_coverage")
    assert (coverage["numerator"], coverage["denominator"]) == (40, 170)


def test_district_and_city_sum_counts_not_rates(warehouse):
    district = _kpi(warehouse, DISTRICT_A, "2024-06", "org_rate")
    assert (district["numerator"], district["denominator"]) == (4, 6)
    assert district["value"] == pytest.approx(66.6667, abs=1e-4)  # not (75 + 50) / 2
    assert district["level"] == "district"
    city = _kpi(warehouse, CITY, "2024-06", "org_rate")
    assert (city["numerator"], city["denominator"]) == (5, 7)
    assert city["value"] == pytest.approx(500 / 7)
    assert city["level"] == "city"


def test_target_comes_from_nearest_ancestor(warehouse):
    town_1 = _kpi(warehouse, TOWN_1, "2024-06", "org_rate")
    assert (town_1["target"], town_1["gap"]) == (80.0, -5.0)  # 甲区's 80, not the city's 95
    town_3 = _kpi(warehouse, TOWN_3, "2024-06", "org_rate")
    assert (town_3["target"], town_3["gap"]) == (95.0, 5.0)  # 乙区 has none: the city's
    membership = _kpi(warehouse, TOWN_1, "2024-06", "membership_rate")
    assert membership["target"] == 90.0  # targets file named the KPI 职工入会率


def test_same_period_last_year_and_rank(warehouse):
    got = _kpi(warehouse, TOWN_1, "2024-06", "org_rate")
    assert (got["value_last_year"], got["yoy_change"]) == (50.0, 25.0)
    assert got["rank"] == 1
    assert _kpi(warehouse, TOWN_2, "2024-06", "org_rate")["rank"] == 2


def test_submission_rate_against_previous_period_with_returns(warehouse):
    # 2024-03 had A B C X; 2024-06 has A B C (and D, new): 3 / 4
    got = _kpi(warehouse, TOWN_1, "2024-06", "submission_rate")
    assert (got["numerator"], got["denominator"], got["value"]) == (3, 4, 75.0)


def test_count_kpis_have_no_denominator(warehouse):
    got = _kpi(warehouse, TOWN_1, "2024-06", "wage_covered_employees")
    assert (got["numerator"], got["denominator"], got["value"]) == (10, None, 10.0)


def test_every_kpi_for_every_region_with_returns(warehouse):
    kpis = warehouse.execute("select count(*) from main.kpi_definitions").fetchone()[0]
    rows = warehouse.execute(
        "select region_code, count(*) from main.mart_kpi where period = '2024-06'"
        " group by region_code order by region_code"
    ).fetchall()
    assert rows == [
        (code, kpis) for code in sorted([CITY, DISTRICT_A, DISTRICT_B, TOWN_1, TOWN_2, TOWN_3])
    ]


def test_action_lists(warehouse):
    rows = warehouse.execute(
        "select action_type, uscc, district_name, source_row"
        " from main.mart_actions where period = '2024-06' and region_code = ?"
        " order by action_type, uscc",
        [TOWN_1],
    ).fetchall()
    assert rows == [
        ("no_union", D, "甲区", 9),
        ("stopped_reporting", X, "甲区", 12),
    ]


def test_contracts_with_an_expiry_date_signed_by_the_period_end(warehouse):
    rows = warehouse.execute(
        "select contract_type, uscc, signed_on, expires_on, district_name, source_row"
        " from main.mart_contract_expiry where period = '2024-06' order by contract_type, uscc"
    ).fetchall()
    # E's wage contract, signed 2024-07-01, is not one of 2024-06
    assert rows == [
        ("cba", A, date(2024, 6, 30), date(2027, 6, 29), "甲区", 4),
        ("cba", B, date(2021, 7, 1), date(2024, 6, 30), "甲区", 7),
        ("cba", C, date(2021, 6, 29), date(2024, 6, 29), "甲区", 5),
        ("wage", A, date(2024, 1, 1), date(2024, 9, 15), "甲区", 4),
    ]


def _expiry_lists(warehouse, horizon: Horizon) -> dict[str, list[tuple]]:
    lists = {}
    for expiry in EXPIRY_LISTS:
        sql, params = expiry.query(horizon, "2024-06", "true", lineage="")
        lists[expiry.title(horizon)] = [
            (row[1], row[-2], row[-1]) for row in warehouse.execute(sql, params).fetchall()
        ]
    return lists


def test_expired_and_expiring_counted_from_the_period_end(warehouse):
    """At 2024-06-30: C's contract expired the day before; B's expires that day, A's wage
    contract 77 days later (within 90 days, not within 30)."""
    assert _expiry_lists(warehouse, Horizon.of("2024-06")) == {
        "集体合同已到期未续签": [(C, -1, "已到期1天")],
        "工资专项集体合同已到期未续签": [],
        "集体合同90天内到期": [(B, 0, "当天到期")],
        "工资专项集体合同90天内到期": [(A, 77, "77天后到期")],
    }
    assert (
        _expiry_lists(warehouse, Horizon.of("2024-06", days=30))["工资专项集体合同30天内到期"] == []
    )


def test_expired_counted_from_a_later_day_latest_first(warehouse):
    """Counted from 2024-09-20 (as "today" would): A's wage contract expired 5 days before,
    and B's and C's collective contracts are listed latest expired first."""
    lists = _expiry_lists(warehouse, Horizon("today", date(2024, 9, 20), 90))
    assert lists == {
        "集体合同已到期未续签": [(B, -82, "已到期82天"), (C, -83, "已到期83天")],
        "工资专项集体合同已到期未续签": [(A, -5, "已到期5天")],
        "集体合同90天内到期": [],
        "工资专项集体合同90天内到期": [],
    }
    assert Horizon("today", date(2024, 9, 20), 90).label() == "截至 2024-09-20（今天）"


def test_reconciliation_flags(warehouse):
    rows = {
        metric: (flagged, reason, reason_zh)
        for metric, flagged, reason, reason_zh in warehouse.execute(
            "select metric, is_flagged, flag_reason, flag_reason_zh"
            " from main.mart_summary_reconciliation where region_code = ?",
            [TOWN_1],
        ).fetchall()
    }
    assert rows["org_rate"] == (True, "impossible_value", "上报组建率20230%不可能(超过100%)")
    assert rows["membership_rate"][:2] == (True, "beyond_tolerance")
    assert rows["membership_rate"][2].startswith("上报值与企业报表汇总相差超过1个百分点")
    assert rows["cba_rate"] == (False, None, None)
    assert rows["enterprises"] == (False, None, None)


def test_each_region_has_the_boundary_of_the_latest_file_that_draws_it(warehouse):
    rows = warehouse.execute(
        "select region_code, region_name, region_level, geometry, source_file, source_row"
        " from main.dim_region_boundary order by region_code"
    ).fetchall()
    assert rows == [
        (TOWN_1, "一镇", "town", SQUARE_2, "reference/边界更新.geojson", 1),
        (TOWN_2, "二镇", "town", SQUARE_2, "reference/边界.geojson", 2),
    ]


def test_incremental_uniqueness_tests_judge_the_rebuilt_partitions_only(built, tmp_path):
    """A duplicate (uscc, period) in a partition the build did not rebuild is one an earlier
    build already judged; in a rebuilt one it is caught, and after a full load (which lists
    every partition to rebuild) both are."""
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(built, db)
    shutil.copytree(_landing_dir(built), _landing_dir(db))
    test = ["test", "--select", "unique_combination_fct_enterprise_returns_uscc__period"]
    rebuild = "create or replace table main.int_partitions_to_rebuild as"
    con = duckdb.connect(str(db))
    con.execute(f"{rebuild} select ? as region_code, '2024-06' as period", [TOWN_1])
    duplicate = "insert into main.fct_enterprise_returns select * from main.fct_enterprise_returns"
    con.execute(f"{duplicate} where region_code = ? and period = '2024-06' limit 1", [TOWN_2])
    con.close()

    incremental = _dbt(test, db, tmp_path)
    assert incremental.returncode == 0, incremental.stdout[-3000:]

    con = duckdb.connect(str(db))
    con.execute(f"{rebuild} select distinct region_code, period from main.fct_enterprise_returns")
    con.close()
    full = _dbt(test, db, tmp_path)
    assert full.returncode == 1, full.stdout[-3000:]
    assert "Got 1 result" in full.stdout

    con = duckdb.connect(str(db))
    con.execute(f"{rebuild} select ? as region_code, '2024-06' as period", [TOWN_1])
    con.execute(f"{duplicate} where region_code = ? and period = '2024-06' limit 1", [TOWN_1])
    con.close()
    incremental = _dbt(test, db, tmp_path)
    assert incremental.returncode == 1, incremental.stdout[-3000:]
    assert "Got 1 result" in incremental.stdout


def test_landing_nulls_are_judged_while_their_load_is_pending(built, tmp_path):
    """A landing row never changes once written: the not-null test of the landing returns
    judges the rows of the loads not yet published. A later load's row without a union form
    passes while that load is not in the record of pending loads, and fails once it is."""
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(built, db)
    shutil.copytree(_landing_dir(built), _landing_dir(db))
    landing = _landing_dir(db)
    returns = landing / "enterprise_returns"
    later = returns / "p_period=2024-06" / "p_city=9901" / "part-later-0.parquet"
    with duckdb.connect() as con:
        con.execute(
            "copy (select * replace (null as union_form, 'later' as load_id)"
            f" from read_parquet('{returns}/*/*/*.parquet', hive_partitioning = false)"
            f" where uscc = ?) to '{later}'",
            [G],
        )
    test = ["test", "--select", "not_null_columns_stg_landing__enterprise_returns_of_pending_loads"]

    published = _dbt(test, db, tmp_path)
    assert published.returncode == 0, published.stdout[-3000:]

    with duckdb.connect() as con:
        con.execute(
            "copy (select 'later' as load_id, false as full_reload,"
            " timestamp '2024-07-06 09:00' as loaded_at)"
            f" to '{landing / 'pending_loads' / 'data_0.parquet'}'"
        )
    pending = _dbt(test, db, tmp_path)
    assert pending.returncode == 1, pending.stdout[-3000:]
    assert "Got 1 result" in pending.stdout


def test_what_the_numerator_counts_is_said_in_its_unit(warehouse):
    units = dict(
        warehouse.execute(
            "select kpi, numerator_unit_zh from main.kpi_definitions"
            " where kpi in ('org_rate', 'membership_rate', 'wage_rounds')"
        ).fetchall()
    )
    assert units == {"org_rate": "家", "membership_rate": "人", "wage_rounds": "次"}
