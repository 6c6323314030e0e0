"""The Dagster code location loads and holds the graph the README promises."""

from __future__ import annotations

import json

import dagster as dg

from pipelines.definitions import defs
from pipelines.defs.dbt_project import dbt_project
from pipelines.defs.publishing import partitioned_models
from pipelines.warehouse.publish import UNPUBLISHED_PREFIXES


def asset_keys() -> set[str]:
    return {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}


def test_ingestion_feeds_the_dbt_sources_in_one_graph():
    keys = asset_keys()
    for table in ("enterprise_returns", "summary_returns", "ref_regions", "ref_targets"):
        assert f"landing/{table}" in keys
    assert {"raw_inventory", "mart_kpi", "published_snapshot"} <= keys
    graph = defs.resolve_asset_graph()
    mart_upstream = graph.get(dg.AssetKey("stg_landing__enterprise_returns")).parent_keys
    assert dg.AssetKey(["landing", "enterprise_returns"]) in mart_upstream


def incremental_marts() -> set[str]:
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    return {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["config"]["materialized"] == "incremental"
        and not node["name"].startswith(UNPUBLISHED_PREFIXES)
    }


def test_publish_waits_for_the_marts_and_not_for_what_an_incremental_build_leaves():
    graph = defs.resolve_asset_graph()
    parents = {
        key.to_user_string() for key in graph.get(dg.AssetKey("published_snapshot")).parent_keys
    }
    assert {"mart_kpi", "dim_region", "kpi_definitions", *incremental_marts()} <= parents
    assert not parents & {"regions", "ownership_codes", "stg_landing__enterprise_returns"}


def test_the_publish_copies_by_partition_the_marts_dbt_builds_by_partition():
    assert incremental_marts() == {
        "fct_enterprise_returns",
        "fct_enterprise_return_history",
        "mart_actions",
        "mart_contract_expiry",
    }
    assert incremental_marts() <= partitioned_models()


def test_dbt_tests_are_asset_checks():
    checks = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert any(name.startswith("not_null") or name.startswith("unique") for name in checks)


def test_nightly_schedule_runs_the_refresh_at_two_in_shanghai():
    schedule = defs.resolve_schedule_def("nightly_refresh")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.job_name == "refresh"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_telemetry_is_off_in_the_instance_config():
    import yaml

    from pipelines import settings

    config = yaml.safe_load((settings.REPO_ROOT / "dagster.yaml").read_text(encoding="utf-8"))
    assert config["telemetry"]["enabled"] is False


def test_data_quality_suites_are_checks_on_the_assets_they_guard():
    graph = defs.resolve_asset_graph()
    checks = {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    assert ("mart_kpi", "kpi_rates_within_bounds") in checks
    assert ("mart_kpi", "kpi_complete") in checks
    assert ("landing/enterprise_returns", "returns_known_region") in checks
    assert ("mart_summary_reconciliation", "summary_reconciliation_flags") in checks

    def is_blocking(asset: str, name: str) -> bool:
        return graph.get_check_spec(dg.AssetCheckKey(dg.AssetKey(asset), name)).blocking

    assert is_blocking("mart_kpi", "kpi_rates_within_bounds")
    assert not is_blocking("mart_summary_reconciliation", "summary_reconciliation_flags")
