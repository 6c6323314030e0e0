"""Reference files that override the dbt seeds: adjusted targets and a renamed town.

The federation sends the targets it adjusted during the last period (two district KPIs),
and the civil-affairs office renames one town (the same code, now a street).
"""

from __future__ import annotations

from .city import targets_rows
from .layouts import Style, Table, write_table
from .manifest import FileEntry, Manifest


def write_reference(manifest: Manifest, year: int) -> None:
    _write_adjusted_targets(manifest, year)
    _write_renamed_town(manifest)


def _write_adjusted_targets(manifest: Manifest, year: int) -> None:
    city = manifest.city
    by_prefix = {d.code[:6]: d for d in city.districts}
    seeded = {
        (code, kpi): target for y, code, kpi, target in targets_rows(city, [year]) if y == year
    }
    rows = []
    d = by_prefix.get("330212", city.districts[0])  # 鄞州区
    rows.append((year, d.code, "org_rate", 98))
    d2 = by_prefix.get("330282", city.districts[-1])  # 慈溪市
    rows.append((year, d2.code, "wage_rate", 92))
    style = Style(fmt="xlsx", sheet="目标任务")
    headers = ["年度", "区划代码", "指标代码", "目标值"]
    table = Table(
        f"{year}年度工会工作目标任务（调整）",
        ["下达单位：宁波市总工会"],
        headers,
        [[y, code, kpi, target] for y, code, kpi, target in rows],
        None,
        ["备注：未列出的指标按市总工会年初下达的目标执行。"],
    )
    path = manifest.out / "reference" / f"{year}年度目标任务调整.xlsx"
    write_table(path, style, table)
    manifest.files.append(FileEntry(path, "reference", "xlsx", len(rows)))
    names = {r.code: r.name for r in city.regions}
    for y, code, kpi, target in rows:
        # a district without a seeded target of its own had the city's
        before = seeded.get((code, kpi), seeded.get((city.city.code, kpi)))
        manifest.reference.append(f"{y} {names[code]}（{code}）{kpi}: {before} → {target}")


def _write_renamed_town(manifest: Manifest) -> None:
    city = manifest.city
    town = next((tw for tw in city.towns if tw.name == "慈城镇"), city.towns[0])
    new_name = town.short + "街道"
    style = Style(fmt="csv-gbk", sheet="")
    table = Table(
        "区划调整（更名）",
        [],
        ["区划代码", "区划名称", "层级", "上级区划代码"],
        [[town.code, new_name, "街道", town.parent]],
    )
    path = manifest.out / "reference" / "区划调整_更名.csv"
    write_table(path, style, table)
    manifest.files.append(FileEntry(path, "reference", "csv-gbk", 1))
    manifest.reference.append(f"{town.code} {town.name} → {new_name}")
