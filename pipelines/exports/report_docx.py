"""The report laid out as a Chinese official document in Word (python-docx): A4, the title in
宋体, headings in 黑体, text in 仿宋 with a two-character indent, the table in 宋体 小五.

Word picks the font of a Chinese character from the run's East Asian font (w:eastAsia of
w:rFonts), not from the font name python-docx sets (w:ascii, w:hAnsi): without it Chinese
falls back to the theme's font, so every style here sets all three and drops the theme's.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table as DocxTable

if TYPE_CHECKING:
    from pipelines.exports.report import Report, Table

LATIN = "Times New Roman"  # letters and digits
TITLE_FONT = "宋体"
HEADING_FONT = "黑体"
BODY_FONT = "仿宋"
REFERENCE_FONT = "楷体"
TABLE_FONT = "宋体"
# 二号, 三号, 小五 in points
TITLE_SIZE, BODY_SIZE, TABLE_SIZE = Pt(22), Pt(16), Pt(9)
LINE = Pt(28)  # fixed line spacing of an official document's text
FIRST_COLUMN = Cm(2.0)


def _fonts(target, east_asian: str, size: Pt, *, bold: bool = False) -> None:  # noqa: ANN001
    """Set a style's or a run's fonts: Latin, East Asian, size, bold, in black."""
    font = target.font
    font.name, font.size, font.bold = LATIN, size, bold
    font.color.rgb = RGBColor(0, 0, 0)
    r_fonts = target.element.get_or_add_rPr().get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        r_fonts.attrib.pop(qn(theme), None)
    r_fonts.set(qn("w:eastAsia"), east_asian)


def _chinese_defaults(document: DocumentObject) -> None:
    """Normal text in 仿宋 三号, language zh-CN (so Word breaks lines as Chinese)."""
    normal = document.styles["Normal"]
    _fonts(normal, BODY_FONT, BODY_SIZE)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "en-US")
    language.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(language)
    heading = document.styles["Heading 1"]
    _fonts(heading, HEADING_FONT, BODY_SIZE)
    heading.paragraph_format.space_before = heading.paragraph_format.space_after = Pt(0)
    _fixed_line(heading.paragraph_format)


def _a4(document: DocumentObject) -> None:
    """A4 with the margins of an official document (GB/T 9704: text block 156 × 225 mm)."""
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)


def _fixed_line(paragraph_format) -> None:
    paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph_format.line_spacing = LINE


def _field_run(paragraph, *parts: tuple[str, str | None]) -> None:
    """A run holding field elements: (tag, text or the fldCharType attribute)."""
    run = paragraph.add_run()
    for tag, value in parts:
        child = OxmlElement(tag)
        if tag == "w:fldChar":
            child.set(qn("w:fldCharType"), value)
        else:
            child.set(qn("xml:space"), "preserve")
            child.text = value
        run.element.append(child)


def _page_numbers(document: DocumentObject) -> None:
    """Page numbers centred in the footer as "— 1 —": a PAGE field, so every page has its own."""
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("— ")
    _field_run(paragraph, ("w:fldChar", "begin"), ("w:instrText", " PAGE "))
    _field_run(paragraph, ("w:fldChar", "separate"), ("w:t", "1"), ("w:fldChar", "end"))
    paragraph.add_run(" —")


def _centred(document: DocumentObject, text: str, font: str, size: Pt, *, bold: bool) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(12)
    _fonts(paragraph.add_run(text), font, size, bold=bold)


def _body(document: DocumentObject, text: str) -> None:
    """A paragraph of text: justified, the first line indented two characters."""
    paragraph = document.add_paragraph(text)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = BODY_SIZE * 2
    _fixed_line(paragraph.paragraph_format)


def _heading(document: DocumentObject, text: str) -> None:
    paragraph = document.add_heading(level=1)
    paragraph.paragraph_format.first_line_indent = BODY_SIZE * 2
    _fonts(paragraph.add_run(text), HEADING_FONT, BODY_SIZE)


def _cell(cell, text: str, *, bold: bool, align: WD_ALIGN_PARAGRAPH) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    paragraph.paragraph_format.first_line_indent = Pt(0)
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    _fonts(paragraph.add_run(text), TABLE_FONT, TABLE_SIZE, bold=bold)


def _repeat_header(first_cell_run) -> None:
    """The header row is repeated on every page the table runs over. python-docx has no
    public handle on a row's XML, so the row (w:tr) is reached from a run of its first cell."""
    row = next(first_cell_run.element.iterancestors(qn("w:tr")))
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row.get_or_add_trPr().append(header)


def _widths(table: DocxTable, text_width: int) -> None:
    """The region's name a little wider, the figures sharing the rest."""
    other = int((text_width - FIRST_COLUMN) / (len(table.columns) - 1))
    # Word reads the cells' widths, LibreOffice the grid's: both are set
    for index, column in enumerate(table.columns):
        column.width = FIRST_COLUMN if index == 0 else other
        for cell in column.cells:
            cell.width = column.width


def _table(document: DocumentObject, table: Table) -> None:
    caption = document.add_paragraph()
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(caption.add_run(table.caption), HEADING_FONT, Pt(12))
    grid = document.add_table(rows=1 + len(table.rows), cols=len(table.header))
    grid.style = document.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for cell, text in zip(grid.rows[0].cells, table.header, strict=True):
        _cell(cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for number, (row, values) in enumerate(zip(grid.rows[1:], table.rows, strict=True)):
        total = number == len(table.rows) - 1  # the region's own row, 合计, in bold
        for index, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            align = WD_ALIGN_PARAGRAPH.LEFT if index == 0 else WD_ALIGN_PARAGRAPH.RIGHT
            _cell(cell, text, bold=total, align=align)
    _repeat_header(grid.rows[0].cells[0].paragraphs[0].runs[0])
    section = document.sections[0]
    _widths(grid, section.page_width - section.left_margin - section.right_margin)
    note = document.add_paragraph()
    _fonts(note.add_run(table.note), TABLE_FONT, TABLE_SIZE)


def render(report: Report) -> DocumentObject:
    document = Document()
    _a4(document)
    _chinese_defaults(document)
    _page_numbers(document)
    document.core_properties.title = report.title
    document.core_properties.language = "zh-CN"
    _centred(document, report.title, TITLE_FONT, TITLE_SIZE, bold=True)
    for line in report.reference:
        _centred(document, line, REFERENCE_FONT, BODY_SIZE, bold=False)
    _body(document, report.intro)
    for section in report.sections:
        _heading(document, section.heading)
        for text in section.paragraphs:
            _body(document, text)
        if section.table is not None:
            _table(document, section.table)
    return document


def to_bytes(report: Report) -> bytes:
    buffer = io.BytesIO()
    render(report).save(buffer)
    return buffer.getvalue()
