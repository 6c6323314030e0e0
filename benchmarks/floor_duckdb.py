"""The floor: DuckDB alone reading the returns as CSV and computing town-level rates.

`convert RAW CONV`: XLSX sheets → UTF-8 CSV and GBK CSV → UTF-8 (this DuckDB build reads
only UTF-8/UTF-16/Latin-1 offline; the `encodings` extension would need a download).
Timed separately from the KPI step. UTF-8 files are read in place.
`kpi RAW CONV OUT`: one read_csv per file into one table, then one GROUP BY.
"""

from __future__ import annotations

import csv
import itertools
import sys
from pathlib import Path

import duckdb
import fastexcel

from benchmarks.headers import UNION_YES, locate


def _returns(raw: Path) -> list[Path]:
    return sorted(p for p in (raw / "returns").rglob("*") if p.suffix.lower() in {".csv", ".xlsx"})


def _is_utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def convert(raw: Path, conv: Path) -> None:
    conv.mkdir(parents=True, exist_ok=True)
    for n, path in enumerate(_returns(raw)):
        if path.suffix.lower() == ".xlsx":
            reader = fastexcel.read_excel(str(path))
            for s, name in enumerate(reader.sheet_names):
                frame = reader.load_sheet(name, header_row=None, dtypes="string").to_polars()
                frame.write_csv(conv / f"{n:05d}_{s}.csv", include_header=False)
        elif not _is_utf8(path):
            text = path.read_bytes().decode("gb18030")
            (conv / f"{n:05d}.csv").write_text(text, encoding="utf-8")


def _inputs(raw: Path, conv: Path) -> list[Path]:
    return [p for p in _returns(raw) if p.suffix.lower() == ".csv" and _is_utf8(p)] + sorted(
        conv.glob("*.csv")
    )


def kpi(raw: Path, conv: Path, out: Path) -> None:
    con = duckdb.connect()
    con.sql(
        "create table r (region_code varchar, period varchar, employees varchar,"
        " union_form varchar, members varchar)"
    )
    for path in _inputs(raw, conv):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            top = list(itertools.islice(csv.reader(handle), 15))
        found = locate(top)
        if found is None:
            continue
        skip, cols = found
        width = max(len(row) for row in top)
        columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
        period = f"c{cols['period']}" if "period" in cols else "null"
        con.sql(
            f"insert into r select c{cols['region_code']}, {period}, c{cols['employees']},"
            f" c{cols['union_form']}, c{cols['members']}"
            f" from read_csv(?, header = false, skip = {skip}, columns = {columns},"
            " null_padding = true, ignore_errors = true, quote = '\"')",
            params=[str(path)],
        )
    yes = ", ".join(f"'{v}'" for v in UNION_YES)
    con.sql(
        "select region_code as town, left(period, 4) as year, count(*) as enterprises,"
        f" count(*) filter (where trim(union_form) in ({yes})) as unionised,"
        " sum(try_cast(employees as bigint)) as n_employees,"
        " sum(try_cast(members as bigint)) as n_members,"
        " round(100.0 * unionised / enterprises, 2) as org_rate,"
        " round(100.0 * n_members / nullif(n_employees, 0), 2) as membership_rate"
        " from r where regexp_full_match(trim(region_code), '\\d{12}') group by all order by all"
    ).write_csv(str(out))


if __name__ == "__main__":
    step, *args = sys.argv[1:]
    if step == "convert":
        convert(Path(args[0]), Path(args[1]))
    else:
        kpi(Path(args[0]), Path(args[1]), Path(args[2]))
