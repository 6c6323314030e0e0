"""`make bench`: the refresh against a DuckDB floor and a pandas peer, on the same files.

    .venv/bin/python -m benchmarks.run [--scale 1.0] [--workdir DIR [--reuse]]
                                        [--doc docs/benchmarks.md] [--queries 200]
                                        [--repeat 3]

Generates the province (benchmarks.scale_data) into a temporary folder (deleted after,
unless --workdir; --reuse keeps data generated there by an earlier run), then measures
in one run: the floor (benchmarks.floor_duckdb), the peer (benchmarks.peer_pandas), our
refresh from an empty warehouse, again with nothing changed, after one town file is
added and after one is changed (each of these --repeat times, the median reported), and
the dashboard's reads on the published snapshot.
Prints the table and writes it into the measured section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks import measure, report, scale_data
from benchmarks.report import ADDED, CHANGED, CONVERT, FLOOR, FULL, GENERATE, PEER, UNCHANGED

REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-03-31"  # the reporting date the refreshes validate against


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 ≈ 1,000,000 returns/year")
    parser.add_argument("--workdir", type=Path, help="keep data and warehouse here")
    parser.add_argument("--reuse", action="store_true", help="reuse data in --workdir")
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--queries", type=int, default=200, help="dashboard reads to time")
    parser.add_argument(
        "--repeat", type=int, default=3, help="times each small change is refreshed (median)"
    )
    args = parser.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="gonghui-bench-"))
    try:
        results = measure_all(
            work.resolve(), args.scale, args.queries, reuse=args.reuse, repeats=args.repeat
        )
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    command = "python -m benchmarks.run " + shlex.join(argv if argv is not None else sys.argv[1:])
    section = report.render(results, command.strip())
    print(section)
    report.write(args.doc, section)
    failed = [name for name, run in results.runs.items() if run.returncode]
    for name in failed:
        run = results.runs[name]
        print(f"✗ {name} exited {run.returncode}:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    return 1 if failed else 0


def measure_all(
    work: Path, scale: float, queries: int, *, reuse: bool, repeats: int
) -> report.Results:
    progress(f"数据 data: scale {scale:g} → {work}")
    data = scale_data.prepare(work, scale, reuse=reuse)
    results = report.Results(data)
    results.runs[GENERATE] = measure.Measurement(
        data.generate_seconds, data.generate_rss, 0, data.generator, ""
    )
    progress(data.generator)
    conv = work / "floor_csv"
    shutil.rmtree(conv, ignore_errors=True)
    floor = [sys.executable, "-m", "benchmarks.floor_duckdb"]
    timed(results, CONVERT, [*floor, "convert", str(data.raw), str(conv)])
    timed(results, FLOOR, [*floor, "kpi", str(data.raw), str(conv), str(work / "floor.csv")])
    timed(results, PEER, [sys.executable, "-m", "benchmarks.peer_pandas", str(data.raw),
                          str(work / "peer.csv")])  # fmt: skip

    home, warehouse, published = work / "dagster_home", work / "warehouse", work / "published"
    for folder in (home, warehouse, published):
        shutil.rmtree(folder, ignore_errors=True)
    home.mkdir()
    env = {**os.environ, "DAGSTER_HOME": str(home), "GONGHUI_TODAY": TODAY}
    refresh = [sys.executable, "-m", "pipelines", "refresh", "--raw", str(data.raw),
               "--warehouse", str(warehouse / "warehouse.duckdb"), "--publish-dir",
               str(published)]  # fmt: skip
    # Not timed: the dbt manifest is parsed once per checkout (as `make setup` leaves it).
    measure.run([sys.executable, "-c", "import pipelines.definitions"], cwd=REPO, env=env)
    for name in (FULL, UNCHANGED):
        timed(results, name, refresh, env)
        results.steps[name.removeprefix("ours: ")] = step_durations(home)
    for name, change, undo in (
        (ADDED, scale_data.add_held_back, scale_data.remove_held_back),
        (CHANGED, scale_data.change_one, scale_data.unchange_one),
    ):
        attempts = []
        for attempt in range(repeats):
            if attempt:  # back to the state before the change (a refresh, not timed)
                undo(data)
                measure.run(refresh, cwd=REPO, env=env)
            change(data)
            timed(results, name, refresh, env)
            attempts.append((results.runs[name], step_durations(home)))
        # the run of median time stands for the change, with its steps
        attempts.sort(key=lambda attempt: attempt[0].seconds)
        results.runs[name], results.steps[name.removeprefix("ours: ")] = attempts[
            len(attempts) // 2
        ]
        results.attempts[name] = [run.seconds for run, _ in attempts]

    progress("仪表盘 dashboard reads")
    latency = measure.run(
        [sys.executable, "-m", "benchmarks.dashboard_latency", str(published), str(queries)],
        cwd=REPO,
    )
    if latency.returncode:
        raise SystemExit(f"dashboard latency failed:\n{latency.stderr}")
    results.latency = json.loads(latency.stdout.strip().splitlines()[-1])
    return results


def timed(results: report.Results, name: str, command: list[str], env: dict | None = None) -> None:
    progress(f"… {name}")
    run = measure.run(command, cwd=REPO, env=env)
    results.runs[name] = run
    progress(f"  {run.seconds:.1f} s, {run.peak_rss / 2**20:,.0f} MiB, exit {run.returncode}")


def step_durations(home: Path) -> list[tuple[str, float]]:
    """Seconds per Dagster step of the latest run recorded in this DAGSTER_HOME."""
    import dagster as dg

    # the instance's dagster.yaml names its event log storage by DAGSTER_HOME
    os.environ["DAGSTER_HOME"] = str(home)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            return []
        stats = instance.get_run_step_stats(runs[0].run_id)
    ran = [stat for stat in stats if stat.start_time and stat.end_time]  # not skipped
    return [
        (stat.step_key, stat.end_time - stat.start_time)
        for stat in sorted(ran, key=lambda stat: stat.start_time)
    ]


def progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
