"""The enterprise population of the sample city and how it evolves period by period.

Everything is held as numpy arrays (one entry per enterprise ever seen; the arrays only
grow, so an index is stable across periods) and drawn from one seeded numpy Generator,
so a province-scale run (hundreds of thousands of enterprises) stays a few seconds of
array arithmetic. `Population.snapshot()` gives the figures one period's returns report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from pipelines.ingest.uscc import ALPHABET, WEIGHTS

from .city import CITY_SHORT, City

OWNERSHIPS = ("私营", "国有", "集体", "港澳台", "外商投资", "其他")
OWNERSHIP_P = np.array([0.75, 0.05, 0.03, 0.05, 0.07, 0.05])
PUBLIC = np.array([False, True, True, False, False, False])

UNION_FORMS = ("未建会", "单独建会", "联合建会")  # index 0 none, 1 single, 2 joint
NONE, SINGLE, JOINT = 0, 1, 2

# GB/T 4754-2017 sections: letter, weight, female share, migrant share,
# divisions [(2-digit code, weight, name words)].
SECTIONS: tuple[
    tuple[str, float, float, float, tuple[tuple[int, float, tuple[str, ...]], ...]], ...
] = (
    (
        "C",
        0.46,
        0.38,
        0.62,
        (
            (34, 0.18, ("机械", "液压", "轴承", "通用设备")),
            (38, 0.16, ("电器", "电机", "电气", "照明电器")),
            (35, 0.10, ("模具", "机械设备", "智能装备")),
            (33, 0.12, ("五金", "金属制品", "紧固件")),
            (29, 0.12, ("塑料制品", "塑胶", "橡胶制品")),
            (18, 0.08, ("服饰", "服装", "制衣")),
            (17, 0.06, ("纺织", "针织")),
            (26, 0.05, ("化工", "新材料")),
            (36, 0.07, ("汽车零部件", "汽配")),
            (39, 0.06, ("电子", "光电", "电子科技")),
        ),
    ),
    (
        "F",
        0.15,
        0.55,
        0.30,
        (
            (51, 0.75, ("贸易", "商贸", "进出口", "供应链管理")),
            (52, 0.25, ("超市", "商业", "百货")),
        ),
    ),
    (
        "E",
        0.07,
        0.18,
        0.70,
        (
            (47, 0.4, ("建设", "建筑工程")),
            (49, 0.3, ("安装工程", "机电安装")),
            (50, 0.3, ("装饰工程", "建筑装饰")),
        ),
    ),
    (
        "G",
        0.06,
        0.25,
        0.55,
        (
            (54, 0.4, ("运输", "货运")),
            (58, 0.3, ("物流", "国际货运代理")),
            (59, 0.3, ("仓储", "港口物流")),
        ),
    ),
    ("H", 0.04, 0.58, 0.60, ((61, 0.4, ("酒店管理", "宾馆")), (62, 0.6, ("餐饮管理", "餐饮")))),
    ("I", 0.04, 0.35, 0.15, ((64, 0.4, ("网络科技", "信息技术")), (65, 0.6, ("软件", "数字科技")))),
    (
        "L",
        0.04,
        0.48,
        0.30,
        ((71, 0.2, ("租赁",)), (72, 0.8, ("人力资源", "企业管理", "商务咨询"))),
    ),
    ("M", 0.04, 0.40, 0.20, ((74, 0.6, ("检测技术", "工程设计")), (75, 0.4, ("科技", "技术服务")))),
    ("K", 0.03, 0.50, 0.35, ((70, 1.0, ("房地产开发", "物业管理", "物业服务")),)),
    ("O", 0.02, 0.50, 0.55, ((80, 0.5, ("家政服务",)), (81, 0.5, ("汽车维修", "汽车服务")))),
    ("N", 0.015, 0.35, 0.50, ((77, 0.5, ("环境工程", "环保科技")), (78, 0.5, ("园林绿化",)))),
    ("Q", 0.01, 0.72, 0.20, ((84, 1.0, ("医院", "护理院", "门诊部")),)),
    ("R", 0.01, 0.50, 0.20, ((86, 0.5, ("文化传媒",)), (89, 0.5, ("体育发展",)))),
    ("J", 0.01, 0.55, 0.05, ((66, 0.5, ("小额贷款",)), (68, 0.5, ("保险代理",)))),
    ("D", 0.01, 0.25, 0.10, ((44, 1.0, ("热电", "新能源")),)),
    ("A", 0.005, 0.40, 0.70, ((1, 0.6, ("农业发展", "果蔬专业合作社")), (4, 0.4, ("水产养殖",)))),
)
SECTION_LETTERS = tuple(s[0] for s in SECTIONS)

_TRADE_CHARS = (
    "华鑫恒瑞达丰盛兴利源宏博远海天金永昌隆泰祥凯力德诚信新星光明宇东方亚欧佳联通科创"
    "益成安康福顺腾飞立峰锦荣晟鼎豪嘉润泽奥森林帆航甬舜宁耀益和众旺宝铭升辉振中汇伟"
)
_FOREIGN_TRADE = (
    "艾克森",
    "普瑞斯",
    "凯纳",
    "博德曼",
    "西格玛",
    "莱茵",
    "太阳诱",
    "丰和",
    "美达",
    "伊顿纳",
)
_HKTW_TRADE = ("港丰", "台达兴", "永丰余", "宝成兴", "冠亚", "新鸿", "嘉利")


def _days(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def add_years(days: np.ndarray, years: int) -> np.ndarray:
    """Same calendar day `years` later, minus one day (a contract's last day);
    29 February falls back to 28 February."""
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    day = (d - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.timedelta64(12 * years, "M")
    length = (
        (target + np.timedelta64(1, "M")).astype("datetime64[D]") - target.astype("datetime64[D]")
    ).astype(np.int64)
    out = target.astype("datetime64[D]") + np.minimum(day, length - 1)
    return out.astype(np.int64) - 1


def uscc_codes(rng: np.random.Generator, prefixes: np.ndarray, modern: np.ndarray) -> np.ndarray:
    """Valid USCCs: "91" + 6-digit registration area + 9-char organisation code (with its
    GB 11714 check char) + the GB 32100 check char. Old-style organisation codes are 8
    digits, new-style ones "MA2" + 5 characters of the USCC alphabet."""
    n = len(prefixes)
    alphabet = np.array(list(ALPHABET))
    value = {c: i for i, c in enumerate(ALPHABET)}
    chars = np.empty((n, 18), dtype="<U1")
    chars[:, 0], chars[:, 1] = "9", "1"
    pre = np.array([list(p) for p in prefixes], dtype="<U1").reshape(n, 6)
    chars[:, 2:8] = pre
    body = alphabet[rng.integers(0, 10, size=(n, 8))]
    modern_body = alphabet[rng.integers(0, len(ALPHABET), size=(n, 5))]
    body[modern, 0], body[modern, 1], body[modern, 2] = "M", "A", "2"
    body[modern, 3:] = modern_body[modern]
    chars[:, 8:16] = body
    # GB 11714: digits 0-9, letters A=10 … Z=35; weights 3 7 9 10 5 8 4 2; check 11 - s%11.
    gb_val = np.vectorize(lambda c: int(c) if c.isdigit() else ord(c) - 55, otypes=[np.int64])(body)
    s = (gb_val * np.array([3, 7, 9, 10, 5, 8, 4, 2])).sum(axis=1) % 11
    c9 = (11 - s) % 11
    chars[:, 16] = np.where(c9 == 10, "X", c9.astype(str))
    vals = np.vectorize(value.__getitem__, otypes=[np.int64])(chars[:, :17])
    total = (vals * np.array(WEIGHTS)).sum(axis=1) % 31
    chars[:, 17] = alphabet[(31 - total) % 31]
    return np.ascontiguousarray(chars).view("<U18").ravel()


@dataclass
class Snapshot:
    """One period's figures for the active enterprises (all arrays aligned on `index`)."""

    period_end: date
    index: np.ndarray
    town: np.ndarray
    uscc: np.ndarray
    name: np.ndarray
    ownership: np.ndarray
    section: np.ndarray
    division: np.ndarray
    employees: np.ndarray
    female: np.ndarray
    migrant: np.ndarray
    form: np.ndarray
    members: np.ndarray
    female_members: np.ndarray
    migrant_members: np.ndarray
    registered: np.ndarray
    cba_signed: np.ndarray  # days since 1970-01-01, -1 = none
    cba_expires: np.ndarray
    cba_covered: np.ndarray
    female_cba: np.ndarray
    wage_signed: np.ndarray
    wage_expires: np.ndarray
    wage_rounds: np.ndarray
    wage_rise: np.ndarray  # percent
    congress: np.ndarray
    open_affairs: np.ndarray
    legal_person: np.ndarray
    new_union: np.ndarray  # established since the previous period (reported then without)
    new_congress: np.ndarray

    def __len__(self) -> int:
        return len(self.index)


class Population:
    """All enterprises of the city, evolving one reporting period at a time."""

    def __init__(self, city: City, rng: np.random.Generator, n: int):
        self.city = city
        self.rng = rng
        n_towns = len(city.towns)
        # town propensities: most towns 93-98% organised, a few weak ones ~80-85%
        self.town_weight = rng.lognormal(0.0, 0.55, n_towns)
        org = rng.uniform(0.93, 0.985, n_towns)
        weak = rng.choice(n_towns, size=max(1, round(n_towns * 0.08)), replace=False)
        org[weak] = rng.uniform(0.845, 0.89, len(weak))
        self.town_org = org
        self.town_reg = rng.uniform(0.70, 0.92, n_towns)
        self.town_cba = rng.uniform(0.86, 0.98, n_towns)
        self.town_wage = rng.uniform(0.88, 0.99, n_towns)
        self.town_legal = rng.uniform(0.72, 0.92, n_towns)
        self.cols: dict[str, np.ndarray] = {}
        self.period_end = date(2022, 12, 31)
        town = np.concatenate([np.arange(n_towns), np.arange(n_towns)])
        rest = max(0, n - len(town))
        p = self.town_weight / self.town_weight.sum()
        town = np.concatenate([town, rng.choice(n_towns, size=rest, p=p)])
        self._add(town.astype(np.int32), newcomers=False)
        self.prev_form = np.zeros(len(town), dtype=np.int8)
        self.prev_congress = np.zeros(len(town), dtype=bool)
        self.prev_active = np.zeros(len(town), dtype=bool)

    # -- creation -------------------------------------------------------------------
    def _sizes(self, n: int, newcomers: bool) -> np.ndarray:
        alpha = 1.05 if newcomers else 0.9
        u = self.rng.random(n)
        sizes = np.floor(5 * (1 / (1 - u * 0.99999)) ** (1 / alpha))
        return np.minimum(sizes, 15000).astype(np.int64)

    def _add(self, town: np.ndarray, newcomers: bool) -> None:
        rng, n = self.rng, len(town)
        own = rng.choice(len(OWNERSHIPS), size=n, p=OWNERSHIP_P).astype(np.int8)
        sec_p = np.array([s[1] for s in SECTIONS])
        sec = rng.choice(len(SECTIONS), size=n, p=sec_p / sec_p.sum()).astype(np.int8)
        div = np.zeros(n, dtype=np.int16)
        words = np.empty(n, dtype=object)
        for si, (_, _, _, _, divisions) in enumerate(SECTIONS):
            mask = sec == si
            k = int(mask.sum())
            if not k:
                continue
            dp = np.array([d[1] for d in divisions])
            pick = rng.choice(len(divisions), size=k, p=dp / dp.sum())
            div[mask] = np.array([d[0] for d in divisions])[pick]
            w = rng.random(k)
            words[mask] = [
                divisions[i][2][int(x * len(divisions[i][2]))] for i, x in zip(pick, w, strict=True)
            ]
        emp = self._sizes(n, newcomers)
        emp[PUBLIC[own]] = np.maximum(
            emp[PUBLIC[own]], rng.integers(20, 400, int(PUBLIC[own].sum()))
        )
        female_share = np.array([s[2] for s in SECTIONS])[sec] + rng.normal(0, 0.08, n)
        migrant_share = np.array([s[3] for s in SECTIONS])[sec] + rng.normal(0, 0.10, n)
        migrant_share[PUBLIC[own]] *= 0.4
        # USCC: registered at the district (or, for some, the city) market regulator
        town_codes = np.array([t.code for t in self.city.towns])[town]
        prefixes = np.array([c[:6] for c in town_codes])
        prefixes[rng.random(n) < 0.12] = self.city.city.code[:6]
        modern = rng.random(n) < (0.92 if newcomers else 0.55)
        existing = set(self.cols["uscc"].tolist()) if self.cols else set()
        codes = uscc_codes(rng, prefixes, modern)
        for _ in range(20):
            _, first = np.unique(codes, return_index=True)
            dup = np.ones(n, dtype=bool)
            dup[first] = False
            dup |= np.isin(codes, list(existing)) if existing else False
            if not dup.any():
                break
            codes[dup] = uscc_codes(rng, prefixes[dup], modern[dup])
        names = self._names(town, own, words, emp, sec)
        form = self._initial_forms(town, own, emp, newcomers)
        cols = {
            "uscc": codes,
            "name": names,
            "town": town,
            "own": own,
            "sec": sec,
            "div": div,
            "emp": emp,
            "fshare": np.clip(female_share, 0.03, 0.9),
            "mshare": np.clip(migrant_share, 0.0, 0.95),
            "form": form,
            "mem_ratio": rng.uniform(0.88, 0.995, n),
            "reg_ratio": np.clip(self.town_reg[town] + rng.normal(0, 0.05, n), 0.3, 1.0),
            "cba_s": np.full(n, -1, np.int64),
            "cba_e": np.full(n, -1, np.int64),
            "fcba": np.zeros(n, bool),
            "wage_s": np.full(n, -1, np.int64),
            "wage_e": np.full(n, -1, np.int64),
            "rounds": np.zeros(n, np.int8),
            "rise": np.zeros(n, np.float64),
            "congress": np.zeros(n, bool),
            "open": np.zeros(n, bool),
            "legal": np.zeros(n, bool),
            "active": np.ones(n, bool),
        }
        start = len(self.cols["uscc"]) if self.cols else 0
        if self.cols:
            for key, value in cols.items():
                self.cols[key] = np.concatenate([self.cols[key], value])
            for key in ("prev_form", "prev_congress", "prev_active"):
                old = getattr(self, key)
                setattr(self, key, np.concatenate([old, np.zeros(n, dtype=old.dtype)]))
        else:
            self.cols = cols
        idx = np.arange(start, start + n)
        self._initial_institutions(idx, established=not newcomers)

    def _names(
        self, town: np.ndarray, own: np.ndarray, words: np.ndarray, emp: np.ndarray, sec: np.ndarray
    ) -> np.ndarray:
        rng, n = self.rng, len(town)
        a = rng.integers(0, len(_TRADE_CHARS), n)
        b = rng.integers(0, len(_TRADE_CHARS), n)
        style = rng.random(n)
        foreign = rng.integers(0, len(_FOREIGN_TRADE), n)
        hktw = rng.integers(0, len(_HKTW_TRADE), n)
        town_short = [t.short for t in self.city.towns]
        district_short = {d.code: d.short for d in self.city.districts}
        out = np.empty(n, dtype=object)
        for i in range(n):
            trade = _TRADE_CHARS[a[i]] + _TRADE_CHARS[b[i]]
            word = words[i]
            t = self.city.towns[town[i]]
            county = district_short[t.parent]
            o = OWNERSHIPS[own[i]]
            if o == "外商投资":
                out[i] = f"{_FOREIGN_TRADE[foreign[i]]}{word}（{CITY_SHORT}）有限公司"
            elif o == "港澳台":
                out[i] = f"{CITY_SHORT}{_HKTW_TRADE[hktw[i]]}{trade}{word}有限公司"
            elif o == "国有":
                out[i] = (
                    f"{CITY_SHORT}市{trade}{word}{'集团有限公司' if emp[i] >= 300 else '有限责任公司'}"
                )
            elif o == "集体":
                kind = "厂" if SECTIONS[sec[i]][0] == "C" else "有限公司"
                out[i] = f"{CITY_SHORT}市{county}{town_short[town[i]]}{trade}{word}{kind}"
            elif t.parent.startswith(("330281", "330282")) and style[i] < 0.6:
                out[i] = f"{county}市{trade}{word}有限公司"
            elif emp[i] >= 500 and style[i] < 0.5:
                out[i] = f"{CITY_SHORT}{trade}{word}股份有限公司"
            elif style[i] < 0.15:
                out[i] = f"{CITY_SHORT}市{county}{trade}{word}有限公司"
            else:
                out[i] = f"{CITY_SHORT}{trade}{word}有限公司"
        return out

    def _initial_forms(
        self, town: np.ndarray, own: np.ndarray, emp: np.ndarray, newcomers: bool
    ) -> np.ndarray:
        rng, n = self.rng, len(town)
        k = np.select([emp < 25, emp < 100, emp < 300], [1.3, 0.7, 0.25], 0.05)
        p_union = 1 - (1 - self.town_org[town]) * k
        if newcomers:
            p_union = p_union - 0.3
        p_union[PUBLIC[own]] = 0.995
        union = rng.random(n) < p_union
        p_single = np.select([emp < 25, emp < 50, emp < 100], [0.15, 0.5, 0.8], 0.97)
        p_single[PUBLIC[own]] = 0.98
        single = rng.random(n) < p_single
        return np.where(union, np.where(single, SINGLE, JOINT), NONE).astype(np.int8)

    def _initial_institutions(self, idx: np.ndarray, established: bool) -> None:
        c, rng = self.cols, self.rng
        union = c["form"][idx] != NONE
        idx = idx[union]
        n = len(idx)
        if not n:
            return
        town, emp, public = c["town"][idx], c["emp"][idx], PUBLIC[c["own"][idx]]
        pe = _days(self.period_end)
        scale = 1.0 if established else 0.4
        has_cba = rng.random(n) < self.town_cba[town] * scale
        if established:
            signed = pe - rng.integers(0, 3 * 365, n)
            expired = rng.random(n) < 0.03
            signed[expired] = pe - rng.integers(3 * 365 + 10, 4 * 365, int(expired.sum()))
        else:
            signed = pe - rng.integers(0, 300, n)
        c["cba_s"][idx[has_cba]] = signed[has_cba]
        c["cba_e"][idx[has_cba]] = add_years(signed[has_cba], 3)
        c["fcba"][idx[has_cba]] = rng.random(int(has_cba.sum())) < 0.86
        p_cong = (
            np.where(public, 0.97, np.select([emp < 50, emp < 300], [0.62, 0.85], 0.95)) * scale
        )
        c["congress"][idx] = rng.random(n) < p_cong
        c["open"][idx] = rng.random(n) < np.minimum(p_cong + 0.05, 0.99)
        c["legal"][idx] = rng.random(n) < self.town_legal[town] * scale
        self._sign_wages(idx, self.period_end.year, prob=self.town_wage[town] * scale)

    def _sign_wages(self, idx: np.ndarray, year: int, prob: np.ndarray | float) -> None:
        c, rng, n = self.cols, self.rng, len(idx)
        sign = rng.random(n) < prob
        idx = idx[sign]
        k = len(idx)
        month = rng.choice(12, size=k, p=np.array([6, 8, 14, 18, 16, 12, 6, 4, 4, 4, 4, 4]) / 100)
        first = np.array(
            [f"{year}-{m + 1:02d}-01" for m in range(12)], dtype="datetime64[D]"
        ).astype(np.int64)
        signed = first[month] + rng.integers(0, 28, k)
        c["wage_s"][idx] = signed
        c["wage_e"][idx] = add_years(signed, 1)
        c["rounds"][idx] = rng.choice([1, 2, 3], size=k, p=[0.5, 0.35, 0.15])
        c["rise"][idx] = np.round(rng.uniform(3.0, 8.0, k), 1)

    # -- evolution ------------------------------------------------------------------
    def advance(self, year: int) -> Snapshot:
        """Move to 31 December of `year` and return that period's snapshot."""
        c, rng = self.cols, self.rng
        self.prev_form = c["form"].copy()
        self.prev_congress = c["congress"].copy()
        self.prev_active = c["active"].copy()
        self.period_end = date(year, 12, 31)
        pe = _days(self.period_end)
        # ~2-3% stop reporting (small ones more often)
        active = np.flatnonzero(c["active"])
        p_stop = np.where(c["emp"][active] < 50, 0.03, 0.012)
        c["active"][active[rng.random(len(active)) < p_stop]] = False
        # headcounts drift
        active = np.flatnonzero(c["active"])
        growth = rng.lognormal(0.015, 0.09, len(active))
        c["emp"][active] = np.maximum(3, np.round(c["emp"][active] * growth)).astype(np.int64)
        # non-union enterprises establish unions
        none = active[c["form"][active] == NONE]
        town = c["town"][none]
        q = np.clip(0.02 / (1 - self.town_org[town]), 0.05, 0.9)
        q = np.where(c["emp"][none] >= 25, np.minimum(q * 1.5, 0.95), q)
        est = none[rng.random(len(none)) < q]
        single = rng.random(len(est)) < np.where(c["emp"][est] >= 50, 0.9, 0.25)
        c["form"][est] = np.where(single, SINGLE, JOINT)
        c["legal"][est] = rng.random(len(est)) < 0.4
        # institutions spread among unionised enterprises
        union = active[c["form"][active] != NONE]
        emp, public = c["emp"][union], PUBLIC[c["own"][union]]
        no_cong = ~c["congress"][union]
        p = np.where(public, 0.7, np.select([emp < 50, emp < 300], [0.18, 0.35], 0.6))
        c["congress"][union[no_cong & (rng.random(len(union)) < p)]] = True
        c["open"][union[~c["open"][union] & (rng.random(len(union)) < 0.3)]] = True
        c["legal"][union[~c["legal"][union] & (rng.random(len(union)) < 0.15)]] = True
        # collective contracts: renew expired ones (most of them), sign first ones
        has = c["cba_s"][union] >= 0
        lapsed = union[has & (c["cba_e"][union] < pe)]
        renew = lapsed[rng.random(len(lapsed)) < 0.88]
        new_signed = c["cba_e"][renew] + 1 + rng.integers(0, 75, len(renew))
        ok = new_signed <= pe
        renew, new_signed = renew[ok], new_signed[ok]
        c["cba_s"][renew] = new_signed
        c["cba_e"][renew] = add_years(new_signed, 3)
        c["fcba"][renew] |= rng.random(len(renew)) < 0.5
        first = union[~has]
        first = first[rng.random(len(first)) < 0.55]
        signed = pe - rng.integers(5, 330, len(first))
        c["cba_s"][first] = signed
        c["cba_e"][first] = add_years(signed, 3)
        c["fcba"][first] = rng.random(len(first)) < 0.8
        # wage agreements are annual
        self._sign_wages(
            union, year, prob=self.town_wage[c["town"][union]] * np.where(emp >= 25, 1.0, 0.93)
        )
        # newcomers of the year
        n_new = max(1, round(len(active) * 0.055))
        p = self.town_weight / self.town_weight.sum()
        self._add(
            rng.choice(len(self.city.towns), size=n_new, p=p).astype(np.int32), newcomers=True
        )
        return self.snapshot()

    def snapshot(self) -> Snapshot:
        c, rng = self.cols, self.rng
        idx = np.flatnonzero(c["active"])
        emp = c["emp"][idx]
        form = c["form"][idx]
        union = form != NONE
        female = rng.binomial(emp, c["fshare"][idx])
        migrant = rng.binomial(emp, c["mshare"][idx])
        ratio = c["mem_ratio"][idx]
        fm = rng.binomial(female, ratio)
        om = rng.binomial(emp - female, ratio)
        members = np.where(union, fm + om, 0)
        female_members = np.where(union, fm, 0)
        migrant_members = np.where(union, np.minimum(rng.binomial(migrant, ratio), members), 0)
        registered = np.where(union, rng.binomial(members, c["reg_ratio"][idx]), 0)
        cba_s = np.where(union, c["cba_s"][idx], -1)
        cba_e = np.where(union, c["cba_e"][idx], -1)
        covered = np.where(cba_s >= 0, np.round(emp * rng.uniform(0.93, 1.0, len(idx))), 0).astype(
            np.int64
        )
        wage_s = np.where(union, c["wage_s"][idx], -1)
        prev_union = (self.prev_form[idx] != NONE) & self.prev_active[idx]
        return Snapshot(
            period_end=self.period_end,
            index=idx,
            town=c["town"][idx],
            uscc=c["uscc"][idx],
            name=c["name"][idx],
            ownership=c["own"][idx],
            section=c["sec"][idx],
            division=c["div"][idx],
            employees=emp,
            female=female,
            migrant=migrant,
            form=form,
            members=members,
            female_members=female_members,
            migrant_members=migrant_members,
            registered=registered,
            cba_signed=cba_s,
            cba_expires=cba_e,
            cba_covered=covered,
            female_cba=union & (cba_s >= 0) & c["fcba"][idx],
            wage_signed=wage_s,
            wage_expires=np.where(wage_s >= 0, c["wage_e"][idx], -1),
            wage_rounds=np.where(wage_s >= 0, c["rounds"][idx], 0),
            wage_rise=np.where(wage_s >= 0, c["rise"][idx], 0.0),
            congress=union & c["congress"][idx],
            open_affairs=union & c["open"][idx],
            legal_person=union & c["legal"][idx],
            # a first report with a union is not a new union (DESIGN §5)
            new_union=union & self.prev_active[idx] & ~prev_union,
            new_congress=union
            & c["congress"][idx]
            & ~(self.prev_congress[idx] & self.prev_active[idx]),
        )


def in_force(signed: np.ndarray, expires: np.ndarray, period_end: date) -> np.ndarray:
    pe = _days(period_end)
    return (signed >= 0) & (signed <= pe) & (expires >= pe)
