"""A realistic, deterministic sample of what a municipal federation receives: raw/ + seeds.

`generate()` builds the sample city (city.py), evolves its enterprises over the periods
(enterprises.py) and, period by period, chooses where the deliberate mistakes go
(placement.py, bad_rows.py) and writes one return per town (returns.py, laid out by
layouts.py) and one summary per district with two misreports (summaries.py); then the
correction file (correction.py), the reference overrides (reference.py), the made-up
boundaries of districts and towns for the dashboard's map (boundaries.py) and the bilingual
manifest raw/README.md (manifest.py). Same seed and scale → byte-identical files and
identical mtimes. Files are written one at a time, so a province-scale run
(`--scale 200 --towns 1000 --bad-rate 0.01`: ~1,000,000 returns a year in ~1,000 town
files, ~1% of rows spoiled) never holds more than one file's rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .boundaries import write_boundaries
from .city import build_city, write_seeds
from .correction import write_correction
from .enterprises import Population
from .manifest import Manifest, prepare_out, set_mtimes, write_readme
from .placement import Placement
from .records import PeriodRecords
from .reference import write_reference
from .returns import ReturnFormats, write_town_return
from .summaries import write_summaries

YEARS = (2023, 2024, 2025)
DEFAULT_SEED = 20250101
ENTERPRISES_AT_SCALE_1 = 5000


def generate(
    out: Path,
    seeds_dir: Path,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    towns: int | None = None,
    years: tuple[int, ...] = YEARS,
    overwrite: bool = False,
    bad_rate: float | None = None,
) -> Manifest:
    """Write the sample raw/ files and seeds.

    Without `bad_rate` every kind of mistake is planted once (the committed sample city);
    with it, about that share of each town file's rows is spoiled, kinds in turn (scale data).
    """
    out, seeds_dir = Path(out), Path(seeds_dir)
    prepare_out(out, overwrite)
    city = build_city(towns, seed)
    write_seeds(city, list(years), seeds_dir)
    manifest = Manifest(seed, scale, out, city, years)
    n0 = max(2 * len(city.towns), round(ENTERPRISES_AT_SCALE_1 * scale))
    population = Population(city, np.random.default_rng(seed), n0)
    formats = ReturnFormats(seed, city)
    placement = Placement(seed, city, years, formats, bad_rate)

    for y_i, year in enumerate(years):
        first, last = y_i == 0, y_i == len(years) - 1
        snap = population.advance(year)
        manifest.enterprises[year] = len(snap)
        records = PeriodRecords(snap, city)
        spoiled = placement.choose(records, year)
        for t, town in enumerate(city.towns):
            fmt = formats.pick(town.code, year)
            write_town_return(manifest, records, t, year, fmt, spoiled.get(t, []))
        write_summaries(manifest, snap, year, first=first, last=last)
        if last:
            write_correction(manifest, records, year, placement.spoiled_files)
    write_reference(manifest, years[-1])
    write_boundaries(manifest)
    set_mtimes(manifest)
    write_readme(manifest)
    return manifest
