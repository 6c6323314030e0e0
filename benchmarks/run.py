"""`make bench`: the refresh against a DuckDB floor and a pandas peer, on the same files.

    .venv/bin/python -m benchmarks.run [--scale 1.0] [--workdir DIR [--reuse]]
                                        [--doc docs/benchmarks.md] [--queries 200]
                                        [--repeat 3]
    .venv/bin/python -m benchmarks.run --scales [city,0.1,1,3] [--spark-at 1]
                                        [--json docs/benchmarks.json] [--workdir DIR [--reuse]]

Generates the province (benchmarks.scale_data) into a temporary folder (deleted after,
unless --workdir; --reuse keeps data generated there by an earlier run), then measures
in one run: the floor (benchmarks.floor_duckdb), the peer (benchmarks.peer_pandas), our
refresh from an empty warehouse, again with nothing changed, after one town file is
added and after one is changed (each of these --repeat times, the median reported), and
the dashboard's reads on the published snapshot.
Prints the table and writes it into the measured section of docs/benchmarks.md.

`--scales` measures the cost curve instead (benchmarks.scales): for the committed sample
city ("city") and each generated scale, one after the other, the floor, the peer, our full
refresh, nothing changed and one added file, and at `--spark-at` a full refresh on local
Spark too; one table into docs/benchmarks.md, the same figures into docs/benchmarks.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks import measure, report, scale_data, scales
from benchmarks.report import ADDED, CHANGED, CONVERT, FLOOR, FULL, GENERATE, PEER, UNCHANGED

REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-03-31"  # the reporting date the refreshes validate against


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 ≈ 1,000,000 returns/year")
    parser.add_argument(
        "--scales", nargs="?", const=",".join(scales.SCALES), metavar="LIST",
        help=f"the cost curve over these scales (default {','.join(scales.SCALES)})",
    )  # fmt: skip
    parser.add_argument("--spark-at", default="1", help="--scales: the scale timed on Spark too")
    parser.add_argument("--workdir", type=Path, help="keep data and warehouse here")
    parser.add_argument("--reuse", action="store_true", help="reuse data in --workdir")
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--json", type=Path, default=REPO / "docs" / "benchmarks.json")
    parser.add_argument("--queries", type=int, default=200, help="dashboard reads to time")
    parser.add_argument(
        "--repeat", type=int, default=3, help="times each small change is refreshed (median)"
    )
    args = parser.parse_args(argv)
    command = "python -m benchmarks.run " + shlex.join(argv if argv is not None else sys.argv[1:])
    work = args.workdir or Path(tempfile.mkdtemp(prefix="gonghui-bench-"))
    try:
        if args.scales:
            return cost_curve(work.resolve(), args, command.strip())
        results = measure_all(
            work.resolve(), args.scale, args.queries, reuse=args.reuse, repeats=args.repeat
        )
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    section = report.render(results, command.strip())
    print(section)
    report.write(args.doc, section)
    return report_failures(results.runs)


def report_failures(runs: dict[str, measure.Measurement]) -> int:
    """Print each run that exited non-zero, with the end of its output: 1 if any did."""
    failed = [name for name, run in runs.items() if run.returncode]
    for name in failed:
        run = runs[name]
        print(f"✗ {name} exited {run.returncode}:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    return 1 if failed else 0


def cost_curve(work: Path, args: argparse.Namespace, command: str) -> int:
    """Each scale of --scales in turn, in its own folder under `work`; the table and JSON."""
    figures, runs = [], {}
    for label in args.scales.split(","):
        folder = work / ("city" if label == scales.CITY else f"scale-{label}")
        progress(f"数据 data: {label} → {folder}")
        if label == scales.CITY:
            data = scale_data.prepare_city(folder)
        else:
            data = scale_data.prepare(folder, float(label), reuse=args.reuse)
        results = report.Results(data)
        measure_floor_and_peer(results, folder)
        measure_refreshes(results, folder, args.repeat, changes=(ADDED,))
        spark = None
        if label == args.spark_at:
            *_, env, refresh = refresh_command(folder, data.raw, engine="spark")
            progress("… ours on Spark (local): full refresh, empty warehouse")
            spark = measure.run(refresh, cwd=REPO, env=env)
            progress(f"  {spark.seconds:.1f} s, {spark.peak_rss / 2**20:,.0f} MiB")
            results.runs[f"{label}: ours on Spark: full refresh"] = spark
        runs |= {f"{label}: {name}": run for name, run in results.runs.items()}
        figures.append(scales.ScaleFigures.of(label, results, spark))
    section = scales.render(figures, command, report.machine())
    print(section)
    report.write(args.doc, section, scales.BEGIN, scales.END)
    scales.write_json(args.json, figures, command, report.machine())
    return report_failures(runs)


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
    measure_floor_and_peer(results, work)
    published = measure_refreshes(results, work, repeats, changes=(ADDED, CHANGED))
    progress("仪表盘 dashboard reads")
    latency = measure.run(
        [sys.executable, "-m", "benchmarks.dashboard_latency", str(published), str(queries)],
        cwd=REPO,
    )
    if latency.returncode:
        raise SystemExit(f"dashboard latency failed:\n{latency.stderr}")
    results.latency = json.loads(latency.stdout.strip().splitlines()[-1])
    return results


def measure_floor_and_peer(results: report.Results, work: Path) -> None:
    """The floor (conversion, then DuckDB) and the pandas peer, on results.data's files."""
    raw = results.data.raw
    conv = work / "floor_csv"
    shutil.rmtree(conv, ignore_errors=True)
    floor = [sys.executable, "-m", "benchmarks.floor_duckdb"]
    timed(results, CONVERT, [*floor, "convert", str(raw), str(conv)])
    timed(results, FLOOR, [*floor, "kpi", str(raw), str(conv), str(work / "floor.csv")])
    timed(results, PEER, [sys.executable, "-m", "benchmarks.peer_pandas", str(raw),
                          str(work / "peer.csv")])  # fmt: skip


