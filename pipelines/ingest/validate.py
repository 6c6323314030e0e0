"""The row validator: every row is accepted, or quarantined with one entry per problem.

Problems are of two kinds. A row-level problem (in a required field: credit code, name,
region, period, employees, union form; or a duplicate) quarantines the row. A field-level
problem of an enterprise return (in an optional field: a date that cannot be read, an
unknown value, a part above its whole) keeps the row: that one field becomes unknown
(listed in `unknown_fields`, its value null), or is kept as written where the dbt models
cap it (covered employees) or it was read to the month, and the problem is recorded as a
field issue. A column a file lacks is unknown for each of its rows too: a KPI that needs
it counts those enterprises as not reporting it, never as "no" or 0.

Columnar throughout, because a load holds millions of rows: the tables (sheets) of
many files are validated together; each column's distinct cells go once through the
pure normaliser of its kind (cells repeat a lot, across files too) and are mapped back,
except the common cells a vectorised path handles (codes and names, nearly all
distinct); every check is a Polars expression; the quarantine frame is one filtered
select per check, concatenated.
"""

from __future__ import annotations

import datetime
import functools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import polars as pl

from pipelines.ingest import reasons
from pipelines.ingest.normalise import FAST_PATHS, NORMALISERS, Parsed, show_invisible
from pipelines.ingest.vocabulary import (
    FEED_ZH,
    FIELDS_BY_FEED,
    TAUGHT_FEEDS,
    Feed,
    Field,
    Kind,
    fold_header,
    shipped_headers,
)


@dataclass(frozen=True)
class ValidationContext:
    # town/street codes valid for returns and summaries; for targets, codes of every level
    known_region_codes: frozenset[str]
    today: datetime.date
    known_kpis: frozenset[str] = frozenset()  # for targets; empty = do not check
    kpi_names: Mapping[str, str] = field(default_factory=dict)  # KPI name (中文) → code


@dataclass
class ValidationResult:
    # 'source_row' + every field of the feed, typed as in landing.py (+ `unknown_fields`
    # for the feeds in FIELD_LEVEL_FEEDS)
    accepted: pl.DataFrame
    quarantine: pl.DataFrame  # QUARANTINE_SCHEMA
    field_issues: pl.DataFrame  # FIELD_ISSUE_SCHEMA: problems of accepted rows


DTYPES: dict[Kind, pl.DataType] = {
    Kind.TEXT: pl.Utf8(),
    Kind.USCC: pl.Utf8(),
    Kind.REGION: pl.Utf8(),
    Kind.PERIOD: pl.Utf8(),
    Kind.COUNT: pl.Int64(),
    Kind.PCT: pl.Float64(),
    Kind.DATE: pl.Date(),
    Kind.BOOL: pl.Boolean(),
    Kind.UNION_FORM: pl.Utf8(),
    Kind.OWNERSHIP: pl.Utf8(),
    Kind.INDUSTRY: pl.Utf8(),
    Kind.LEVEL: pl.Utf8(),
    Kind.YEAR: pl.Int32(),
    Kind.NUMBER: pl.Float64(),
    Kind.FEED: pl.Utf8(),
}

QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "source_row": pl.Int64(),
    **{
        name: pl.Utf8()
        for name in (
            "field",
            "value",
            "reason_code",
            "message_zh",
            "message_en",
            "uscc",
            "region_code",
            "period",
        )
    },
}

FIELD_ISSUE_SCHEMA: dict[str, pl.DataType] = {**QUARANTINE_SCHEMA, "outcome": pl.Utf8()}

# Feeds whose optional fields can be unknown without losing the row: enterprise returns.
# (Summary and reference rows are small and judged whole.)
FIELD_LEVEL_FEEDS = frozenset({Feed.RETURNS})
# What a field issue does to its field: by default the field becomes unknown; these keep
# the value (covered employees are capped at the employees by int_enterprise_flags; a date
# written as a month is read as the month's first or, for an expiry, last day).
UNKNOWN, CAPPED, MONTH_PRECISION = "unknown", "capped", "month_precision"
_KEPT_OUTCOMES = {
    "cba_covered_exceeds_employees": CAPPED,
    "date_month_only": MONTH_PRECISION,
}
_EXPIRY_FIELDS = frozenset({"cba_expires_on", "wage_expires_on"})

