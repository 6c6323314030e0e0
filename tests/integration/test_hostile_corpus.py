"""The hostile-input corpus (tests/fixtures/hostile): every file gets its exact answer.

Each file is loaded alone through `pipelines.ingest.load.ingest` into a temporary DuckDB
(with the corpus's reference file, so its towns are known), and the load audit and
quarantine must say exactly what the table below says. Then the whole corpus goes
through `gonghui refresh`, which must succeed and keep rows read = accepted + quarantined.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import duckdb
import pytest

from pipelines.ingest.load import ingest

CORPUS = Path(__file__).parents[1] / "fixtures" / "hostile" / "raw"
TODAY = dt.date(2026, 1, 15)


class Expected(NamedTuple):
    status: str
    error_code: str | None = None
    rows: tuple[int, int, int] = (0, 0, 0)  # read, accepted, quarantined
    reasons: tuple[tuple[int, str, str], ...] = ()  # (Excel row, field, reason code)
    unknown_columns: str | None = None
    # problems of optional fields of accepted rows: (Excel row, field, reason code, outcome)
    field_issues: tuple[tuple[int, str, str, str], ...] = ()


LOADED = "loaded"
UNREADABLE = "unreadable"

# fmt: off
CASES: dict[str, Expected] = {
    "GBK编码.csv": Expected(LOADED, rows=(2, 2, 0)),
    "UTF8中夹杂GBK字节.csv": Expected(
        LOADED, rows=(3, 2, 1), reasons=((5, "enterprise_name", "text_garbled"),)),
    "乱码_UTF8被当GBK另存.csv": Expected(UNREADABLE, "header_not_found"),
    "全角分号分隔.csv": Expected(LOADED, rows=(2, 2, 0)),
    "制表符分隔.csv": Expected(LOADED, rows=(2, 2, 0)),
    "两行表头合并单元格.xlsx": Expected(LOADED, rows=(2, 2, 0)),
    "多个工作表.xlsx": Expected(LOADED, rows=(2, 2, 0)),
    "多个工作表均无表头.xlsx": Expected(UNREADABLE, "header_not_found"),
    "隐藏行.xlsx": Expected(LOADED, rows=(3, 3, 0)),
    "隐藏工作表.xlsx": Expected(LOADED, rows=(2, 2, 0)),  # hiding a sheet withdraws nothing
    "公式.xlsx": Expected(
        LOADED, rows=(2, 2, 0), field_issues=((3, "members", "excel_error_value", "unknown"),)),
    "加密.xlsx": Expected(UNREADABLE, "file_encrypted"),
    "损坏.xlsx": Expected(UNREADABLE, "file_unreadable"),
    "旧版Excel.xls": Expected(UNREADABLE, "unsupported_format"),
    "只有表头.csv": Expected(UNREADABLE, "no_data_rows"),
    "重复表头.csv": Expected(LOADED, rows=(2, 2, 0), unknown_columns="职工人数(第12列)"),
    "多余未知列.csv": Expected(LOADED, rows=(1, 1, 0), unknown_columns="联系人,联系电话"),
    "缺少必填列.csv": Expected(UNREADABLE, "missing_required_columns"),
    "同一企业重复.csv": Expected(LOADED, rows=(3, 2, 1), reasons=((5, "uscc", "duplicate_in_file"),)),
    "信用代码大小写与空格.csv": Expected(
        LOADED, rows=(4, 3, 1), reasons=((7, "uscc", "uscc_bad_check_char"),)),
    "日期在将来.csv": Expected(
        LOADED, rows=(3, 2, 1), reasons=((4, "period", "period_in_future"),),
        field_issues=((5, "cba_signed_on", "signed_in_future", "unknown"),)),
    "合同期限超3年.csv": Expected(
        LOADED, rows=(2, 2, 0),
        field_issues=((4, "cba_expires_on", "cba_term_over_3_years", "unknown"),)),
    "百分比超100.csv": Expected(
        LOADED, rows=(4, 4, 0),
        field_issues=((4, "wage_rise_pct", "pct_out_of_range", "unknown"),
                      (5, "wage_rise_pct", "pct_out_of_range", "unknown"))),
    "百分比格式单元格.xlsx": Expected(
        LOADED, rows=(3, 3, 0), field_issues=((5, "wage_rise_pct", "pct_out_of_range", "unknown"),)),
    "人数为负或小数.csv": Expected(
        LOADED, rows=(3, 1, 2),
        reasons=((4, "employees", "count_negative"), (5, "employees", "count_not_integer"))),
    "Excel错误值.xlsx": Expected(
        LOADED, rows=(3, 2, 1), reasons=((5, "employees", "excel_error_value"),),
        field_issues=((4, "members", "excel_error_value", "unknown"),)),
    "超长单元格.csv": Expected(
        LOADED, rows=(3, 0, 3),
        reasons=((4, "enterprise_name", "text_too_long"), (5, "employees", "count_unparseable"),
                 (6, "uscc", "uscc_invalid_format"))),
    # over the parse budget: a cell longer than Excel's 32,767 characters, a stray cell at
    # XFD1048576, a zip inflating to 210 MiB, a line of a million commas
    "超长单元格.xlsx": Expected(UNREADABLE, "file_over_budget"),
    "表格外零星单元格.xlsx": Expected(UNREADABLE, "file_over_budget"),
    "解压后过大.xlsx": Expected(UNREADABLE, "file_over_budget"),
    "一行百万逗号.csv": Expected(UNREADABLE, "file_over_budget"),
    "东 镇 2025 年报 (最终版).csv": Expected(LOADED, rows=(1, 1, 0)),
    # 18-digit codes typed into number cells: never read as (rounded) codes
    "信用代码为数字.xlsx": Expected(
        LOADED, rows=(2, 0, 2),
        reasons=((3, "uscc", "uscc_stored_as_number"), (4, "uscc", "uscc_stored_as_number"))),
    # formulas saved without a value: never read as empty (0)
    "公式未计算.xlsx": Expected(
        LOADED, rows=(2, 1, 1), reasons=((4, "employees", "formula_not_calculated"),),
        field_issues=((3, "members", "formula_not_calculated", "unknown"),)),
    # found by a corpus written without reading the code
    "混合换行.csv": Expected(LOADED, rows=(3, 3, 0)),
    # the hidden copy's rows are duplicates of the data sheet's (two sheets, summed here)
    "隐藏备份工作表.xlsx": Expected(
        LOADED, rows=(4, 2, 2),
        reasons=((3, "uscc", "duplicate_in_workbook"), (4, "uscc", "duplicate_in_workbook"))),
    ".以点开头的报表.csv": Expected(LOADED, rows=(1, 1, 0)),
    "工作簿却名为.csv": Expected(LOADED, rows=(1, 1, 0)),
    "文本却名为.xlsx": Expected(LOADED, rows=(1, 1, 0)),
    "~$波浪号开头的报表.xlsx": Expected(LOADED, rows=(1, 1, 0)),
    # a town code and period merged down over the town's rows: each row's
    "合并单元格跨数据行.xlsx": Expected(LOADED, rows=(3, 3, 0)),
}
# fmt: on


class Loaded(NamedTuple):
    audit: tuple
    quarantine: list[tuple]
    field_issues: list[tuple]
    con: duckdb.DuckDBPyConnection


def load_one(tmp_path: Path, name: str) -> Loaded:
    raw = tmp_path / "raw"
    (raw / "returns").mkdir(parents=True)
    shutil.copytree(CORPUS / "reference", raw / "reference")
    shutil.copy(CORPUS / "returns" / name, raw / "returns" / name)
    warehouse = tmp_path / "warehouse.duckdb"
    ingest(raw, warehouse, TODAY)
    con = duckdb.connect(str(warehouse), read_only=True)
    # a workbook has an audit row per sheet with data: summed
    [audit] = con.execute(
        "select any_value(status), any_value(error_code), sum(rows_read), sum(rows_accepted),"
        " sum(rows_quarantined), sum(rows_skipped), string_agg(unknown_columns),"
        " any_value(message_zh) from landing.load_audit where feed = 'returns'"
    ).fetchall()
    quarantine = con.execute(
        "select source_row, field, reason_code from landing.quarantine order by all"
    ).fetchall()
    field_issues = con.execute(
        "select source_row, field, reason_code, outcome from landing.field_issues order by all"
    ).fetchall()
    return Loaded(audit, quarantine, field_issues, con)


def test_the_table_covers_every_file_of_the_corpus():
    assert set(CASES) == {path.name for path in (CORPUS / "returns").iterdir()}


@pytest.mark.parametrize("name", list(CASES))
def test_each_hostile_file_gets_its_exact_answer(tmp_path, name):
    expected = CASES[name]
    loaded = load_one(tmp_path, name)
    status, error_code, read, accepted, quarantined, skipped, unknown, message_zh = loaded.audit
    assert (status, error_code) == (expected.status, expected.error_code), message_zh
    assert (read, accepted, quarantined) == expected.rows
    assert read == accepted + quarantined + skipped
    assert tuple(loaded.quarantine) == expected.reasons
    assert tuple(loaded.field_issues) == expected.field_issues
    assert unknown == expected.unknown_columns
    if status == UNREADABLE:
        assert message_zh  # a clerk is told why, in Chinese
    loaded.con.close()


def returns_of(tmp_path: Path, name: str, columns: str) -> list[tuple]:
    loaded = load_one(tmp_path, name)
    with loaded.con as con:
        return con.execute(
            f"select {columns} from landing.enterprise_returns order by source_row"
        ).fetchall()


def test_missing_required_columns_are_named(tmp_path):
    loaded = load_one(tmp_path, "缺少必填列.csv")
    assert loaded.audit[-1] == "缺少必填列：职工人数、建会形式"


def test_percent_formatted_cells_read_as_excel_shows_them(tmp_path):
    # 1 under a 0% format is 100%, not 1%; 0.05 is 5%.
    assert returns_of(tmp_path, "百分比格式单元格.xlsx", "source_row, wage_rise_pct") == [
        (3, 100.0),
        (4, 5.0),
        (5, None),  # 150%: a field issue, the enterprise is kept
    ]


def test_formulas_take_the_value_excel_cached(tmp_path):
    # the second row's members formula cached #DIV/0!: unknown, the enterprise kept
    assert returns_of(tmp_path, "公式.xlsx", "employees, members") == [(100, 90), (100, None)]


def test_hidden_rows_are_read_like_the_others(tmp_path):
    names = returns_of(tmp_path, "隐藏行.xlsx", "enterprise_name")
    assert ("甲镇服装厂",) in names


def test_cells_merged_down_give_every_row_their_value(tmp_path):
    assert returns_of(tmp_path, "合并单元格跨数据行.xlsx", "source_row, region_code, period") == [
        (3, "980101001000", "2025-12"),
        (4, "980101001000", "2025-12"),
        (5, "980101001000", "2025-12"),
    ]


def test_the_data_sheet_is_found_among_others(tmp_path):
    assert returns_of(tmp_path, "多个工作表.xlsx", "distinct sheet") == [("企业报表",)]


def test_uscc_in_lower_case_with_spaces_or_full_width_is_normalised(tmp_path):
    codes = returns_of(tmp_path, "信用代码大小写与空格.csv", "uscc")
    assert [code for (code,) in codes] == [
        "91980100MA0000032J",
        "91980100MA0000033M",
        "91980100MA0000034Q",
    ]


def test_a_utf8_file_with_stray_gbk_bytes_keeps_its_other_rows(tmp_path):
    names = returns_of(tmp_path, "UTF8中夹杂GBK字节.csv", "enterprise_name")
    assert names == [("甲镇电子有限公司",), ("甲镇食品厂",)]


def test_a_ten_thousand_character_name_is_refused_never_cut(tmp_path):
    loaded = load_one(tmp_path, "超长单元格.csv")
    with loaded.con as con:
        [(message, value_length)] = con.execute(
            "select message_zh, length(value) from landing.quarantine"
            " where reason_code = 'text_too_long'"
        ).fetchall()
    assert message == "企业名称超过200个字，请核对是否把整段文字粘贴进了一个单元格"
    assert value_length == 10_000  # the quarantine keeps the cell as written


def test_full_width_digits_and_exactly_three_year_terms_are_accepted(tmp_path):
    assert returns_of(tmp_path, "人数为负或小数.csv", "employees") == [(120,)]


@pytest.fixture(scope="module")
def refreshed_corpus(tmp_path_factory, gonghui_refresh):
    root = tmp_path_factory.mktemp("hostile")
    raw = root / "raw"
    shutil.copytree(CORPUS, raw)
    base = time.time() - 3600
    for path in raw.rglob("*"):
        os.utime(path, (base, base))
    code, output = gonghui_refresh(root, raw, today=TODAY.isoformat())
    return code, output, root / "warehouse.duckdb"


def test_the_whole_corpus_refreshes_and_keeps_the_accounting(refreshed_corpus):
    code, output, warehouse = refreshed_corpus
    assert code == 0, output
    read = sum(expected.rows[0] for expected in CASES.values())
    accepted = sum(expected.rows[1] for expected in CASES.values())
    quarantined = sum(expected.rows[2] for expected in CASES.values())
    # plus the reference file (4 regions) and the town summary (1 row)
    total = f"读入 read {read + 5} = 接受 accepted {accepted + 5} + 隔离 quarantined {quarantined}"
    assert total in output
    with duckdb.connect(str(warehouse), read_only=True) as con:
        unbalanced = con.execute(
            "select source_file from landing.load_audit "
            "where rows_read <> rows_accepted + rows_quarantined + rows_skipped"
        ).fetchall()
        unreadable = con.execute(
            "select count(*) from landing.load_audit where status = 'unreadable'"
        ).fetchone()[0]
        flagged = con.execute(
            "select metric, reported, flag_reason from main.mart_summary_reconciliation "
            "where is_flagged and metric = 'cba_rate'"
        ).fetchall()
    assert unbalanced == []
    assert unreadable == sum(expected.status == UNREADABLE for expected in CASES.values())
    # the seed report's "签订率达20230%" is kept as reported and caught in reconciliation
    assert flagged == [("cba_rate", 20230.0, "impossible_value")]


@pytest.mark.parametrize(
    ("name", "message_zh"),
    [
        ("表格外零星单元格.xlsx", "列数为 16,384，上限为 1,000"),
        ("解压后过大.xlsx", "解压后大小（字节）为 220,"),
        ("一行百万逗号.csv", "列数为 1,000,001，上限为 1,000"),
        ("超长单元格.xlsx", "单个单元格的字符数为 131,069，上限为 32,767"),
    ],
)
def test_a_file_over_the_parse_budget_is_refused_naming_the_limit(tmp_path, name, message_zh):
    loaded = load_one(tmp_path, name)
    assert message_zh in loaded.audit[-1]
    assert loaded.audit[-1].startswith("文件超出读取上限：")
    loaded.con.close()


OVER_BUDGET = ("表格外零星单元格.xlsx", "解压后过大.xlsx", "一行百万逗号.csv", "超长单元格.xlsx")
# The peak of this process's own memory (VmHWM: ru_maxrss would carry over the peak of the
# process that started it, a test worker, across exec).
PEAK_RSS_SCRIPT = """
import re, sys
from pathlib import Path
from pipelines.ingest.readers import UnreadableFile, read_file
for path in sys.argv[1:]:
    try:
        read_file(Path(path))
    except UnreadableFile as error:
        assert error.reason_code == "file_over_budget", error
    else:
        raise AssertionError(path)
status = Path("/proc/self/status").read_text()
print(int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) // 1024)
"""


def test_files_over_the_budget_are_refused_in_bounded_memory():
    """Reading them used to take 512 GiB (an abort), 7.4 GB or 3.4 GB; now each is refused
    before the expensive step: the process never grows past the size of Python with
    Polars loaded (about 50 MiB here)."""
    paths = [str(CORPUS / "returns" / name) for name in OVER_BUDGET]
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_SCRIPT, *paths], capture_output=True, text=True, check=True
    )
    assert int(done.stdout) < 200  # MiB
