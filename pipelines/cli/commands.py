"""The `gonghui` sub-commands and their bilingual help (`gonghui <command> --help`)."""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import sys
import time
from pathlib import Path

from pipelines import settings
from pipelines.cli import serve
from pipelines.exports import contract_expiry
from pipelines.exports import report as export_report
from pipelines.exports import tables as export
from pipelines.warehouse.freshness import nothing_to_refresh


def _set_paths(args: argparse.Namespace) -> None:
    """Command-line paths win over the environment, for this process and dbt's."""
    for option, var in (
        ("raw", "GONGHUI_RAW_DIR"),
        ("warehouse", "GONGHUI_WAREHOUSE"),
        ("publish_dir", "GONGHUI_PUBLISH_DIR"),
    ):
        value = getattr(args, option, None)
        if value:
            os.environ[var] = str(Path(value).resolve())
    os.environ["GONGHUI_WAREHOUSE"] = str(settings.warehouse_path())


def _show_progress() -> None:
    """Per-file progress of the ingestion on stdout; Dagster's and dbt's chatter stays out."""
    progress = logging.getLogger("gonghui")
    progress.setLevel(logging.INFO)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    progress.addHandler(handler)


def cmd_refresh(args: argparse.Namespace) -> int:
    _set_paths(args)
    if args.engine:
        os.environ["GONGHUI_ENGINE"] = args.engine
    try:
        settings.check_engine_settings()
    except ValueError as wrong:
        print(wrong, file=sys.stderr)
        return 2
    started = time.monotonic()
    if not args.full and nothing_to_refresh(
        settings.raw_dir(), settings.warehouse_path(), settings.publish_dir(), settings.today()
    ):
        print(
            "没有改动，未启动刷新：raw/ 与已发布的快照一致（--full 强制重建）"
            " (nothing changed: raw/ is as the current snapshot was built from; no run"
            " launched; --full rebuilds anyway)"
        )
        print(f"耗时 elapsed: {time.monotonic() - started:.1f} 秒 s")
        return 0
    settings.prepare_offline_environment()
    # Dagster, dbt and Great Expectations load only for the commands that need them
    from pipelines.cli.refresh import run_refresh
    from pipelines.defs.dbt_models import TARGET as DBT_TARGET
    from pipelines.warehouse.locking import RefreshBusy

    _show_progress()
    # The terminal shows progress only; the run's whole log goes to a file.
    log_path = settings.dagster_home() / "logs" / f"refresh-{time.strftime('%Y%m%d-%H%M%S')}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            outcome = run_refresh(full=args.full)
    except RefreshBusy as busy:
        print(busy, file=sys.stderr)
        return 3
    log_path.write_text(
        "\n".join(
            [*outcome.log, printed.getvalue(), f"dbt 日志 dbt log: {DBT_TARGET / 'dbt.log'}", ""]
        ),
        encoding="utf-8",
    )
    for line in outcome.lines():
        print(line)
    print(f"耗时 elapsed: {time.monotonic() - started:.1f} 秒 s")
    print(f"详细日志 full log: {log_path}")
    return 0 if outcome.success else 1


def cmd_export(args: argparse.Namespace) -> int:
    _set_paths(args)
    publish_dir = settings.publish_dir()
    out = Path(args.out)
    titles = None
    try:
        if args.what == "kpis":
            frame = export.kpis(publish_dir, args.period, args.region)
        elif args.what == "quarantine":
            frame = export.quarantine(
                publish_dir,
                args.region,
                include_resolved=args.all,
                per_town=out.suffix.lower() == ".xlsx",
            )
        elif args.what == "reconciliation":
            frame = export.reconciliation(publish_dir, args.period, args.region)
        else:
            frame, titles = _action_lists(args, publish_dir, xlsx=out.suffix.lower() == ".xlsx")
        export.write_table(frame, out, sheet=args.what, titles=titles)
    except export.ExportError as error:
        print(error, file=sys.stderr)
        return 2
    rows = export.height(frame)
    print(f"已导出 {rows} 行到 {out}  (exported {rows} rows)")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    _set_paths(args)
    out = Path(args.out)
    try:
        report = export_report.write(settings.publish_dir(), args.period, args.region, out)
    except export.ExportError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"已写出报告“{report.title}”到 {out}  (report written)")
    return 0