# Codes kept as text in the vocabulary whose cells are still 12-digit division codes.
_KIND_OVERRIDES = {
    (Feed.REF_REGIONS, "parent_code"): Kind.REGION,
    (Feed.REF_TARGETS, "region_code"): Kind.REGION,
}
_MISSING_CODES = {
    "uscc": "uscc_missing",
    "region_code": "region_missing",
    "period": "period_missing",
}
# Region files define codes, so only their format is checked. Only in enterprise returns
# must a percentage lie in 0–100: summary rates are kept as reported and judged in
# reconciliation.
_REGION_CHECKED = frozenset({Feed.RETURNS, Feed.SUMMARIES, Feed.REF_TARGETS})
_RANGE_CHECKED = frozenset({Feed.RETURNS})
# (field, must not exceed field, reason)
_NOT_ABOVE = (
    ("female_employees", "employees", "female_exceeds_total"),
    ("migrant_employees", "employees", "migrant_exceeds_total"),
    ("members", "employees", "members_exceed_employees"),
    ("female_members", "female_employees", "female_members_exceed_female"),
    ("migrant_members", "migrant_employees", "migrant_members_exceed_migrant"),
    ("members_registered", "members", "registered_exceeds_members"),
    ("cba_covered", "employees", "cba_covered_exceeds_employees"),
)
_CONTRACTS = (
    ("cba_signed_on", "cba_expires_on", "cba"),
    ("wage_signed_on", "wage_expires_on", "wage"),
)
_MAX_TERM = "3y"
# The rows that must be unique inside one file, with how the message names the key.
_KEYS: dict[Feed, tuple[tuple[str, ...], str, str]] = {
    Feed.RETURNS: (
        ("uscc", "period"),
        "统一社会信用代码和报告期",
        "unified social credit code and period",
    ),
    Feed.SUMMARIES: (("region_code", "period"), "镇街代码和报告期", "region code and period"),
    Feed.REF_REGIONS: (("region_code",), "区划代码", "region code"),
    Feed.REF_TARGETS: (
        ("year", "region_code", "kpi"),
        "年度、区划代码和指标",
        "year, region and KPI",
    ),
    Feed.REF_HEADER_ALIASES: (("header",), "表头", "header"),
}
# feed:field of every field a header alias may name
_TAUGHT_FIELDS = [f"{feed}:{f.name}" for feed in TAUGHT_FEEDS for f in FIELDS_BY_FEED[feed]]
# A head count beyond this in one return is a typo (a digit too many, a number pasted in the
# wrong column), not an enterprise: quarantined (employees) or unknown (the other counts).
MAX_HEAD_COUNT = int(os.environ.get("GONGHUI_MAX_HEAD_COUNT", "1000000"))
# Which of the tables validated together a row came from (0, 1, ...).
TABLE = "__table"
_ROW = "__row"
# Where the first row with the same key is: its source row and its table.
_FIRST_ROW = "__first_row"
_FIRST_TABLE = "__first_table"


class SheetOf(NamedTuple):
    """Which file a table (a sheet) belongs to, by index among the tables' files, and the
    sheet's name: the sheets of one workbook are checked for duplicates together."""

    file: int
    sheet: str | None


@dataclass(frozen=True)
class _Check:
    """One kind of problem: the rows where `when` holds each get a quarantine entry."""

    column: str
    code: str
    when: pl.Expr
    params: Mapping[str, pl.Expr] = field(default_factory=dict)

    def outcome(self, feed: Feed, fields: Mapping[str, Field]) -> str | None:
        """None for a row-level problem, else what the field issue does to the field."""
        if feed not in FIELD_LEVEL_FEEDS or fields[self.column].required:
            return None
        return _KEPT_OUTCOMES.get(self.code, UNKNOWN)


def _value(name: str) -> pl.Expr:
    return pl.col(f"{name}:value")


def _reason(name: str) -> pl.Expr:
    return pl.col(f"{name}:reason")


