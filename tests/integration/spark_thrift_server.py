"""A Spark Thrift Server on this machine, as a cluster's would be reached: pyspark's wheel
ships the server (spark-hive-thriftserver), started here by `spark-submit` in a JVM and a
process session of its own, with its own metastore and warehouse, on a free local port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyspark

from tests.integration.processes import left_running

SERVER_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
STARTED = "HiveThriftServer2 started"


@dataclass(frozen=True)
class ThriftServer:
    host: str
    port: int
    log: Path


def free_port() -> int:
    """A local port nothing listens on now (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def thrift_server(
    root: Path, hive_settings: Mapping[str, str] | None = None, startup_seconds: float = 180
) -> Iterator[ThriftServer]:
    """A running Thrift Server keeping its metastore and default warehouse under `root`,
    with `hive_settings` (`--hiveconf`, e.g. TLS) beside its port; stopped, with nothing of it
    left running, when the block ends. Its sign-in is NONE: any user and password."""
    spark_home = Path(pyspark.__file__).parent
    port = free_port()
    root.mkdir(parents=True, exist_ok=True)
    log = root / "thrift-server.log"
    command = [
        str(spark_home / "bin" / "spark-submit"),
        "--master", "local[2]",
        "--driver-memory", "1g",
        "--class", SERVER_CLASS,
        "--conf", "spark.ui.enabled=false",
        "--conf", f"spark.sql.warehouse.dir={root / 'warehouse'}",
        "--conf", f"spark.driver.extraJavaOptions=-Dderby.system.home={root}",
        "--hiveconf", f"hive.server2.thrift.port={port}",
        "--hiveconf", "hive.server2.thrift.bind.host=127.0.0.1",
        *(
            part
            for name, value in (hive_settings or {}).items()
            for part in ("--hiveconf", f"{name}={value}")
        ),
        "spark-internal",
    ]  # fmt: skip
    env = {**os.environ, "SPARK_HOME": str(spark_home), "SPARK_LOCAL_IP": "127.0.0.1"}
    # A JVM that starts with SIGTERM ignored installs no handler for it and never stops on
    # it (as under nohup). An ignored signal is inherited across exec, and of the two
    # pytest-xdist workers of `make test` one starts ignoring SIGTERM (SigIgn in
    # /proc/<pid>/status, seen from its start): the server starts with the default.
    inherited = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        with open(log, "w") as output:
            process = subprocess.Popen(
                command, cwd=root, env=env, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
    finally:
        signal.signal(signal.SIGTERM, inherited)
    try:
        deadline = time.monotonic() + startup_seconds
        while STARTED not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Thrift Server did not start:\n{log.read_text()[-4000:]}")
            time.sleep(0.5)
        yield ThriftServer("127.0.0.1", port, log)
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # it stops in well under a second
        left = left_running(process.pid, seconds=30)
        for pid in left:
            with contextlib.suppress(ProcessLookupError):  # ended meanwhile
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=30)
        assert left == {}, f"the Thrift Server did not stop on SIGTERM: {left}"
