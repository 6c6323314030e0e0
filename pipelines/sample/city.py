"""The sample city: its regions (city → district → town/street) and the year's targets.

The shipped default is 宁波市 with its eight real districts and real town/street names;
the 12-digit statistical division codes follow the real pattern (district = first 6
digits + 000000, town = first 9 digits + 000; streets 0xx, towns 1xx, townships 2xx)
but the town sequence numbers are assigned here, not copied from the official list.
`build_city(n_towns=...)` adds invented districts for larger (province-scale) runs.
"""

from __future__ import annotations

import csv
import io
import math
import random
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

CITY_CODE = "330200000000"
CITY_NAME = "宁波市"
CITY_SHORT = "宁波"

# district code prefix (6 digits), name, towns/streets
_DISTRICTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "330203",
        "海曙区",
        (
            "南门街道",
            "西门街道",
            "月湖街道",
            "白云街道",
            "段塘街道",
            "望春街道",
            "石碶街道",
            "高桥镇",
            "集士港镇",
            "古林镇",
            "横街镇",
            "龙观乡",
        ),
    ),
    (
        "330205",
        "江北区",
        (
            "中马街道",
            "白沙街道",
            "孔浦街道",
            "文教街道",
            "甬江街道",
            "庄桥街道",
            "洪塘街道",
            "慈城镇",
        ),
    ),
    (
        "330206",
        "北仑区",
        (
            "新碶街道",
            "小港街道",
            "大碶街道",
            "霞浦街道",
            "柴桥街道",
            "戚家山街道",
            "春晓街道",
            "梅山街道",
            "郭巨街道",
            "白峰街道",
        ),
    ),
    (
        "330211",
        "镇海区",
        (
            "招宝山街道",
            "蛟川街道",
            "骆驼街道",
            "庄市街道",
            "贵驷街道",
            "后海塘街道",
            "澥浦镇",
            "九龙湖镇",
        ),
    ),
    (
        "330212",
        "鄞州区",
        (
            "钟公庙街道",
            "下应街道",
            "首南街道",
            "中河街道",
            "福明街道",
            "潘火街道",
            "明楼街道",
            "邱隘镇",
            "五乡镇",
            "姜山镇",
            "云龙镇",
            "横溪镇",
        ),
    ),
    (
        "330213",
        "奉化区",
        (
            "锦屏街道",
            "岳林街道",
            "江口街道",
            "西坞街道",
            "萧王庙街道",
            "方桥街道",
            "尚田街道",
            "莼湖街道",
            "溪口镇",
            "裘村镇",
            "大堰镇",
        ),
    ),
    (
        "330281",
        "余姚市",
        (
            "阳明街道",
            "梨洲街道",
            "凤山街道",
            "兰江街道",
            "低塘街道",
            "朗霞街道",
            "泗门镇",
            "临山镇",
            "马渚镇",
            "陆埠镇",
            "梁弄镇",
        ),
    ),
    (
        "330282",
        "慈溪市",
        (
            "浒山街道",
            "白沙路街道",
            "古塘街道",
            "坎墩街道",
            "宗汉街道",
            "观海卫镇",
            "周巷镇",
            "龙山镇",
            "掌起镇",
            "附海镇",
            "桥头镇",
        ),
    ),
)

# Syllables for invented places (province-scale runs only).
_SYLLABLES = "安宝昌城川丹东峰丰港高广海和河华江金锦康岭龙梅明南宁平浦齐青庆泉瑞山上石双顺塘天田湾西溪霞祥新兴阳洋永玉元云泽长樟竹"

KPI_TARGETS: dict[str, float] = {
    "org_rate": 95,
    "org_rate_25plus": 98,
    "membership_rate": 95,
    "cba_rate": 90,
    "wage_rate": 90,
    "congress_rate_nonpublic": 80,
    "congress_rate_public": 95,
    "legal_person_rate": 80,
    "registration_rate": 80,
    "female_cba_rate": 80,
    "open_affairs_rate": 85,
}
# District-level overrides shipped with the seeds: (district prefix, kpi, target).
DISTRICT_TARGETS: tuple[tuple[str, str, float], ...] = (
    ("330212", "org_rate", 97),  # 鄞州区
    ("330206", "cba_rate", 92),  # 北仑区
    ("330282", "registration_rate", 75),  # 慈溪市
)


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str  # city | district | town
    parent: str  # "" for the city

    @property
    def short(self) -> str:
        """The name without its suffix, as it appears inside enterprise names."""
        for suffix in ("街道", "镇", "乡", "区", "市", "县"):
            if self.name.endswith(suffix) and len(self.name) > len(suffix) + 1:
                return self.name[: -len(suffix)]
        return self.name


