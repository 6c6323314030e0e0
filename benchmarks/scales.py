"""The cost curve: one row per scale a federation has, from one `--scales` run.

`python -m benchmarks.run --scales` measures the committed sample city and generated
provinces of scale 0.1, 1 and 3 one after the other (benchmarks.run), and this module turns
each scale's results into the row of the table in docs/benchmarks.md (between its own
markers) and into docs/benchmarks.json.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks import report
from benchmarks.measure import Measurement
from benchmarks.report import (
    ADDED,
    ADDED_SECONDS,
    CONVERT,
    FLOOR,
    FLOOR_RATIO,
    FULL,
    GIB,
    NOTHING_SECONDS,
    PEAK_BYTES,
    PEER,
    UNCHANGED,
)

CITY = "city"
SCALES = (CITY, "0.1", "1", "3")
BEGIN = "<!-- measured by benchmarks/run.py --scales: begin -->"
END = "<!-- measured by benchmarks/run.py --scales: end -->"
MIB = 2**20


@dataclass
class ScaleFigures:
    """One scale's figures, named as docs/benchmarks.json names them."""

    scale: str | float  # "city", or the generated province's scale (0.1, 1, 3)
    returns: int
    files: int
    floor_s: float  # the DuckDB floor, its XLSX/GBK conversion included
    peer_s: float
    ours_full_s: float
    nothing_changed_s: float
    added_file_s: float
    peak_rss_mib: int  # of our refreshes (full, nothing changed, added), the whole tree
    spark_full_s: float | None  # a full refresh on local Spark; measured at one scale only
    spark_peak_rss_mib: int | None

    @classmethod
    def of(cls, label: str, results: report.Results, spark: Measurement | None) -> ScaleFigures:
        ours = (FULL, UNCHANGED, ADDED)
        return cls(
            scale=label if label == CITY else float(label),
            returns=results.data.return_rows,
            files=results.data.files + 1,  # and the held-back file of the 'added' run
            floor_s=round(results.seconds(FLOOR) + results.seconds(CONVERT), 1),
            peer_s=round(results.seconds(PEER), 1),
            ours_full_s=round(results.seconds(FULL), 1),
            nothing_changed_s=round(results.seconds(UNCHANGED), 2),
            added_file_s=round(results.seconds(ADDED), 1),
            peak_rss_mib=round(max(results.runs[name].peak_rss for name in ours) / MIB),
            spark_full_s=round(spark.seconds, 1) if spark else None,
            spark_peak_rss_mib=round(spark.peak_rss / MIB) if spark else None,
        )

    def misses(self) -> list[str]:
        """The targets this scale misses, each with by how much."""
        missed = []
        if self.ours_full_s > FLOOR_RATIO * self.floor_s:
            missed.append(
                f"full refresh {self.ours_full_s / self.floor_s:.2f}× the floor"
                f" (target ≤ {FLOOR_RATIO:g}×)"
            )
        if self.ours_full_s >= self.peer_s:
            missed.append(
                f"full refresh {self.ours_full_s - self.peer_s:.1f} s slower than the peer"
            )
        if self.nothing_changed_s > NOTHING_SECONDS:
            missed.append(
                f"nothing changed {self.nothing_changed_s:.1f} s (target ≤ {NOTHING_SECONDS:g} s)"
            )
        if self.added_file_s > ADDED_SECONDS:
            missed.append(
                f"one added file {self.added_file_s:.1f} s (target ≤ {ADDED_SECONDS:g} s)"
            )
        if self.peak_rss_mib * MIB > PEAK_BYTES:
            missed.append(f"peak RSS {self.peak_rss_mib:,} MiB (target ≤ {PEAK_BYTES // MIB:,})")
        return missed


def render(figures: list[ScaleFigures], command: str, machine: str) -> str:
    lines = [
        BEGIN,
        f"Measured by `{command}` on {time.strftime('%Y-%m-%d %H:%M %Z')}; {machine}.",
        "",
        "| scale | returns | files | floor s | peer s | ours full s | ours/floor | peer/ours"
        " | nothing changed s | one added file s | peak RSS MiB | Spark local full s (peak MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in figures:
        spark = (
            f"{row.spark_full_s:.1f} ({row.spark_peak_rss_mib:,})"
            if row.spark_full_s is not None
            else "–"
        )
        label = "the committed sample city" if row.scale == CITY else f"{row.scale:g}"
        lines.append(
            f"| {label} | {row.returns:,} | {row.files:,} | {row.floor_s:.1f} | {row.peer_s:.1f}"
            f" | {row.ours_full_s:.1f} | {row.ours_full_s / row.floor_s:.2f}×"
            f" | {row.peer_s / row.ours_full_s:.2f}× | {row.nothing_changed_s:.2f}"
            f" | {row.added_file_s:.1f} | {row.peak_rss_mib:,} | {spark} |"
        )
    lines += ["", f"Targets missed (full ≤ {FLOOR_RATIO:g}× floor and faster than the peer,"
              f" nothing changed ≤ {NOTHING_SECONDS:g} s, one added file ≤ {ADDED_SECONDS:g} s,"
              f" peak RSS ≤ {PEAK_BYTES / GIB:g} GiB):", ""]  # fmt: skip
    for row in figures:
        label = "the committed sample city" if row.scale == CITY else f"scale {row.scale:g}"
        missed = row.misses()
        lines.append(f"- {label}: {'; '.join(missed) if missed else 'none'}")
    lines.append(END)
    return "\n".join(lines) + "\n"


def write_json(path: Path, figures: list[ScaleFigures], command: str, machine: str) -> None:
    document = {
        "measured_on": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine,
        "command": command,
        "scales": [asdict(row) for row in figures],
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
