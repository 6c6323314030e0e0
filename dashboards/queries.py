"""The reads the dashboard makes on the snapshot (tables of docs/architecture.md)."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from dashboards.scope import Scope
from dashboards.snapshot import NoSnapshotError, has_table, query
from pipelines import settings
from pipelines.exports.contract_expiry import ExpiryList, Horizon
from pipelines.ingest import vocabulary
from pipelines.ingest.vocabulary import FEED_ZH, FIELDS_BY_FEED, TAUGHT_FEEDS
from pipelines.warehouse import run_log as pipeline_run_log


def kpi_definitions() -> pl.DataFrame:
    """kpi, name_zh, name_en, unit, numerator_zh, denominator_zh, still_needed_zh,
    numerator_unit_zh, by sort_order."""
    return query(
        "select kpi, name_zh, name_en, unit, numerator_zh, denominator_zh, still_needed_zh,"
        " numerator_unit_zh from kpi_definitions order by sort_order, kpi"
    )


def periods() -> list[str]:
    """Report periods with KPIs, latest first."""
    return query("select distinct period from mart_kpi order by period desc")["period"].to_list()


def kpis_in_period(period: str) -> set[str]:
    """KPI codes the snapshot has for a period."""
    frame = query("select distinct kpi from mart_kpi where period = ?", [period])
    return set(frame["kpi"].to_list())


def regions() -> pl.DataFrame:
    """region_code, region_name, region_level, parent_code, ordered by code."""
    return query(
        "select region_code, region_name, region_level, parent_code"
        " from dim_region order by region_code"
    )


def region_names() -> dict[str, str]:
    """Region code → name; empty before the first publish (the sign-in line still shows)."""
    try:
        frame = regions()
    except NoSnapshotError:
        return {}
    return dict(zip(frame["region_code"], frame["region_name"], strict=True))


def region_kpis(region_code: str, period: str) -> pl.DataFrame:
    """Every KPI row of one region in one period."""
    return query(
        "select * from mart_kpi where region_code = ? and period = ?", [region_code, period]
    )


def children_kpi(parent_code: str, period: str, kpi: str) -> pl.DataFrame:
    """One KPI for the regions directly under parent_code, best first."""
    return query(
        "select * from mart_kpi where parent_code = ? and period = ? and kpi = ?"
        " order by rank_in_parent nulls last, value desc nulls last, region_code",
        [parent_code, period, kpi],
    )


def published_at() -> datetime | None:
    """When the current snapshot was published."""
    frame = query("select max(published_at) as published_at from snapshot_info")
    return frame["published_at"][0] if frame.height else None


# ── aggregates (mart_kpi): any signed-in user ─────────────────────────────────────────


def head_counts(region_code: str, period: str) -> dict[str, float | None]:
    """企业数, 已建会企业数, 职工人数, 会员人数 of a region, from the KPI mart's counts."""
    frame = query(
        "select kpi, numerator, denominator from mart_kpi"
        " where region_code = ? and period = ? and kpi in ('org_rate', 'membership_rate')",
        [region_code, period],
    )
    rows = {r["kpi"]: r for r in frame.iter_rows(named=True)}
    org, mem = rows.get("org_rate", {}), rows.get("membership_rate", {})
    return {
        "enterprises": org.get("denominator"),
        "unionised": org.get("numerator"),
        "employees": mem.get("denominator"),
        "members": mem.get("numerator"),
    }


def level_ranking(level: str, period: str, kpi: str, weakest_first: bool) -> pl.DataFrame:
    """One KPI for every region of a level city-wide, with its rank (1 = best) across them."""
    order = "asc" if weakest_first else "desc"
    return query(
        "select k.*, r.district_name,"
        " rank() over (order by k.value desc nulls last) as rank_overall"
        " from mart_kpi as k inner join dim_region as r using (region_code)"
        " where k.region_level = ? and k.period = ? and k.kpi = ?"
        f" order by k.value {order} nulls last, k.region_code",
        [level, period, kpi],
    )


def map_regions(root_code: str, level: str, period: str, kpi: str) -> pl.DataFrame:
    """Every region of a level under root_code, with its district, and its mart_kpi row for
    the KPI and period (value null where it has none): the places a map draws."""
    return query(
        "select r.region_code, r.region_name, r.region_level, r.district_code, r.district_name,"
        " k.value, k.target, k.gap, k.reported_enterprises, k.in_scope_enterprises"
        " from dim_region as r left join mart_kpi as k"
        " on k.region_code = r.region_code and k.period = ? and k.kpi = ?"
        " where r.region_level = ? and ? in (r.parent_code, r.district_code, r.city_code)"
        " order by r.region_code",
        [period, kpi, level, root_code],
    )


def boundaries() -> dict[str, str]:
    """Region code → its outline (GeoJSON geometry text) from dim_region_boundary; empty
    without a boundary file, or in a snapshot published before the table existed."""
    if not has_table("dim_region_boundary"):
        return {}
    frame = query("select region_code, geometry from dim_region_boundary")
    return dict(zip(frame["region_code"], frame["geometry"], strict=True))


