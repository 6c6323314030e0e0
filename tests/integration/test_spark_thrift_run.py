"""The job builds on a cluster's Spark through its Thrift Server (issue 16, item 3;
docs/operations.md, "A cluster's Spark Thrift Server").

A Spark Thrift Server runs on this machine in a JVM of its own (spark_thrift_server.py), as a
cluster's would. The committed sample city is refreshed as in production with
GONGHUI_ENGINE=spark and GONGHUI_SPARK_TARGET=spark_thrift: the server builds the dbt project
in the database `gonghui`, which dbt creates at GONGHUI_SPARK_TABLES_DIR, from the landing
Parquet at GONGHUI_LANDING_DIR: the two folders that a cluster and this machine share. The
refresh must start no Spark of its own, and publish what a DuckDB refresh publishes, after a
full build and after an incremental one.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyhive import hive

from pipelines.quality.suites import SUITES
from tests.integration.engines import (
    MARTS,
    ON_DUCKDB,
    ON_THRIFT_SERVER,
    REPO_ROOT,
    Deployment,
    change_city,
    checks_found,
    differences,
    removed_town_rows,
    scalar,
)
from tests.integration.spark_thrift_server import ThriftServer, thrift_server

pytestmark = pytest.mark.spark

SCHEMA = "gonghui"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> ThriftServer:
    with thrift_server(tmp_path_factory.mktemp("thrift-server")) as running:
        yield running


def on_the_cluster(root: Path, server: ThriftServer, schema: str = SCHEMA) -> Deployment:
    """A deployment that builds through `server`, with its shared folders under `root`."""
    return Deployment(
        root,
        "spark",
        env={
            "GONGHUI_SPARK_TARGET": "spark_thrift",
            "GONGHUI_SPARK_HOST": server.host,
            "GONGHUI_SPARK_PORT": str(server.port),
            "GONGHUI_SPARK_SCHEMA": schema,
            "GONGHUI_SPARK_TABLES_DIR": str(root / "shared" / "tables"),
            "GONGHUI_LANDING_DIR": str(root / "shared" / "landing"),
        },
    )


def server_query(server: ThriftServer, sql: str) -> list[tuple]:
    connection = hive.connect(host=server.host, port=server.port, username="gonghui")
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        connection.close()


@dataclass
class Pair:
    raw: Path
    duck: Deployment
    cluster: Deployment


@pytest.fixture(scope="module")
def city(tmp_path_factory, server) -> Pair:
    """The committed sample city, refreshed on DuckDB and through the Thrift Server."""
    root = tmp_path_factory.mktemp("thrift")
    raw = root / "raw"
    shutil.copytree(REPO_ROOT / "raw", raw)
    pair = Pair(
        raw, Deployment(root / "duckdb", "duckdb"), on_the_cluster(root / "cluster", server)
    )
    pair.duck.refresh(raw)
    pair.cluster.refresh(raw)
    return pair


@pytest.fixture(scope="module")
def changed_city(city) -> Pair:
    """The same city after a load that removes a town's file and changes another's,
    refreshed incrementally on both."""
    assert removed_town_rows(city.cluster.snapshot) > 0
    change_city(city.raw)
    city.duck.refresh(city.raw)
    city.cluster.refresh(city.raw)
    return city


def test_the_server_built_the_tables_in_the_shared_folder(city, server):
    assert scalar(city.cluster.snapshot, "select engine from snapshot_info") == "spark"
    tables = city.cluster.root / "shared" / "tables"
    assert (tables / "mart_kpi").is_dir()
    assert (tables / "fct_enterprise_returns" / "period=2025-12").is_dir()
    built = {name for _, name, _ in server_query(server, f"show tables in {SCHEMA}")}
    assert {"mart_kpi", "fct_enterprise_returns", "regions"} <= built
    location = dict(server_query(server, f"describe schema {SCHEMA}"))["Location"]
    assert location == f"file:{tables}"
    # no local session: its metastore and tables would be in the deployment's Spark folder
    assert not (city.cluster.root / "spark" / "metastore_db").exists()
    assert not (city.cluster.root / "spark" / "tables").exists()


@pytest.mark.parametrize("table", MARTS)
def test_a_full_build_publishes_what_duckdb_publishes(city, table):
    assert differences(city.duck.snapshot, city.cluster.snapshot, table, MARTS[table]) == []


def test_export_kpis_writes_the_same_file(city, tmp_path):
    duck = city.duck.export_kpis(tmp_path / "duckdb.csv")
    assert duck.count(b"\n") > 100
    assert city.cluster.export_kpis(tmp_path / "cluster.csv") == duck


def test_the_checks_on_dbt_tables_run_on_the_thrift_server(city):
    """The checks on dbt's tables are queries on the cluster, through its Thrift Server (GX's
    SQL datasource over PyHive), and find what DuckDB's own refresh found; the landing's are
    the warehouse's."""
    cluster, duck = checks_found(city.cluster), checks_found(city.duck)
    assert {name: engine for name, (engine, *_) in cluster.items()} == {
        suite.name: ON_DUCKDB if suite.on_landing else ON_THRIFT_SERVER for suite in SUITES
    }
    assert {name: found[1:] for name, found in cluster.items()} == {
        name: found[1:] for name, found in duck.items()
    }
    # the city's four summary figures that disagree with its returns
    assert cluster["summary_reconciliation_flags"] == (ON_THRIFT_SERVER, False, 4)


@pytest.mark.parametrize("table", MARTS)
def test_an_incremental_build_publishes_what_duckdb_publishes(changed_city, table):
    pair = changed_city
    assert differences(pair.duck.snapshot, pair.cluster.snapshot, table, MARTS[table]) == []


def test_the_removed_town_is_gone_from_the_shared_folder(changed_city):
    """The period a removed file leaves empty for a town is rewritten: its rows are gone from
    the files DuckDB reads, not only from the server's metastore."""
    for table in ("fct_enterprise_returns", "mart_kpi"):
        assert removed_town_rows(changed_city.cluster.snapshot, table) == 0, table


def test_a_database_made_elsewhere_stops_the_build(server, tmp_path):
    """A database that exists already at another folder than GONGHUI_SPARK_TABLES_DIR: Spark
    would write where the publish does not read. The build stops, saying where each is."""
    elsewhere = tmp_path / "made-by-hand"
    server_query(server, f"create database elsewhere location '{elsewhere}'")
    deployment = on_the_cluster(tmp_path / "cluster", server, schema="elsewhere")
    failed = deployment.refresh(REPO_ROOT / "raw", succeed=False)
    assert f"Spark 的数据库 elsewhere 位于 {elsewhere}，而不是 GONGHUI_SPARK_TABLES_DIR=" in failed
    assert "刷新失败 FAILED" in failed
    assert not any(elsewhere.iterdir())


def test_a_cluster_without_shared_folders_is_refused_before_the_run(server, tmp_path):
    deployment = on_the_cluster(tmp_path / "cluster", server)
    del deployment.env["GONGHUI_SPARK_TABLES_DIR"]
    result = subprocess.run(
        deployment.command(REPO_ROOT / "raw"), env=deployment.environment(),
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 2
    assert "须设 GONGHUI_SPARK_TABLES_DIR" in result.stderr
    assert not (tmp_path / "cluster" / "warehouse.duckdb").exists()
