"""The peer: the pandas + openpyxl script an analyst would write for 组建率 and 入会率 by town.

Reads every return (CSV in UTF-8 or GBK, XLSX through openpyxl), finds the header row,
keeps the rows with a 12-digit town code and groups by town and year.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pandas as pd

from benchmarks.headers import TOWN_CODE, UNION_YES, locate


def read_sheets(path: Path) -> list[pd.DataFrame]:
    if path.suffix.lower() == ".xlsx":
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=str, engine="openpyxl")
        return list(sheets.values())
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gbk", errors="replace")
    width = max(line.count(",") for line in text.splitlines()[:20]) + 1
    frame = pd.read_csv(
        io.StringIO(text), header=None, dtype=str, names=range(width), keep_default_na=False
    )
    return [frame]


def main(raw: Path, out: Path) -> None:
    parts = []
    for path in sorted((raw / "returns").rglob("*")):
        if path.suffix.lower() not in {".csv", ".xlsx"}:
            continue
        for frame in read_sheets(path):
            found = locate(frame.head(15).fillna("").values.tolist())
            if found is None:
                continue
            start, cols = found
            data = frame.iloc[start:]
            part = pd.DataFrame(
                {
                    "town": data[frame.columns[cols["region_code"]]].astype(str).str.strip(),
                    "period": data[frame.columns[cols["period"]]].astype(str)
                    if "period" in cols
                    else "",
                    "employees": pd.to_numeric(
                        data[frame.columns[cols["employees"]]], errors="coerce"
                    ),
                    "union_form": data[frame.columns[cols["union_form"]]].astype(str).str.strip(),
                    "members": pd.to_numeric(data[frame.columns[cols["members"]]], errors="coerce"),
                }
            )
            parts.append(part[part["town"].str.match(TOWN_CODE.pattern)])
    df = pd.concat(parts, ignore_index=True)
    df["year"] = df["period"].str[:4]
    df["unionised"] = df["union_form"].isin(UNION_YES)
    kpis = df.groupby(["town", "year"]).agg(
        enterprises=("town", "size"),
        unionised=("unionised", "sum"),
        employees=("employees", "sum"),
        members=("members", "sum"),
    )
    kpis["org_rate"] = (100 * kpis["unionised"] / kpis["enterprises"]).round(2)
    kpis["membership_rate"] = (100 * kpis["members"] / kpis["employees"]).round(2)
    kpis.reset_index().to_csv(out, index=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
