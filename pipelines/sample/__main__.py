"""`python -m pipelines.sample`: write the sample raw/ files and the dbt seeds."""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from pipelines.settings import REPO_ROOT

from . import DEFAULT_SEED, YEARS, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.sample",
        description="生成样例数据 / generate the deterministic sample city (raw/ + dbt seeds)",
    )
    parser.add_argument(
        "--out", type=Path, default=REPO_ROOT / "raw", help="raw directory (default: raw/)"
    )
    parser.add_argument(
        "--seeds-dir",
        type=Path,
        default=REPO_ROOT / "dbt_project" / "seeds",
        help="where regions.csv and targets.csv go",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 ≈ 5,000 enterprises")
    parser.add_argument(
        "--towns", type=int, default=None, help="at least this many towns (adds invented districts)"
    )
    parser.add_argument("--years", type=int, nargs="+", default=list(YEARS), help="reporting years")
    parser.add_argument(
        "--bad-rate",
        type=float,
        default=None,
        help="spoil about this share of every return file's rows (e.g. 0.01); default: each kind once",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace feed folders not written by this tool"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    manifest = generate(
        args.out,
        args.seeds_dir,
        seed=args.seed,
        scale=args.scale,
        towns=args.towns,
        years=tuple(args.years),
        overwrite=args.overwrite,
        bad_rate=args.bad_rate,
    )
    by_feed = Counter(e.feed for e in manifest.files)
    rows = Counter()
    for e in manifest.files:
        rows[e.feed] += e.rows
    print(
        f"wrote {len(manifest.files)} files to {args.out} "
        + ", ".join(
            f"{feed}: {n} files / {rows[feed]:,} rows" for feed, n in sorted(by_feed.items())
        )
        + f"; planted {sum(1 for p in manifest.planted if p.kind.reason)} bad rows"
        + f" in {time.perf_counter() - started:.1f}s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
