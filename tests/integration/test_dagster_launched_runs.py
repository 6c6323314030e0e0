"""Runs launched the way production launches them: the refresh job submitted to a running
Dagster deployment (`dagster dev`: webserver, daemon, code server) through its GraphQL API,
as the UI's "Materialize all" does; the daemon dequeues it and the run launcher starts the
run in a process of its own. No process of a run outlives it, five runs in a row leave
the deployment's resident memory flat, and no process of the deployment reaches beyond this
machine (the warehouse runs offline). A deployment started with GONGHUI_ENGINE=spark runs
the same job on a local Spark and leaves no JVM behind; one pointed at a cluster's Spark
Thrift Server builds and checks there."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest
from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

from pipelines.cli import main as gonghui
from pipelines.quality.suites import SUITES
from pipelines.warehouse import run_log
from pipelines.warehouse.publish import current_snapshot
from tests.integration.conftest import check_evaluations, copy_fixture
from tests.integration.engines import ON_DUCKDB, ON_THRIFT_SERVER
from tests.integration.processes import session_processes
from tests.integration.spark_thrift_server import thrift_server

# the GraphQL client's own use of a deprecated gql call, once per poll
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:gql")

REPO = Path(__file__).resolve().parents[2]
DAGSTER = Path(sys.executable).with_name("dagster")
CALL_OUT_RECORDER = Path(__file__).with_name("call_out_recorder")
RUNS = 5
# What a deployment may grow by over RUNS runs: a leaked run process alone is ~300 MiB.
FLAT_MIB = 100


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_processes(sid: int) -> list[str]:
    """Processes of a run: its worker and the ingestion's parsing workers (both children
    started by `multiprocessing.spawn`, the worker by the code server), dbt, and on Spark
    the JVM pyspark starts in dbt's process."""
    return [
        command
        for command, _ in session_processes(sid).values()
        if "gonghui-dbt" in command
        or "multiprocessing.spawn" in command
        or "org.apache.spark" in command  # the JVM of a build on Spark
    ]


def run_processes_after(sid: int, seconds: float = 30) -> list[str]:
    """The run processes still there once they have had `seconds` to end."""
    deadline = time.monotonic() + seconds
    while run_processes(sid) and time.monotonic() < deadline:
        time.sleep(0.5)
    return run_processes(sid)


