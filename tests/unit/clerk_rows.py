"""The quarantine export's table for rows a clerk wrote, for the export tests."""

from __future__ import annotations

import json

import polars as pl

from pipelines.exports import quarantine_file


def quarantine_table(cells: list[dict[str, str]], *, town_column: bool) -> pl.DataFrame:
    """The table `gonghui export quarantine` writes for rows written as `cells` (header →
    cell), each quarantined for its 职工人数."""
    problems = pl.DataFrame(
        [
            {
                "source_file": "returns/东镇.csv",
                "sheet": None,
                "source_row": row,
                "feed": "returns",
                "field": "employees",
                "reason_code": "count_unparseable",
                "message_zh": "职工人数不是数字",
                "message_en": "employees is not a number",
                "row_data": json.dumps(written, ensure_ascii=False),
                "is_resolved": False,
                "town": "东镇 310117101000",
            }
            for row, written in enumerate(cells, start=4)
        ]
    )
    rows = quarantine_file.clerk_rows(problems, with_resolved=False)
    return quarantine_file.as_table(rows, town_column=town_column)
