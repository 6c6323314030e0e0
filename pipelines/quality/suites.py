"""The expectation suites: what the warehouse promises about its data, one suite per check.

Read this file as a list of rules. Each suite checks one table, says in Chinese what it
guards, and is either blocking (a failure means the numbers would be wrong: the refresh
stops before publishing and the dashboard keeps the last good snapshot) or a warning
(someone should look, the numbers still stand). Every expectation runs as SQL inside the
engine that holds its table: DuckDB (pipelines.quality.runner), or Spark for the tables a
build on Spark made (pipelines.quality.spark_checks); no table is copied into Python. The
suites' SQL on dbt's tables is therefore written to mean the same on both.

The limits below are module constants so that an analyst sees them in one place.
"""

from __future__ import annotations

import csv
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from pipelines import kpi_table, settings
from pipelines.ingest.reference_seeds import TOWN_LEVELS
from pipelines.ingest.uscc import ALPHABET, LENGTH

SEEDS = settings.DBT_PROJECT_DIR / "seeds"


class _OnFirstUse(ModuleType):
    """A module imported when one of its names is first used.

    Great Expectations takes seconds to import. Dagster loads this file with the
    definitions of every run, including the runs that find nothing to do, so GX is
    loaded only when an expectation is built, that is, when a check runs."""

    def __getattr__(self, name: str) -> object:
        return getattr(importlib.import_module(self.__name__), name)


gxe = _OnFirstUse("great_expectations.expectations")
row_conditions = _OnFirstUse("great_expectations.expectations.row_conditions")

# Rates are percentages.
PCT_MIN, PCT_MAX = 0.0, 100.0
# A town whose accepted returns fall to this share of its previous period (or lower) is a
# warning: "a town whose returns drop by half".
DROP_RATIO = 0.5
# value = 100 × numerator / denominator, up to floating point.
VALUE_TOLERANCE = 0.01
# (whole, part): the part can never exceed the whole on one enterprise return.
PARTS_OF_WHOLES = (
    ("employees", "female_employees", "女职工人数不超过职工人数"),
    ("employees", "migrant_employees", "农民工人数不超过职工人数"),
    ("employees", "members", "会员人数不超过职工人数"),
    ("female_employees", "female_members", "女会员人数不超过女职工人数"),
    ("migrant_employees", "migrant_members", "农民工会员人数不超过农民工人数"),
    ("members", "members_registered", "实名制采集人数不超过会员人数"),
)  # covered employees above the employees are kept as written: int_enterprise_flags caps them
COUNTS = (
    "employees",
    "female_employees",
    "migrant_employees",
    "members",
    "female_members",
    "migrant_members",
    "members_registered",
    "cba_covered",
    "wage_rounds",
)
PERIOD_PATTERN = "[0-9][0-9][0-9][0-9]-(0[1-9]|1[0-2])"


@dataclass(frozen=True)
class Suite:
    """One asset check: a table, the rules it must meet, and what a failure means."""

    name: str
    asset: tuple[str, ...]
    # `landing.<table>`: the ingestion's, in the warehouse; a bare name: a table dbt built, in
    # the engine's default database (DuckDB's `main`, Spark's database of the build)
    table: str
    blocking: bool
    description: str
    expectations: Callable[[], list[gxe.Expectation]]
    # columns that name a failing row in the sample shown in the Dagster UI
    sample_columns: tuple[str, ...] = ()
    # Every rule judges a row by itself (or with rows of its own file), so rows that a
    # finished build already had passed it then, and only newly loaded rows need judging.
    row_by_row: bool = False

    @property
    def on_landing(self) -> bool:
        return self.table.startswith("landing.")


def _seed_rows(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def pct_kpis(*, bounded: bool | None = None) -> list[str]:
    """KPI codes measured in percent (the KPI table, unit = pct); with `bounded`, only those
    whose numerator is (True) or is not (False) a part of the denominator by construction.

    The unbounded ones are rates of two figures each enterprise reports (members and
    employees of a group): one return with the group's employees left empty can push them
    over 100%."""
    return [
        kpi.code for kpi in kpi_table.kpis() if kpi.unit == "pct" and bounded in (None, kpi.bounded)
    ]


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def known_towns_sql(seed: Path | None = None) -> str:
    """The towns returns may name: the shipped regions seed plus raw/reference regions.

    The same rule as the ingestion's (pipelines.ingest.reference_seeds), in SQL, so it can run on
    landing tables before dbt has loaded the seed.
    """
    seed = seed or SEEDS / "regions.csv"
    levels = ", ".join(sql_text(level) for level in sorted(TOWN_LEVELS))
    return f"""
        select region_code from landing.ref_regions where region_level in ({levels})
        union
        select region_code from read_csv({sql_text(seed.as_posix())}, all_varchar = true)
        where region_level in ({levels})
    """


def _matches(column: str, pattern: str, length: int, description: str) -> gxe.Expectation:
    """Values of `column` are `length` characters matching `pattern` (NULLs are left to the
    not-null rules). GX has no regex support for DuckDB, so this is DuckDB's own regex;
    the pattern must not contain braces, which GX reads as query parameters."""
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=f"""
            select source_file, source_row, {column}
            from {{batch}}
            where length({column}) != {length}
                or not regexp_full_match({column}, {sql_text(pattern)})
            order by source_file, source_row
        """,
        description=description,
    )


