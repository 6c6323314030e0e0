"""What a load tells its user: one progress line per file, and a summary at the end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pipelines.ingest import registry, vocabulary
from pipelines.ingest.discovery import FOLDER_ZH
from pipelines.ingest.parse import FileOutcome, SheetOutcome


@dataclass
class FeedCounts:
    files: int = 0
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    rows_with_field_issues: int = 0
    rows_skipped: int = 0


@dataclass
class IngestSummary:
    load_id: str
    full: bool = True
    plan_reason: str = ""
    files_seen: int = 0
    files_parsed: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    files_loaded: int = 0
    unreadable: list[tuple[str, str, str]] = field(default_factory=list)
    # (file [sheet], header as written, closest known field or None) of the columns not read
    unknown_columns: list[tuple[str, str, str | None]] = field(default_factory=list)
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    rows_with_field_issues: int = 0
    rows_skipped: int = 0
    by_feed: dict[str, FeedCounts] = field(default_factory=dict)
    changed: bool = True

    def lines(self) -> list[str]:
        """A short account of the run, Chinese first, English beside it."""
        if not self.changed:
            return [
                f"没有新增或改动的文件（{self.files_unchanged} 个未变） / "
                f"no new or changed files ({self.files_unchanged} unchanged)"
            ]
        mode = "全量 full" if self.full else "增量 incremental"
        out = [
            f"{mode} ({self.plan_reason}): 解析 {self.files_parsed} 个，未变跳过 "
            f"{self.files_unchanged} 个，移除 {self.files_removed} 个 / parsed "
            f"{self.files_parsed}, unchanged {self.files_unchanged}, removed {self.files_removed}",
            f"文件 {self.files_seen} 个，载入 {self.files_loaded} 个，无法读取 "
            f"{len(self.unreadable)} 个 / files: {self.files_seen} seen, "
            f"{self.files_loaded} loaded, {len(self.unreadable)} unreadable",
            f"读取 {self.rows_read} 行：接受 {self.rows_accepted} 行，隔离 "
            f"{self.rows_quarantined} 行，跳过 {self.rows_skipped} 行（合计、备注等） / rows: "
            f"{self.rows_read} read, {self.rows_accepted} accepted, {self.rows_quarantined} "
            f"quarantined, {self.rows_skipped} skipped (totals, notes, …)",
        ]
        if self.rows_with_field_issues:
            out.append(
                f"  其中 {self.rows_with_field_issues} 行接受但有字段问题（该字段按未报或上限计，"
                f"企业照常统计） / of which {self.rows_with_field_issues} accepted with a field "
                "issue (that field unknown or capped, the enterprise still counted)"
            )
        for folder, counts in self.by_feed.items():
            out.append(
                f"  {FOLDER_ZH.get(folder, folder)} {folder}: {counts.files} 个文件 files, "
                f"{counts.rows_read} 行 rows, {counts.rows_accepted} 接受 accepted, "
                f"{counts.rows_quarantined} 隔离 quarantined, {counts.rows_skipped} 跳过 skipped"
            )
        out.extend(
            f"  无法读取 unreadable: {src} ({code}) {zh}" for src, code, zh in self.unreadable
        )
        out.extend(unknown_column_line(*column) for column in self.unknown_columns)
        return out


def unknown_column_line(source: str, header: str, closest: str | None) -> str:
    """A column the load did not read, with the field it most looks like, for the clerk or
    for the federation to teach (raw/reference/表头别名.csv)."""
    hint = f"，最接近的字段 closest field: {closest}" if closest else ""
    return (
        f"  ? 未识别的列，未读入 column not read: {source}“{header}”{hint}"
        "（如是某字段的写法，可在 raw/reference/表头别名.csv 中教给系统）"
    )


def _label(outcome: FileOutcome, sheet: SheetOutcome) -> str:
    return f"{outcome.raw.source_file} [{sheet.sheet}]" if sheet.sheet else outcome.raw.source_file


class Progress:
    """One line per file, in file order: "[3/80] returns/a.csv 512 行 ..."."""

    def __init__(self, total: int, sink: Callable[[str], None] | None) -> None:
        self.total, self.done, self.sink = total, 0, sink

    def __call__(self, outcome: FileOutcome) -> None:
        self.done += 1
        if self.sink is None:
            return
        for sheet in outcome.sheets:
            prefix = f"[{self.done}/{self.total}] {_label(outcome, sheet)}"
            if sheet.error_code:
                self.sink(f"{prefix} 无法读取 unreadable ({sheet.error_code}): {sheet.message_zh}")
            else:
                self.sink(
                    f"{prefix} {sheet.rows_read} 行 rows, 接受 {sheet.rows_accepted} accepted, "
                    f"隔离 {sheet.rows_quarantined} quarantined"
                    + _field_issue_note(sheet)
                    + _skipped_note(sheet)
                )


def _field_issue_note(sheet: SheetOutcome) -> str:
    count = sheet.rows_with_field_issues
    return f", 字段问题 {count} 行 with field issues" if count else ""


def _skipped_note(sheet: SheetOutcome) -> str:
    """The lines passed over as not data, e.g. "（跳过 skipped: 合计 1 行，备注 2 行）"."""
    skipped = sheet.skipped
    kinds = (("合计", skipped.totals), ("备注", skipped.notes), ("其他", skipped.others))
    parts = [f"{label} {count} 行" for label, count in kinds if count]
    return f"（跳过 skipped: {'，'.join(parts)}）" if parts else ""


def summarise(load_id: str, outcomes: list[FileOutcome], plan: registry.Plan) -> IngestSummary:
    summary = IngestSummary(
        load_id,
        full=plan.full,
        plan_reason=plan.reason,
        files_seen=len(plan.parse) + len(plan.touched) + len(plan.unchanged),
        files_parsed=len(plan.parse),
        files_unchanged=len(plan.unchanged) + len(plan.touched),
        files_removed=len(plan.removed),
        changed=not plan.nothing_to_do,
    )
    for outcome in outcomes:
        counts = summary.by_feed.setdefault(outcome.raw.folder, FeedCounts())
        counts.files += 1
        if any(sheet.error_code is None for sheet in outcome.sheets):
            summary.files_loaded += 1
        for sheet in outcome.sheets:
            if sheet.error_code:
                summary.unreadable.append(
                    (_label(outcome, sheet), sheet.error_code, sheet.message_zh or "")
                )
            feed = sheet.feed.value if sheet.feed else None
            summary.unknown_columns += [
                (_label(outcome, sheet), header, closest)
                for header, closest in vocabulary.with_closest_fields(sheet.unknown_columns, feed)
            ]
            counts.rows_read += sheet.rows_read
            counts.rows_accepted += sheet.rows_accepted
            counts.rows_quarantined += sheet.rows_quarantined
            counts.rows_with_field_issues += sheet.rows_with_field_issues
            counts.rows_skipped += sheet.skipped.count
    summary.rows_read = sum(c.rows_read for c in summary.by_feed.values())
    summary.rows_accepted = sum(c.rows_accepted for c in summary.by_feed.values())
    summary.rows_quarantined = sum(c.rows_quarantined for c in summary.by_feed.values())
    summary.rows_with_field_issues = sum(c.rows_with_field_issues for c in summary.by_feed.values())
    summary.rows_skipped = sum(c.rows_skipped for c in summary.by_feed.values())
    return summary
