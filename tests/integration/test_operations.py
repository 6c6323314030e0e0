"""Unattended operation: readers never trip over a refresh, a killed refresh heals, two
refreshes never write at once, and the incremental path equals a full rebuild."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.warehouse import run_log
from pipelines.warehouse.locking import lock_path
from pipelines.warehouse.publish import current_snapshot
from tests.integration.conftest import copy_fixture


class City:
    """A copy of the messy city with its own warehouse, snapshots and Dagster home."""

    def __init__(self, root: Path, raw: Path | None = None) -> None:
        self.root = root
        self.raw = raw or copy_fixture(root)
        self.warehouse = root / "warehouse.duckdb"
        self.published = root / "published"
        self.env = {
            **os.environ,
            "DAGSTER_HOME": str(root / "dagster_home"),
            "GONGHUI_TODAY": "2026-11-23",
            "GONGHUI_RAW_DIR": str(self.raw),
            "GONGHUI_WAREHOUSE": str(self.warehouse),
            "GONGHUI_PUBLISH_DIR": str(self.published),
        }

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "pipelines", *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, *args: str) -> subprocess.CompletedProcess:
        process = self.start(*args)
        out, err = process.communicate(timeout=300)
        return subprocess.CompletedProcess(process.args, process.returncode, out, err)

    def kpi_rows(self) -> int:
        snapshot = current_snapshot(self.published)
        with duckdb.connect(str(snapshot), read_only=True) as con:
            return con.execute("select count(*) from mart_kpi").fetchone()[0]


@pytest.fixture(scope="module")
def refreshed_once(tmp_path_factory) -> Path:
    """The city refreshed once, kept aside: `city` puts it back before each test."""
    folder = tmp_path_factory.mktemp("operations_city")
    city = City(folder / "city")
    first = city.run("refresh")
    assert first.returncode == 0, first.stdout + first.stderr
    shutil.copytree(city.root, folder / "refreshed_once")  # with the files' modification times
    return folder


@pytest.fixture
def city(refreshed_once) -> City:
    """The city just after its first refresh, each test's own to refresh again or kill in.

    The first refresh is made once for the module (it takes ~20 s) and its every file is put
    back in place before each test: raw files with their modification times, warehouse,
    snapshots, run log, Dagster home, all at the paths the refresh wrote them at. So the
    test finds what a refresh of its own would have left; and, the warehouse path being the
    one dbt's manifest was last parsed for, its refreshes do not parse the project again."""
    root = refreshed_once / "city"
    shutil.rmtree(root)
    shutil.copytree(refreshed_once / "refreshed_once", root)
    return City(root, raw=root / "raw")


def wait_until_locked(path: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            with path.open("a") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    fcntl.flock(handle, fcntl.LOCK_UN)
                except BlockingIOError:
                    return
        time.sleep(0.1)
    raise AssertionError(f"nobody took {path} within {seconds}s")


READER = textwrap.dedent(
    """
    import sys, time, duckdb
    from pathlib import Path
    from pipelines.warehouse.publish import current_snapshot
    publish_dir, expected, seconds = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    reads = errors = incomplete = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with duckdb.connect(str(current_snapshot(publish_dir)), read_only=True) as con:
                rows = con.execute("select count(*) from mart_kpi").fetchone()[0]
                info = con.execute("select count(*) from snapshot_info").fetchone()[0]
            reads += 1
            incomplete += rows != expected or info != 1
        except Exception as error:
            errors += 1
            print(repr(error), file=sys.stderr)
    print(reads, errors, incomplete)
    """
)


def test_a_reader_querying_in_a_loop_never_sees_an_error_or_half_a_snapshot(city):
    expected = city.kpi_rows()
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(city.published), str(expected), "20"],
        env=city.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    published = 0
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline or published < 2:
        result = city.run("refresh", "--full")
        assert result.returncode == 0, result.stdout + result.stderr
        published += "已发布新快照" in result.stdout
    out, err = reader.communicate(timeout=120)
    reads, errors, incomplete = map(int, out.split())
    assert published >= 2
    assert reads > 100
    assert (errors, incomplete) == (0, 0), err


