"""Safe by default, end to end: a refresh of the messy city plus a hostile clerk's file and a
symbolic link out of raw/, then `gonghui export … --out x.csv`.

The hostile file (东镇恶意.csv) holds the CSV-injection payloads of issue 14 as enterprise
names and as a head count: @SUM(1) is accepted (its name reaches the action list), the others
are quarantined (a name beginning with = is a formula saved without its value,
formula_not_calculated; a wrong check character; a head count that is a sum) and reach the
quarantine export as written. The link
raw/returns/外部.csv points to a valid return outside raw/: it is refused, its enterprise
never lands.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.cli import main as gonghui
from pipelines.ingest.uscc import check_char
from tests.integration.conftest import copy_fixture, run_refresh

EAST, DISTRICT_A = "990101001000", "990100000000"
HEADER = "统一社会信用代码,企业名称,所属镇街代码,报告期,职工人数,建会形式"
HOSTILE = "returns/东镇恶意.csv"
LINK = "returns/外部.csv"


def uscc(serial: int) -> str:
    body = f"91330200MA{serial:07d}"
    return body + check_char(body)


def bad_check_char(code: str) -> str:
    return code[:-1] + ("0" if code[-1] != "0" else "1")


@dataclass
class Refreshed:
    root: Path
    exit_code: int
    output: str

    def export(self, what: str, *args: str) -> pl.DataFrame:
        out = self.root / f"{what}.csv"
        argv = ["export", what, *args, "--out", str(out)]
        assert gonghui([*argv, "--publish-dir", str(self.root / "published")]) == 0
        return pl.read_csv(out, infer_schema=False)

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.root / "warehouse.duckdb"), read_only=True) as con:
            return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory) -> Refreshed:
    root = tmp_path_factory.mktemp("safe_by_default")
    raw = copy_fixture(root)
    rows = [  # 30 employees and no union: an accepted row is listed under 未建会企业
        f'{uscc(9_000_001)},"=HYPERLINK(""http://x"",""y"")",{EAST},2025-12,30,未建会',
        f"{uscc(9_000_002)},@SUM(1),{EAST},2025-12,30,未建会",
        f"{bad_check_char(uscc(9_000_003))},+cmd|' /C calc'!A0,{EAST},2025-12,30,未建会",
        f"{uscc(9_000_004)},恶意人数有限公司,{EAST},2025-12,-2+3,未建会",
        f"{bad_check_char(uscc(9_000_005))},\t=1+1,{EAST},2025-12,30,未建会",
    ]
    (raw / HOSTILE).write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    outside = root / "outside.csv"
    outside.write_text(f"{HEADER}\n{uscc(9_000_006)},外部企业,{EAST},2025-12,30,未建会\n", "utf-8")
    (raw / LINK).symlink_to(outside)
    code, output = run_refresh(root, raw)
    return Refreshed(root, code, output)


def test_the_refresh_succeeds_with_the_link_refused(refreshed):
    assert refreshed.exit_code == 0, refreshed.output
    assert refreshed.query(
        f"select status, error_code, rows_read from landing.load_audit where source_file = '{LINK}'"
    ) == [("unreadable", "symlink_refused", 0)]
    assert refreshed.query(
        "select count(*) from main.fct_enterprise_return_history where enterprise_name = '外部企业'"
    ) == [(0,)]
    assert "外部.csv" in refreshed.output  # named among the files not loaded


def test_quarantined_cells_reach_the_csv_export_neutralised(refreshed):
    frame = refreshed.export("quarantine", "--region", EAST)

    hostile = frame.filter(pl.col("原文件 source_file") == HOSTILE)
    assert hostile.select("原行号 row", "企业名称", "职工人数").rows() == [
        ("2", '\'=HYPERLINK("http://x","y")', "30"),
        ("4", "'+cmd|' /C calc'!A0", "30"),
        ("5", "恶意人数有限公司", "'-2+3"),
        ("6", "'\t=1+1", "30"),
    ]


def test_accepted_names_reach_the_action_list_csv_neutralised(refreshed):
    frame = refreshed.export("actions", "--period", "2025-12", "--region", EAST)

    names = frame.filter(pl.col("来源文件 source_file") == HOSTILE)
    assert names.select("企业名称", "职工人数").rows() == [("'@SUM(1)", "30")]
    # in the file: the name quoted with its ', the head count a bare number
    assert ',"\'@SUM(1)",30,' in (refreshed.root / "actions.csv").read_text(encoding="utf-8")


def test_negative_gaps_stay_numbers_in_the_kpi_csv(refreshed):
    frame = refreshed.export("kpis", "--period", "2025-12", "--region", DISTRICT_A)

    gaps = frame.filter((pl.col("region_code") == EAST) & (pl.col("kpi") == "org_rate"))["gap"]
    # 3 of 东镇's 5 enterprises have a union, and none of the hostile file's accepted one:
    # 3/6 = 50% against a target of 90
    assert gaps.to_list() == ["-40.0"]
    assert ",-40.0," in (refreshed.root / "kpis.csv").read_text(encoding="utf-8")
