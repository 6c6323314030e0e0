"""The checks reach a cluster's Thrift Server as dbt's profile does (pipelines.quality.spark_thrift):
the same address, database, sign-in and session settings, from the same variables; and
every Spark output of the profile sets the session settings the suites rely on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipelines.quality.spark_thrift import cluster_tables
from pipelines.settings import SPARK_SESSION_SETTINGS as SESSION_SETTINGS

PROFILES = Path(__file__).resolve().parents[2] / "dbt_project" / "profiles.yml"
VARIABLES = (
    "GONGHUI_SPARK_USER", "GONGHUI_SPARK_AUTH", "GONGHUI_SPARK_PORT", "GONGHUI_SPARK_SCHEMA",
    "GONGHUI_SPARK_KERBEROS_SERVICE", "GONGHUI_SPARK_PASSWORD", "GONGHUI_SPARK_SSL",
)  # fmt: skip


@pytest.fixture
def cluster(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GONGHUI_ENGINE", "spark")
    monkeypatch.setenv("GONGHUI_SPARK_HOST", "thrift.platform.internal")
    return monkeypatch


def test_sign_in_none_with_the_profiles_defaults(cluster):
    cluster.setenv("GONGHUI_SPARK_TARGET", "spark_thrift")
    tables = cluster_tables()
    assert tables.url == "hive+gonghui_thrift://gonghui@thrift.platform.internal:10000/gonghui"
    assert tables.engine_arguments == {
        "connect_args": {"auth": "NONE", "configuration": SESSION_SETTINGS}
    }


def test_nosasl_another_port_user_and_database(cluster):
    cluster.setenv("GONGHUI_SPARK_TARGET", "spark_thrift")
    cluster.setenv("GONGHUI_SPARK_AUTH", "NOSASL")
    cluster.setenv("GONGHUI_SPARK_PORT", "10001")
    cluster.setenv("GONGHUI_SPARK_USER", "etl@zj")
    cluster.setenv("GONGHUI_SPARK_SCHEMA", "gonghui_test")
    tables = cluster_tables()
    assert (
        tables.url == "hive+gonghui_thrift://etl%40zj@thrift.platform.internal:10001/gonghui_test"
    )
    assert tables.engine_arguments["connect_args"]["auth"] == "NOSASL"


def test_kerberos_names_its_service(cluster):
    cluster.setenv("GONGHUI_SPARK_TARGET", "spark_thrift_kerberos")
    cluster.setenv("GONGHUI_SPARK_KERBEROS_SERVICE", "spark")
    assert cluster_tables().engine_arguments["connect_args"] == {
        "auth": "KERBEROS",
        "kerberos_service_name": "spark",
        "configuration": SESSION_SETTINGS,
    }


@pytest.mark.parametrize(("ssl", "use_ssl"), [(None, False), ("False", False), ("True", True)])
def test_ldap_signs_in_with_the_password_over_tls_when_asked(cluster, ssl, use_ssl):
    cluster.setenv("GONGHUI_SPARK_TARGET", "spark_thrift_ldap")
    cluster.setenv("GONGHUI_SPARK_USER", "zhang")
    cluster.setenv("GONGHUI_SPARK_PASSWORD", "secret")
    if ssl is not None:
        cluster.setenv("GONGHUI_SPARK_SSL", ssl)
    tables = cluster_tables()
    assert tables.url == "hive+gonghui_thrift://zhang@thrift.platform.internal:10000/gonghui"
    assert "secret" not in tables.url
    assert tables.engine_arguments["connect_args"] == {
        "auth": "LDAP",
        "password": "secret",
        "use_ssl": use_ssl,
        "configuration": SESSION_SETTINGS,
    }


@pytest.mark.parametrize(
    ("target", "missing"),
    [
        ("spark_thrift", "GONGHUI_SPARK_HOST"),
        ("spark_thrift_ldap", "GONGHUI_SPARK_USER"),
        ("spark_thrift_ldap", "GONGHUI_SPARK_PASSWORD"),
    ],
)
def test_a_missing_variable_is_named(cluster, target, missing):
    cluster.setenv("GONGHUI_SPARK_TARGET", target)
    cluster.setenv("GONGHUI_SPARK_USER", "zhang")
    cluster.setenv("GONGHUI_SPARK_PASSWORD", "secret")
    cluster.delenv(missing)
    with pytest.raises(ValueError, match=f"缺少 {missing}"):
        cluster_tables()


@pytest.mark.parametrize(
    "output", ["spark", "spark_thrift", "spark_thrift_kerberos", "spark_thrift_ldap"]
)
def test_every_spark_output_of_the_profile_sets_the_session_settings(output):
    profile = yaml.safe_load(PROFILES.read_text())["gonghui"]["outputs"][output]
    assert profile["server_side_parameters"].items() >= SESSION_SETTINGS.items()
