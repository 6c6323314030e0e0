"""A tiny published snapshot whose numbers can be checked by hand.

宁波市 ─┬─ 海曙区 ── 鼓楼街道
        └─ 奉化区 ─┬─ 溪口镇
                   └─ 锦屏街道

2025-12 (报告期 2025年度), enterprises / with a union:
  锦屏街道 200/196 = 98.0%, 溪口镇 120/111 = 92.5%, 鼓楼街道 100/97 = 97.0%
  奉化区 320/307 = 95.9%, 海曙区 100/97 = 97.0%, 宁波市 420/404 = 96.2% (target 95 → +1.2)
  members / employees: 宁波市 13,200/14,000 = 94.3% (target 95 → -0.7)
2024-12: 宁波市 376/400 = 94.0%, so 组建率 同比 +2.2个百分点.

Row tables follow the same counts: enterprise i of a town (0-based) has a union when
i < unionised and a collective contract in force when i < cba enterprises; every
enterprise has ≥ 25 employees, so 未建会企业 of a town = enterprises − unionised.
Each town has its own source file, two quarantined rows and one flagged summary figure.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.media_file_manager import MediaFileManager

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from pipelines import kpi_table  # noqa: E402

APP = REPO_ROOT / "dashboards" / "app.py"

CITY, HAISHU, FENGHUA = "330200000000", "330203000000", "330283000000"
GULOU, XIKOU, JINPING = "330203001000", "330283100000", "330283001000"

REGIONS = [  # code, name, level, parent
    (CITY, "宁波市", "city", None),
    (HAISHU, "海曙区", "district", CITY),
    (FENGHUA, "奉化区", "district", CITY),
    (GULOU, "鼓楼街道", "town", HAISHU),
    (XIKOU, "溪口镇", "town", FENGHUA),
    (JINPING, "锦屏街道", "town", FENGHUA),
]

LABELS = [  # kpi, name_zh, name_en, unit, sort_order, numerator_zh, denominator_zh
    ("org_rate", "工会组建率", "Union establishment rate", "pct", 1, "已建会企业数", "企业数"),
    ("membership_rate", "职工入会率", "Membership rate", "pct", 2, "会员人数", "职工人数"),
    (
        "cba_rate",
        "集体合同签订率",
        "Collective contract rate",
        "pct",
        3,
        "签订集体合同企业数",
        "已建会企业数",
    ),
    (
        "wage_rate",
        "工资集体协商建制率",
        "Wage negotiation rate",
        "pct",
        4,
        "开展工资集体协商企业数",
        "已建会企业数",
    ),
    (
        "congress_rate_nonpublic",
        "非公企业职代会建制率",
        "Workers' congress rate (non-public)",
        "pct",
        5,
        "建立职代会企业数",
        "已建会非公企业数",
    ),
    (
        "congress_rate_public",
        "国有集体企业职代会建制率",
        "Workers' congress rate (public)",
        "pct",
        6,
        "建立职代会企业数",
        "已建会国有集体企业数",
    ),
    (
        "registration_rate",
        "会员信息采集率",
        "Member registration rate",
        "pct",
        7,
        "实名制采集会员数",
        "会员人数",
    ),
    ("wage_rounds", "工资集体协商次数", "Wage negotiation rounds", "rounds", 8, "协商次数", None),
    (
        "submission_rate",
        "报送率",
        "Submission rate",
        "pct",
        9,
        "上期已报送且本期再次报送的企业数",
        "上期已报送企业数",
    ),
]


def _definition(label: tuple) -> tuple:
    """A kpi_definitions row: the labels above, the formula from the real KPI table."""
    code, name_zh, name_en, unit, sort_order, numerator_zh, denominator_zh = label
    kpi = {k.code: k for k in kpi_table.kpis()}[code]
    denominator = kpi.denominator
    return (
        code, name_zh, name_en, unit, sort_order, kpi.population,
        kpi.numerator.measure, kpi.numerator.filter,
        denominator and denominator.measure, denominator and denominator.filter,
        kpi.bounded, numerator_zh, denominator_zh, kpi.description, kpi.still_needed_zh,
        "家" if kpi.numerator.measure == "enterprises" else "次" if kpi.unit == "rounds" else "人",
        ",".join(kpi.inputs),
    )  # fmt: skip


KPI_DEFINITIONS = [_definition(label) for label in LABELS]

# town → period → (enterprises, unionised, employees, members, cba enterprises, wage rounds)
TOWN_COUNTS = {
    JINPING: {
        "2025-12": (200, 196, 6000, 5700, 150, 30),
        "2024-12": (190, 180, 5800, 5400, 140, 28),
    },
    XIKOU: {"2025-12": (120, 111, 3000, 2800, 100, 12), "2024-12": (115, 104, 2900, 2600, 90, 10)},
    GULOU: {"2025-12": (100, 97, 5000, 4700, 90, 25), "2024-12": (95, 92, 4800, 4500, 85, 20)},
}
TARGETS = {"org_rate": 95.0, "membership_rate": 95.0, "cba_rate": 90.0}
# 西口街道 2025: the file of its first 11 enterprises has no contract-date columns, so 11 of
# its 111 unionised enterprises have not reported 集体合同签订率 (unknown_fields)
UNREPORTED_CBA = (XIKOU, "2025-12", 11)
CBA_DATES = "cba_signed_on,cba_expires_on"


def _rollup(town_counts: dict) -> dict:
    """(region, period) → summed counts, town → district → city, as the marts do."""
    parent = {code: p for code, _, _, p in REGIONS}
    totals: dict = {}
    for town, by_period in town_counts.items():
        for period, counts in by_period.items():
            region = town
            while region is not None:
                old = totals.get((region, period), (0,) * len(counts))
                totals[(region, period)] = tuple(a + b for a, b in zip(old, counts, strict=True))
                region = parent[region]
    return totals


def _unreported_cba(town_counts: dict) -> dict:
    """(region, period) → enterprises that have not reported 集体合同签订率, rolled up."""
    town, period, count = UNREPORTED_CBA
    if period not in town_counts.get(town, {}):
        return {}
    counts = {t: {p: (0,) for p in by_period} for t, by_period in town_counts.items()}
    counts[town][period] = (count,)
    return {key: value[0] for key, value in _rollup(counts).items()}


def _kpi_rows(town_counts: dict) -> list[tuple]:
    """(region_code, period, kpi, numerator, denominator, value, target, reported_enterprises,
    in_scope_enterprises) per region and KPI."""
    rows = []
    unreported_cba = _unreported_cba(town_counts)
    for (region, period), (ent, unionised, emp, mem, cba, rounds) in _rollup(town_counts).items():
        for kpi, num, den, in_scope, unreported in [
            ("org_rate", unionised, ent, ent, 0),
            ("membership_rate", mem, emp, ent, 0),
            ("cba_rate", cba, unionised, unionised, unreported_cba.get((region, period), 0)),
        ]:
            rows.append(
                (region, period, kpi, num, den, 100.0 * num / den, TARGETS.get(kpi),
                 in_scope - unreported, in_scope)
            )  # fmt: skip
        rows.append((region, period, "wage_rounds", rounds, None, float(rounds), None, ent, ent))
    return rows


def _square(west: float, south: float, east: float, north: float) -> str:
    """A rectangle in longitude/latitude, as dim_region_boundary holds it (GeoJSON text,
    counter-clockwise as RFC 7946 has it)."""
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]}, separators=(",", ":"))


# dim_region_boundary: 鼓楼 alone in 海曙区; 溪口 and 锦屏 side by side make 奉化区.
BOUNDARIES = {
    HAISHU: _square(121.50, 29.85, 121.60, 29.95),
    FENGHUA: _square(121.20, 29.60, 121.45, 29.70),
    GULOU: _square(121.50, 29.85, 121.60, 29.95),
    XIKOU: _square(121.20, 29.60, 121.35, 29.70),
    JINPING: _square(121.35, 29.60, 121.45, 29.70),
}


def _write_boundaries(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "create table dim_region_boundary (region_code varchar, region_name varchar,"
        " region_level varchar, geometry varchar, source_file varchar, source_row integer,"
        " file_mtime timestamp)"
    )
    con.executemany(
        "insert into dim_region_boundary select region_code, region_name, region_level, ?,"
        " 'reference/区划边界.geojson', ?, null from dim_region where region_code = ?",
        [(shape, i, code) for i, (code, shape) in enumerate(BOUNDARIES.items(), 1)],
    )


def write_snapshot(publish_dir: Path, name: str, published_at: datetime, town_counts: dict) -> Path:
    publish_dir.mkdir(parents=True, exist_ok=True)
    path = publish_dir / name
    con = duckdb.connect(str(path))
    con.execute(
        "create table dim_region (region_code varchar, region_name varchar, region_level varchar,"
        " parent_code varchar, district_code varchar, district_name varchar,"
        " city_code varchar, city_name varchar)"
    )
    names = {code: n for code, n, _, _ in REGIONS}
    for code, name_, level, parent in REGIONS:
        district = code if level == "district" else parent if level == "town" else None
        con.execute(
            "insert into dim_region values (?, ?, ?, ?, ?, ?, ?, ?)",
            [code, name_, level, parent, district, names.get(district), CITY, names[CITY]],
        )
    con.execute(
        "create table kpi_definitions (kpi varchar, name_zh varchar, name_en varchar,"
        " unit varchar, sort_order integer, population varchar, numerator_measure varchar,"
        " numerator_filter varchar, denominator_measure varchar, denominator_filter varchar,"
        " bounded boolean, numerator_zh varchar, denominator_zh varchar, description varchar,"
        " still_needed_zh varchar, numerator_unit_zh varchar, inputs varchar)"
    )
    marks = ", ".join("?" * 17)
    con.executemany(f"insert into kpi_definitions values ({marks})", KPI_DEFINITIONS)
    _write_boundaries(con)
    con.execute(
        "create temp table kpi_values (region_code varchar, period varchar, kpi varchar,"
        " numerator double, denominator double, value double, target double,"
        " reported_enterprises bigint, in_scope_enterprises bigint)"
    )
    con.executemany(
        "insert into kpi_values values (?, ?, ?, ?, ?, ?, ?, ?, ?)", _kpi_rows(town_counts)
    )
    con.execute(
        """
        create table mart_kpi as
        with joined as (
            select
                v.region_code, r.region_name, r.region_level, r.parent_code, v.period, v.kpi,
                d.name_zh as kpi_name_zh, v.numerator, v.denominator, v.value,
                v.reported_enterprises, v.in_scope_enterprises, v.target,
                v.value - v.target as gap,
                case when v.denominator > 0 and v.target is not null then cast(greatest(0,
                    ceil(round(v.target * v.denominator / 100.0 - v.numerator, 6))) as bigint)
                end as still_needed,
                ly.value as value_last_year,
                v.value - ly.value as yoy_change
            from kpi_values as v
            inner join dim_region as r on r.region_code = v.region_code
            inner join kpi_definitions as d on d.kpi = v.kpi
            left join kpi_values as ly
                on ly.region_code = v.region_code and ly.kpi = v.kpi
                and ly.period = cast(cast(left(v.period, 4) as integer) - 1 as varchar)
                    || right(v.period, 3)
        )
        select
            *,
            rank() over (
                partition by parent_code, region_level, period, kpi order by value desc
            ) as rank_in_parent
        from joined
        """
    )
    _write_rows(con, town_counts)
    con.execute("create table snapshot_info (published_at timestamp, run_id varchar)")
    con.execute("insert into snapshot_info values (?, 'run-test')", [published_at])
    con.close()
    (publish_dir / "CURRENT").write_text(name, encoding="utf-8")
    return path


def source_file(town: str, period: str) -> str:
    return f"returns/{period[:4]}/{town}.csv"


# The contracts of 2025-12 (period end 2025-12-31) of enterprises 0–3 of every town:
# (enterprise, type, expires on). Counted from the period end, per town: expired 1 cba
# (-31 days) and 1 wage (-1); within 90 days 1 cba (15) and 2 wage (10, 90: the last day
# in); 181 days ahead 1 wage. Counted from any day after 2026-06-30, all six have expired.
CONTRACTS = [
    (0, "cba", "2026-01-15"),
    (0, "wage", "2026-01-10"),
    (1, "cba", "2025-11-30"),
    (1, "wage", "2026-06-30"),
    (2, "wage", "2026-03-31"),
    (3, "wage", "2025-12-30"),
]


def _write_contracts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create temp table contracts (i integer, contract_type varchar, expires_on date)")
    con.executemany("insert into contracts values (?, ?, ?)", CONTRACTS)
    con.execute(
        """
        create table mart_contract_expiry as
        select e.period, date '2025-12-31' as period_end, c.contract_type,
            case c.contract_type when 'cba' then '集体合同' else '工资专项集体合同' end
                as contract_zh,
            e.uscc, e.enterprise_name, e.region_code, r.region_name, r.district_code,
            r.district_name, e.employees, date '2023-01-01' as signed_on, c.expires_on,
            e.source_file, e.sheet, e.source_row
        from fct_enterprise_returns as e
        inner join dim_region as r using (region_code)
        inner join contracts as c on e.uscc = '91' || e.region_code || lpad(c.i::varchar, 4, '0')
        where e.period = '2025-12'
        """
    )


def _write_rows(con: duckdb.DuckDBPyConnection, town_counts: dict) -> None:
    """fct_enterprise_returns, mart_actions, quarantine, load audit and reconciliation."""
    rows = []
    for town, by_period in town_counts.items():
        for period, (ent, unionised, emp, mem, cba, _rounds) in by_period.items():
            for i in range(ent):
                has_union = i < unionised
                rows.append(
                    (f"91{town}{i:04d}", f"{town[-6:]}测试企业{i:03d}", town, period,
                     "国有" if i % 10 == 0 else "私营", emp // ent, mem // ent if has_union else 0,
                     "single" if has_union else "none", has_union, i < cba, False,
                     source_file(town, period), None, i + 4)
                )  # fmt: skip
    con.execute(
        "create table enterprise_rows (uscc varchar, enterprise_name varchar, region_code varchar,"
        " period varchar, ownership varchar, employees bigint, members bigint, union_form varchar,"
        " has_union boolean, cba_in_force boolean, wage_in_force boolean, source_file varchar,"
        " sheet varchar, source_row integer)"
    )
    con.executemany(f"insert into enterprise_rows values ({', '.join('?' * 14)})", rows)
    con.execute(
        "create table fct_enterprise_returns as select e.*, r.district_code,"
        " case when ownership in ('国有', '集体') then 'public' else 'nonpublic' end"
        " as ownership_group, employees >= 25 as employees_25plus, false as female_cba,"
        " false as workers_congress, false as open_affairs, false as union_legal_person,"
        " case when region_code = ? and period = ? and source_row < ? + 4 then ? end"
        " as unknown_fields"
        " from enterprise_rows as e inner join dim_region as r using (region_code)",
        [*UNREPORTED_CBA, CBA_DATES],
    )
    con.execute(
        "create table fct_enterprise_return_history as"
        " select *, true as is_current from fct_enterprise_returns"
    )
    con.execute("drop table enterprise_rows")
    con.execute(
        """
        create table mart_actions as
        with actions as (
            select period, 'no_union' as action_type, '职工25人以上未建会' as action_zh, *
                exclude (period)
            from fct_enterprise_returns where not has_union and employees >= 25
            union all by name
            select period, 'stopped_reporting' as action_type, '停止报送' as action_zh,
                * exclude (period)
            from fct_enterprise_returns where right(uscc, 4) = '0001'
            union all by name
            select period, 'moved_out' as action_type, '已迁出，本期在西口街道报送' as action_zh,
                * exclude (period)
            from fct_enterprise_returns where right(uscc, 4) = '0002'
        )
        select a.period, a.action_type, a.action_zh, a.uscc, a.enterprise_name, a.region_code,
            r.region_name, r.district_code, r.district_name, a.employees,
            a.source_file, a.sheet, a.source_row
        from actions as a inner join dim_region as r using (region_code)
        """
    )
    _write_contracts(con)
    con.execute(
        "create table mart_quarantine (source_file varchar, sheet varchar, source_row integer,"
        " feed varchar, field varchar, value varchar, reason_code varchar, message_zh varchar,"
        " message_en varchar, row_data varchar, uscc varchar, region_code varchar,"
        " period varchar, file_mtime timestamp, load_id varchar)"
    )
    quarantined = [
        (source_file(town, "2025-12"), None, 900 + n, "returns", "employees", "-5",
         "count_negative", "职工人数不能为负数", "employees must not be negative",
         f'{{"企业名称": "{town}隔离企业{n}"}}', f"91{town}9{n:03d}", town, "2025-12")
        for town in town_counts for n in range(2)
    ]  # fmt: skip
    quarantined.append(
        ("returns/2025/unknown.csv", None, 5, "returns", "region_code", "330299999000",
         "region_unknown", "所属镇街代码不在区划名单中", "unknown region", "{}", None,
         "330299999000", "2025-12")
    )  # fmt: skip
    con.executemany(
        f"insert into mart_quarantine values ({', '.join('?' * 13)}, null, 'load-test')",
        quarantined,
    )
    con.execute(
        """
        create table mart_load_audit as
        select 'load-test' as load_id, source_file, 'returns' as feed, null::varchar as sheet,
            null::timestamp as file_mtime, 1000::bigint as file_size, 'x' as sha256,
            'loaded' as status, null::varchar as error_code, null::varchar as message_zh,
            null::varchar as message_en, count(*) + 3 as rows_read, count(*) as rows_accepted,
            2::bigint as rows_quarantined, 1::bigint as rows_skipped,
            case when source_file = (select min(source_file) from fct_enterprise_returns)
                then '厂务公开落实情况,联系电话' end as unknown_columns,
            null::timestamp as loaded_at
        from fct_enterprise_returns group by source_file
        union all
        select 'load-test', 'returns/2025/坏文件.xlsx', 'returns', null, null, 10, 'y',
            'unreadable', 'no_header', '找不到表头', 'no header', 0, 0, 0, 0, null, null
        """
    )
    con.execute(
        """
        create table mart_field_issues as
        select source_file, sheet, source_row, 'returns' as feed, 'female_employees' as field,
            '999' as value, 'female_exceeds_total' as reason_code,
            '女职工人数(999)大于职工人数(30)；此项按未报计，该企业其他各项照常统计' as message_zh,
            'female employees (999) exceed employees (30)' as message_en,
            'unknown' as outcome, uscc, region_code, period, null::timestamp as file_mtime,
            'load-test' as load_id, true as is_current
        from fct_enterprise_returns where period = '2025-12' and source_row = 5
        """
    )
    # 金平 and 溪口 both returned enterprise 0003 of 金平 for 2025 (溪口's file is later)
    con.execute(
        """
        create table mart_town_conflicts as
        select uscc, period, enterprise_name, region_code, region_name, false as is_current,
            source_file, sheet, source_row, null::timestamp as file_mtime
        from fct_enterprise_returns join dim_region using (region_code)
        where period = '2025-12' and right(uscc, 4) = '0003' and region_code = ?
        union all
        select uscc, period, enterprise_name, ?, '溪口镇', true, 'returns/2025/溪口补报.csv',
            null, 9, null
        from fct_enterprise_returns
        where period = '2025-12' and right(uscc, 4) = '0003' and region_code = ?
        """,
        [JINPING, XIKOU, JINPING],
    )
    con.execute(
        "create table mart_header_aliases (header varchar, field_code varchar,"
        " applies_to varchar, source_file varchar, sheet varchar, source_row integer,"
        " file_mtime timestamp)"
    )
    con.executemany(
        "insert into mart_header_aliases values (?, ?, ?, 'reference/表头别名.csv', null, ?, null)",
        [
            ("厂务公开落实情况", "open_affairs", "returns", 2),
            ("辖区企业总数", "enterprises", "summaries", 3),
        ],
    )
    con.execute(
        """
        create table mart_summary_reconciliation as
        select region_code, region_name, '2025-12' as period, 'org_rate' as metric,
            '组建率' as metric_zh, 202.3 as reported, 97.0 as recomputed, 105.3 as difference,
            true as is_flagged, 'impossible_value' as flag_reason, '不可能的值' as flag_reason_zh,
            'summaries/2025/' || region_code || '.csv' as source_file, 3 as source_row
        from dim_region where region_level = 'town'
        """
    )


# Test users (scrypt-hashed into a temporary users file): name → (password, role, town)
USERS = {
    "lingdao": ("leader-pass-1", "leader", None),
    "fenxi": ("analyst-pass-1", "analyst", None),
    "xikou": ("xikou-pass-1", "town", XIKOU),
}


@pytest.fixture(autouse=True)
def users_file(tmp_path_factory, monkeypatch) -> Path:
    from dashboards.auth import hash_password
    from dashboards.users import write_users

    path = tmp_path_factory.getbasetemp() / "users.toml"
    if not path.exists():
        users = {
            name: {"role": role, "region": town, "password_hash": hash_password(password)}
            for name, (password, role, town) in USERS.items()
        }
        write_users(users, path)
    monkeypatch.setenv("GONGHUI_USERS_FILE", str(path))
    return path


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Failed sign-ins are counted process-wide (dashboards.auth): no test inherits
    another's."""
    from dashboards import auth

    auth.BY_NAME.clear()
    auth.BY_ADDRESS.clear()
    yield
    auth.BY_NAME.clear()
    auth.BY_ADDRESS.clear()


