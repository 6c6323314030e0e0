"""The file a town clerk gets back: their rows as written, the reason beside each.

`mart_quarantine` has one row per problem and the source row as JSON (`row_data`:
original header → cell as written). This module turns it into tables a clerk can fix and
send back: one line per source row, the clerk's own headers as columns, the reasons
(Chinese first) in front, and file/sheet/row behind. The extra columns are spelled in
`vocabulary.QUARANTINE_EXPORT_HEADERS`, which the header detection ignores, so the fixed
file loads like any return.
"""

from __future__ import annotations

import json

import polars as pl

from pipelines.ingest.vocabulary import QUARANTINE_EXPORT_HEADERS as HEADERS

ROW_KEY = ["source_file", "sheet", "source_row"]
FEED_SHEET_SUFFIX = {"returns": "", "summaries": "·汇总表", "reference": "·参考数据"}
NO_TOWN = "未知镇街"
_SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})
_EXCEL_SHEET_NAME_MAX = 31


def clerk_rows(problems: pl.DataFrame, *, with_resolved: bool) -> list[dict[str, object]]:
    """One dict per source row: town, reasons, the original cells, then where it came from.

    `problems` has the columns of mart_quarantine plus `town` (the town's name and code).
    """
    rows: dict[tuple, dict[str, object]] = {}
    for problem in problems.sort([*ROW_KEY, "field"], nulls_last=True).iter_rows(named=True):
        key = tuple(problem[name] for name in ROW_KEY)
        if key not in rows:
            rows[key] = {
                "town": problem["town"],
                "feed": problem["feed"],
                "reasons": [],
                "cells": _cells(problem["row_data"]),
                "is_resolved": problem["is_resolved"],
                **{name: problem[name] for name in ROW_KEY},
            }
        entry = rows[key]
        entry["reasons"].append(
            (problem["message_zh"], problem["message_en"], problem["reason_code"])
        )
    return [_flatten(entry, with_resolved=with_resolved) for entry in rows.values()]


def _cells(row_data: str | None) -> dict[str, str | None]:
    if not row_data:
        return {}
    try:
        cells = json.loads(row_data)
    except json.JSONDecodeError:
        return {}
    return cells if isinstance(cells, dict) else {}


def _flatten(entry: dict, *, with_resolved: bool) -> dict[str, object]:
    zh, en, codes = zip(*entry["reasons"], strict=True)
    row: dict[str, object] = {
        "__town": entry["town"],
        "__feed": entry["feed"],
        HEADERS["message_zh"]: "；".join(dict.fromkeys(zh)),
        **{label: value for label, value in entry["cells"].items() if label not in _OURS},
        HEADERS["message_en"]: "; ".join(dict.fromkeys(en)),
        HEADERS["reason_code"]: ",".join(dict.fromkeys(codes)),
    }
    if with_resolved:
        row[HEADERS["is_resolved"]] = "是" if entry["is_resolved"] else "否"
    row[HEADERS["source_file"]] = entry["source_file"]
    row[HEADERS["sheet"]] = entry["sheet"]
    row[HEADERS["source_row"]] = entry["source_row"]
    return row


# A file sent back once and quarantined again carries our columns in its row_data: the
# fresh ones replace them.
_OURS = frozenset(HEADERS.values())
_EMPTY_COLUMNS = ("message_zh", "message_en", "reason_code", "source_file", "sheet", "source_row")


def as_table(rows: list[dict[str, object]], *, town_column: bool) -> pl.DataFrame:
    """Rows (of possibly different files, so different headers) as one table of text.

    Columns keep the order they first appear in; a cell a file does not have is empty.
    """
    columns: dict[str, None] = {}
    if town_column:
        columns[HEADERS["town"]] = None
    for row in rows:
        columns.update(dict.fromkeys(name for name in row if not name.startswith("__")))
    if not rows:  # still a table a clerk recognises: the columns we would have added
        columns.update(dict.fromkeys(HEADERS[name] for name in _EMPTY_COLUMNS))
    data = {
        name: [_text(row["__town"] if name == HEADERS["town"] else row.get(name)) for row in rows]
        for name in columns
    }
    return pl.DataFrame(data, schema=dict.fromkeys(columns, pl.String))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def by_sheet(rows: list[dict[str, object]]) -> dict[str, pl.DataFrame]:
    """One table per town and feed, named for Excel ("东镇", "东镇·汇总表")."""
    groups: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        town = str(row["__town"] or NO_TOWN)
        name = town + FEED_SHEET_SUFFIX.get(str(row["__feed"]), "")
        groups.setdefault(sheet_name(name), []).append(row)
    return {name: as_table(group, town_column=False) for name, group in groups.items()}


def sheet_name(name: str) -> str:
    """An Excel-legal sheet name (31 characters, none of []:*?/\\)."""
    return name.translate(_SHEET_NAME_FORBIDDEN)[:_EXCEL_SHEET_NAME_MAX]
