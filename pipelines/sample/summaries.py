"""District summaries: each district's table of its towns' figures for a period.

The figures are what the enterprise returns add up to before any mistake is planted,
except two misreports the ingestion should notice: in the first period one town's
集体合同签订率 is a typo no rate can be, in the last one town inflates its 组建率.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np

from pipelines.ingest.vocabulary import SUMMARY_FIELDS

from .city import City, Region
from .enterprises import Snapshot, in_force
from .layouts import FORMATS, Raw, Style, Table, Total, chinese_date, footer, write_table
from .manifest import FileEntry, Manifest

SUMMARY_COLUMNS = [f.name for f in SUMMARY_FIELDS]
_HEADER = {f.name: f.header for f in SUMMARY_FIELDS}
_NOTE = "组建率=已建会企业数/企业数；入会率=会员人数/职工人数；集体合同签订率=签订集体合同企业数/已建会企业数。"


@dataclass(frozen=True)
class Misreport:
    town_code: str
    column: str
    reported: object
    note: str  # for the manifest


def write_summaries(
    manifest: Manifest, snap: Snapshot, year: int, *, first: bool, last: bool
) -> None:
    """One file per district; the `first` and the `last` period each carry one misreport."""
    city = manifest.city
    figs = town_figures(snap, len(city.towns))
    misreports = []
    if first:
        misreports.append(_cba_rate_typo(city, figs, year))
    if last:
        misreports.append(_inflated_org_rate(city, figs, year))
    manifest.misreports += [m.note for m in misreports]
    overrides = {(m.town_code, m.column): m.reported for m in misreports}
    for district in city.districts:
        members = [(i, tw) for i, tw in enumerate(city.towns) if tw.parent == district.code]
        style = summary_style(manifest.seed, district.code, year)
        table = summary_table(
            district, members, figs, year, style, overrides, date(year + 1, 1, 20)
        )
        path = (
            manifest.out
            / "summaries"
            / str(year)
            / f"{district.name}{year}年度镇街工会工作汇总表.{style.extension}"
        )
        written = write_table(path, style, table)
        manifest.files.append(FileEntry(path, "summaries", style.fmt, written.data_rows))


def town_figures(snap: Snapshot, n_towns: int) -> dict[str, np.ndarray]:
    t = snap.town
    union = snap.form != 0

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(t[mask], minlength=n_towns)

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(t, weights=values, minlength=n_towns).astype(np.int64)

    return {
        "enterprises": np.bincount(t, minlength=n_towns),
        "unionised_enterprises": count(union),
        "employees": total(snap.employees),
        "members": total(snap.members),
        "cba_enterprises": count(
            union & in_force(snap.cba_signed, snap.cba_expires, snap.period_end)
        ),
        "wage_enterprises": count(
            union & in_force(snap.wage_signed, snap.wage_expires, snap.period_end)
        ),
        "new_unions": count(snap.new_union),
        "new_congresses": count(snap.new_congress),
    }


def _cba_rate_typo(city: City, figs: dict[str, np.ndarray], year: int) -> Misreport:
    """The town with the most unionised enterprises reports its 集体合同签订率 as "20230%"."""
    t = max(range(len(city.towns)), key=lambda i: (figs["unionised_enterprises"][i], -i))
    town = city.towns[t]
    real = _rate(figs["cba_enterprises"][t], figs["unionised_enterprises"][t])
    return Misreport(
        town.code,
        "cba_rate",
        Raw("20230%"),
        f"{year} {town.name}（{town.code}）集体合同签订率 报“20230%” / reported '20230%' (recomputed {real}%)",
    )


def _inflated_org_rate(city: City, figs: dict[str, np.ndarray], year: int) -> Misreport:
    """The town with the lowest 组建率 (among towns of five or more enterprises, where there
    are any) reports it 4.2 points higher, at most 99.5%."""
    rates = [
        (_rate(figs["unionised_enterprises"][i], figs["enterprises"][i]), i)
        for i in range(len(city.towns))
    ]
    rates = [r for r in rates if figs["enterprises"][r[1]] >= 5] or rates
    real, t = min(rates)
    town = city.towns[t]
    reported = round(min(99.5, real + 4.2), 1)
    return Misreport(
        town.code,
        "org_rate",
        reported,
        f"{year} {town.name}（{town.code}）组建率 报 {reported}% / reported {reported}% (recomputed {real}%)",
    )


def _rate(num: float, den: float) -> float:
    return round(100 * num / den, 1) if den else 0.0


def summary_style(seed: int, code: str, year: int) -> Style:
    rng = random.Random(f"{seed}/summary/{code}/{year}")
    fmt = rng.choices(FORMATS, weights=(50, 30, 10, 10))[0]
    style = Style(fmt=fmt, rng=random.Random(f"{seed}/summary-cells/{code}/{year}"))
    style.period = rng.choice(("{y}", "{y}年", "{y}-12", "{y}年度"))
    # Excel exports a percent cell to CSV as "98.5%", so bare fractions only in XLSX
    style.pct = rng.choice(
        ("pct", "fraction", "plain") if fmt == "xlsx" else ("pct", "pct", "plain")
    )
    style.thousands = rng.random() < 0.4
    style.blank_line = rng.random() < 0.3
    style.sheet = rng.choice(("Sheet1", "汇总表", f"{year}年度"))
    return style


def summary_table(
    district: Region,
    towns: list[tuple[int, Region]],
    figs: dict[str, np.ndarray],
    year: int,
    style: Style,
    overrides: dict[tuple[str, str], object],
    filed: date,
) -> Table:
    """`overrides` maps (town code, column) to what that town reported instead of its figure."""
    rng = random.Random(f"summary/{district.code}/{year}")
    headers = [_HEADER[c] for c in SUMMARY_COLUMNS]
    rows = []
    sums: Counter[str] = Counter()
    for t, town in towns:
        v = {k: int(a[t]) for k, a in figs.items()}
        sums.update(v)
        rates = _rates(v)
        row: list[object] = []
        for c in SUMMARY_COLUMNS:
            if (town.code, c) in overrides:
                value = overrides[(town.code, c)]
                row.append(value if isinstance(value, Raw) else style.percent(value))
            elif c == "region_code":
                row.append(town.code)
            elif c == "region_name":
                row.append(town.name)
            elif c == "period":
                row.append(style.period_cell(year))
            elif c in rates:
                row.append(style.percent(rates[c]))
            else:
                row.append(style.count(v[c]))
        rows.append(row)
    total_rates = _rates(sums)
    total: list[object] = ["合计", None, None]
    for c in SUMMARY_COLUMNS[3:]:
        total.append(style.percent(total_rates[c]) if c in total_rates else Total(sums[c]))
    meta = [f"填报单位：{district.name}总工会    填报日期：{chinese_date(filed)}"]
    return Table(f"{year}年度镇街工会工作汇总表", meta, headers, rows, total, footer(rng, _NOTE))


def _rates(v: Mapping[str, int]) -> dict[str, float]:
    """The summary's rate columns from its counts (as the note under the table defines them)."""
    return {
        "org_rate": _rate(v["unionised_enterprises"], v["enterprises"]),
        "membership_rate": _rate(v["members"], v["employees"]),
        "cba_rate": _rate(v["cba_enterprises"], v["unionised_enterprises"]),
    }
