"""A page of two tables, one with a missing name and one empty, for test_tables.py.

Run by AppTest as __main__ only: AppTest leaves this file as the process's main module, and a
process spawned later (the ingestion's parse workers) runs it again as __mp_main__."""

import polars as pl
import streamlit as st

from dashboards.tables import show_table

if __name__ == "__main__":
    show_table(
        pl.DataFrame({"企业名称": ["甲公司", None], "职工人数": [13200, 40], "行号": [4, 5]})
    )
    show_table(pl.DataFrame({"企业名称": []}, schema={"企业名称": pl.String}))
    st.caption("end")
