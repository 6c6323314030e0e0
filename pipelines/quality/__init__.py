"""Data-quality suites (Great Expectations) run against the warehouse where the data is."""
