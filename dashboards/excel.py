"""Excel downloads: the frame on screen as .xlsx bytes (polars → xlsxwriter, in memory)."""

from __future__ import annotations

import io

import polars as pl
import streamlit as st

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(frame: pl.DataFrame, sheet: str = "清单") -> bytes:
    buffer = io.BytesIO()
    frame.write_excel(buffer, worksheet=sheet[:31], autofit=True)
    return buffer.getvalue()


def download(frame: pl.DataFrame, label: str, file_name: str, key: str) -> None:
    """A download button for exactly the rows shown (already limited by the user's scope)."""
    st.download_button(
        label,
        data=xlsx_bytes(frame),
        file_name=file_name,
        mime=XLSX_MIME,
        key=key,
        disabled=frame.is_empty(),
    )
