"""The files a build on Spark reads and leaves: the landing written out as Parquet
(pipelines.warehouse.landing_parquet) and the DuckDB views over Spark's tables
(pipelines.warehouse.spark_tables); and the switch that picks the engine (settings)."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from pipelines import settings
from pipelines.cli import main as gonghui
from pipelines.ingest.landing import create_landing_tables
from pipelines.warehouse.landing_parquet import write_landing_parquet
from pipelines.warehouse.spark_tables import write_table_views

LOADED = datetime(2026, 1, 10, 9, 0)


RETURN_COLUMNS = (
    "source_file, sheet, source_row, file_mtime, load_id,"
    " uscc, enterprise_name, region_code, period, employees, union_form"
)


def _return(uscc: str, region: str, period: str, load: str | None = "load-1") -> tuple:
    """A landing return with the columns the tests read; the rest NULL."""
    return ("returns/a.csv", None, 5, LOADED, load, uscc, "企业", region, period, 10, "single")


def _insert_returns(warehouse: Path, *rows: tuple) -> None:
    with duckdb.connect(str(warehouse)) as con:
        for row in rows:
            con.execute(
                f"insert into landing.enterprise_returns ({RETURN_COLUMNS})"
                f" values ({', '.join('?' * len(row))})",
                row,
            )


@pytest.fixture
def warehouse(tmp_path) -> Path:
    """Landing tables with three returns in two prefectures and two periods, two
    quarantined rows (no period and town; a period and town as a clerk mistyped them), and
    an empty archive."""
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        create_landing_tables(con)
    _insert_returns(
        path,
        _return("A", "330201001000", "2025-12"),
        _return("B", "330201002000", "2025-12"),
        _return("C", "330301001000", "2024-12"),
    )
    with duckdb.connect(str(path)) as con:
        con.execute(
            "insert into landing.quarantine (source_file, source_row, feed, reason_code,"
            " message_zh, message_en) values ('returns/b.csv', 7, 'returns', 'uscc', '…', '…')"
        )
        # what a clerk wrote, kept as written: neither may become a folder name
        con.execute(
            "insert into landing.quarantine (source_file, source_row, feed, reason_code,"
            " message_zh, message_en, region_code, period)"
            " values ('returns/c.csv', 9, 'returns', 'region_code', '…', '…', '33/02', '2025/12')"
        )
    return path


def _parquet_files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.parquet"))


def test_row_tables_are_partitioned_by_period_and_prefecture(warehouse, tmp_path):
    landing = tmp_path / "landing"

    copied = write_landing_parquet(warehouse, landing)

    assert _parquet_files(landing / "enterprise_returns") == [
        "p_period=2024-12/p_city=3303/part-load-1-0.parquet",
        "p_period=2025-12/p_city=3302/part-load-1-0.parquet",
    ]
    assert copied.rows["enterprise_returns"] == 3
    # rows without a usable period or town go to the 'unknown' partition, not lost
    assert _parquet_files(landing / "quarantine") == [
        "p_period=unknown/p_city=unknown/part-none-0.parquet"
    ]
    assert copied.rows["quarantine"] == 2
    # returns 2, quarantine 1; the empty archive and field issues have none
    assert (copied.files_written, copied.files_kept, copied.files_removed) == (
        3,
        0,
        0,
    )


def test_the_parquet_reads_back_as_the_landing_rows(warehouse, tmp_path):
    landing = tmp_path / "landing"
    write_landing_parquet(warehouse, landing)
    with duckdb.connect() as con:
        rows = con.execute(
            f"select uscc, region_code, period, employees, file_mtime, p_city"
            f" from read_parquet('{landing}/enterprise_returns/*/*/*.parquet',"
            " hive_partitioning = true, hive_types_autocast = false) order by uscc"
        ).fetchall()
    assert rows == [
        ("A", "330201001000", "2025-12", 10, LOADED, "3302"),
        ("B", "330201002000", "2025-12", 10, LOADED, "3302"),
        ("C", "330301001000", "2024-12", 10, LOADED, "3303"),
    ]


def test_an_empty_row_table_still_has_a_file_with_its_columns(warehouse, tmp_path):
    landing = tmp_path / "landing"
    write_landing_parquet(warehouse, landing)
    files = list((landing / "enterprise_returns_archive").rglob("*.parquet"))
    assert [f.relative_to(landing).parent.as_posix() for f in files] == [
        "enterprise_returns_archive/p_period=none/p_city=none"
    ]
    with duckdb.connect() as con:
        columns = con.execute(f"describe select * from read_parquet('{files[0]}')").fetchall()
    assert "archived_at" in [name for name, *_ in columns]


def test_only_the_loads_whose_rows_changed_are_written_again(warehouse, tmp_path):
    landing = tmp_path / "landing"
    write_landing_parquet(warehouse, landing)
    returns = landing / "enterprise_returns"
    kept = returns / "p_period=2024-12/p_city=3303/part-load-1-0.parquet"
    kept_written = kept.stat().st_mtime_ns
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update landing.enterprise_returns set employees = 11 where uscc = 'B'")

    copied = write_landing_parquet(warehouse, landing)

    assert (copied.files_written, copied.files_kept, copied.files_removed) == (
        1,
        2,
        0,
    )
    assert copied.rows["enterprise_returns"] == 2  # A and B, of 2025-12 in 3302
    assert copied.rows["quarantine"] == 0
    assert kept.stat().st_mtime_ns == kept_written
    with duckdb.connect() as con:
        employees = con.execute(
            f"select uscc, employees from read_parquet('{returns}/*/*/*.parquet') order by uscc"
        ).fetchall()
    assert employees == [("A", 10), ("B", 11), ("C", 10)]
    # nothing changed: nothing written
    again = write_landing_parquet(warehouse, landing)
    assert (again.files_written, again.files_kept) == (0, 3)


def test_a_new_load_adds_a_file_beside_the_partitions_others(warehouse, tmp_path):
    """A night's new town file is a new load: its rows go to a file of their own; the
    partition's earlier rows are not written again (at scale 3 that was 3.2 M rows)."""
    landing = tmp_path / "landing"
    write_landing_parquet(warehouse, landing)
    partition = landing / "enterprise_returns" / "p_period=2025-12/p_city=3302"
    earlier = partition / "part-load-1-0.parquet"
    earlier_written = earlier.stat().st_mtime_ns
    _insert_returns(
        warehouse,
        _return("D", "330202001000", "2025-12", load="load-2"),
        _return("E", "330202001000", "2025-12", load="load-2"),
    )

    copied = write_landing_parquet(warehouse, landing)

    assert copied.rows["enterprise_returns"] == 2
    assert (copied.files_written, copied.files_kept, copied.files_removed) == (1, 3, 0)
    assert sorted(p.name for p in partition.iterdir()) == [
        "part-load-1-0.parquet",
        "part-load-2-0.parquet",
    ]
    assert earlier.stat().st_mtime_ns == earlier_written
    with duckdb.connect() as con:
        rows = con.execute(
            f"select uscc, load_id from read_parquet('{partition}/*.parquet') order by uscc"
        ).fetchall()
    assert rows == [("A", "load-1"), ("B", "load-1"), ("D", "load-2"), ("E", "load-2")]


