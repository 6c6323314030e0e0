"""Dagster's SQLite event log, keeping its database engines instead of making one per event.

Every event of a run (a step starting, a dbt model built, a check evaluated: some 400 in a
refresh) is written to SQLite, and Dagster's stock storage creates, uses and throws away a
SQLAlchemy engine for each write, two or three times per event. That costs a few
milliseconds an event, seconds a refresh, in the critical path. This storage keeps the engines
of the database files it used last (the run's own file and the shared index); connections are
still opened per write, as before. Same files, same layout, same schema: `dagster.yaml`
selects it for the instance, with DAGSTER_HOME as its one setting.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster import StringSource
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.engine import Connection, Engine

# the run being written, the index, and a few runs the Dagster UI reads meanwhile
KEEP_ENGINES = 8


class EngineKeepingSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage under DAGSTER_HOME/history/runs (where Dagster puts it by
    default), with a few engines kept between writes."""

    def __init__(self, base_dir: str, inst_data: Any = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def config_type(cls) -> dict[str, Any]:
        return {"dagster_home": StringSource}

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: dict[str, Any]):
        base_dir = os.path.join(config_value["dagster_home"], "history", "runs")
        return cls(base_dir, inst_data=inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engines.pop(shard, None)
            if engine is None:
                engine = create_engine(
                    self.conn_string_for_shard(shard),
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
                )
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            self._engines[shard] = engine
            while len(self._engines) > KEEP_ENGINES:
                self._engines.popitem(last=False)[1].dispose()
            with engine.connect() as conn, conn.begin():
                yield conn

    def wipe(self) -> None:
        """Run files are deleted: their engines go with them."""
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
        super().wipe()