# ---------------------------------------------------------------- landing.enterprise_returns


def returns_fields_valid() -> list[gxe.Expectation]:
    required = {
        "uscc": "统一社会信用代码",
        "region_code": "所属镇街代码",
        "period": "报告期",
        "employees": "职工人数",
        "union_form": "建会形式",
    }
    ownership = [row["ownership"] for row in _seed_rows("ownership_codes")]
    return [
        *(
            gxe.ExpectColumnValuesToNotBeNull(column=column, description=f"必填：{label}不为空")
            for column, label in required.items()
        ),
        _matches(
            "uscc",
            f"[{ALPHABET}]+",
            LENGTH,
            "统一社会信用代码为18位（数字和大写字母，不含I O S V Z）",
        ),
        _matches("region_code", "[0-9]+", 12, "镇街代码为12位数字"),
        _matches("period", PERIOD_PATTERN, 7, "报告期格式为 YYYY-MM"),
        gxe.ExpectColumnValuesToBeInSet(
            column="union_form",
            value_set=["single", "joint", "none"],
            description="建会形式为单独建会、联合建会或未建会",
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="ownership", value_set=ownership, description="经济类型在代码表内"
        ),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["source_file", "uscc", "period"],
            description="同一文件内每个企业每个报告期只有一行",
        ),
    ]


def returns_counts_consistent() -> list[gxe.Expectation]:
    return [
        *(
            gxe.ExpectColumnValuesToBeBetween(
                column=column, min_value=0, description=f"{column} 为非负数"
            )
            for column in COUNTS
        ),
        *(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=whole,
                column_B=part,
                or_equal=True,
                ignore_row_if="either_value_is_missing",
                description=description,
            )
            for whole, part, description in PARTS_OF_WHOLES
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="wage_rise_pct",
            min_value=PCT_MIN,
            max_value=PCT_MAX,
            description="协商工资增幅在0–100%之间",
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="cba_expires_on",
            column_B="cba_signed_on",
            ignore_row_if="either_value_is_missing",
            description="集体合同到期日期晚于签订日期",
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="wage_expires_on",
            column_B="wage_signed_on",
            ignore_row_if="either_value_is_missing",
            description="工资专项集体合同到期日期晚于签订日期",
        ),
    ]


def returns_known_region() -> list[gxe.Expectation]:
    return [
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=f"""
                select source_file, source_row, uscc, enterprise_name, region_code
                from {{batch}}
                where region_code not in ({known_towns_sql()})
                order by source_file, source_row
            """,
            description="每条企业报表都属于已知的镇街（内置区划或 raw/reference 区划）",
        )
    ]


def returns_volume_vs_previous_period() -> list[gxe.Expectation]:
    """Per town and period, returns (distinct enterprises) against the town's previous period.

    The previous period is the latest earlier one with returns from that town. A town with
    returns before but none at all in the latest period counts as zero there.
    """
    return [
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=f"""
                with
                counts as (
                    select region_code, period, count(distinct uscc) as returns
                    from {{batch}}
                    group by region_code, period
                ),
                latest as (select max(period) as period from counts),
                silent as (
                    select distinct counts.region_code, latest.period, 0 as returns
                    from counts cross join latest
                    where not exists (
                        select 1 from counts as in_latest
                        where in_latest.region_code = counts.region_code
                            and in_latest.period = latest.period
                    )
                ),
                compared as (
                    select
                        region_code,
                        period,
                        returns,
                        lag(period) over town as previous_period,
                        lag(returns) over town as previous_returns
                    from (select * from counts union all select * from silent)
                    window town as (partition by region_code order by period)
                )
                select region_code, period, returns, previous_period, previous_returns
                from compared
                where returns <= previous_returns * {DROP_RATIO}
                order by region_code, period
            """,
            description=(
                f"每个镇街的报表数不低于上一报告期的{DROP_RATIO:.0%}（骤降可能是漏报或文件缺失）"
            ),
        )
    ]