def validate(feed: Feed, table: pl.DataFrame, context: ValidationContext) -> ValidationResult:
    """Validate one table of a feed: `source_row` plus one text column per field found."""
    result = validate_tables(feed, [table], context)
    return ValidationResult(
        result.accepted.drop(TABLE), result.quarantine.drop(TABLE), result.field_issues.drop(TABLE)
    )


def validate_tables(
    feed: Feed,
    tables: Sequence[pl.DataFrame],
    context: ValidationContext,
    sheets: Sequence[SheetOf] | None = None,
) -> ValidationResult:
    """Validate several tables of a feed at once (the sheets of many files), exactly as
    each file would be alone: a key is a duplicate only within its file (`sheets` says
    which tables are sheets of one workbook, by default each table is a file of its own:
    a hidden backup copy of the data sheet is no second return), and a field one table
    lacks stays null in its rows. Both frames start with TABLE, the index of the table
    each row came from, and keep the tables' order."""
    fields = FIELDS_BY_FEED[feed]
    kinds = {f.name: _KIND_OVERRIDES.get((feed, f.name), f.kind) for f in fields}
    sheets = sheets or [SheetOf(i, None) for i in range(len(tables))]
    frame = _normalised(tables, fields, kinds, context)
    frame = frame.with_columns(_first_rows(feed, [sheet.file for sheet in sheets]))
    checks = [
        *_cell_checks(frame, fields),
        *_row_checks(feed, fields, kinds, context),
        *_cross_checks(fields),
        *_duplicate_checks(feed, [sheet.sheet for sheet in sheets]),
    ]
    problems = _problems(frame, checks, feed, {f.name: f for f in fields})
    row_level = problems.filter(pl.col("outcome").is_null()).select(_ROW).unique()
    quarantine = problems.join(row_level, on=_ROW, how="semi", maintain_order="left")
    field_issues = problems.join(row_level, on=_ROW, how="anti", maintain_order="left")
    kept = frame.join(row_level, on=_ROW, how="anti", maintain_order="left")
    if feed in FIELD_LEVEL_FEEDS:
        kept = _with_unknown_fields(kept, tables, fields, field_issues)
    accepted = kept.select(
        pl.col(TABLE),
        pl.col("source_row").cast(pl.Int64),
        *(_value(f.name).cast(DTYPES[kinds[f.name]]).alias(f.name) for f in fields),
        *(["unknown_fields"] if feed in FIELD_LEVEL_FEEDS else []),
    )
    return ValidationResult(
        accepted=accepted,
        quarantine=quarantine.drop(_ROW, "outcome"),
        field_issues=field_issues.drop(_ROW).with_columns(
            _with_outcome_note("message_zh", 0), _with_outcome_note("message_en", 1)
        ),
    )


def _with_outcome_note(message: str, language: int) -> pl.Expr:
    """The message of a field issue, followed by what became of the field."""
    notes = {outcome: texts[language] for outcome, texts in reasons.FIELD_OUTCOME_NOTES.items()}
    note = pl.col("outcome").replace_strict(notes, default="", return_dtype=pl.Utf8)
    return pl.concat_str(pl.col(message), note).alias(message)


def _with_unknown_fields(
    kept: pl.DataFrame,
    tables: Sequence[pl.DataFrame],
    fields: tuple[Field, ...],
    field_issues: pl.DataFrame,
) -> pl.DataFrame:
    """Each optional field unknown where its table lacks the column or a field issue made
    it unknown: value null, and named in `unknown_fields` ("open_affairs,ownership"; null
    when every field is known)."""
    unknown_rows = (
        field_issues.filter(pl.col("outcome") == UNKNOWN).group_by("field").agg(pl.col(_ROW))
    )
    rows_by_field = dict(unknown_rows.iter_rows())
    columns, names = [], []
    for f in fields:
        if f.required:
            continue
        lacking = [i for i, t in enumerate(tables) if f.name not in t.columns]
        unknown = pl.col(TABLE).is_in(lacking) | pl.col(_ROW).is_in(rows_by_field.get(f.name, []))
        value = pl.when(unknown).then(None).otherwise(_value(f.name))
        columns.append(value.alias(f"{f.name}:value"))
        names.append(pl.when(unknown).then(pl.lit(f.name)))
    listed = pl.concat_str(names, separator=",", ignore_nulls=True)
    return kept.with_columns(*columns, pl.when(listed != "").then(listed).alias("unknown_fields"))


