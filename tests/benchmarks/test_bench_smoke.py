"""The benchmark runs end to end at a tiny scale (a smoke test: no timing is asserted)."""

from __future__ import annotations

import json
import re

import pytest

from benchmarks import measure, report, run, scales


def _row(text: str, name: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith(f"| {name} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def _counts(cells: list[str]) -> tuple[int, int, int, int]:
    found = re.fullmatch(
        r"([\d,]+) read = ([\d,]+) accepted \+ ([\d,]+) quarantined \+ ([\d,]+) skipped", cells[4]
    )
    assert found, cells
    return tuple(int(group.replace(",", "")) for group in found.groups())


def test_benchmark_smoke(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nhand-written notes stay\n", encoding="utf-8")
    argv = ["--scale", "0.002", "--workdir", str(tmp_path / "w"), "--doc", str(doc)]
    assert run.main([*argv, "--queries", "12", "--repeat", "1"]) == 0

    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nhand-written notes stay\n")
    assert text.count(report.BEGIN) == 1 and text.count(report.END) == 1
    for name in report.ROWS:
        assert _row(text, name)[3] == "0", name  # every step exited 0
    full = _counts(_row(text, report.FULL))
    added, changed = _counts(_row(text, report.ADDED)), _counts(_row(text, report.CHANGED))
    for read, accepted, quarantined, skipped in (full, added, changed):
        assert read == accepted + quarantined + skipped
    assert full[2] > 0  # ~1% of rows are spoiled on purpose
    assert _row(text, report.UNCHANGED)[4] == "no run launched: nothing to do"
    assert added[0] > full[0]
    assert changed[0] == added[0] - 1  # the changed file lost one enterprise row
    for target in ("full refresh ≤ 3× floor", "one added file ≤ 15 s", "peak RSS",
                   "dashboard p95"):  # fmt: skip
        assert f"| {target}" in text
    assert "Dashboard: 12 reads through `dashboards.queries`" in text


def test_a_repeated_change_reports_its_median_and_range():
    results = report.Results(data=None)
    results.runs[report.ADDED] = measure.Measurement(12.0, 0, 0, "", "")
    results.attempts[report.ADDED] = [14.5, 12.0, 11.0]
    [row] = [line for line in report.run_rows(results) if line.startswith(f"| {report.ADDED} |")]
    assert "| 12.0 (median of 3: 11.0–14.5) |" in row


def test_report_rewrites_only_its_own_section(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nnotes before\n", encoding="utf-8")
    report.write(doc, f"{report.BEGIN}\nfirst\n{report.END}\n")
    with doc.open("a", encoding="utf-8") as handle:
        handle.write("\nnotes after\n")
    report.write(doc, f"{report.BEGIN}\nsecond\n{report.END}\n")
    assert doc.read_text(encoding="utf-8") == (
        f"# Benchmarks\n\nnotes before\n\n{report.BEGIN}\nsecond\n{report.END}\n\nnotes after\n"
    )


@pytest.mark.spark
def test_the_cost_curve_writes_one_row_per_scale_and_the_json(tmp_path):
    """`--scales` at two tiny scales, the second also on Spark: one table, one JSON."""
    doc, figures = tmp_path / "benchmarks.md", tmp_path / "benchmarks.json"
    doc.write_text(f"# Benchmarks\n\n{report.BEGIN}\nkept\n{report.END}\n", encoding="utf-8")
    argv = ["--scales", "0.002,0.003", "--spark-at", "0.003", "--workdir", str(tmp_path / "w"),
            "--doc", str(doc), "--json", str(figures), "--repeat", "1"]  # fmt: skip
    assert run.main(argv) == 0

    measured = json.loads(figures.read_text(encoding="utf-8"))
    rows = measured["scales"]
    assert [row["scale"] for row in rows] == [0.002, 0.003]
    for row, folder in zip(rows, ("scale-0.002", "scale-0.003"), strict=True):
        generated = json.loads((tmp_path / "w" / folder / "dataset.json").read_text())
        assert row["returns"] == generated["return_rows"]
        assert row["files"] == generated["files"] + 1
        assert 0 < row["nothing_changed_s"] < row["ours_full_s"]
        assert row["floor_s"] > 0 and row["peer_s"] > 0 and row["added_file_s"] > 0
        assert 0 < row["peak_rss_mib"] < 3 * 1024
    assert rows[0]["spark_full_s"] is None and rows[1]["spark_full_s"] > 0
    assert measured["measured_on"].endswith("Z")

    text = doc.read_text(encoding="utf-8")
    assert f"{report.BEGIN}\nkept\n{report.END}" in text  # the other section stays
    assert text.count(scales.BEGIN) == 1 and text.count(scales.END) == 1
    table = [line for line in text.splitlines() if line.startswith(("| 0.002 |", "| 0.003 |"))]
    assert len(table) == 2
    assert table[0].endswith("| – |") and not table[1].endswith("| – |")
    assert "- scale 0.003: " in text
