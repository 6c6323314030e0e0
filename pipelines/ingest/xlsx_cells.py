"""What calamine does not show about XLSX cells: error values, percent formats, formulas
never calculated, numbers too long for a float, and merged cells.

calamine (through fastexcel) returns an error cell (#DIV/0!, #N/A) as an empty cell, and
a cell formatted as percent as its stored number: 100% arrives as "1", which the percent
rule reads as 1%. Both are visible in the sheet XML, so this module scans it directly and
returns the text the user saw for those cells ("#N/A", "100%").

A formula saved without a value (a file written by a program, never opened in Excel) would
read as an empty cell, i.e. 0; it is returned as its formula ("=E2*0.9"), which the
normalisers refuse as `formula_not_calculated`. A number of 16 digits or more (an 18-digit
credit code typed into a General cell) has lost its last digits to floating point; it is
returned as Excel shows it ("9.13302E+17"), never as digits that look like a code.
A merged range (<mergeCell ref="C4:C23"/>) holds its value in its first cell only; the
ranges are returned so that the reader of the table can give the value to every row the
clerk sees it on.

Kept cheap for large files: a sheet's XML is only searched (no DOM), error cells only
when the literal `t="e"` occurs, and percent cells only when the workbook's styles define
a percent number format at all; the cell pattern is only tried where those occur.
"""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal, InvalidOperation
from posixpath import join, normpath
from typing import NamedTuple
from xml.etree import ElementTree

# Built-in number formats 9 (0%) and 10 (0.00%).
_BUILTIN_PERCENT = frozenset({9, 10})
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# A cell with a value whose attributes include one of {wanted}: its attributes, then an
# optional formula, then <v>. Tried only at the tags holding one of {wanted}.
_CELL = (
    rb"<c\b([^>]*?\b(?:{wanted})[^>]*?)(?<!/)>"
    rb"(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)?<v>([^<]*)</v>"
)
_ATTR = re.compile(rb'\b(r|s|t)="([^"]*)"')
_REF = re.compile(rb"([A-Z]{1,3})(\d+)")
# Quoted literals and escaped characters in a format code are not format symbols.
_LITERAL = re.compile(r'"[^"]*"|\\.')

Overrides = dict[tuple[int, int], str]  # (Excel row, 1-based column) → text
# A merged range: first row, first column, last row, last column (columns as in Overrides).
Merged = tuple[int, int, int, int]
_MERGE = re.compile(rb'<mergeCell\s+ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')


class SheetExtras(NamedTuple):
    overrides: Overrides
    merged: tuple[Merged, ...]


def sheet_extras(data: bytes) -> dict[str, SheetExtras]:
    """Per sheet name, the cells whose text differs from what calamine returns, keyed by
    (Excel row, column number counted from calamine's first column, 1-based), and the
    sheet's merged ranges in the same coordinates. Sheets with neither are left out.

    Best effort: an XLSX this module cannot make sense of yields nothing, and the cells
    are read as calamine reads them.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            percent_styles = _percent_styles(archive)
            out = {}
            for name, path in sheet_paths(archive).items():
                xml = archive.read(path)
                overrides, merged = _scan(xml, percent_styles), _merged(xml)
                if overrides or merged:
                    shift = _first_column(xml) - 1
                    out[name] = SheetExtras(
                        {(row, col - shift): text for (row, col), text in overrides.items()},
                        tuple((r1, c1 - shift, r2, c2 - shift) for r1, c1, r2, c2 in merged),
                    )
            return out
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, ValueError):
        return {}


def _merged(xml: bytes) -> list[Merged]:
    """The merged ranges, listed after the sheet's data (<mergeCells>)."""
    at = xml.rfind(b"<mergeCells")
    if at == -1:
        return []
    return [
        (int(r1), column_number(c1.decode()), int(r2), column_number(c2.decode()))
        for c1, r1, c2, r2 in _MERGE.findall(xml, at)
    ]


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def percent_text(stored: str) -> str | None:
    """The stored fraction as Excel shows it under a percent format: "1" → "100%"."""
    try:
        number = Decimal(stored) * 100
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    # Round away binary noise (0.98499999999999998 → 98.5) and drop trailing zeros.
    text = f"{round(number, 9):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def is_percent_format(code: str) -> bool:
    return "%" in _LITERAL.sub("", code)


def _percent_styles(archive: zipfile.ZipFile) -> frozenset[bytes]:
    """Indices (as they appear in s="…") of cell styles with a percent number format."""
    try:
        styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
    except KeyError:
        return frozenset()
    percent_ids = set(_BUILTIN_PERCENT)
    for fmt in styles.iter(f"{_MAIN_NS}numFmt"):
        if is_percent_format(fmt.get("formatCode", "")):
            percent_ids.add(int(fmt.get("numFmtId", "-1")))
    xfs = styles.find(f"{_MAIN_NS}cellXfs")
    if xfs is None:
        return frozenset()
    return frozenset(
        str(index).encode()
        for index, xf in enumerate(xfs.iter(f"{_MAIN_NS}xf"))
        if int(xf.get("numFmtId", "0")) in percent_ids
    )


def sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → XML path inside the archive, via the workbook's relationships."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {
        rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_PKG_REL_NS}Relationship")
    }
    paths = {}
    for sheet in workbook.iter(f"{_MAIN_NS}sheet"):
        target = targets.get(sheet.get(f"{_REL_NS}id"), "")
        if target:
            path = target.lstrip("/") if target.startswith("/") else normpath(join("xl", target))
            paths[sheet.get("name", "")] = path
    return paths


def _first_column(xml: bytes) -> int:
    """The leftmost column holding a value: calamine's grid starts there, not at A."""
    for number in range(1, 16385):
        letters = _letters(number).encode()
        if re.search(rb'<c\b[^>]*?\br="' + letters + rb'\d+"[^>]*?(?<!/)><(?:f\b|v>|is>)', xml):
            return number
    return 1


def _letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# A formula with no cached value: <c r="H2"><f>E2*0.9</f></c> (or an empty <v>).
_UNCALCULATED = re.compile(
    rb"<c\b([^>]*?)(?<!/)><f\b[^>]*?(?:/>|>([^<]*)</f>)(?:<v\s*/>|<v>\s*</v>)?</c>"
)
# A numeric cell (no t="s"/"str"/"inlineStr") holding 16 or more digits.
_LONG_NUMBER = re.compile(
    rb"<c\b([^>]*?)(?<!/)>(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)?"
    rb"<v>(\d{16,}(?:\.\d*)?|\d(?:\.\d+)?[eE]\+\d+)</v>"
)
_XML_ENTITIES = {b"&lt;": b"<", b"&gt;": b">", b"&quot;": b'"', b"&apos;": b"'", b"&amp;": b"&"}


def excel_general(stored: str) -> str:
    """A number as Excel's General format shows it in a standard-width cell: six significant
    digits in scientific notation ("913302058878759743" → "9.13302E+17")."""
    mantissa, exponent = f"{float(stored):.5E}".split("E")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}E{int(exponent):+03d}"


def _formulas_and_long_numbers(xml: bytes) -> Overrides:
    """Formulas saved without a value, as their formula; numbers too long for a float, as
    Excel shows them."""
    overrides: Overrides = {}
    if b"<f" in xml:
        for match in _UNCALCULATED.finditer(xml):
            formula = match.group(2) or b""
            for entity, char in _XML_ENTITIES.items():
                formula = formula.replace(entity, char)
            _place(overrides, match.group(1), "=" + formula.decode("utf-8", "replace"))
    for match in _LONG_NUMBER.finditer(xml):
        kind = dict(_ATTR.findall(match.group(1))).get(b"t", b"n")
        if kind == b"n":
            _place(overrides, match.group(1), excel_general(match.group(2).decode()))
    return overrides


def _place(overrides: Overrides, attributes: bytes, text: str) -> None:
    ref = _REF.fullmatch(dict(_ATTR.findall(attributes)).get(b"r", b""))
    if ref is not None:
        overrides[(int(ref.group(2)), column_number(ref.group(1).decode()))] = text


def _scan(xml: bytes, percent_styles: frozenset[bytes]) -> Overrides:
    overrides = _formulas_and_long_numbers(xml)
    wanted = [rb's="' + style + rb'"' for style in sorted(percent_styles)]
    if b't="e"' in xml:
        wanted.append(b't="e"')
    if not wanted:
        return overrides
    cells = re.compile(_CELL.replace(b"{wanted}", b"|".join(wanted)))
    for start in _tag_starts(xml, wanted):
        match = cells.match(xml, start)
        if match is None:
            continue
        attrs = dict(_ATTR.findall(match.group(1)))
        kind, ref = attrs.get(b"t", b"n"), _REF.fullmatch(attrs.get(b"r", b""))
        if ref is None:
            continue  # a writer that leaves out cell references: nothing to place it by
        if kind == b"e":
            text = match.group(2).decode("utf-8", "replace")
        elif kind == b"n" and attrs.get(b"s") in percent_styles:
            text = percent_text(match.group(2).decode("ascii", "replace"))
        else:
            continue
        if text:
            key = (int(ref.group(2)), column_number(ref.group(1).decode()))
            overrides[key] = text
    return overrides


def _tag_starts(xml: bytes, literals: list[bytes]) -> list[int]:
    """Where the tags holding any of the literals start, in document order.

    Finding the literals (a fast search in C) and stepping back to their tag's "<"
    (which an attribute cannot hold) is much faster than trying the cell pattern on
    every cell of the sheet.
    """
    starts = set()
    for literal in literals:
        at = xml.find(literal)
        while at != -1:
            starts.add(xml.rfind(b"<", 0, at))
            at = xml.find(literal, at + 1)
    return sorted(starts)