def _normalised(
    tables: Sequence[pl.DataFrame],
    fields: tuple[Field, ...],
    kinds: dict[str, Kind],
    context: ValidationContext,
) -> pl.DataFrame:
    """The cells as written plus, per field, `<field>:value` and `<field>:reason`."""
    names = [f.name for f in fields]
    table = pl.concat(
        [
            t.select(
                pl.lit(i, pl.Int32).alias(TABLE),
                "source_row",
                *(pl.col(name).cast(pl.Utf8) for name in names if name in t.columns),
            )
            for i, t in enumerate(tables)
        ],
        how="diagonal_relaxed",
    )
    joined = table.lazy()
    columns = [pl.col(TABLE), pl.int_range(pl.len(), dtype=pl.Int64).alias(_ROW)]
    columns.append(pl.col("source_row"))
    for f in fields:
        lacking = [i for i, t in enumerate(tables) if f.name not in t.columns]
        if len(lacking) < len(tables):
            lookup, value, reason = _mapped(table[f.name], kinds[f.name])
            joined = joined.join(lookup.lazy(), on=f.name, how="left", maintain_order="left")
            if f.name == "kpi":
                value = value.replace(dict(context.kpi_names))
            if f.name in _EXPIRY_FIELDS:  # a contract written to the month runs to its end
                month_only = reason == "date_month_only"
                value = pl.when(month_only).then(value.dt.month_end()).otherwise(value)
            if lacking:  # null, not "empty" (so no False for bools) where a table lacks it
                has_column = ~pl.col(TABLE).is_in(lacking)
                value, reason = pl.when(has_column).then(value), pl.when(has_column).then(reason)
            columns.append(pl.col(f.name))
        else:  # a column no table has
            value, reason = pl.lit(None, DTYPES[kinds[f.name]]), pl.lit(None, pl.Utf8)
            columns.append(pl.lit(None, pl.Utf8).alias(f.name))
        columns += [value.alias(f"{f.name}:value"), reason.alias(f"{f.name}:reason")]
    return joined.select(columns).collect()


def _mapped(raw: pl.Series, kind: Kind) -> tuple[pl.DataFrame, pl.Expr, pl.Expr]:
    """How a column's cells are normalised: by the kind's fast path where it applies,
    else by its normaliser, called once per distinct cell.

    Returns a lookup of those distinct cells to join on the column (a join is much
    faster than a replace), and the value and reason expressions over the joined frame.
    """
    normaliser, dtype = NORMALISERS[kind], DTYPES[kind]
    column = pl.col(raw.name)
    fast = FAST_PATHS[kind](column) if kind in FAST_PATHS else None
    rest = raw if fast is None else raw.to_frame().filter(~fast.handles).to_series()
    distinct = rest.drop_nulls().unique()
    parsed = [_normalise(kind, cell) for cell in distinct.to_list()]
    parsed_value, parsed_reason = f"{raw.name}:parsed_value", f"{raw.name}:parsed_reason"
    lookup = pl.DataFrame(
        [
            distinct,
            pl.Series(parsed_value, [p.value for p in parsed], dtype=dtype),
            pl.Series(parsed_reason, [p.reason for p in parsed], dtype=pl.Utf8),
        ]
    )
    on_empty = normaliser(None)
    value = pl.when(column.is_null()).then(pl.lit(on_empty.value, dtype))
    reason = pl.when(column.is_null()).then(pl.lit(on_empty.reason, pl.Utf8))
    if fast is not None:
        value = value.when(fast.handles).then(fast.value.cast(dtype))
        reason = reason.when(fast.handles).then(fast.reason)
    return (
        lookup,
        value.otherwise(pl.col(parsed_value)),
        reason.otherwise(pl.col(parsed_reason)),
    )


@functools.lru_cache(maxsize=1 << 16)
def _normalise(kind: Kind, cell: str) -> Parsed:
    """The kind's normaliser (a pure function) of a cell, remembered: counts, dates and
    periods recur from batch to batch of a load."""
    return NORMALISERS[kind](cell)


