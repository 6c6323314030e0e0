"""`make docs`: the warehouse's data dictionary, one HTML file that opens without a network.

dbt writes it: `dbt docs generate --static` inlines the manifest (every model, seed, source and
column with its description from the yml files and models/docs.md, the lineage, the SQL) and
the catalog (the columns and types of the warehouse's tables) into dbt's docs page. The page is
then copied to settings.dbt_docs_file() (docs/dbt/index.html), which 数据质量 offers for
download. The catalog needs a built warehouse: without one, the warehouse is refreshed first.

    .venv/bin/python -m pipelines.cli.dbt_docs
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from pipelines import settings
from pipelines.cli.commands import main as gonghui
from pipelines.defs import offline_dbt
from pipelines.warehouse.locking import RefreshBusy, refresh_lock

# dbt's page turns on Snowplow tracking when the manifest it carries says
# send_anonymous_usage_stats: true: it then loads the tracker script from a CDN and sends page
# views to dbt Labs' collector. Ours says false (dbt_project.yml, DBT_SEND_ANONYMOUS_USAGE_STATS),
# so that code never runs; its two addresses are blanked anyway, so that the file stays offline
# whoever builds it (an empty script src fetches nothing).
TRACKER_ADDRESSES = (
    "//d1fc8wv8zag5ca.cloudfront.net/2.9.0/sp.js",
    "fishtownanalytics.sinter-collect.com",
)
# What makes a browser fetch from another host by itself: a tag loading from one, a script
# setting a src to one, CSS importing from one. (Links the reader may click are not fetches.)
EXTERNAL_LOAD = re.compile(
    r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//"""
    r"""|\.src\s*=\s*["'](?:https?:)?//"""
    r"""|@import\s+(?:url\()?\s*["']?(?:https?:)?//"""
    r"""|url\(\s*["']?(?:https?:)?//""",
    re.IGNORECASE,
)


def offline(page: str) -> str:
    """dbt's docs page with the tracker's addresses blanked; raises when anything else in it
    would still load from the network (a newer dbt, say), rather than ship such a page."""
    for address in TRACKER_ADDRESSES:
        page = page.replace(address, "")
    if found := EXTERNAL_LOAD.search(page):
        context = page[max(0, found.start() - 80) : found.end() + 80]
        raise ValueError(f"dbt's docs page would load from the network: …{context}…")
    return page


def build(warehouse: Path, out: Path) -> Path:
    """`dbt docs generate --static` against the warehouse, then its page, made offline, at out."""
    target = settings.dbt_target_dir() / "docs"
    project = str(settings.DBT_PROJECT_DIR)
    # nothing else may write the warehouse meanwhile: dbt opens it as a writer (DuckDB)
    with refresh_lock(warehouse, wait=False):
        subprocess.run(
            [offline_dbt.EXECUTABLE, "docs", "generate", "--static",
             "--project-dir", project, "--profiles-dir", project,
             "--target-path", str(target), "--log-path", str(target)],
            env={
                **os.environ,
                "GONGHUI_WAREHOUSE": str(warehouse),
                # dbt's on-run-start makes the sources' views over the landing Parquet
                **settings.dbt_folders(warehouse, "duckdb"),
            },
            check=True,
        )  # fmt: skip
    page = offline((target / "static_index.html").read_text(encoding="utf-8"))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(page, encoding="utf-8")
    os.replace(partial, out)  # a reader never gets half a page
    return out


def main() -> int:
    settings.prepare_offline_environment()
    warehouse = settings.warehouse_path()
    if not warehouse.exists():
        print("数仓尚不存在，先从 raw/ 刷新 (no warehouse yet: refreshing it from raw/ first)")
        if code := gonghui(["refresh"]):
            return code
    try:
        out = build(warehouse, settings.dbt_docs_file())
    except RefreshBusy as busy:
        print(busy)
        return 1
    except subprocess.CalledProcessError:
        print(
            "dbt docs generate 失败，见上方 dbt 的输出 (dbt docs generate failed: see dbt's output above)"
        )
        return 1
    print(f"数据字典 data dictionary: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