@pytest.fixture
def publish_dir(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "published"
    path.mkdir()
    monkeypatch.setenv("GONGHUI_PUBLISH_DIR", str(path))
    # If the app ever reached for the warehouse, it would find nothing there.
    monkeypatch.setenv("GONGHUI_WAREHOUSE", str(tmp_path / "no-warehouse.duckdb"))
    return path


SNAPSHOT_NAME = "snapshot-20260101T020500000000.duckdb"


@pytest.fixture(scope="session")
def snapshot_template(tmp_path_factory) -> Path:
    """Built once (it takes a second or two); each test gets its own copy."""
    return write_snapshot(
        tmp_path_factory.mktemp("template"), SNAPSHOT_NAME, datetime(2026, 1, 1, 2, 5), TOWN_COUNTS
    )


@pytest.fixture
def snapshot(publish_dir, snapshot_template) -> Path:
    path = publish_dir / SNAPSHOT_NAME
    shutil.copyfile(snapshot_template, path)
    (publish_dir / "CURRENT").write_text(SNAPSHOT_NAME, encoding="utf-8")
    return path


@pytest.fixture
def publish(publish_dir):
    """Publish another snapshot: publish(name, published_at, {town: {period: counts}})."""

    def _publish(name: str, published_at: datetime, changes: dict) -> Path:
        counts = {town: dict(by_period) for town, by_period in TOWN_COUNTS.items()}
        for town, by_period in changes.items():
            counts[town].update(by_period)
        return write_snapshot(publish_dir, name, published_at, counts)

    return _publish


@pytest.fixture
def app_path() -> Path:
    return APP


class CapturingManager(MediaFileManager):
    """Remembers the callable behind every deferred download (the dashboard writes a file
    when its button is clicked), by file name."""

    deferred: dict[str, Callable[[], bytes]] = {}

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):  # noqa: ANN001
        CapturingManager.deferred[file_name] = data_callable
        return super().add_deferred(data_callable, mimetype, coordinates, file_name, **kwargs)


class Downloads(Mapping):
    """File name → the bytes a click on its button gives (the callable run on access)."""

    def __init__(self, deferred: dict[str, Callable[[], bytes]]) -> None:
        self.deferred = deferred

    def __getitem__(self, name: str) -> bytes:
        return self.deferred[name]()

    def __iter__(self) -> Iterator[str]:
        return iter(self.deferred)

    def __len__(self) -> int:
        return len(self.deferred)


@pytest.fixture
def downloads(monkeypatch) -> Downloads:
    """Every download the pages opened in the test offer, generated as a click would."""
    CapturingManager.deferred = {}
    monkeypatch.setattr(app_test_module, "MediaFileManager", CapturingManager)
    return Downloads(CapturingManager.deferred)
