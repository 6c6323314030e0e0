"""Choosing which rows of each period the planted mistakes go in.

Without a rate (the committed sample city) every kind of mistake goes in once: the kinds
are dealt out over the periods, each into a different town file that can hold it (some
only exist in CSV). With a rate (scale data) about that share of every town file's rows
is spoiled, each row by a kind that fits it, kinds in turn.
"""

from __future__ import annotations

import random

from . import bad_rows
from .city import City
from .records import PeriodRecords
from .returns import ReturnFormats

# town index -> [(kind, record index)]
Spoiled = dict[int, list[tuple[bad_rows.Kind, int]]]


class Placement:
    """Where each period's mistakes go; one random stream for all periods, in order."""

    def __init__(
        self,
        seed: int,
        city: City,
        years: tuple[int, ...],
        formats: ReturnFormats,
        bad_rate: float | None,
    ):
        self.city = city
        self.formats = formats
        self.bad_rate = bad_rate
        self.rng = random.Random(f"{seed}/plan")
        self.kinds_by_year: dict[int, list[bad_rows.Kind]] = {y: [] for y in years}
        for i, kind in enumerate(bad_rows.KINDS):
            self.kinds_by_year[years[i % len(years)]].append(kind)
        # (year, town index) of the files that got a mistake of their own, so no file gets
        # two and the correction goes elsewhere
        self.spoiled_files: set[tuple[int, int]] = set()
        # reshuffled in place for every kind, so each shuffle starts from the one before
        self.town_order = list(range(len(city.towns)))

    def choose(self, records: PeriodRecords, year: int) -> Spoiled:
        """This period's mistakes; call it once a period, periods in order."""
        if self.bad_rate is None:
            return self._each_kind_once(records, year)
        return {t: self._at_rate(records, t, year) for t in range(len(self.city.towns))}

    def _each_kind_once(self, records: PeriodRecords, year: int) -> Spoiled:
        spoiled: Spoiled = {}
        for kind in self.kinds_by_year[year]:
            self.rng.shuffle(self.town_order)
            for t in self.town_order:
                if (year, t) in self.spoiled_files:
                    continue
                town = self.city.towns[t]
                if kind.csv_only and self._is_xlsx(t, year):
                    continue
                fits = [
                    i
                    for i in records.town_indices(t)
                    if bad_rows.eligible(kind, records.record(i, town, year))
                ]
                if fits:
                    spoiled[t] = [(kind, self.rng.choice(fits))]
                    self.spoiled_files.add((year, t))
                    break
        return spoiled

    def _at_rate(
        self, records: PeriodRecords, t: int, year: int
    ) -> list[tuple[bad_rows.Kind, int]]:
        """About `bad_rate` of a town file's rows, each spoiled by one kind that fits it."""
        town = self.city.towns[t]
        is_xlsx = self._is_xlsx(t, year)
        kinds = [k for k in bad_rows.KINDS if k.reason and not (k.csv_only and is_xlsx)]
        idxs = records.town_indices(t)
        # stochastic rounding keeps the mean rate
        wanted = int(self.bad_rate * len(idxs) + self.rng.random())
        chosen: list[tuple[bad_rows.Kind, int]] = []
        for i in self.rng.sample(idxs, len(idxs)):
            if len(chosen) == wanted:
                break
            rec = records.record(i, town, year)
            fits = [k for k in kinds if bad_rows.eligible(k, rec)]
            if fits:
                chosen.append((fits[len(chosen) % len(fits)], i))
        return chosen

    def _is_xlsx(self, t: int, year: int) -> bool:
        return self.formats.pick(self.city.towns[t].code, year) == "xlsx"