def measure_refreshes(
    results: report.Results, work: Path, repeats: int, changes: tuple[str, ...]
) -> Path:
    """Our refresh from an empty warehouse, with nothing changed, then after each of
    `changes` (ADDED, CHANGED) `repeats` times, the median kept. Returns the publish folder."""
    data = results.data
    home, published, env, refresh = refresh_command(work, data.raw)
    for name in (FULL, UNCHANGED):
        runs = recorded_runs(home)
        timed(results, name, refresh, env)
        results.steps[name.removeprefix("ours: ")] = step_durations(home, runs)
    for name, change, undo in (
        (ADDED, scale_data.add_held_back, scale_data.remove_held_back),
        (CHANGED, scale_data.change_one, scale_data.unchange_one),
    ):
        if name not in changes:
            continue
        attempts = []
        for attempt in range(repeats):
            if attempt:  # back to the state before the change (a refresh, not timed)
                undo(data)
                measure.run(refresh, cwd=REPO, env=env)
            change(data)
            runs = recorded_runs(home)
            timed(results, name, refresh, env)
            attempts.append((results.runs[name], step_durations(home, runs)))
        # the run of median time stands for the change, with its steps
        attempts.sort(key=lambda attempt: attempt[0].seconds)
        results.runs[name], results.steps[name.removeprefix("ours: ")] = attempts[
            len(attempts) // 2
        ]
        results.attempts[name] = [run.seconds for run, _ in attempts]
    return published


def refresh_command(
    work: Path, raw: Path, engine: str = "duckdb"
) -> tuple[Path, Path, dict[str, str], list[str]]:
    """A refresh of raw/ into fresh folders under `work` (Dagster home, warehouse, snapshots
    and, on Spark, Spark's tables): (home, publish folder, environment, command). The dbt
    manifest is parsed for it here, not timed: a deployment parses it once for its paths
    (the first refresh would otherwise pay 5-8 s that no later one does)."""
    prefix = "" if engine == "duckdb" else f"{engine}_"
    home, warehouse, published = (
        work / f"{prefix}{name}" for name in ("dagster_home", "warehouse", "published")
    )
    spark = work / f"{prefix}spark"
    for folder in (home, warehouse, published, spark):
        shutil.rmtree(folder, ignore_errors=True)
    home.mkdir()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "GONGHUI_TODAY": TODAY,
        "GONGHUI_ENGINE": engine,
        # as the CLI sets it from --warehouse: the profile the manifest is parsed for
        "GONGHUI_WAREHOUSE": str(warehouse / "warehouse.duckdb"),
    }
    if engine == "spark":
        env["GONGHUI_SPARK_DIR"] = str(spark)
    measure.run([sys.executable, "-c", "import pipelines.definitions"], cwd=REPO, env=env)
    refresh = [sys.executable, "-m", "pipelines", "refresh", "--raw", str(raw),
               "--warehouse", env["GONGHUI_WAREHOUSE"], "--publish-dir",
               str(published)]  # fmt: skip
    return home, published, env, refresh


def timed(results: report.Results, name: str, command: list[str], env: dict | None = None) -> None:
    progress(f"… {name}")
    run = measure.run(command, cwd=REPO, env=env)
    results.runs[name] = run
    progress(f"  {run.seconds:.1f} s, {run.peak_rss / 2**20:,.0f} MiB, exit {run.returncode}")


def recorded_runs(home: Path) -> int:
    """How many runs this DAGSTER_HOME has recorded."""
    with instance_at(home) as instance:
        return instance.get_runs_count()


def step_durations(home: Path, runs_before: int) -> list[tuple[str, float]]:
    """Seconds per Dagster step of the latest run recorded in this DAGSTER_HOME; none when
    no run was recorded since `runs_before` (a refresh with nothing to do launches none)."""
    with instance_at(home) as instance:
        if instance.get_runs_count() == runs_before:
            return []
        stats = instance.get_run_step_stats(instance.get_runs(limit=1)[0].run_id)
    ran = [stat for stat in stats if stat.start_time and stat.end_time]  # not skipped
    return [
        (stat.step_key, stat.end_time - stat.start_time)
        for stat in sorted(ran, key=lambda stat: stat.start_time)
    ]


@contextlib.contextmanager
def instance_at(home: Path):
    import dagster as dg

    # the instance's dagster.yaml names its event log storage by DAGSTER_HOME
    os.environ["DAGSTER_HOME"] = str(home)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield instance


def progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
