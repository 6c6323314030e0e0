"""The correction file: one town re-sends a few rows of the last period's return.

A town whose return holds no planted mistake (and that has a few enterprises) sends an
XLSX 更正 file in March: up to three enterprises (unionised ones where it has any) with
more employees and members, and one enterprise that has set up a union after all. Its
rows supersede the original ones: it is the latest file (manifest.set_mtimes).
"""

from __future__ import annotations

import random
from datetime import date

from .layouts import write_table
from .manifest import FileEntry, Manifest
from .records import PeriodRecords
from .returns import return_style, return_table


def write_correction(
    manifest: Manifest, records: PeriodRecords, year: int, spoiled_files: set[tuple[int, int]]
) -> None:
    """The correction of `year`, from a town outside `spoiled_files` ((year, town index))."""
    city = manifest.city
    seed = manifest.seed
    rng = random.Random(f"{seed}/correction")
    candidates = [
        t
        for t in range(len(city.towns))
        if (year, t) not in spoiled_files and len(records.town_indices(t)) >= 6
    ] or [t for t in range(len(city.towns)) if (year, t) not in spoiled_files]
    t = rng.choice(candidates)
    town = city.towns[t]
    recs = records.town_records(t, year)
    unionised = [r for r in recs if r["union_form"] != "未建会"] or recs
    chosen = rng.sample(unionised, min(3, len(unionised)))
    for rec in chosen:
        k = rng.randint(4, 40)
        old = (rec["employees"], rec["members"])
        rec["employees"] += k
        rec["female_employees"] += k // 3
        rec["migrant_employees"] += k // 2
        if rec["union_form"] != "未建会":
            rec["members"] = min(rec["employees"], rec["members"] + k - 1)
            rec["female_members"] = min(rec["female_employees"], rec["female_members"] + k // 3)
            rec["migrant_members"] = min(rec["migrant_employees"], rec["migrant_members"] + k // 2)
            rec["members_registered"] = min(rec["members"], rec["members_registered"] + k // 2)
        manifest.correction.append(
            f"{rec['uscc']} {rec['enterprise_name']}: 职工人数/employees {old[0]}→{rec['employees']}, "
            f"会员人数/members {old[1]}→{rec['members']}"
        )
    non_union = [r for r in recs if r["union_form"] == "未建会"]
    if non_union:
        rec = rng.choice(non_union)
        rec["union_form"] = "联合建会"
        rec["members"] = max(1, round(rec["employees"] * 0.9))
        rec["female_members"] = min(rec["female_employees"], rec["members"])
        rec["migrant_members"] = min(rec["migrant_employees"], rec["members"])
        rec["members_registered"] = round(rec["members"] * 0.8)
        rec["union_legal_person"] = False
        rec["workers_congress"], rec["open_affairs"], rec["female_cba"] = False, False, False
        chosen.append(rec)
        manifest.correction.append(
            f"{rec['uscc']} {rec['enterprise_name']}: 建会形式/union form 未建会→联合建会, 会员人数/members 0→{rec['members']}"
        )
    style = return_style(seed, town.code, year, fmt="xlsx")
    style.two_row = False
    note = f"本表为更正表，更正{len(chosen)}家企业{year}年度数据，以本表为准。"
    table = return_table(
        f"{year}年度企业工会基本情况统计表（更正）",
        town,
        chosen,
        style,
        year,
        note,
        date(year + 1, 3, 2),
    )
    path = manifest.out / "returns" / str(year) / f"更正_{town.name}_{year}.xlsx"
    written = write_table(path, style, table)
    manifest.files.append(FileEntry(path, "returns", "xlsx", written.data_rows))
    manifest.correction.insert(
        0, f"{path.relative_to(manifest.out).as_posix()} ({town.name} {town.code}, {year})"
    )
