"""The benchmark runs end to end at a tiny scale (a smoke test: no timing is asserted)."""

from __future__ import annotations

import re

from benchmarks import measure, report, run


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
    full, unchanged = _counts(_row(text, report.FULL)), _counts(_row(text, report.UNCHANGED))
    added, changed = _counts(_row(text, report.ADDED)), _counts(_row(text, report.CHANGED))
    for read, accepted, quarantined, skipped in (full, unchanged, added, changed):
        assert read == accepted + quarantined + skipped
    assert full[2] > 0  # ~1% of rows are spoiled on purpose
    assert unchanged == full
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
