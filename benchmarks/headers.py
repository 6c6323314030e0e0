"""The few header labels the floor and peer scripts need (what an analyst would hardcode).

Deliberately small and standalone: the floor and peer must not use pipelines.ingest.
"""

from __future__ import annotations

import re

ALIASES: dict[str, tuple[str, ...]] = {
    "region_code": ("所属镇街代码", "镇街代码", "所属镇(街道)代码", "区划代码", "所属区划代码"),
    "period": ("报告期", "统计期", "报告期别", "年度", "统计年度"),
    "employees": ("职工人数", "职工总数", "从业人员数", "在岗职工人数", "职工数", "职工人数（人）"),
    "union_form": ("建会形式", "建会情况", "是否建会", "工会组建形式"),
    "members": ("会员人数", "工会会员人数", "会员数"),
}
UNION_YES = ("单独建会", "单建", "独立建会", "单独组建", "单独建立", "联合建会", "联建",
             "联合基层工会", "区域联合", "行业联合", "区域联合建会", "行业联合建会", "联合组建",
             "single", "joint")  # fmt: skip
TOWN_CODE = re.compile(r"^\d{12}$")
SCAN_ROWS = 15


def _clean(cell: object) -> str:
    return "" if cell is None else re.sub(r"\s+", "", str(cell))


def locate(rows: list[list[object]]) -> tuple[int, dict[str, int]] | None:
    """(index of the first data row, field → column index) from the top rows of a sheet.

    A one- or two-row header: a column's labels are its cells on the header row and the
    row below it (merged group headers put the field label on the second row).
    """
    for i, row in enumerate(rows[:SCAN_ROWS]):
        cells = [_clean(c) for c in row]
        below = [_clean(c) for c in rows[i + 1]] if i + 1 < len(rows) else []
        found: dict[str, int] = {}
        two_rows = False
        for field, names in ALIASES.items():
            for j, cell in enumerate(cells):
                if cell in names:
                    found.setdefault(field, j)
            if field not in found:
                for j, cell in enumerate(below):
                    if cell in names:
                        found[field] = j
                        two_rows = True
                        break
        if {"region_code", "employees", "union_form", "members"} <= found.keys():
            return i + (2 if two_rows else 1), found
    return None
