"""What one raw file may cost to parse, so that one file can only ever fail itself.

A clerk's workbook can hold a stray cell at XFD1048576 (the XLSX reader would lay out a
grid of 17 billion cells), a cell of 200 MB, a zip that inflates a thousandfold, or a CSV
line of a million commas. Each limit below is checked before the expensive step it
guards; a file over one is refused (`file_over_budget`) with a message naming the limit
and the file's own figure, and the other files load.

Two limits cannot be checked in advance: the seconds and the resident memory a worker
spends on one batch of files. The worker pool (pipelines.ingest.pool) watches them from
outside and kills a worker over either; the file that does so again alone is refused.

The defaults are far above any real return (a province's largest town files hold some
2,000 rows × 40 columns) and can be set per installation through the environment. The
budget is part of the load's state (pipelines.ingest.registry.state_key): a changed limit
makes the next load a full one, so files refused under the old one are tried again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


def _setting(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass(frozen=True)
class ParseBudget:
    # bytes a workbook's parts may inflate to (all XML together)
    max_inflated_bytes: int
    # cells of a sheet's rectangle, first to last used row and column (what the reader
    # allocates), and columns of a sheet or CSV
    max_cells: int
    max_columns: int
    # characters of one cell (Excel's own limit is 32,767)
    max_cell_chars: int
    # what a worker may spend on one batch of files (8 MB of them parse in seconds, in a
    # few hundred MiB): wall-clock seconds, resident memory in MiB
    max_parse_seconds: int
    max_parse_memory_mb: int

    @classmethod
    def from_environment(cls) -> ParseBudget:
        return cls(
            max_inflated_bytes=_setting("GONGHUI_MAX_INFLATED_MB", 200) << 20,
            max_cells=_setting("GONGHUI_MAX_CELLS", 20_000_000),
            max_columns=_setting("GONGHUI_MAX_COLUMNS", 1_000),
            max_cell_chars=_setting("GONGHUI_MAX_CELL_CHARS", 32_767),
            max_parse_seconds=_setting("GONGHUI_MAX_PARSE_SECONDS", 300),
            max_parse_memory_mb=_setting("GONGHUI_MAX_PARSE_MEMORY_MB", 1_024),
        )

    def exceeded(self, limit: str, actual: int) -> dict[str, str] | None:
        """The refusal's message parameters when `actual` exceeds the limit named `limit`
        (a field name), else None."""
        allowed = getattr(self, limit)
        if actual <= allowed:
            return None
        return {
            "limit_zh": LIMIT_ZH[limit],
            "limit_en": limit,
            "actual": f"{actual:,}",
            "allowed": f"{allowed:,}",
        }


# How the refusal names each limit to a clerk.
LIMIT_ZH = {
    "max_inflated_bytes": "解压后大小（字节）",
    "max_cells": "工作表使用区域的单元格数（含表格外的零星内容）",
    "max_columns": "列数",
    "max_cell_chars": "单个单元格的字符数",
    "max_parse_seconds": "解析用时（秒）",
    "max_parse_memory_mb": "解析占用内存（MiB）",
}