@dataclass(frozen=True)
class City:
    city: Region
    districts: tuple[Region, ...]
    towns: tuple[Region, ...]

    @property
    def regions(self) -> tuple[Region, ...]:
        return (self.city, *self.districts, *self.towns)

    def district_of(self, town: Region) -> Region:
        return next(d for d in self.districts if d.code == town.parent)

    @cached_property
    def town_codes(self) -> frozenset[str]:
        return frozenset(t.code for t in self.towns)


def _town_regions(prefix: str, names: tuple[str, ...]) -> list[Region]:
    counters = {"街道": 0, "镇": 100, "乡": 200}
    towns = []
    for name in names:
        kind = "街道" if name.endswith("街道") else ("乡" if name.endswith("乡") else "镇")
        counters[kind] += 1
        towns.append(Region(f"{prefix}{counters[kind]:03d}000", name, "town", f"{prefix}000000"))
    return towns


TOWNS_PER_INVENTED_DISTRICT = 13


def build_city(n_towns: int | None = None, seed: int = 0) -> City:
    """The default city; with `n_towns` beyond its ~80 towns, invented districts are added
    (13 towns each, so a province-sized ~1,000 towns fit; more each when the 75 free district
    codes would not hold `n_towns` so, as for the national benchmark's ~3,000) until there
    are at least that many."""
    city = Region(CITY_CODE, CITY_NAME, "city", "")
    districts: list[Region] = []
    towns: list[Region] = []
    for prefix, name, town_names in _DISTRICTS:
        districts.append(Region(f"{prefix}000000", name, "district", CITY_CODE))
        towns.extend(_town_regions(prefix, town_names))
    if n_towns and n_towns > len(towns):
        rng = random.Random(f"city/{seed}")
        used_names = {d.name for d in districts} | {t.name for t in towns}
        used_prefixes = {d.code[:6] for d in districts}
        free = [f"3302{i:02d}" for i in range(21, 99) if f"3302{i:02d}" not in used_prefixes]
        per_district = max(
            TOWNS_PER_INVENTED_DISTRICT, math.ceil((n_towns - len(towns)) / len(free))
        )
        while len(towns) < n_towns:
            if not free:
                raise ValueError(f"at most {len(towns)} towns fit in one city")
            prefix = free.pop(0)
            dname = _invent(rng, used_names, ("区", "县"))
            districts.append(Region(f"{prefix}000000", dname, "district", CITY_CODE))
            names = tuple(
                _invent(rng, used_names, ("街道", "镇", "镇", "乡")) for _ in range(per_district)
            )
            towns.extend(_town_regions(prefix, names))
    return City(city, tuple(districts), tuple(towns))


def _invent(rng: random.Random, used: set[str], suffixes: tuple[str, ...]) -> str:
    while True:
        name = "".join(rng.sample(_SYLLABLES, 2)) + rng.choice(suffixes)
        if name not in used:
            used.add(name)
            return name


def regions_csv(city: City) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["region_code", "region_name", "region_level", "parent_code"])
    for region in city.regions:
        writer.writerow([region.code, region.name, region.level, region.parent])
    return out.getvalue()


def targets_rows(city: City, years: list[int]) -> list[tuple[int, str, str, float]]:
    rows: list[tuple[int, str, str, float]] = []
    district_codes = {d.code[:6]: d.code for d in city.districts}
    for year in years:
        for kpi, target in KPI_TARGETS.items():
            rows.append((year, city.city.code, kpi, target))
        for prefix, kpi, target in DISTRICT_TARGETS:
            if prefix in district_codes:
                rows.append((year, district_codes[prefix], kpi, target))
    return rows


def targets_csv(city: City, years: list[int]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["year", "region_code", "kpi", "target"])
    for year, code, kpi, target in targets_rows(city, years):
        writer.writerow([year, code, kpi, _num(target)])
    return out.getvalue()


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def write_seeds(city: City, years: list[int], seeds_dir: Path) -> list[Path]:
    seeds_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (
        ("regions.csv", regions_csv(city)),
        ("targets.csv", targets_csv(city, years)),
    ):
        path = seeds_dir / name
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written