@contextlib.contextmanager
def serve(tmp_path: Path, **extra_env: str):
    """`dagster dev` on free ports over a copy of the messy city, in a session of its own.
    A second deployment in the same `tmp_path` starts over the first one's folders and
    Dagster home, as a machine restarted does."""
    raw = tmp_path / "raw" if (tmp_path / "raw").exists() else copy_fixture(tmp_path)
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "GONGHUI_TODAY": "2026-11-23",
        "GONGHUI_RAW_DIR": str(raw),
        "GONGHUI_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "GONGHUI_PUBLISH_DIR": str(tmp_path / "published"),
        "PYTHONPATH": str(CALL_OUT_RECORDER),
        "GONGHUI_TEST_NETWORK_LOG": str(tmp_path / "call_outs.log"),
        **extra_env,
    }
    (tmp_path / "dagster_home").mkdir(exist_ok=True)
    (tmp_path / "dagster_home" / "dagster.yaml").write_bytes((REPO / "dagster.yaml").read_bytes())
    server = subprocess.Popen(
        [str(DAGSTER), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5)
                break
            time.sleep(1)
        client = DagsterGraphQLClient("127.0.0.1", port_number=port, timeout=30)
        yield client, server.pid, raw, tmp_path / "call_outs.log"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
        deadline = time.monotonic() + 60  # code servers leave by heartbeat timeout
        while session_processes(server.pid) and time.monotonic() < deadline:
            for pid in session_processes(server.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)


@pytest.fixture
def deployment(tmp_path):
    with serve(tmp_path) as served:
        yield served


def submit(
    client: DagsterGraphQLClient, seconds: float = 120, tags: dict[str, str] | None = None
) -> str:
    """Submit the refresh job as the UI does, once the code location has loaded."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return client.submit_job_execution(
                "refresh", repository_location_name="gonghui", tags=tags
            )
        except DagsterGraphQLClientError:
            if time.monotonic() > deadline:
                raise
            time.sleep(2)


def wait_for(client: DagsterGraphQLClient, run_id: str, seconds: float = 300) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = client.get_run_status(run_id).value
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            return status
        time.sleep(1)
    raise AssertionError(f"run {run_id} still running after {seconds}s")


def run_to_the_end(client: DagsterGraphQLClient, sid: int) -> str:
    """Submit a refresh on Spark, wait for it to succeed and for its processes to be gone."""
    run_id = submit(client)
    assert wait_for(client, run_id, seconds=600) == "SUCCESS", run_id
    assert run_processes_after(sid) == []
    return run_id


def logged_runs(published: Path, waiting_for: str, seconds: float = 90) -> dict[str, dict]:
    """The run log's latest records by run id, once it has one for `waiting_for` (the
    daemon's run-status sensors write them, at their next tick: every 30 s)."""
    deadline = time.monotonic() + seconds
    while True:
        logged = {record["run_id"]: record for record in run_log.latest(published)}
        if waiting_for in logged or time.monotonic() > deadline:
            return logged
        time.sleep(1)


def exported_kpis(published: Path, out: Path) -> bytes:
    args = ["export", "kpis", "--period", "2025-12", "--publish-dir", str(published)]
    assert gonghui([*args, "--out", str(out)]) == 0
    return out.read_bytes()


def test_runs_launched_by_dagster_leave_no_process_and_flat_memory(deployment):
    client, sid, raw, call_outs = deployment
    resident_mib = []
    for run in range(RUNS):
        if run:  # a town sends one more file: each run ingests, builds and publishes
            source = raw / "returns" / "南镇2025.csv"
            extra = raw / "returns" / f"南镇2025 补报{run}.csv"
            extra.write_bytes(source.read_bytes())
        run_id = submit(client)
        assert wait_for(client, run_id) == "SUCCESS", run_id

        assert run_processes_after(sid, seconds=20) == [], f"after run {run + 1}"
        resident_mib.append(sum(rss for _, rss in session_processes(sid).values()) / 1024)

    print("deployment resident MiB after each run:", [round(m) for m in resident_mib])
    assert max(resident_mib[1:]) - resident_mib[1] < FLAT_MIB, resident_mib
    assert not call_outs.exists(), call_outs.read_text()


@pytest.mark.spark
def test_a_run_on_spark_launched_by_dagster_publishes_and_leaves_no_process(
    tmp_path, refreshed_city
):
    """The deployment started with GONGHUI_ENGINE=spark: the daemon's run builds on a local
    Spark, publishes a snapshot that says so and whose KPI export is the one a refresh on
    DuckDB of the same messy city gives, and ends with its JVM gone."""
    spark_env = {
        "GONGHUI_ENGINE": "spark",
        "GONGHUI_SPARK_DIR": str(tmp_path / "spark"),
        "GONGHUI_SPARK_DRIVER_MEMORY": "1g",
        "DBT_TARGET_PATH": str(tmp_path / "dbt_target"),
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    with serve(tmp_path, **spark_env) as (client, sid, _, call_outs):
        run_to_the_end(client, sid)
    snapshot = current_snapshot(tmp_path / "published")
    with duckdb.connect(str(snapshot), read_only=True) as con:
        assert con.execute("select engine from snapshot_info").fetchone() == ("spark",)
        assert con.execute("select count(*) from mart_kpi").fetchone()[0] > 0
    assert (tmp_path / "spark" / "tables" / "main.db" / "mart_kpi").is_dir()
    assert not call_outs.exists(), call_outs.read_text()
    spark = exported_kpis(tmp_path / "published", tmp_path / "kpis-spark.csv")
    duck = exported_kpis(refreshed_city.published, tmp_path / "kpis-duckdb.csv")
    assert spark.count(b"\n") > 20
    assert spark == duck


@pytest.mark.spark
def test_a_run_on_a_clusters_thrift_server_launched_by_dagster_builds_and_checks_there(
    tmp_path, refreshed_city
):
    """The deployment pointed at a Spark Thrift Server (GONGHUI_SPARK_TARGET=spark_thrift): the
    daemon's run builds through the server into the shared tables folder, validates dbt's
    tables on the server, and publishes the KPI export a DuckDB refresh of the same messy city
    gives; no process of the run is left, and none of this machine's own Spark started."""
    with thrift_server(tmp_path / "server") as server:
        cluster_env = {
            "GONGHUI_ENGINE": "spark",
            "GONGHUI_SPARK_TARGET": "spark_thrift",
            "GONGHUI_SPARK_HOST": server.host,
            "GONGHUI_SPARK_PORT": str(server.port),
            "GONGHUI_SPARK_TABLES_DIR": str(tmp_path / "shared" / "tables"),
            "GONGHUI_LANDING_DIR": str(tmp_path / "shared" / "landing"),
            "GONGHUI_SPARK_DIR": str(tmp_path / "spark"),
            "DBT_TARGET_PATH": str(tmp_path / "dbt_target"),
        }
        with serve(tmp_path, **cluster_env) as (client, sid, _, call_outs):
            run_id = run_to_the_end(client, sid)
    checks = check_evaluations(tmp_path / "dagster_home", run_id)
    assert {name: check.metadata["execution_engine"].value for name, check in checks.items()} == {
        suite.name: ON_DUCKDB if suite.on_landing else ON_THRIFT_SERVER for suite in SUITES
    }
    assert (tmp_path / "shared" / "tables" / "mart_kpi").is_dir()
    assert not (tmp_path / "spark" / "metastore_db").exists()  # no local session
    assert not call_outs.exists(), call_outs.read_text()
    cluster = exported_kpis(tmp_path / "published", tmp_path / "kpis-cluster.csv")
    duck = exported_kpis(refreshed_city.published, tmp_path / "kpis-duckdb.csv")
    assert cluster.count(b"\n") > 20
    assert cluster == duck