def test_a_load_that_lost_rows_is_written_again_and_the_others_kept(warehouse, tmp_path):
    """A replaced town file takes its rows out of the load that brought them: that load's
    file is written again with the rows left; a later load's file stays as it was."""
    landing = tmp_path / "landing"
    _insert_returns(warehouse, _return("D", "330202001000", "2025-12", load="load-2"))
    write_landing_parquet(warehouse, landing)
    partition = landing / "enterprise_returns" / "p_period=2025-12/p_city=3302"
    later = partition / "part-load-2-0.parquet"
    later_written = later.stat().st_mtime_ns
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from landing.enterprise_returns where uscc = 'A'")

    copied = write_landing_parquet(warehouse, landing)

    assert copied.rows["enterprise_returns"] == 1  # B, the row load-1 has left there
    assert (copied.files_written, copied.files_kept, copied.files_removed) == (1, 3, 0)
    assert later.stat().st_mtime_ns == later_written
    with duckdb.connect() as con:
        rows = con.execute(
            f"select uscc from read_parquet('{partition}/*.parquet') order by uscc"
        ).fetchall()
    assert rows == [("B",), ("D",)]


def _night_by_night(warehouse: Path, landing: Path, nights: range, rows: int = 1) -> None:
    """A load a night, each of `rows` returns of town 330202001000 in 2025-12, the Parquet
    brought up to date after each."""
    for night in nights:
        _insert_returns(
            warehouse,
            *(
                _return(f"N{night}-{row}", "330202001000", "2025-12", load=f"load-{night:02}")
                for row in range(rows)
            ),
        )
        write_landing_parquet(warehouse, landing)