def kpi_trend(region_code: str, kpi: str) -> pl.DataFrame:
    """One KPI of one region over every period, oldest first."""
    return query(
        "select period, value, target, gap, numerator, denominator, yoy_change from mart_kpi"
        " where region_code = ? and kpi = ? order by period",
        [region_code, kpi],
    )


# ── rows (enterprises, actions, quarantine, audit): limited by the user's Scope ────────

_IN_REGION = (
    "{col} in (select region_code from dim_region"
    " where ? in (region_code, parent_code, district_code, city_code))"
)
LINEAGE = ["source_file", "sheet", "source_row"]


def _where(scope: Scope, region_code: str | None, column: str = "region_code") -> tuple[str, list]:
    """The scope's own filter AND (when given) the region's subtree."""
    condition, params = scope.row_filter(column)
    if region_code:
        condition += " and " + _IN_REGION.format(col=column)
        params = [*params, region_code]
    return condition, params


def _lineage(scope: Scope) -> str:
    return ", " + ", ".join(LINEAGE) if scope.lineage else ""


def listed_kpis() -> set[str]:
    """KPIs whose numerator counts enterprises of this period's returns: the enterprises
    behind them can be listed (see `enterprises`)."""
    frame = query(
        "select kpi from kpi_definitions"
        " where population = 'returns' and numerator_measure = 'enterprises'"
    )
    return set(frame["kpi"].to_list())


def _kpi_filters(kpi: str) -> tuple[str, str, str]:
    """(denominator condition, numerator condition, reports condition) of a KPI on
    fct_enterprise_returns, from the KPI table in the snapshot (kpi_definitions). Without a
    denominator condition every enterprise is listed; without a numerator condition, or for
    a KPI that does not count this period's returns, none is marked counted (null). An
    enterprise reports the KPI when none of its inputs is in its unknown_fields."""
    frame = query(
        "select denominator_filter, numerator_filter, inputs from kpi_definitions"
        " where kpi = ? and population = 'returns'",
        [kpi],
    )
    denominator, numerator, inputs = frame.row(0) if frame.height else (None, None, None)
    known = [
        f"coalesce(',' || unknown_fields || ',', '') not like '%,{field},%'"
        for field in (inputs or "").split(",")
        if field
    ]
    reports = " and ".join([f"({denominator or 'true'})", *known])
    return denominator or "true", numerator or "null", reports


def enterprises(scope: Scope, region_code: str, period: str, kpi: str) -> pl.DataFrame:
    """The enterprises behind a KPI of a region: its denominator (with those that might be
    in it: an unknown ownership), `reports_kpi` when the enterprise reported what the KPI
    needs, flagged `counted` when in the numerator (null when it did not report). Town users
    only ever get rows of their own town."""
    denominator, numerator, reports = _kpi_filters(kpi)
    where, params = _where(scope, region_code, "e.region_code")
    return query(
        "select uscc, enterprise_name, e.region_code, r.region_name, r.district_name,"
        " ownership, employees, members, union_form, has_union, cba_in_force, wage_in_force,"
        f" coalesce({reports}, false) as reports_kpi,"
        f" case when coalesce({reports}, false) then {numerator} end as counted"
        f"{_lineage(scope)}"
        " from fct_enterprise_returns as e left join dim_region as r using (region_code)"
        f" where e.period = ? and coalesce({denominator}, true) and {where}"
        " order by counted nulls first, employees desc, uscc",
        [period, *params],
    )


def actions(scope: Scope, region_code: str, period: str, action_type: str) -> pl.DataFrame:
    """Action-list rows (mart_actions) of one type, limited by the scope."""
    where, params = _where(scope, region_code)
    return query(
        "select action_type, action_zh, uscc, enterprise_name, region_code, region_name,"
        f" district_name, employees{_lineage(scope)}"
        f" from mart_actions where period = ? and action_type = ? and {where}"
        " order by employees desc nulls last, uscc",
        [period, action_type, *params],
    )


def contract_expiry(
    scope: Scope, region_code: str, period: str, expiry: ExpiryList, horizon: Horizon
) -> pl.DataFrame:
    """One contract-expiry list (已到期未续签 or 即将到期 of one contract type), counted from
    the horizon's reference date, limited by the scope."""
    where, params = _where(scope, region_code)
    sql, expiry_params = expiry.query(horizon, period, where, _lineage(scope))
    return query(sql, [*expiry_params, *params])


def quarantine(scope: Scope, region_code: str | None = None) -> pl.DataFrame:
    """Quarantined rows with their reasons (raw rows: not for leaders)."""
    scope.require("quality")
    where, params = _where(scope, region_code, "q.region_code")
    return query(
        "select q.region_code, r.region_name, q.period, q.uscc, q.source_file, q.sheet,"
        " q.source_row, q.field, q.value, q.reason_code, q.message_zh, q.message_en, q.row_data"
        " from mart_quarantine as q left join dim_region as r using (region_code)"
        f" where {where}"
        " order by q.source_file, q.source_row, q.field",
        params,
    )