def _action_lists(
    args: argparse.Namespace, publish_dir: Path, *, xlsx: bool
) -> tuple[export.Tables, dict[str, str]]:
    """The action lists (a sheet each in XLSX, one table with a 清单 column in CSV) and the
    title of each sheet: region, period, list and, for the contract lists, the reference date."""
    horizon = contract_expiry.Horizon.of(args.period, args.as_of.replace("-", "_"), args.days)
    sheets = export.actions(publish_dir, args.period, args.region, horizon)
    name = export.region_name(publish_dir, args.region)
    contract_sheets = {expiry.title(horizon) for expiry in contract_expiry.EXPIRY_LISTS}
    titles = {
        sheet: f"{name}　报告期 {args.period}　{sheet}"
        + (f"　{horizon.label()}" if sheet in contract_sheets else "")
        for sheet in sheets
    }
    return (sheets if xlsx else export.stacked(sheets)), titles


def _path_options(parser: argparse.ArgumentParser, *, raw: bool) -> None:
    if raw:
        parser.add_argument(
            "--raw", metavar="DIR", help="原始文件目录 raw files folder (默认 raw/)"
        )
        parser.add_argument(
            "--warehouse",
            metavar="FILE",
            help="数仓 DuckDB 文件 warehouse file (默认 data/warehouse.duckdb)",
        )
    parser.add_argument(
        "--publish-dir",
        metavar="DIR",
        help="发布快照目录 published snapshots (默认 data/published/)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gonghui",
        description="工会覆盖统计数仓 命令行 — union coverage warehouse command line",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="命令 command")

    refresh = commands.add_parser(
        "refresh",
        help="从 raw/ 刷新数仓并发布快照 refresh the warehouse from raw/ and publish",
        description=(
            "读取 raw/ 中的报表，校验、建模、测试并发布快照；打印读取与隔离情况。"
            " Reads raw/, validates, models, tests and publishes; prints a summary."
            " 失败时退出码非零 (non-zero exit code on failure)."
        ),
    )
    _path_options(refresh, raw=True)
    refresh.add_argument(
        "--full",
        action="store_true",
        help="全部重新解析，不跳过未改动的文件 reparse every file, not only new and changed ones",
    )
    refresh.add_argument(
        "--engine",
        choices=settings.ENGINES,
        help="建模引擎 the engine dbt builds on: duckdb（默认 default）或 spark（本机 Spark，"
        "或以 GONGHUI_SPARK_TARGET=spark_thrift 连接集群的 Spark Thrift Server; local Spark, or a"
        " cluster's; docs/operations.md）；默认取 GONGHUI_ENGINE (default: GONGHUI_ENGINE)",
    )
    refresh.set_defaults(handler=cmd_refresh)

    exporter = commands.add_parser(
        "export",
        help="导出指标、隔离行、汇总核对、行动清单或统计报告"
        " export KPIs, quarantine, reconciliation, actions, the report",
        description="从已发布的快照导出 .csv、.xlsx 或 .docx 报告。"
        " Export tables or the report from the published snapshot.",
    )
    kinds = exporter.add_subparsers(dest="what", required=True, metavar="内容 what")
    # name: (short help, description, needs --period)
    helps = {
        "kpis": ("指标（长表）KPIs, long format", "指标（长表）KPIs, long format", True),
        "quarantine": (
            "隔离行及原因（可改正后重新报送） quarantined rows to fix and resend",
            "隔离行及原因：按原表头列出填报内容，镇街改正后可直接放回 raw/returns/ 重新报送；"
            "xlsx 每个镇街一张工作表，csv 带“镇街”列。"
            " Quarantined rows as written, under their original headers, with the reason"
            " beside each; fix them and drop the file back into raw/returns/."
            " xlsx: one sheet per town; csv: one table with a town column.",
            False,
        ),
        "reconciliation": (
            "镇街汇总表核对 town summary reconciliation",
            "镇街汇总表核对：每个镇街每项指标的上报值、企业报表汇总值、差异及异常原因。"
            " Town summary reconciliation per town and metric: reported vs recomputed,"
            " difference, flag reason.",
            True,
        ),
        "actions": (
            "行动清单：未建会、合同已到期未续签、即将到期、停报、迁出 action lists",
            "行动清单：未建会企业；集体合同、工资专项集体合同各自的已到期未续签和即将到期"
            "（从参照日起 N 天内）；停报企业；迁出企业。xlsx 每张清单一张工作表，"
            "首行写明地区、报告期和参照日；csv 带“清单”列。"
            " Action lists: no union; per contract type, expired and not renewed, and expiring"
            " within N days of the reference date; stopped reporting; moved out. xlsx: a sheet"
            " each, titled with region, period and reference date; csv: one table with a"
            " 清单 column.",
            True,
        ),
    }
    for name, (short, text, needs_period) in helps.items():
        sub = kinds.add_parser(name, help=short, description=text)
        if needs_period:
            sub.add_argument("--period", required=True, metavar="YYYY-MM", help="报告期 period")
        sub.add_argument("--region", metavar="CODE", help="区划代码（含下级）region code and below")
        if name == "actions":
            sub.add_argument(
                "--as-of",
                choices=["period-end", "today"],
                default="period-end",
                help="合同到期的参照日：报告期末（默认）或今天 count contract expiry from the"
                " period end (default) or today",
            )
            sub.add_argument(
                "--days",
                type=int,
                default=contract_expiry.DEFAULT_DAYS,
                metavar="N",
                help=f"即将到期：参照日起 N 天内（默认 {contract_expiry.DEFAULT_DAYS}）"
                " expiring within N days of the reference date",
            )
        if name == "quarantine":
            sub.add_argument(
                "--all",
                action="store_true",
                help="包括已被后来文件更正的行 also rows a later file has fixed",
            )
        sub.add_argument(
            "--out", required=True, metavar="FILE", help="输出文件 .csv/.xlsx output file"
        )
        _path_options(sub, raw=False)
        sub.set_defaults(handler=cmd_export)
    _report_parser(kinds)
    serve.add_parser(commands)
    return parser


def _report_parser(kinds) -> None:  # noqa: ANN001
    """`export report`, on `kinds` (what the export parser's add_subparsers() returned)."""
    report = kinds.add_parser(
        "report",
        help="年度统计报告（Word）the year's statistics as a report (.docx)",
        description="按工会工作总结的写法写出一个地区一个报告期的统计情况：组建、入会、集体合同、"
        "工资集体协商、职代会与厂务公开、法人资格、实名制采集各一段（数值、分子分母、同比、"
        "年度目标与还需），下级地区主要指标表，数据来源与质量。"
        " The statistical part of a federation's annual work report for one region and"
        " period: a paragraph per area (value, numerator and denominator, change on last"
        " year, target and what it still takes), a table of the regions below, data quality.",
    )
    report.add_argument("--period", required=True, metavar="YYYY-MM", help="报告期 period")
    report.add_argument(
        "--region",
        metavar="CODE",
        help="区划代码（默认全市）region code (default: the city, the root region)",
    )
    report.add_argument(
        "--out", required=True, metavar="FILE", help="输出文件 .docx output file (Word)"
    )
    _path_options(report, raw=False)
    report.set_defaults(handler=cmd_report)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)