def test_past_sixteen_files_a_partition_merges_all_but_its_largest(warehouse, tmp_path):
    """A year of nightly town files would leave a file a night in a partition, and every
    build opens them all: the seventeenth merges the small ones into one file and leaves
    the largest (load-1's two returns) as it was."""
    landing = tmp_path / "landing"
    write_landing_parquet(warehouse, landing)
    partition = landing / "enterprise_returns" / "p_period=2025-12/p_city=3302"
    largest = partition / "part-load-1-0.parquet"
    largest_written = largest.stat().st_mtime_ns
    _night_by_night(warehouse, landing, range(2, 17))
    assert len(list(partition.iterdir())) == 16
    _insert_returns(warehouse, _return("N17", "330202001000", "2025-12", load="load-17"))

    copied = write_landing_parquet(warehouse, landing)

    assert copied.rows["enterprise_returns"] == 16  # the rows of load-02 … load-17
    assert (copied.files_written, copied.files_kept, copied.files_removed) == (1, 3, 15)
    merged = sorted(p.name for p in partition.iterdir() if p != largest)
    assert len(merged) == 1 and merged[0].startswith("part-merged-")
    assert largest.stat().st_mtime_ns == largest_written
    with duckdb.connect() as con:
        loads = con.execute(
            f"select load_id, count(*) from read_parquet('{partition}/{merged[0]}') group by 1"
        ).fetchall()
    assert sorted(loads) == [(f"load-{night:02}", 1) for night in range(2, 18)]
    # the merged file is a group like any: nothing changed, nothing written
    again = write_landing_parquet(warehouse, landing)
    assert (again.files_written, again.files_kept, again.files_removed) == (0, 4, 0)


def test_a_merged_file_that_lost_rows_is_written_again_with_the_rest(warehouse, tmp_path):
    landing = tmp_path / "landing"
    write_landing_parquet(warehouse, landing)
    _night_by_night(warehouse, landing, range(2, 18))
    partition = landing / "enterprise_returns" / "p_period=2025-12/p_city=3302"
    largest_written = (partition / "part-load-1-0.parquet").stat().st_mtime_ns
    (merged,) = partition.glob("part-merged-*")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from landing.enterprise_returns where load_id = 'load-05'")

    copied = write_landing_parquet(warehouse, landing)

    assert copied.rows["enterprise_returns"] == 15
    assert (copied.files_written, copied.files_kept, copied.files_removed) == (1, 3, 1)
    assert not merged.exists()
    assert (partition / "part-load-1-0.parquet").stat().st_mtime_ns == largest_written
    with duckdb.connect() as con:
        rows = con.execute(
            f"select count(*), count(distinct load_id) from read_parquet('{partition}/*.parquet')"
        ).fetchone()
    assert rows == (17, 16)  # A and B of load-1, one of each of the 15 nights left


def test_a_new_load_larger_than_the_rest_keeps_a_file_of_its_own_when_merging(warehouse, tmp_path):
    landing = tmp_path / "landing"
    write_landing_parquet(warehouse, landing)
    _night_by_night(warehouse, landing, range(2, 17))
    partition = landing / "enterprise_returns" / "p_period=2025-12/p_city=3302"

    _night_by_night(warehouse, landing, range(17, 18), rows=3)

    names = sorted(p.name for p in partition.iterdir())
    assert len(names) == 2 and names[1].startswith("part-merged-")
    assert names[0] == "part-load-17-0.parquet"
    with duckdb.connect() as con:
        counts = con.execute(
            f"select count(*) from read_parquet('{partition}/{names[0]}')"
            f" union all select count(*) from read_parquet('{partition}/{names[1]}')"
        ).fetchall()
    assert counts == [(3,), (17,)]  # the newcomer's three; A, B and the 15 nights' one each


