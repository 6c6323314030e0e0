"""Dagster definitions, one concern per module; `pipelines.definitions` loads them all."""
