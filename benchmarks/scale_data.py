"""The benchmark's province: generated raw/ files, one town file held back, one to change.

Scale 1.0 is a province-year of ~1,000,000 enterprise returns in ~1,000 town files
(CSV UTF-8/GBK and XLSX as the sample generator mixes them, ~1% bad rows), plus a second
year. Generated regions that the shipped seeds do not know go into raw/reference, the
override users have for their own regions, so dbt_project/seeds stays untouched.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks import measure

REPO = Path(__file__).resolve().parent.parent
YEARS = ("2024", "2025")
BAD_RATE = 0.01
GENERATOR_SCALE_AT_1 = 200  # pipelines.sample --scale: 1.0 there is 5,000 enterprises
REGIONS_FILE = "基准测试_区划扩展.csv"
TARGETS_FILE = "基准测试_目标扩展.csv"


@dataclass
class DataSet:
    work: str
    scale: float
    generator: str  # the generator's summary line
    generate_seconds: float
    generate_rss: int
    held_back: str  # raw-relative path of the town file added in the 'added' run
    changed: str  # raw-relative path of the file edited for the 'changed' run
    regions_added: int
    files: int
    csv: int
    gbk: int
    xlsx: int
    bytes: int
    return_rows: int
    bad_rows: int

    @property
    def raw(self) -> Path:
        return Path(self.work) / "raw"

    def save(self) -> None:
        (Path(self.work) / "dataset.json").write_text(json.dumps(asdict(self), indent=1))


def prepare(work: Path, scale: float, *, reuse: bool) -> DataSet:
    """Generate the data into `work` (or reuse what an earlier run left there), with the
    held-back file out of raw/ and the file to change in its original state."""
    saved = work / "dataset.json"
    if reuse and saved.exists():
        data = DataSet(**json.loads(saved.read_text()))
        if data.scale == scale:
            _restore(data)
            return data
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    return _generate(work, scale)


def _generate(work: Path, scale: float) -> DataSet:
    towns = max(1, round(1000 * scale))
    generator_scale = GENERATOR_SCALE_AT_1 * scale
    command = [
        sys.executable, "-m", "pipelines.sample", "--out", str(work / "raw"),
        "--seeds-dir", str(work / "seeds"), "--scale", f"{generator_scale:g}",
        "--towns", str(towns), "--years", *YEARS, "--bad-rate", str(BAD_RATE),
    ]  # fmt: skip
    run = measure.run(command, cwd=REPO)
    if run.returncode:
        raise SystemExit(f"generator failed:\n{run.stderr}")
    line = run.stdout.strip().splitlines()[-1]
    raw = work / "raw"
    # The last-year CSV files: the last is held back to be added, the first is changed.
    last_year = sorted((raw / "returns" / YEARS[-1]).glob("*.csv"))
    held, changed = last_year[-1], last_year[0]
    pristine = work / "pristine"
    pristine.mkdir()
    shutil.copy2(changed, pristine / changed.name)
    shutil.move(held, pristine / held.name)
    data = DataSet(
        work=str(work),
        scale=scale,
        generator=line,
        generate_seconds=run.seconds,
        generate_rss=run.peak_rss,
        held_back=held.relative_to(raw).as_posix(),
        changed=changed.relative_to(raw).as_posix(),
        regions_added=_extend_reference(work),
        return_rows=int(_figure(r"returns: \d+ files / ([\d,]+) rows", line)),
        bad_rows=int(_figure(r"planted (\d+) bad rows", line)),
        **_size(raw),
    )
    data.save()
    return data


def _figure(pattern: str, line: str) -> str:
    return re.search(pattern, line).group(1).replace(",", "")


def _restore(data: DataSet) -> None:
    pristine = Path(data.work) / "pristine"
    held, changed = data.raw / data.held_back, data.raw / data.changed
    held.unlink(missing_ok=True)
    shutil.copy2(pristine / changed.name, changed)


def remove_held_back(data: DataSet) -> None:
    """Take the held-back town file out of raw/ again."""
    (data.raw / data.held_back).unlink(missing_ok=True)


def unchange_one(data: DataSet) -> None:
    """Put the changed file back as it was generated (a new mtime: it is a new save)."""
    path = data.raw / data.changed
    shutil.copyfile(Path(data.work) / "pristine" / path.name, path)


def add_held_back(data: DataSet) -> Path:
    """Put the held-back town file into raw/ (a new return arrives)."""
    target = data.raw / data.held_back
    shutil.copy2(Path(data.work) / "pristine" / target.name, target)
    os.utime(target)
    return target


def change_one(data: DataSet) -> Path:
    """A town resends its file with one enterprise row deleted (same encoding)."""
    path = data.raw / data.changed
    raw = path.read_bytes()
    try:
        text, encoding = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = raw.decode("gb18030"), "gb18030"
    lines = text.splitlines(keepends=True)
    with_code = [i for i, line in enumerate(lines) if re.search(r"\b\d{12}\b", line)]
    del lines[with_code[len(with_code) // 2]]
    path.write_bytes("".join(lines).encode(encoding))
    os.utime(path, (time.time() + 1, time.time() + 1))
    return path


def _extend_reference(work: Path) -> int:
    """Generated regions (and their targets) missing from the shipped seeds → raw/reference."""
    shipped = REPO / "dbt_project" / "seeds"
    known = {row["region_code"] for row in _rows(shipped / "regions.csv")}
    new = [row for row in _rows(work / "seeds" / "regions.csv") if row["region_code"] not in known]
    have = {(r["year"], r["region_code"], r["kpi"]) for r in _rows(shipped / "targets.csv")}
    targets = [
        row
        for row in _rows(work / "seeds" / "targets.csv")
        if (row["year"], row["region_code"], row["kpi"]) not in have
    ]
    reference = work / "raw" / "reference"
    reference.mkdir(parents=True, exist_ok=True)
    _write(
        reference / REGIONS_FILE,
        ["区划代码", "区划名称", "层级", "上级区划代码"],
        [[r["region_code"], r["region_name"], r["region_level"], r["parent_code"]] for r in new],
    )
    if targets:
        _write(
            reference / TARGETS_FILE,
            ["年度", "区划代码", "指标代码", "目标值"],
            [[r["year"], r["region_code"], r["kpi"], r["target"]] for r in targets],
        )
    return len(new)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _size(raw: Path) -> dict[str, int]:
    files = [p for p in (raw / "returns").rglob("*") if p.is_file()]
    csvs = [p for p in files if p.suffix.lower() == ".csv"]
    return {
        "files": len(files),
        "csv": len(csvs),
        "gbk": sum(1 for p in csvs if not _is_utf8(p)),
        "xlsx": sum(1 for p in files if p.suffix.lower() == ".xlsx"),
        "bytes": sum(p.stat().st_size for p in files),
    }


def _is_utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
