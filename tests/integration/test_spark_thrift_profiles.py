"""The cluster targets of dbt_project/profiles.yml render, PyHive accepts each of them, and
the password sign-in reaches a Thrift Server over TLS.

The Thrift Servers these tests start sign in anyone (NONE, which takes SASL PLAIN with any
user and password), so the three outputs (NONE/NOSASL, Kerberos, LDAP) are first checked as far
as connecting: `dbt debug` is pointed at a port nobody listens on. A profile that renders and
that PyHive accepts (it refuses a password outside LDAP, a Kerberos service name outside
KERBEROS) gets as far as opening the connection, and fails there, naming the address it tried.
Then `spark_thrift_ldap` with GONGHUI_SPARK_SSL=True signs in, user and password over SASL
PLAIN, to a server that speaks only TLS; and without TLS it cannot. Not tested: a server that
checks the password (LDAP) or Kerberos.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.spark_thrift_server import ThriftServer, free_port, thrift_server

pytestmark = pytest.mark.spark

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"


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