def _cell_checks(frame: pl.DataFrame, fields: tuple[Field, ...]) -> list[_Check]:
    """A cell that does not parse, and a required cell left empty."""
    checks = []
    for f in fields:
        for code in frame[f"{f.name}:reason"].drop_nulls().unique().sort():
            checks.append(_Check(f.name, code, _reason(f.name) == code))
        if f.required:
            missing = pl.col(f.name).is_null() | (
                _value(f.name).is_null() & _reason(f.name).is_null()
            )
            checks.append(_Check(f.name, _MISSING_CODES.get(f.name, "required_missing"), missing))
    return checks


def _row_checks(
    feed: Feed, fields: tuple[Field, ...], kinds: dict[str, Kind], context: ValidationContext
) -> list[_Check]:
    """Checks of one parsed cell against the world: known codes, today, ranges."""
    names = {f.name for f in fields}
    checks = []
    if feed in _REGION_CHECKED:
        unknown = ~_value("region_code").is_in(list(context.known_region_codes))
        checks.append(_Check("region_code", "region_unknown", unknown))
    if "period" in names:
        # The first day of the period's month is after today exactly when its month is.
        future = _value("period") > context.today.strftime("%Y-%m")
        today = pl.lit(context.today.isoformat())
        checks.append(_Check("period", "period_in_future", future, {"today": today}))
    # An expiry date lies ahead by nature; a signing date cannot.
    for signed, _, _ in _CONTRACTS:
        if signed in names:
            today = pl.lit(context.today.isoformat())
            later = _value(signed) > context.today
            checks.append(_Check(signed, "signed_in_future", later, {"today": today}))
    if feed in _RANGE_CHECKED:
        for name in (n for n in names if kinds[n] is Kind.PCT):
            checks.append(_Check(name, "pct_out_of_range", ~_value(name).is_between(0, 100)))
        limit = {"limit": pl.lit(f"{MAX_HEAD_COUNT:,}")}
        for name in (n for n in names if kinds[n] is Kind.COUNT):
            implausible = _value(name) > MAX_HEAD_COUNT
            checks.append(_Check(name, "count_implausible", implausible, limit))
    if feed is Feed.REF_HEADER_ALIASES:
        applies_to = pl.coalesce(_value("applies_to"), pl.lit(Feed.RETURNS.value))
        named = pl.concat_str(applies_to, pl.lit(":"), _value("field_code").str.to_lowercase())
        feed_zh = applies_to.replace_strict(FEED_ZH, default=applies_to)
        checks.append(
            _Check(
                "field_code",
                "alias_field_unknown",
                ~named.is_in(_TAUGHT_FIELDS),
                {"feed": feed_zh, "feed_en": applies_to},
            )
        )
        # A header that already names a field as shipped stays that field's: taught to
        # another, it would empty that column in every file (统一社会信用代码 → members would
        # refuse every return for a missing credit code).
        folded = _value("header").map_elements(fold_header, return_dtype=pl.String)
        owner = pl.concat_str(applies_to, pl.lit(":"), folded).replace_strict(
            shipped_headers(), default=None, return_dtype=pl.String
        )
        taught = _value("field_code").str.to_lowercase()
        checks.append(
            _Check(
                "header",
                "alias_takes_known_header",
                owner.is_not_null() & (owner != taught),
                {"owner": owner, "taught": taught},
            )
        )
    if "kpi" in names and context.known_kpis:
        checks.append(_Check("kpi", "kpi_unknown", ~_value("kpi").is_in(list(context.known_kpis))))
    return checks


def _cross_checks(fields: tuple[Field, ...]) -> list[_Check]:
    """Counts that cannot exceed another count, and contract dates."""
    names = {f.name for f in fields}
    checks = []
    for name, limit, code in _NOT_ABOVE:
        if {name, limit} <= names:
            params = {"value": _value(name), "limit": _value(limit)}
            checks.append(_Check(name, code, _value(name) > _value(limit), params))
    for signed, expires, prefix in _CONTRACTS:
        if {signed, expires} <= names:
            params = {"value": _value(expires), "limit": _value(signed)}
            checks += [
                _Check(
                    expires,
                    f"{prefix}_expiry_before_signing",
                    _value(expires) <= _value(signed),
                    params,
                ),
                _Check(
                    expires,
                    f"{prefix}_term_over_3_years",
                    _value(expires) > _value(signed).dt.offset_by(_MAX_TERM),
                    params,
                ),
            ]
    return checks