def test_a_refresh_killed_at_any_point_leaves_the_last_snapshot_and_heals(city):
    """SIGKILL early (parsing), mid-way (dbt) and late (publish); each next run starts clean,
    and nothing the killed refreshes started (dbt, parsing workers) stays behind."""
    expected = city.kpi_rows()
    started: set[int] = set()
    for kill_after in (0.5, 3.0, 6.0, 9.0, 12.0):
        before = current_snapshot(city.published)
        refresh = city.start("refresh", "--full")
        try:
            deadline = time.monotonic() + kill_after
            while time.monotonic() < deadline:
                started |= descendants(refresh.pid)
                time.sleep(0.05)
        finally:  # killed whatever happens, or it would hold the lock for the next tests
            refresh.send_signal(signal.SIGKILL)
            refresh.wait(timeout=60)

        survivor = current_snapshot(city.published)
        assert survivor is not None, kill_after
        assert survivor == before or survivor.name > before.name, kill_after
        assert city.kpi_rows() == expected, kill_after  # the old or a complete new snapshot

    assert started  # dbt was running when some of the refreshes were killed
    deadline = time.monotonic() + 90
    while any(alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in started if alive(pid)]

    again = city.run("refresh", "--full")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "已发布新快照" in again.stdout
    assert city.kpi_rows() == expected


def children(pid: int) -> set[int]:
    """Child pids of every thread of `pid`; none once it is gone (it may go while we look:
    /proc then answers ENOENT or ESRCH)."""
    found: set[int] = set()
    with contextlib.suppress(FileNotFoundError, ProcessLookupError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                found |= {int(child) for child in (task / "children").read_text().split()}
    return found


def descendants(pid: int) -> set[int]:
    found = children(pid)
    for child in list(found):
        found |= descendants(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_a_second_refresh_started_meanwhile_is_refused_cleanly(city):
    """…and the first one leaves no process behind (dbt ran as its child)."""
    first = city.start("refresh", "--full")
    wait_until_locked(lock_path(city.warehouse))  # the lock is held from start to publish
    second = city.run("refresh")
    seen: set[int] = set()
    while first.poll() is None:
        seen |= descendants(first.pid)
        time.sleep(0.05)
    out, err = first.communicate(timeout=300)

    assert second.returncode == 3
    assert "另一个刷新正在进行" in second.stderr
    assert first.returncode == 0, out + err
    assert seen
    # a child may take a moment to see its parent gone (multiprocessing's resource tracker
    # leaves within half a second, docs/operations.md)
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in seen) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in seen if alive(pid)]


def test_incremental_refresh_exports_exactly_what_a_full_rebuild_exports(city, tmp_path):
    # a town sends a new file after the first refresh
    extra = city.raw / "returns" / "南镇2024.csv"
    extra.write_text(
        (city.raw / "returns" / "南镇2025.csv")
        .read_text(encoding="utf-8-sig")
        .replace("2025-12", "2024-12")
        .replace("2025年度", "2024年度"),
        encoding="utf-8-sig",
    )
    incremental = city.run("refresh")
    assert incremental.returncode == 0, incremental.stdout + incremental.stderr
    assert "已发布新快照" in incremental.stdout
    city.run("export", "kpis", "--period", "2025-12", "--out", str(tmp_path / "inc.csv"))

    full = city.run("refresh", "--full")
    assert full.returncode == 0, full.stdout + full.stderr
    city.run("export", "kpis", "--period", "2025-12", "--out", str(tmp_path / "full.csv"))

    assert (tmp_path / "inc.csv").read_bytes() == (tmp_path / "full.csv").read_bytes()
    assert (tmp_path / "inc.csv").stat().st_size > 1000


def test_every_refresh_is_in_the_run_log_with_its_outcome(city):
    """`gonghui refresh` with nothing to do launches no run (pipelines.warehouse.freshness);
    a run launched anyway, as from the Dagster UI, finds nothing, skips dbt and the publish,
    and is recorded."""
    nothing = city.run("refresh")
    assert nothing.returncode == 0, nothing.stdout + nothing.stderr
    assert "没有改动，未启动刷新" in nothing.stdout
    assert [r["trigger"] for r in run_log.latest(city.published)] == ["cli"]
    launched = subprocess.run(
        [sys.executable, "-c", "from pipelines.cli.refresh import run_refresh\n"
         "outcome = run_refresh()\nprint(*outcome.lines(), sep='\\n')"],
        env=city.env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert "快照已是最新" in launched.stdout, launched.stdout + launched.stderr
    records = run_log.latest(city.published)
    assert [r["status"] for r in records] == ["success", "success"]
    latest, first = records
    assert (latest["published"], latest["files_parsed"], latest["files_unchanged"]) == (0, 0, 10)
    assert (first["published"], first["files_parsed"], first["trigger"]) == (1, 10, "cli")
    assert (first["rows_accepted"], first["rows_quarantined"]) == (26, 4)
    assert first["files_unreadable"] == 2
    assert first["checks_failed"] == 0 and first["checks_passed"] > 0
    assert first["failure_reason"] is None
