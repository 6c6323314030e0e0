"""How a load is cut into batches and spread over workers (pipelines.ingest.pool, .load)."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import duckdb

from pipelines.ingest import load, parse, pool
from pipelines.ingest.budget import ParseBudget
from pipelines.ingest.discovery import RawFile, RawPath
from pipelines.ingest.pool import WorkerLost
from pipelines.ingest.registry import file_sha256
from pipelines.ingest.uscc import check_char
from pipelines.ingest.validate import ValidationContext
from pipelines.ingest.vocabulary import Feed

BUDGET = ParseBudget.from_environment()
HEADER = "统一社会信用代码,企业名称,所属镇街代码,报告期,职工人数,建会形式"


def raw_file(path: Path) -> RawFile:
    return RawFile(RawPath(path), path.name, "returns", datetime(2025, 1, 1))


def test_batches_are_cut_once_they_hold_enough_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(pool, "BATCH_BYTES", 10)
    files = []
    for name, size in [("a", 4), ("b", 4), ("c", 4), ("d", 20), ("e", 1)]:
        (tmp_path / name).write_bytes(b"x" * size)
        files.append(raw_file(tmp_path / name))
    files.insert(1, raw_file(tmp_path / "gone"))  # unreadable: the parser reports it

    batches = [[raw.path.name for raw in batch] for batch in pool.batches(files)]

    assert batches == [["a", "gone", "b", "c"], ["d"], ["e"]]


def test_a_sheet_that_fails_validation_fails_alone(tmp_path, monkeypatch):
    returns = tmp_path / "raw" / "returns"
    returns.mkdir(parents=True)
    header = HEADER
    for serial, name in enumerate(["甲厂", "炸", "乙厂"]):
        body = f"91310117MA1J{serial:05d}"
        row = f"{body}{check_char(body)},{name},310117101000,2025,5,无"
        (returns / f"{serial}.csv").write_text(f"{header}\n{row}\n", encoding="utf-8")
    validate_tables = parse.validate_tables

    def fussy(feed, tables, context, sheets):
        if any("炸" in table["enterprise_name"].to_list() for table in tables):
            raise ValueError("boom")
        return validate_tables(feed, tables, context, sheets)

    monkeypatch.setattr(parse, "validate_tables", fussy)
    files = [raw_file(returns / f"{serial}.csv") for serial in range(3)]
    context = ValidationContext(frozenset({"310117101000"}), date(2026, 3, 31))

    batch = parse.load_batch(files, {Feed.RETURNS: context}, {})

    audit = [
        (o.raw.source_file, s.error_code, s.rows_read, s.rows_accepted)
        for o in batch.outcomes
        for s in o.sheets
    ]
    assert audit == [
        ("0.csv", None, 1, 1),
        ("1.csv", "file_unreadable", 0, 0),
        ("2.csv", None, 1, 1),
    ]
    assert sum(frame.height for frame in batch.frames["enterprise_returns"]) == 2


def fine_or_abort(files: list[RawFile]) -> parse.ValidatedBatch:
    """A parser that dies (as a C library's abort would) on 炸.csv and hangs on 慢.csv."""
    if files[0].path.name == "炸.csv":
        os.abort()
    if files[0].path.name == "慢.csv":
        time.sleep(60)
    outcome = parse.FileOutcome(files[0], 1, "sha", [parse.SheetOutcome(None, rows_read=1)])
    return parse.ValidatedBatch([outcome], {})


def test_files_whose_parser_dies_or_hangs_are_refused_and_the_others_load(tmp_path):
    names = ("甲.csv", "炸.csv", "慢.csv", "乙.csv")
    for name in names:
        (tmp_path / name).write_text(name, encoding="utf-8")
    files = [raw_file(tmp_path / name) for name in names]
    budget = replace(BUDGET, max_parse_seconds=2)

    recovered = load.one_by_one(fine_or_abort, files, WorkerLost("signal SIGABRT"), budget=budget)

    assert [o.raw.path.name for o in recovered.outcomes] == list(names)
    first, crashed, hung, last = (o.sheets[0] for o in recovered.outcomes)
    assert first.error_code is None and last.error_code is None
    assert crashed.error_code == "parser_crashed"
    assert crashed.message_zh.startswith("读取此文件时解析程序异常退出（signal SIGABRT）")
    assert hung.error_code == "file_over_budget"
    assert hung.message_zh.startswith("文件超出读取上限：解析用时（秒）为 3，上限为 2。")
    # refused files are registered by their content, so they are not tried every night
    assert recovered.outcomes[2].sha256 == file_sha256(tmp_path / "慢.csv")


def test_a_batch_of_one_file_is_refused_without_a_second_try(tmp_path):
    (tmp_path / "炸.csv").write_text("x", encoding="utf-8")
    lost = WorkerLost("max_parse_memory_mb 2,048", "max_parse_memory_mb", 2048)

    def never(files):
        raise AssertionError("tried again")

    [outcome] = load.one_by_one(
        never, [raw_file(tmp_path / "炸.csv")], lost, budget=BUDGET
    ).outcomes

    assert outcome.sheets[0].message_en == (
        "the file exceeds a parsing limit: max_parse_memory_mb is 2,048, the limit is 1,024"
    )


def test_a_load_whose_workers_go_over_the_memory_limit_refuses_each_file(tmp_path, monkeypatch):
    """Through ingest, with a limit no worker can keep (importing Polars alone takes more):
    every file is refused, naming the limit; the load itself ends normally."""
    returns = tmp_path / "raw" / "returns"
    returns.mkdir(parents=True)
    for serial in range(2):
        body = f"91310117MA1J{serial:05d}"
        row = f"{body}{check_char(body)},甲厂,310117101000,2025,5,无"
        (returns / f"{serial}.csv").write_text(f"{HEADER}\n{row}\n", encoding="utf-8")
    monkeypatch.setenv("GONGHUI_MAX_PARSE_MEMORY_MB", "40")
    warehouse = tmp_path / "wh.duckdb"

    summary = load.ingest(tmp_path / "raw", warehouse, date(2026, 3, 31))

    assert (summary.files_loaded, len(summary.unreadable)) == (0, 2)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        audit = con.sql(
            "select source_file, error_code, message_zh like '文件超出读取上限：解析占用内存（MiB）为 %'"
            " from landing.load_audit order by source_file"
        ).fetchall()
    assert audit == [
        ("returns/0.csv", "file_over_budget", True),
        ("returns/1.csv", "file_over_budget", True),
    ]