def _duplicate_checks(feed: Feed, sheet_names: list[str | None]) -> list[_Check]:
    """A later row with the same key as an earlier one of the same file: on the same sheet
    (duplicate_in_file), or on an earlier sheet of the workbook (duplicate_in_workbook,
    naming it)."""
    key, key_zh, key_en = _KEYS[feed]
    values = [_value(name) for name in key]
    complete = pl.all_horizontal(v.is_not_null() for v in values)
    later = complete & pl.col(_FIRST_ROW).is_not_null()
    later &= (pl.col(_FIRST_TABLE) != pl.col(TABLE)) | (pl.col(_FIRST_ROW) != pl.col("source_row"))
    same_sheet = pl.col(_FIRST_TABLE) == pl.col(TABLE)
    params = {"first_row": pl.col(_FIRST_ROW), "key": pl.lit(key_zh), "key_en": pl.lit(key_en)}
    first_sheet = pl.lit(pl.Series(sheet_names, dtype=pl.Utf8)).gather(pl.col(_FIRST_TABLE))
    return [
        _Check(key[0], "duplicate_in_file", later & same_sheet, params),
        _Check(
            key[0],
            "duplicate_in_workbook",
            later & ~same_sheet,
            {**params, "first_sheet": first_sheet},
        ),
    ]


def _first_rows(feed: Feed, files: list[int]) -> list[pl.Expr]:
    """The source row and table of the first row of the same file with the same key (a
    window, so before filtering); null for a row whose key is incomplete."""
    values = [_value(name) for name in _KEYS[feed][0]]
    file = pl.lit(pl.Series(files, dtype=pl.Int32)).gather(pl.col(TABLE))
    window = [file, *values]
    return [
        pl.col("source_row").first().over(window).alias(_FIRST_ROW),
        pl.col(TABLE).first().over(window).alias(_FIRST_TABLE),
    ]


def _visible(cell: pl.Expr) -> pl.Expr:
    """The cell with each invisible character written out (<U+200B>), for messages."""
    return cell.map_elements(show_invisible, return_dtype=pl.Utf8, skip_nulls=True)


def _problems(
    frame: pl.DataFrame, checks: list[_Check], feed: Feed, fields: dict[str, Field]
) -> pl.DataFrame:
    """One row per (source row, problem), sorted by row and then by check order, with the
    problem's `outcome` (None for a row-level problem)."""
    scope = [
        (_value(name) if name in fields else pl.lit(None, pl.Utf8)).alias(name)
        for name in ("uscc", "region_code", "period")
    ]
    parts = []
    for order, check in enumerate(checks):
        params = {
            "header": pl.lit(fields[check.column].header),
            "field": pl.lit(check.column),
            "value": pl.col(check.column),
            "visible": _visible(pl.col(check.column)),
            **check.params,
        }
        zh, en = reasons.message_exprs(check.code, **params)
        parts.append(
            frame.lazy()
            .filter(check.when.fill_null(False))
            .select(
                pl.col(TABLE),
                pl.col(_ROW),
                pl.lit(order).alias("__order"),
                pl.col("source_row").cast(pl.Int64),
                pl.lit(check.column).alias("field"),
                pl.col(check.column).alias("value"),
                pl.lit(check.code).alias("reason_code"),
                zh.alias("message_zh"),
                en.alias("message_en"),
                *scope,
                pl.lit(check.outcome(feed, fields), pl.Utf8).alias("outcome"),
            )
        )
    empty_schema = {TABLE: pl.Int32, _ROW: pl.Int64, "__order": pl.Int32, **FIELD_ISSUE_SCHEMA}
    empty = pl.DataFrame(schema=empty_schema).lazy()
    combined = pl.concat([empty, *parts], how="vertical_relaxed")
    return combined.sort(_ROW, "__order").drop("__order").collect()