def field_issues(scope: Scope, region_code: str | None = None) -> pl.DataFrame:
    """Field issues of current returns: the enterprise counts, one field is unknown, capped
    or read to the month (raw rows: not for leaders)."""
    scope.require("quality")
    where, params = _where(scope, region_code, "f.region_code")
    return query(
        "select f.region_code, r.region_name, f.period, f.uscc, f.source_file, f.sheet,"
        " f.source_row, f.field, f.value, f.outcome, f.reason_code, f.message_zh"
        " from mart_field_issues as f left join dim_region as r using (region_code)"
        f" where f.is_current and {where}"
        " order by f.source_file, f.source_row, f.field",
        params,
    )


def town_conflicts(scope: Scope, region_code: str | None = None) -> pl.DataFrame:
    """Enterprises returned for one period by two towns, both rows; a town user sees the
    conflicts that involve their town (the other town's row included: it is the answer)."""
    scope.require("quality")
    where, params = _where(scope, region_code)
    return query(
        "select uscc, enterprise_name, period, region_name, region_code, is_current,"
        " source_file, sheet, source_row from mart_town_conflicts"
        " where (uscc, period) in"
        f" (select uscc, period from mart_town_conflicts where {where})"
        " order by period, uscc, is_current desc, source_file",
        params,
    )


def load_audit(scope: Scope, region_code: str | None = None) -> pl.DataFrame:
    """Files read by the last refresh. Within a region (or a town user's town): the files
    with rows there; without one, every file, those refused before any row was read too."""
    scope.require("quality")
    where, params = _where(scope, region_code)
    mine = (
        "true"
        if where == "true"
        else "source_file in (select source_file from fct_enterprise_return_history"
        f" where {where} union select source_file from mart_quarantine where {where}"
        f" union select source_file from mart_summary_reconciliation where {where})"
    )
    return query(
        "select source_file, feed, sheet, status, error_code, message_zh, rows_read,"
        " rows_accepted, rows_quarantined, rows_skipped, unknown_columns, file_mtime, loaded_at"
        f" from mart_load_audit where {mine} order by status desc, source_file",
        params * 3,  # none when every file is listed
    )


def unknown_columns(audit: pl.DataFrame) -> pl.DataFrame:
    """One row per column the refresh did not read, of the files in `audit` (a
    `load_audit` result), with the known field it most looks like."""
    rows = vocabulary.unknown_column_rows(
        audit.select("source_file", "sheet", "feed", "unknown_columns").iter_rows()
    )
    return pl.DataFrame(rows, schema=["文件", "工作表", "表头写法", "最接近的字段"], orient="row")


def header_aliases(scope: Scope) -> pl.DataFrame:
    """The headers the federation taught (raw/reference/表头别名.csv), with the standard
    header of the field each one names."""
    scope.require("quality")
    aliases = query(
        "select header, field_code, applies_to, source_file, source_row from mart_header_aliases"
        " order by applies_to, header",
        [],
    )
    standard = pl.DataFrame(
        [
            (feed.value, field.name, field.header)
            for feed in TAUGHT_FEEDS
            for field in FIELDS_BY_FEED[feed]
        ],
        schema=["applies_to", "field_code", "standard_header"],
        orient="row",
    )
    return aliases.join(
        standard, on=["applies_to", "field_code"], how="left", maintain_order="left"
    ).with_columns(pl.col("applies_to").replace_strict(FEED_ZH, default=pl.col("applies_to")))


def reconciliation(scope: Scope, region_code: str | None, period: str) -> pl.DataFrame:
    """Flagged differences between town summary returns and the enterprise returns."""
    scope.require("quality")
    where, params = _where(scope, region_code)
    return query(
        "select region_code, region_name, metric, metric_zh, reported, recomputed, difference,"
        " flag_reason_zh, source_file, source_row from mart_summary_reconciliation"
        f" where is_flagged and period = ? and {where} order by region_code, metric",
        [period, *params],
    )


# What a town user learns of a refresh: whether it succeeded and when. The counts are the
# city's, and a failure reason may name other towns' files.
TOWN_RUN_COLUMNS = ("status", "ended_at")


def _for_scope(run: dict, scope: Scope) -> dict:
    return {key: run[key] for key in TOWN_RUN_COLUMNS} if scope.town is not None else run


def run_log(scope: Scope, limit: int = 20) -> pl.DataFrame | None:
    """Recent refresh runs, newest first, from the run log beside the snapshots (it is
    written by every refresh, also by one that failed and published nothing). A town user
    gets status and end time only."""
    scope.require("quality")
    runs = pipeline_run_log.latest(settings.publish_dir(), limit)
    if not runs:
        return None
    return pl.DataFrame([_for_scope(run, scope) for run in runs], infer_schema_length=None)


def failed_refresh(scope: Scope) -> dict | None:
    """The newest run when it failed: the data shown is then older than the last attempt.
    A town user gets status and end time only, not the reason."""
    runs = pipeline_run_log.latest(settings.publish_dir(), 1)
    return _for_scope(runs[0], scope) if runs and runs[0]["status"] == "failure" else None
