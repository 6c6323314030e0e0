"""Ingestion assets: the raw inventory, then every landing table in one pass.

Reference data is read before returns (it decides which region codes are known), so the
landing tables are produced by one multi-asset rather than by independent assets that
could run in the wrong order.
"""

import logging
from pathlib import Path

import dagster as dg
import duckdb

from pipelines import settings
from pipelines.defs.resources import WarehousePaths
from pipelines.defs.retries import retried_on_error
from pipelines.ingest.discovery import discover
from pipelines.ingest.load import ingest
from pipelines.warehouse import changes
from pipelines.warehouse.landing_parquet import Copied, write_landing_parquet
from pipelines.warehouse.locking import refresh_lock
from pipelines.warehouse.publish import current_snapshot

log = logging.getLogger("gonghui")

LANDING_TABLES: dict[str, str] = {
    "enterprise_returns": "企业工会基本情况报表（已通过校验的行）",
    "enterprise_returns_archive": "改动或删除的文件的旧行（历史）",
    "summary_returns": "镇街工会工作汇总表（已通过校验的行）",
    "ref_regions": "raw/reference 中的区划（覆盖或补充内置种子）",
    "ref_targets": "raw/reference 中的目标任务（覆盖或补充内置种子）",
    "ref_header_aliases": "raw/reference 中的表头别名（本市报表的表头写法 → 字段代码）",
    "ref_boundaries": "raw/reference 中的区划边界（GeoJSON，每个要素一行，画地图用）",
    "quarantine": "隔离区：未通过校验的行及原因",
    "field_issues": "字段问题：已接受的行中按未报、上限或月份计的单个字段",
    "load_audit": "每个文件的读取记录：读入 = 接受 + 隔离",
    "pending_loads": "变更记录：尚未发布的载入",
    "pending_partitions": "变更记录：尚未发布的载入触及的分区（镇街 × 报告期）",
}


class IngestConfig(dg.Config):
    """`full`: reparse every file, not only new and changed ones (gonghui refresh --full)."""

    full: bool = False


@dg.asset(group_name="ingestion", kinds={"python", "file"})
def raw_inventory(paths: WarehousePaths) -> dg.MaterializeResult:
    """The files waiting in raw/ per feed (returns, summaries, reference); raw/ is never modified."""
    files = discover(paths.raw_dir)
    sizes = {f.source_file: f.size for f in files}
    by_feed: dict[str, int] = {}
    for file in files:
        by_feed[file.folder] = by_feed.get(file.folder, 0) + 1
    preview = "\n".join(
        ["| feed | file | bytes |", "|---|---|---|"]
        + [f"| {f.folder} | {f.source_file} | {sizes[f.source_file]:,} |" for f in files[:50]]
    )
    return dg.MaterializeResult(
        metadata={
            "files": len(files),
            "bytes": sum(sizes.values()),
            **{f"files_{feed}": count for feed, count in sorted(by_feed.items())},
            "preview": dg.MetadataValue.md(preview),
        }
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["landing", table],
            description=description,
            group_name="ingestion",
            kinds={"polars", "duckdb", "parquet"},
            deps=[raw_inventory],
            skippable=True,
        )
        for table, description in LANDING_TABLES.items()
    ],
)
def landing_tables(context: dg.AssetExecutionContext, config: IngestConfig, paths: WarehousePaths):
    """Parse and validate new and changed files in raw/ into the landing schema
    (Polars → DuckDB), then write the landing as the Parquet dbt reads on either engine
    (the partitions that changed). When every load is published already, nothing is
    materialised, so dbt and publish are skipped."""
    # transient trouble (a file still locked by a copy, a full disk) is worth a retry;
    # bad rows are not failures at all: they go to the quarantine
    with retried_on_error(max_retries=2, seconds=10):
        yield from _land(context, config, paths)


def _land(context: dg.AssetExecutionContext, config: IngestConfig, paths: WarehousePaths):
    with refresh_lock(paths.warehouse_path, wait=True):
        summary = ingest(
            paths.raw_dir,
            paths.warehouse_path,
            settings.today(),
            load_id=context.run.run_id,
            progress=log.info,
            full=config.full,
        )
    for line in summary.lines():
        log.info(line)
    with duckdb.connect(str(paths.warehouse_path), read_only=True) as con:
        counts = {
            table: con.execute(f"select count(*) from landing.{table}").fetchone()[0]
            for table in LANDING_TABLES
        }
        unreadable, accepted, quarantined = con.execute(
            "select count(distinct source_file) filter (where status = 'unreadable'), "
            "coalesce(sum(rows_accepted), 0), coalesce(sum(rows_quarantined), 0) "
            "from landing.load_audit"
        ).fetchone()
    run_metadata = {
        "files_seen": summary.files_seen,
        "files_parsed": summary.files_parsed,
        "files_unchanged": summary.files_unchanged,
        "files_unreadable": unreadable,
        "rows_accepted": accepted,
        "rows_quarantined": quarantined,
    }
    if changes.pending(paths.warehouse_path).nothing and current_snapshot(paths.publish_dir):
        context.log.info("已发布的快照已是最新，跳过建模与发布 / snapshot is up to date: skipping")
        context.log_event(
            dg.AssetObservation(asset_key=["landing", "load_audit"], metadata=run_metadata)
        )
        return
    copied = write_landing_as_parquet(paths.warehouse_path)
    run_metadata["parquet_files_written"] = copied.files_written
    for table, rows in counts.items():
        yield dg.MaterializeResult(
            asset_key=["landing", table], metadata={"dagster/row_count": rows, **run_metadata}
        )


def write_landing_as_parquet(warehouse: Path) -> Copied:
    """The landing tables as Hive-partitioned Parquet under GONGHUI_LANDING_DIR, the sources
    of dbt on DuckDB and on Spark (pipelines.warehouse.landing_parquet): the files of the
    loads whose rows changed since it was last written."""
    landing = settings.landing_parquet_dir(warehouse)
    with refresh_lock(warehouse, wait=True):
        copied = write_landing_parquet(warehouse, landing)
    log.info(
        f"落地表写为 Parquet (landing as Parquet) → {landing}:"
        f" 写入 {copied.files_written} 个文件 files written"
        f"（{sum(copied.rows.values()):,} 行 rows），未变 {copied.files_kept} 个 unchanged，"
        f"删除 {copied.files_removed} 个 removed"
    )
    return copied