# ------------------------------------------------------------------- landing.summary_returns


def summary_returns_valid() -> list[gxe.Expectation]:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="region_code", description="必填：镇街代码不为空"),
        _matches("period", PERIOD_PATTERN, 7, "报告期格式为 YYYY-MM"),
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=f"""
                select source_file, source_row, region_code, region_name, period
                from {{batch}}
                where region_code not in ({known_towns_sql()})
                order by source_file, source_row
            """,
            description="每条镇街汇总表都属于已知的镇街",
        ),
    ]


# -------------------------------------------------------------------------------- mart_kpi


def kpi_complete() -> list[gxe.Expectation]:
    return [
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query="""
                with
                towns as (
                    select distinct regions.region_code, regions.district_code,
                        regions.city_code, returns.period
                    from fct_enterprise_returns as returns
                    inner join dim_region as regions
                        on returns.region_code = regions.region_code
                ),
                region_periods as (
                    select region_code, period from towns
                    union
                    select district_code, period from towns where district_code is not null
                    union
                    select city_code, period from towns where city_code is not null
                ),
                expected as (
                    select region_periods.region_code, regions.region_name,
                        regions.region_level, region_periods.period, kpis.kpi
                    from region_periods
                    inner join dim_region as regions
                        on region_periods.region_code = regions.region_code
                    cross join kpi_definitions as kpis
                )
                select expected.*
                from expected
                where not exists (
                    select 1 from {batch} as mart
                    where mart.region_code = expected.region_code
                        and mart.region_level = expected.region_level
                        and mart.period = expected.period
                        and mart.kpi = expected.kpi
                )
                order by period, region_code, kpi
            """,
            description="有报表的每个报告期，镇街、区县、市各级都有全部指标",
        )
    ]


def kpi_rates_within_bounds() -> list[gxe.Expectation]:
    bounded = row_conditions.Column("kpi").is_in(pct_kpis(bounded=True))
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="value",
            min_value=PCT_MIN,
            max_value=PCT_MAX,
            row_condition=bounded,
            description=f"比率在{PCT_MIN:g}–{PCT_MAX:g}%之间（分子是分母的一部分的指标）",
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="denominator",
            column_B="numerator",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            row_condition=bounded,
            description="分子不大于分母",
        ),
        gxe.ExpectColumnValuesToBeBetween(column="numerator", min_value=0, description="分子非负"),
        gxe.ExpectColumnValuesToBeBetween(
            column="denominator", min_value=0, description="分母非负"
        ),
    ]


def kpi_values_match_counts() -> list[gxe.Expectation]:
    # a count compared with the previous period is unknown (null) where there is none, and
    # any count where no enterprise in scope reported it (未报)
    compared = [kpi.code for kpi in kpi_table.kpis() if kpi.needs_previous_period]
    may_be_unknown = ", ".join(map(sql_text, compared)) or "null"
    return [
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=f"""
                select mart.region_code, mart.period, mart.kpi, mart.numerator,
                    mart.denominator, mart.value, mart.target, mart.gap,
                    mart.reported_enterprises, mart.in_scope_enterprises
                from {{batch}} as mart
                inner join kpi_definitions as kpis on mart.kpi = kpis.kpi
                where
                    (kpis.unit = 'pct' and mart.denominator > 0
                        and abs(mart.value - 100 * mart.numerator / mart.denominator)
                            > {VALUE_TOLERANCE})
                    or (kpis.unit = 'pct' and coalesce(mart.denominator, 0) = 0
                        and mart.value is not null)
                    or (kpis.unit != 'pct' and mart.value is distinct from mart.numerator
                        and not (mart.value is null and (mart.kpi in ({may_be_unknown})
                            or mart.reported_enterprises = 0)))
                    or abs(mart.gap - (mart.value - mart.target)) > {VALUE_TOLERANCE}
                    or mart.reported_enterprises > mart.in_scope_enterprises
                order by mart.period, mart.region_code, mart.kpi
            """,
            description="指标值由分子分母算出（率 = 分子 ÷ 分母 × 100），差距 = 指标值 − 目标值，"
            "报了该指标的企业不多于范围内的企业",
        )
    ]


