"""The cluster targets of dbt_project/profiles.yml render, and PyHive accepts each of them.

The Thrift Server test_spark_thrift_run.py starts asks for no sign-in, so the three outputs
(NONE/NOSASL, Kerberos, LDAP) are checked here as far as connecting: `dbt debug` is pointed at
a port nobody listens on. A profile that renders and that PyHive accepts (it refuses a
password outside LDAP, a Kerberos service name outside KERBEROS) gets as far as opening the
connection, and fails there, naming the address it tried.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.spark_thrift_server import free_port

pytestmark = pytest.mark.spark

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"


@pytest.mark.parametrize("target", ["spark_thrift", "spark_thrift_kerberos", "spark_thrift_ldap"])
def test_a_thrift_target_gets_as_far_as_connecting(target, tmp_path):
    port = free_port()  # bound, then released: nobody listens on it
    env = {
        **os.environ,
        "GONGHUI_SPARK_HOST": "127.0.0.1",
        "GONGHUI_SPARK_PORT": str(port),
        "GONGHUI_SPARK_USER": "gonghui",
        "GONGHUI_SPARK_PASSWORD": "secret",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")), "debug", "--target", target,
            "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
            "--log-path", str(tmp_path),
        ],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 1
    assert "profiles.yml file [OK found and valid]" in result.stdout, result.stdout[-3000:]
    assert f"Could not connect to any of [('127.0.0.1', {port})]" in result.stdout, result.stdout[
        -3000:
    ]
