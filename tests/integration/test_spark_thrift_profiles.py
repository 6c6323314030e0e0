"""The cluster targets of dbt_project/profiles.yml render, PyHive accepts each of them, and
the password sign-in reaches a Thrift Server over TLS.

The Thrift Servers these tests start sign in anyone (NONE, which takes SASL PLAIN with any
user and password), so the three outputs (NONE/NOSASL, Kerberos, LDAP) are first checked as far
as connecting: `dbt debug` is pointed at a port nobody listens on. A profile that renders and
that PyHive accepts (it refuses a password outside LDAP, a Kerberos service name outside
KERBEROS) gets as far as opening the connection, and fails there, naming the address it tried.
Then `spark_thrift_ldap` with GONGHUI_SPARK_SSL=True signs in, user and password over SASL
PLAIN, to a server that speaks only TLS, both for dbt and for the checks' GX (its SQL
datasource over pipelines.quality.spark_thrift); and without TLS neither can. Not tested: a
server that checks the password (LDAP) or Kerberos.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy

from pipelines.quality.runner import run_suite
from pipelines.quality.spark_thrift import cluster_tables
from pipelines.quality.suites import SUITES
from tests.integration.engines import ON_THRIFT_SERVER
from tests.integration.spark_thrift_server import ThriftServer, free_port, thrift_server

pytestmark = pytest.mark.spark

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
SUITES_BY_NAME = {suite.name: suite for suite in SUITES}


def dbt_debug(
    target: str, port: int, log_path: Path, **settings: str
) -> subprocess.CompletedProcess:
    """`dbt debug --target <target>` against 127.0.0.1:<port>, GONGHUI_SPARK_* `settings`."""
    env = {
        **os.environ,
        "GONGHUI_SPARK_HOST": "127.0.0.1",
        "GONGHUI_SPARK_PORT": str(port),
        "GONGHUI_SPARK_USER": "gonghui",
        "GONGHUI_SPARK_PASSWORD": "secret",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
        **{f"GONGHUI_SPARK_{name.upper()}": value for name, value in settings.items()},
    }
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")), "debug", "--target", target,
            "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
            "--log-path", str(log_path),
        ],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.mark.parametrize("target", ["spark_thrift", "spark_thrift_kerberos", "spark_thrift_ldap"])
def test_a_thrift_target_gets_as_far_as_connecting(target, tmp_path):
    port = free_port()  # bound, then released: nobody listens on it
    result = dbt_debug(target, port, tmp_path)
    assert result.returncode == 1
    assert "profiles.yml file [OK found and valid]" in result.stdout, result.stdout[-3000:]
    assert f"Could not connect to any of [('127.0.0.1', {port})]" in result.stdout, result.stdout[
        -3000:
    ]


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory) -> ThriftServer:
    """A Thrift Server that speaks only TLS, with a self-signed certificate made by the JRE's
    keytool (dbt-spark does not verify the server's certificate)."""
    root = tmp_path_factory.mktemp("tls-server")
    keystore, password = root / "server.p12", "keystore-secret"
    subprocess.run(
        ["keytool", "-genkeypair", "-alias", "thrift", "-keyalg", "RSA", "-keysize", "2048",
         "-validity", "2", "-dname", "CN=127.0.0.1", "-storetype", "PKCS12",
         "-keystore", str(keystore), "-storepass", password, "-keypass", password],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    tls = {
        "hive.server2.use.SSL": "true",
        "hive.server2.keystore.path": str(keystore),
        "hive.server2.keystore.password": password,
    }
    with thrift_server(root, tls) as running:
        yield running


def test_the_ldap_output_signs_in_over_tls(tls_server, tmp_path):
    result = dbt_debug("spark_thrift_ldap", tls_server.port, tmp_path, ssl="True")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Connection test: [OK connection ok]" in result.stdout


def test_without_tls_the_server_does_not_answer(tls_server, tmp_path):
    result = dbt_debug("spark_thrift_ldap", tls_server.port, tmp_path, ssl="False")
    assert result.returncode == 1
    assert "Connection test: [ERROR]" in result.stdout, result.stdout[-3000:]


@pytest.fixture
def ldap_over_tls(tls_server, monkeypatch):
    """The checks' settings for `spark_thrift_ldap` against the TLS server, in its `default`
    database (which needs no creating)."""
    monkeypatch.setenv("GONGHUI_ENGINE", "spark")
    monkeypatch.setenv("GONGHUI_SPARK_TARGET", "spark_thrift_ldap")
    settings = {"HOST": "127.0.0.1", "PORT": str(tls_server.port), "SCHEMA": "default"}
    settings |= {"USER": "gonghui", "PASSWORD": "secret", "SSL": "True"}
    for name, value in settings.items():
        monkeypatch.setenv(f"GONGHUI_SPARK_{name}", value)
    return monkeypatch


def test_the_checks_validate_on_the_server_over_tls(ldap_over_tls):
    """GX reaches the server as dbt does, user and password over TLS: a target of 150% is
    found on the server, in a `mart_kpi` made there through the same connection."""
    engine = sqlalchemy.create_engine(cluster_tables().url, **cluster_tables().engine_arguments)
    with engine.connect() as connection:
        connection.execute(sqlalchemy.text(
            "create table mart_kpi (region_code string, region_level string, period string,"
            " kpi string, target double) using parquet"
        ))  # fmt: skip
        connection.execute(sqlalchemy.text(
            "insert into mart_kpi values ('330201', 'district', '2025-12', 'org_rate', 150.0),"
            " ('330202', 'district', '2025-12', 'org_rate', 90.0),"
            " ('330203', 'district', '2025-12', 'members', 150.0)"
        ))  # fmt: skip
    engine.dispose()
    outcome = run_suite(SUITES_BY_NAME["kpi_targets_plausible"], cluster_tables())
    assert outcome.execution_engine == ON_THRIFT_SERVER
    assert (outcome.success, outcome.unexpected_count) == (False, 1)
    (found,) = outcome.failed[0].sample
    assert (found["region_code"], found["kpi"], found["target"]) == ("330201", "org_rate", 150.0)


def test_without_tls_the_checks_cannot_reach_the_server(ldap_over_tls):
    ldap_over_tls.setenv("GONGHUI_SPARK_SSL", "False")
    outcome = run_suite(SUITES_BY_NAME["kpi_targets_plausible"], cluster_tables())
    assert not outcome.success
    assert outcome.unexpected_count == 0  # could not run: no rows counted
    assert outcome.failed[0].unexpected_count is None
    assert outcome.failed[0].error.startswith("Attempt to connect to datasource failed")