def kpi_reported_ratios_plausible() -> list[gxe.Expectation]:
    reported = pct_kpis(bounded=False)
    names = "、".join(kpi.name_zh for kpi in kpi_table.kpis() if kpi.code in reported)
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="value",
            min_value=PCT_MIN,
            max_value=PCT_MAX,
            row_condition=row_conditions.Column("kpi").is_in(reported),
            description=f"{names}不超过100%（超过说明报表漏填分母）",
        )
    ]


def kpi_targets_plausible() -> list[gxe.Expectation]:
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="target",
            min_value=PCT_MIN,
            max_value=PCT_MAX,
            row_condition=row_conditions.Column("kpi").is_in(pct_kpis()),
            description="比率类指标的目标值在0–100%之间（目标任务文件可能填错）",
        )
    ]


# ------------------------------------------------------------- mart_summary_reconciliation


def summary_reconciliation_flags() -> list[gxe.Expectation]:
    return [
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query="""
                select region_code, region_name, period, metric_zh, reported, recomputed,
                    flag_reason_zh, source_file, source_row
                from {batch}
                where is_flagged
                order by region_code, period, metric
            """,
            description="镇街汇总表上报数与按企业报表重算数一致（超出容差或不可能的数值需核对）",
        )
    ]


RETURNS = ("landing", "enterprise_returns")
RETURN_ROW = ("source_file", "source_row")
KPI_ROW = ("region_code", "region_level", "period", "kpi")

SUITES: tuple[Suite, ...] = (
    Suite(
        "returns_fields_valid",
        RETURNS,
        "landing.enterprise_returns",
        blocking=True,
        description="企业报表：必填字段、代码格式、建会形式和经济类型合规",
        expectations=returns_fields_valid,
        sample_columns=RETURN_ROW,
        row_by_row=True,
    ),
    Suite(
        "returns_counts_consistent",
        RETURNS,
        "landing.enterprise_returns",
        blocking=True,
        description="企业报表：人数非负，部分不超过整体，合同到期晚于签订",
        expectations=returns_counts_consistent,
        sample_columns=RETURN_ROW,
        row_by_row=True,
    ),
    Suite(
        "returns_known_region",
        RETURNS,
        "landing.enterprise_returns",
        blocking=True,
        description="企业报表：每条都属于已知镇街，才能汇总到区县和全市",
        expectations=returns_known_region,
        row_by_row=True,
    ),
    Suite(
        "returns_volume_vs_previous_period",
        RETURNS,
        "landing.enterprise_returns",
        blocking=False,
        description="企业报表：镇街报表数比上一报告期骤降一半或以上（警告）",
        expectations=returns_volume_vs_previous_period,
    ),
    Suite(
        "summary_returns_valid",
        ("landing", "summary_returns"),
        "landing.summary_returns",
        blocking=True,
        description="镇街汇总表：镇街已知，报告期格式正确",
        expectations=summary_returns_valid,
        sample_columns=RETURN_ROW,
    ),
    Suite(
        "kpi_complete",
        ("mart_kpi",),
        "mart_kpi",
        blocking=True,
        description="指标表：有报表的每个报告期、每级区划都有全部指标",
        expectations=kpi_complete,
    ),
    Suite(
        "kpi_rates_within_bounds",
        ("mart_kpi",),
        "mart_kpi",
        blocking=True,
        description="指标表：比率在0–100%之间，分子不大于分母",
        expectations=kpi_rates_within_bounds,
        sample_columns=KPI_ROW,
    ),
    Suite(
        "kpi_values_match_counts",
        ("mart_kpi",),
        "mart_kpi",
        blocking=True,
        description="指标表：指标值与分子分母、差距与目标值一致",
        expectations=kpi_values_match_counts,
    ),
    Suite(
        "kpi_reported_ratios_plausible",
        ("mart_kpi",),
        "mart_kpi",
        blocking=False,
        description="指标表：入会率类指标超过100%（警告，需核对报表）",
        expectations=kpi_reported_ratios_plausible,
        sample_columns=KPI_ROW,
    ),
    Suite(
        "kpi_targets_plausible",
        ("mart_kpi",),
        "mart_kpi",
        blocking=False,
        description="指标表：比率类目标值超出0–100%（警告，需核对目标任务文件）",
        expectations=kpi_targets_plausible,
        sample_columns=KPI_ROW,
    ),
    Suite(
        "summary_reconciliation_flags",
        ("mart_summary_reconciliation",),
        "mart_summary_reconciliation",
        blocking=False,
        description="镇街汇总表核对：上报数与重算数不符的行（警告）",
        expectations=summary_reconciliation_flags,
    ),
)
