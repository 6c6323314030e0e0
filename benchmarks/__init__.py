"""Benchmarks of the refresh against a DuckDB floor and a pandas peer (issue 6)."""
