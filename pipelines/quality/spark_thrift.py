"""Great Expectations on a cluster's tables, through the Spark Thrift Server that built them.

After a build through a Thrift Server (GONGHUI_SPARK_TARGET=spark_thrift…) the checks on
dbt's tables are Spark queries on the cluster, sent by GX's SQL datasource over PyHive, as
dbt's own are: `cluster_tables` gives the SQLAlchemy URL and connection settings of the
profile's output, read from the same GONGHUI_SPARK_* variables as dbt_project/profiles.yml.

PyHive's own `hive://` dialect passes the URL (host, port, user, database) and the connection
settings to `hive.connect`. What it cannot do is TLS, which PyHive's binary transport lacks:
dbt-spark wraps the socket itself (`build_ssl_transport`) when the profile says `use_ssl`. The
dialect registered here as `hive+gonghui_thrift://` does the same, so a check reaches the
server the way the build did.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

from pyhive import hive
from pyhive.sqlalchemy_hive import HiveDialect
from sqlalchemy.dialects import registry

from pipelines import settings
from pipelines.quality.runner import SqlTables

DRIVER = "gonghui_thrift"


class ThriftServerDialect(HiveDialect):
    """PyHive's dialect, with TLS as dbt-spark does it when the settings say `use_ssl`."""

    supports_statement_cache = False  # as PyHive's; said explicitly to silence SAWarning

    @classmethod
    def import_dbapi(cls) -> Any:
        """SQLAlchemy 2's name for PyHive's `dbapi()`, which warns of its deprecation."""
        return hive

    def connect(self, *cargs: Any, **cparams: Any) -> Any:
        if not cparams.pop("use_ssl", False):
            return hive.connect(*cargs, **cparams)
        from dbt.adapters.spark.connections import build_ssl_transport

        transport = build_ssl_transport(
            host=cparams.pop("host"),
            port=cparams.pop("port"),
            username=cparams.pop("username"),
            auth=cparams.pop("auth"),
            kerberos_service_name=cparams.pop("kerberos_service_name", None),
            password=cparams.pop("password", None),
        )
        return hive.connect(*cargs, thrift_transport=transport, **cparams)


registry.register(f"hive.{DRIVER}", __name__, ThriftServerDialect.__name__)


def cluster_tables() -> SqlTables:
    """The database dbt builds in on the Thrift Server of GONGHUI_SPARK_TARGET, signed in as
    that output of dbt_project/profiles.yml signs in."""
    target = settings.spark_target()
    user = _env("GONGHUI_SPARK_USER", "gonghui")
    sign_in: dict[str, Any] = {"auth": _env("GONGHUI_SPARK_AUTH", "NONE")}
    if target == "spark_thrift_kerberos":
        sign_in = {
            "auth": "KERBEROS",
            "kerberos_service_name": _env("GONGHUI_SPARK_KERBEROS_SERVICE", "hive"),
        }
    elif target == "spark_thrift_ldap":
        user = _required("GONGHUI_SPARK_USER")
        sign_in = {
            "auth": "LDAP",
            "password": _required("GONGHUI_SPARK_PASSWORD"),
            "use_ssl": _env("GONGHUI_SPARK_SSL", "False").lower() == "true",
        }
    address = f"{_required('GONGHUI_SPARK_HOST')}:{int(_env('GONGHUI_SPARK_PORT', '10000'))}"
    schema = _env("GONGHUI_SPARK_SCHEMA", "gonghui")
    return SqlTables(
        f"hive+{DRIVER}://{quote(user, safe='')}@{address}/{quote(schema, safe='')}",
        {"connect_args": {**sign_in, "configuration": dict(settings.SPARK_SESSION_SETTINGS)}},
    )


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        target = settings.spark_target()
        raise ValueError(f"缺少 {name} ({name} is required with GONGHUI_SPARK_TARGET={target})")
    return value
