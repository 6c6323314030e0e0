"""Excel downloads: the frame on screen as .xlsx bytes (polars → xlsxwriter, in memory), with
the title line, frozen header and filters of every export (pipelines.exports.tables)."""

from __future__ import annotations

import io
from functools import partial

import polars as pl
import streamlit as st
import xlsxwriter

from pipelines.exports.tables import write_sheet

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(frame: pl.DataFrame, sheet: str = "清单", title: str | None = None) -> bytes:
    buffer = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(buffer, options) as workbook:
        write_sheet(workbook, sheet, frame, title)
    return buffer.getvalue()


def download(
    frame: pl.DataFrame, label: str, file_name: str, key: str, title: str | None = None
) -> None:
    """A download button for exactly the rows shown (already limited by the user's scope).
    `title`: the line above the header saying what, where and when. The workbook is written
    when the button is clicked, in this user's session, not on every run of the page."""
    st.download_button(
        label,
        data=partial(xlsx_bytes, frame, title=title),
        file_name=file_name,
        mime=XLSX_MIME,
        key=key,
        disabled=frame.is_empty(),
        on_click="ignore",
    )