def test_a_row_without_a_load_or_with_an_odd_one_gets_a_file_name_all_accept(warehouse, tmp_path):
    landing = tmp_path / "landing"
    _insert_returns(
        warehouse,
        _return("D", "330202001000", "2025-12", load=None),
        _return("E", "330202001000", "2025-12", load="手工/2026 01"),
    )

    write_landing_parquet(warehouse, landing)

    assert _parquet_files(landing / "enterprise_returns" / "p_period=2025-12") == [
        "p_city=3302/part----2026-01-0.parquet",
        "p_city=3302/part-load-1-0.parquet",
        "p_city=3302/part-none-0.parquet",
    ]


def test_the_older_layout_is_replaced_without_a_row_read_twice(warehouse, tmp_path):
    """A landing written before files were kept per load: one data_0.parquet per partition
    and fingerprints per partition. The first copy after the upgrade writes every load and
    deletes the old files, so no row is in two files."""
    landing = tmp_path / "landing"
    write_landing_parquet(warehouse, landing)
    returns = landing / "enterprise_returns"
    for file in returns.glob("*/*/part-load-1-0.parquet"):
        file.rename(file.with_name("data_0.parquet"))
    (returns / "_fingerprints.json").write_text(
        '{"columns": [], "partitions": {"2025-12/3302": "2:1"}}', encoding="utf-8"
    )

    copied = write_landing_parquet(warehouse, landing)

    assert copied.rows["enterprise_returns"] == 3
    assert copied.files_removed == 2
    assert _parquet_files(returns) == [
        "p_period=2024-12/p_city=3303/part-load-1-0.parquet",
        "p_period=2025-12/p_city=3302/part-load-1-0.parquet",
    ]


