"""Properties that hold for any input: values survive their own spelling, the validator
never raises, and what an export writes reads back the same (a CSV cell that Excel would take
for a formula with a leading ').

The "any cell gives a value or a reason" property of every normaliser lives in
test_normalise.py; this file adds round trips and the file-level properties.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.exports import tables as export
from pipelines.ingest import reasons
from pipelines.ingest.normalise import (
    normalise_count,
    normalise_date,
    normalise_pct,
    normalise_period,
    normalise_uscc,
)
from pipelines.ingest.uscc import check_char
from pipelines.ingest.validate import ValidationContext, validate
from pipelines.ingest.vocabulary import FIELDS_BY_FEED, Feed
from pipelines.ingest.xlsx_cells import percent_text
from tests.unit.clerk_rows import quarantine_table

CONTEXT = ValidationContext(frozenset({"310117101000"}), dt.date(2025, 6, 15))
FULL_WIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Text a spreadsheet cell can hold: no control characters (XML forbids most) or surrogates.
CELL_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufeff"), max_size=40
)


@given(st.integers(0, 2**63 - 1), st.booleans(), st.booleans())
def test_a_count_reads_back_however_it_is_spelled(number, thousands, full_width):
    text = f"{number:,}" if thousands else str(number)
    if full_width:
        text = text.translate(FULL_WIDTH)
    assert normalise_count(text + "人") == (number, None)


@given(st.decimals(1, 100_000, places=2, allow_nan=False))
def test_a_percentage_with_its_sign_is_taken_as_written(number):
    assert normalise_pct(f"{number}%") == (float(number), None)


@given(st.floats(0, 1000, allow_nan=False, allow_infinity=False))
def test_a_percent_formatted_cell_reads_as_excel_shows_it(stored):
    # The XLSX reader turns a percent-formatted 1 into "100%", so no fraction rule applies.
    text = percent_text(repr(stored))
    assert text is not None
    value, reason = normalise_pct(text)
    assert reason is None
    assert abs(value - float(Decimal(repr(stored)) * 100)) < 1e-6


@given(st.dates(dt.date(1950, 1, 1), dt.date(2099, 12, 31)))
def test_a_date_reads_back_in_every_spelling(day):
    for text in (
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day:%Y%m%d}",
        str((day - dt.date(1899, 12, 30)).days),  # the Excel serial number
    ):
        assert normalise_date(text) == (day, None), text
    assert normalise_period(f"{day.year}年{day.month}月") == (f"{day:%Y-%m}", None)


@given(st.text(USCC_ALPHABET, min_size=17, max_size=17), st.data())
def test_a_valid_uscc_survives_case_spaces_and_full_width(body, data):
    code = body + check_char(body)
    spelled = code.lower() if data.draw(st.booleans()) else code
    if data.draw(st.booleans()):
        spelled = spelled.translate(FULL_WIDTH)
    cut = data.draw(st.integers(0, 18))
    assert normalise_uscc(f" {spelled[:cut]} {spelled[cut:]} ") == (code, None)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(list(Feed)), st.data())
def test_any_text_in_any_field_is_accepted_or_quarantined_never_an_exception(feed, data):
    names = [f.name for f in FIELDS_BY_FEED[feed]]
    present = data.draw(st.lists(st.sampled_from(names), unique=True, min_size=1))
    cell = st.one_of(st.none(), st.text(max_size=30), st.text("0123456789.-%,年月日/", max_size=12))
    rows = data.draw(st.lists(st.fixed_dictionaries(dict.fromkeys(present, cell)), max_size=6))
    source = pl.DataFrame(
        {"source_row": list(range(2, len(rows) + 2)), **{n: [r[n] for r in rows] for n in present}},
        schema={"source_row": pl.Int64, **dict.fromkeys(present, pl.Utf8)},
    )
    result = validate(feed, source, CONTEXT)
    quarantined = set(result.quarantine["source_row"])
    assert not quarantined & set(result.accepted["source_row"])
    assert result.accepted.height + len(quarantined) == source.height
    assert result.quarantine["reason_code"].is_in(list(reasons.ROW_REASONS)).all()


KPI_ROW = st.fixed_dictionaries(
    {
        "region_code": st.text("0123456789", min_size=12, max_size=12),
        "region_name": CELL_TEXT.filter(lambda text: text.strip() != ""),
        "kpi": st.sampled_from(["org_rate", "membership_rate", "wage_rounds"]),
        "numerator": st.one_of(st.none(), st.integers(0, 10**12).map(float)),
        "value": st.one_of(
            st.none(), st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: round(v, 2))
        ),
    }
)
KPI_SCHEMA = {
    "region_code": pl.String,
    "region_name": pl.String,
    "kpi": pl.String,
    "numerator": pl.Float64,
    "value": pl.Float64,
}


def read_back(path: Path, schema: dict) -> pl.DataFrame:
    if path.suffix == ".csv":
        return pl.read_csv(path, schema=schema)
    return pl.read_excel(path, schema_overrides=schema, infer_schema_length=0)


def as_exported(text: str | None, suffix: str) -> str | None:
    """A text cell as the export holds it: in a CSV, one that Excel would take for a formula
    starts with ' (OWASP); an XLSX holds text cells as they are."""
    if suffix == ".csv" and text and text.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + text
    return text


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(KPI_ROW, min_size=1, max_size=5), st.sampled_from([".csv", ".xlsx"]))
def test_a_kpi_export_reads_back_identical(tmp_path, rows, suffix):
    frame = pl.DataFrame(rows, schema=KPI_SCHEMA)
    out = tmp_path / f"kpis{suffix}"
    export.write_table(frame, out, sheet="kpis")
    expected = frame.with_columns(
        pl.Series("region_name", [as_exported(r["region_name"], suffix) for r in rows])
    )
    assert read_back(out, KPI_SCHEMA).select(frame.columns).equals(expected)


CLERK_CELL = st.one_of(
    st.none(),
    CELL_TEXT.filter(lambda text: text.strip() != ""),
    st.sampled_from(["0012", "=SUM(A1:A3)", "1,234", "45352", "#N/A", "98%", "9" * 20]),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.fixed_dictionaries({"企业名称": CLERK_CELL, "职工人数": CLERK_CELL}),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from([".csv", ".xlsx"]),
)
def test_a_clerks_cells_read_back_exactly_as_written(tmp_path, cells, suffix):
    table = quarantine_table(cells, town_column=False)
    out = tmp_path / f"q{suffix}"
    export.write_table(table, out, sheet="q")
    back = read_back(out, dict.fromkeys(table.columns, pl.String))
    for name in ("企业名称", "职工人数"):
        assert back[name].to_list() == [as_exported(written[name], suffix) for written in cells]
