"""Streamlit dashboard for federation leaders (Chinese UI). Reads only the published snapshot."""