def test_a_partition_whose_rows_all_went_away_is_removed(warehouse, tmp_path):
    landing = tmp_path / "landing"
    write_landing_parquet(warehouse, landing)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from landing.enterprise_returns where period = '2024-12'")
        con.execute("delete from landing.quarantine")

    copied = write_landing_parquet(warehouse, landing)

    assert not (landing / "enterprise_returns" / "p_period=2024-12").exists()
    assert (copied.files_written, copied.files_kept, copied.files_removed) == (
        0,
        1,
        2,
    )
    # the quarantine is empty now: one empty file keeps its columns
    assert _parquet_files(landing / "quarantine") == ["p_period=none/p_city=none/data_0.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["landing", "warehouse.duckdb"]
    hidden = [p for p in landing.rglob("*") if p.name.startswith(".")]
    assert hidden == []


def test_a_table_with_other_columns_is_written_again_whole(warehouse, tmp_path):
    """A column whose type changed (an upgrade of the landing) may hash its values as before
    (DuckDB hashes 10 alike as BIGINT and as INTEGER), but a file of the old type beside one
    of the new would not read as one table."""
    landing = tmp_path / "landing"
    write_landing_parquet(warehouse, landing)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("alter table landing.enterprise_returns alter employees type integer")

    copied = write_landing_parquet(warehouse, landing)

    assert copied.rows["enterprise_returns"] == 3
    with duckdb.connect() as con:
        kinds = con.execute(
            "select distinct typeof(employees) from read_parquet("
            f"'{landing}/enterprise_returns/*/*/*.parquet', union_by_name = true)"
        ).fetchall()
    assert kinds == [("INTEGER",)]


def test_a_copy_that_stopped_half_way_is_finished_by_the_next(warehouse, tmp_path):
    """A partition folder missing, a staged folder left behind: the next copy writes that
    partition again. No fingerprints (the copy stopped before writing them): every one."""
    landing = tmp_path / "landing"
    write_landing_parquet(warehouse, landing)
    returns = landing / "enterprise_returns"
    shutil.rmtree(returns / "p_period=2025-12")
    (returns / ".staged" / "p_period=2025-12").mkdir(parents=True)

    copied = write_landing_parquet(warehouse, landing)

    assert copied.rows["enterprise_returns"] == 2
    assert _parquet_files(returns) == [
        "p_period=2024-12/p_city=3303/part-load-1-0.parquet",
        "p_period=2025-12/p_city=3302/part-load-1-0.parquet",
    ]
    assert not (returns / ".staged").exists()
    (returns / "_fingerprints.json").unlink()
    assert write_landing_parquet(warehouse, landing).rows["enterprise_returns"] == 3


def _spark_table(folder: Path, rows: str, partitioned: bool) -> None:
    """A table folder as Spark writes it: Parquet files, by period=… when partitioned."""
    folder.mkdir(parents=True)
    with duckdb.connect() as con:
        if partitioned:
            con.execute(f"copy ({rows}) to '{folder}' (format parquet, partition_by (period))")
        else:
            con.execute(f"copy ({rows}) to '{folder}/part-00000.parquet' (format parquet)")
    (folder / "_SUCCESS").touch()


def test_views_list_the_contract_columns_in_order_and_keep_period_text(tmp_path):
    tables = tmp_path / "main.db"
    _spark_table(
        tables / "fct", "select '2025-12' as period, 'A' as uscc, 3 as n", partitioned=True
    )
    _spark_table(tables / "dim", "select 'x' as code, 'y' as name", partitioned=False)
    views = tmp_path / "tables.duckdb"

    made = write_table_views(
        tables, views, {"fct": [("period", "string"), ("uscc", "string"), ("n", "integer")]}
    )

    assert made == ["dim", "fct"]
    with duckdb.connect(str(views), read_only=True) as con:
        assert con.execute("select * from main.fct").fetchall() == [("2025-12", "A", 3)]
        assert con.execute("select typeof(period) from main.fct").fetchone() == ("VARCHAR",)
        assert con.execute("select * from main.dim").fetchall() == [("x", "y")]


def test_a_table_without_files_is_an_empty_table_of_its_contract(tmp_path):
    tables = tmp_path / "main.db"
    (tables / "mart_actions").mkdir(parents=True)  # partitioned, no rows: no file
    (tables / "int_scratch").mkdir()  # no file and no contract: nothing to read
    views = tmp_path / "tables.duckdb"

    made = write_table_views(
        tables, views, {"mart_actions": [("uscc", "string"), ("period", "string")]}
    )

    assert made == ["mart_actions"]
    with duckdb.connect(str(views), read_only=True) as con:
        assert con.execute("describe main.mart_actions").fetchall()[0][:2] == ("uscc", "VARCHAR")
        assert con.execute("select count(*) from main.mart_actions").fetchone() == (0,)


@pytest.mark.parametrize(
    ("value", "engine"), [(None, "duckdb"), ("", "duckdb"), (" Spark ", "spark")]
)
def test_the_engine_comes_from_gonghui_engine(monkeypatch, value, engine):
    if value is None:
        monkeypatch.delenv("GONGHUI_ENGINE", raising=False)
    else:
        monkeypatch.setenv("GONGHUI_ENGINE", value)
    assert settings.engine() == engine


def test_on_spark_the_marts_are_read_from_the_views_file(monkeypatch, tmp_path):
    monkeypatch.setenv("GONGHUI_SPARK_DIR", str(tmp_path / "spark"))
    monkeypatch.setenv("GONGHUI_WAREHOUSE", str(tmp_path / "data" / "w.duckdb"))
    for unset in ("GONGHUI_LANDING_DIR", "GONGHUI_SPARK_TABLES_DIR", "GONGHUI_SPARK_TARGET"):
        monkeypatch.delenv(unset, raising=False)
    assert settings.marts_path(tmp_path / "w.duckdb", "duckdb") == tmp_path / "w.duckdb"
    assert (
        settings.marts_path(tmp_path / "w.duckdb", "spark") == tmp_path / "spark" / "tables.duckdb"
    )
    # the landing Parquet, which both engines read, sits beside the warehouse file
    assert settings.landing_parquet_dir() == tmp_path / "data" / "landing"
    # where a local session keeps its `main` database (spark.sql.warehouse.dir, profiles.yml)
    assert settings.spark_tables_dir() == tmp_path / "spark" / "tables" / "main.db"


def test_a_cluster_has_no_default_for_the_shared_folders(monkeypatch, tmp_path):
    monkeypatch.setenv("GONGHUI_ENGINE", "spark")
    monkeypatch.setenv("GONGHUI_SPARK_TARGET", "spark_thrift_ldap")
    monkeypatch.setenv("GONGHUI_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.delenv("GONGHUI_SPARK_TABLES_DIR", raising=False)
    assert settings.landing_parquet_dir() == tmp_path / "landing"
    with pytest.raises(ValueError, match="须设 GONGHUI_SPARK_TABLES_DIR") as refused:
        settings.check_engine_settings()
    assert "GONGHUI_SPARK_TARGET=spark_thrift_ldap" in str(refused.value)
    monkeypatch.setenv("GONGHUI_SPARK_TABLES_DIR", str(tmp_path / "tables"))
    settings.check_engine_settings()
    assert settings.spark_tables_dir() == tmp_path / "tables"


def test_on_duckdb_a_cluster_target_left_set_asks_for_no_shared_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("GONGHUI_ENGINE", "duckdb")
    monkeypatch.setenv("GONGHUI_SPARK_TARGET", "spark_thrift")
    monkeypatch.setenv("GONGHUI_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.delenv("GONGHUI_LANDING_DIR", raising=False)
    settings.check_engine_settings()
    assert settings.landing_parquet_dir() == tmp_path / "landing"


@pytest.mark.parametrize(
    ("engine", "target", "checks_engine"),
    [
        ("duckdb", None, "duckdb"),
        ("duckdb", "spark_thrift", "duckdb"),
        ("spark", None, "spark_session"),  # a local session
        ("spark", "spark", "spark_session"),
        ("spark", "spark_thrift", "thrift_server"),  # a cluster: its own Thrift Server
        ("spark", "spark_thrift_kerberos", "thrift_server"),
    ],
)
def test_the_checks_on_dbt_tables_run_on_the_engine_that_built_them(
    monkeypatch, engine, target, checks_engine
):
    monkeypatch.setenv("GONGHUI_ENGINE", engine)
    if target is None:
        monkeypatch.delenv("GONGHUI_SPARK_TARGET", raising=False)
    else:
        monkeypatch.setenv("GONGHUI_SPARK_TARGET", target)
    assert settings.dbt_checks_engine() == checks_engine


def test_an_unknown_spark_target_stops_the_refresh_before_anything_runs(
    monkeypatch, tmp_path, capsys
):
    monkeypatch.setenv("GONGHUI_ENGINE", "spark")
    monkeypatch.setenv("GONGHUI_SPARK_TARGET", "spark_connect")
    code = gonghui(["refresh", "--raw", str(tmp_path), "--warehouse", str(tmp_path / "w.duckdb")])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        "GONGHUI_SPARK_TARGET 只能是 spark、spark_thrift、spark_thrift_kerberos、spark_thrift_ldap"
        " 之一，而不是 'spark_connect' (GONGHUI_SPARK_TARGET must be one of spark, spark_thrift,"
        " spark_thrift_kerberos, spark_thrift_ldap, not 'spark_connect')"
    )
    assert not (tmp_path / "w.duckdb").exists()


def test_an_unknown_engine_stops_the_refresh_before_anything_runs(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("GONGHUI_ENGINE", "oracle")
    code = gonghui(["refresh", "--raw", str(tmp_path), "--warehouse", str(tmp_path / "w.duckdb")])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        "GONGHUI_ENGINE 只能是 duckdb 或 spark，而不是 'oracle'"
        " (GONGHUI_ENGINE must be duckdb or spark, not 'oracle')"
    )
    assert not (tmp_path / "w.duckdb").exists()
