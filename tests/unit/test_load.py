"""How a load is cut into batches and spread over workers (pipelines.ingest.pool, .load)."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date, datetime
from pathlib import Path

import duckdb

from pipelines.ingest import load, parse, pool
from pipelines.ingest.discovery import RawFile
from pipelines.ingest.landing import TABLES
from pipelines.ingest.uscc import check_char

FIXTURE_RAW = Path(__file__).parents[1] / "fixtures" / "messy_city" / "raw"


def raw_file(path: Path) -> RawFile:
    return RawFile(path, path.name, "returns", datetime(2025, 1, 1))


def test_batches_are_cut_once_they_hold_enough_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(pool, "BATCH_BYTES", 10)
    files = []
    for name, size in [("a", 4), ("b", 4), ("c", 4), ("d", 20), ("e", 1)]:
        (tmp_path / name).write_bytes(b"x" * size)
        files.append(raw_file(tmp_path / name))
    files.insert(1, raw_file(tmp_path / "gone"))  # unreadable: the parser reports it

    batches = [[raw.path.name for raw in batch] for batch in pool.batches(files)]

    assert batches == [["a", "gone", "b", "c"], ["d"], ["e"]]


def test_results_come_in_order_with_few_waiting():
    submitted = []

    def work(item: int) -> int:
        return item * 10

    class Recording(ThreadPoolExecutor):
        def submit(self, fn, *args):
            submitted.append(args[0])
            return super().submit(fn, *args)

    with Recording(max_workers=2) as workers:
        results = []
        for result in pool.in_order(workers, work, range(8)):
            # never more than one result per worker waiting beyond the one taken
            assert len(submitted) - len(results) <= pool.WORKERS + 1
            results.append(result)

    assert results == [item * 10 for item in range(8)]


def landing_rows(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            table: con.sql(
                f"select * exclude (load_id{', loaded_at' if table == 'load_audit' else ''}) "
                f"from landing.{table} order by all"
            ).fetchall()
            for table in TABLES
        }


def test_worker_processes_load_what_threads_load(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    shutil.copytree(FIXTURE_RAW, raw)
    monkeypatch.setattr(pool, "BATCH_BYTES", 1)  # one file per batch: several batches

    threads = load.ingest(raw, tmp_path / "threads.duckdb", date(2026, 3, 31), full=True)
    monkeypatch.setattr(pool, "PROCESS_MIN_FILES", 0)
    processes = load.ingest(raw, tmp_path / "processes.duckdb", date(2026, 3, 31), full=True)

    assert processes.lines() == threads.lines()
    assert landing_rows(tmp_path / "processes.duckdb") == landing_rows(tmp_path / "threads.duckdb")


def test_a_sheet_that_fails_validation_fails_alone(tmp_path, monkeypatch):
    returns = tmp_path / "raw" / "returns"
    returns.mkdir(parents=True)
    header = "统一社会信用代码,企业名称,所属镇街代码,报告期,职工人数,建会形式"
    for serial, name in enumerate(["甲厂", "炸", "乙厂"]):
        body = f"91310117MA1J{serial:05d}"
        row = f"{body}{check_char(body)},{name},310117101000,2025,5,无"
        (returns / f"{serial}.csv").write_text(f"{header}\n{row}\n", encoding="utf-8")
    validate_tables = parse.validate_tables

    def fussy(feed, tables, context):
        if any("炸" in table["enterprise_name"].to_list() for table in tables):
            raise ValueError("boom")
        return validate_tables(feed, tables, context)

    monkeypatch.setattr(parse, "validate_tables", fussy)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "regions.csv").write_text(
        "region_code,region_name,region_level,parent_code\n310117101000,东镇,town,\n",
        encoding="utf-8",
    )
    warehouse = tmp_path / "wh.duckdb"
    load.ingest(tmp_path / "raw", warehouse, date(2026, 3, 31), seeds_dir=seeds, full=True)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        audit = con.sql(
            "select source_file, status, error_code, rows_read, rows_accepted "
            "from landing.load_audit order by source_file"
        ).fetchall()
        accepted = con.sql("select count(*) from landing.enterprise_returns").fetchall()
    assert audit == [
        ("returns/0.csv", "loaded", None, 1, 1),
        ("returns/1.csv", "unreadable", "file_unreadable", 0, 0),
        ("returns/2.csv", "loaded", None, 1, 1),
    ]
    assert accepted == [(2,)]


def test_a_broken_pool_leaves_the_rest_to_recover_in_order():
    class Breaking(ThreadPoolExecutor):
        """A pool whose worker dies on item 3: that future fails, and so does every
        submit after it, as a ProcessPoolExecutor's do."""

        def __init__(self):
            super().__init__(max_workers=2)
            self.dead = False

        def submit(self, fn, *args):
            if self.dead:
                raise BrokenProcessPool("dead")
            if args[0] == 3:
                self.dead = True
                future: Future = Future()
                future.set_exception(BrokenProcessPool("worker died"))
                return future
            return super().submit(fn, *args)

    with Breaking() as workers:
        results = list(pool.in_order(workers, lambda i: i * 10, range(7), recover=lambda i: -i))

    assert results == [0, 10, 20, -3, -4, -5, -6]


def fine_or_abort(files: list[RawFile]) -> parse.ValidatedBatch:
    """A parser that dies (as a C library's abort would) on 炸.csv."""
    if files[0].path.name == "炸.csv":
        os.abort()
    outcome = parse.FileOutcome(files[0], 1, "sha", [parse.SheetOutcome(None, rows_read=1)])
    return parse.ValidatedBatch([outcome], {})


def test_a_file_whose_parser_dies_is_refused_and_the_others_load(tmp_path):
    files = [raw_file(tmp_path / name) for name in ("甲.csv", "炸.csv", "乙.csv")]

    recovered = load.one_by_one(fine_or_abort, files)

    assert [o.raw.path.name for o in recovered.outcomes] == ["甲.csv", "炸.csv", "乙.csv"]
    [first], [crashed], [last] = (o.sheets for o in recovered.outcomes)
    assert first.error_code is None and last.error_code is None
    assert crashed.error_code == "parser_crashed"
    assert crashed.message_zh.startswith("读取此文件时解析程序异常退出（")
