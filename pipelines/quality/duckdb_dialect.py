"""A read-only DuckDB dialect for SQLAlchemy, so Great Expectations can query the warehouse.

Two things the stock `duckdb` dialect of duckdb-engine does not do for us:

* open the file read-only: a check must never take DuckDB's single-writer lock, and the
  publish step attaches the same file right after the checks;
* leave results readable after the connection goes back to the pool. GX executes a query
  inside `with engine.connect()` and fetches the rows after the block; closing the block
  rolls the implicit transaction back, and DuckDB then drops the pending result, so every
  metric came back empty. Without explicit transactions (autocommit, harmless on a read-only
  connection) the result stays readable until the next query on that connection.

Registered as `duckdb+gonghui_readonly://`; see `connection_url`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from duckdb_engine import Dialect
from sqlalchemy.dialects import registry

DRIVER = "gonghui_readonly"


class ReadOnlyDuckDBDialect(Dialect):
    """duckdb-engine's dialect, read-only and without explicit transactions."""

    # as in duckdb-engine (no compiled-statement cache); said explicitly to silence SAWarning
    supports_statement_cache = False

    def connect(self, *cargs: Any, **cparams: Any) -> Any:
        cparams["read_only"] = True
        return super().connect(*cargs, **cparams)

    def do_begin(self, connection: Any) -> None:
        pass

    def do_rollback(self, connection: Any) -> None:
        pass

    def do_commit(self, connection: Any) -> None:
        pass


registry.register(f"duckdb.{DRIVER}", __name__, ReadOnlyDuckDBDialect.__name__)


def connection_url(warehouse: Path) -> str:
    """The SQLAlchemy URL that opens `warehouse` read-only through this dialect."""
    return f"duckdb+{DRIVER}:///{Path(warehouse).resolve().as_posix()}"
