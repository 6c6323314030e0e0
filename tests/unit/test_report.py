"""The year's report (gonghui export report) on the dashboard tests' tiny snapshot, whose
figures can be checked by hand (tests/dashboard/conftest.py): every sentence and table row
read back from the .docx, impossible figures refused, the command's refusals."""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from docx import Document
from docx.oxml.ns import qn

from pipelines.cli import main
from pipelines.exports import report
from pipelines.exports.report_text import ImpossibleFigure
from tests.dashboard.conftest import CITY, FENGHUA, HAISHU, TOWN_COUNTS, XIKOU, write_snapshot

SNAPSHOT = "snapshot-20260101T020500000000.duckdb"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    publish = tmp_path_factory.mktemp("report_template")
    write_snapshot(publish, SNAPSHOT, datetime(2026, 1, 1, 2, 5), TOWN_COUNTS)
    return publish


@pytest.fixture
def publish(tmp_path, template) -> Path:
    """A copy of the tiny snapshot each test may change."""
    target = tmp_path / "published"
    shutil.copytree(template, target)
    return target


def change(publish: Path, sql: str, params: list | None = None) -> None:
    with duckdb.connect(str(publish / SNAPSHOT)) as con:
        con.execute(sql, params or [])


def read_back(path: Path) -> tuple[list[str], list[list[str]]]:
    """The paragraphs (non-empty) and the first table's rows of a written .docx."""
    document = Document(str(path))
    paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
    rows = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    return paragraphs, rows


HEADING = re.compile("^[一二三四五六七八九十]、")


def by_heading(paragraphs: list[str]) -> dict[str, str]:
    """heading → the text under it (paragraphs joined)."""
    sections: dict[str, str] = {}
    heading = None
    for text in paragraphs:
        if HEADING.match(text):
            heading = text
            sections[heading] = ""
        elif heading is not None:
            sections[heading] += text
    return sections


def written(publish: Path, tmp_path: Path, region: str | None = None, period="2025-12"):
    out = tmp_path / "报告.docx"
    report.write(publish, period, region, out)
    return read_back(out)


def test_the_city_report_says_every_figure_as_worked_out_by_hand(publish, tmp_path):
    paragraphs, _ = written(publish, tmp_path)

    assert paragraphs[:3] == [
        "宁波市2025年度工会组建与覆盖统计情况",
        "报告期：2025年度（截至2025年12月31日）",
        "数据发布时间：2026-01-01 02:05",
    ]
    body = by_heading(paragraphs)
    # 404/420 = 96.2%; 2024: 376/400 = 94.0%
    assert body["一、工会组建"] == (
        "全市在报企业420家，已建会企业404家，工会组建率达96.2%，同比提高2.2个百分点，"
        "完成年度目标95%。"
    )
    # 13,200/14,000 = 94.3%; 2024: 12,500/13,500 = 92.6%; 还需 ceil(0.95 × 14,000 − 13,200)
    assert body["二、会员入会"] == (
        "全市在报企业职工14,000人，会员13,200人，职工入会率为94.3%，同比提高1.7个百分点，"
        "距年度目标95%还差0.7个百分点，还需发展会员100人。"
    )
    # 340/404 = 84.2% (11 of 溪口镇's unionised enterprises lack contract dates);
    # 2024: 315/376 = 83.8%; 还需 ceil(0.9 × 404 − 340) = 24
    assert body["三、集体合同"] == (
        "全市已建会企业404家，报告期末集体合同有效的340家，集体合同签订率为84.2%"
        "（按报送此项的393家企业计，另有11家未报此项），同比提高0.4个百分点，"
        "距年度目标90%还差5.8个百分点，还需签订集体合同24家。"
    )
    assert body["四、工资集体协商"] == "全年开展工资集体协商67次，比上年增加9次。"
    # 3 town files of 2025 (rows + 3 each: 2 quarantined, 1 skipped); 坏文件.xlsx refused
    assert body["六、数据来源与质量"] == (
        "本报告数据取自2026-01-01 02:05发布的统计数据，涉及本报告期本地区的报表文件3个"
        "（企业报表3个、镇街汇总表0个），共读取数据行429行，其中受理420行，隔离6行"
        "（内容有误，已列入隔离清单，待填报单位更正后重报），跳过合计、备注等非数据行3行。"
        "另有1个文件无法读取，未计入本报告。"
    )


def test_only_areas_with_figures_get_a_paragraph(publish, tmp_path):
    paragraphs, _ = written(publish, tmp_path)

    headings = list(by_heading(paragraphs))
    # the snapshot has no congress, legal-person or registration rows
    assert headings == [
        "一、工会组建",
        "二、会员入会",
        "三、集体合同",
        "四、工资集体协商",
        "五、各区县（市）情况",
        "六、数据来源与质量",
    ]


def test_the_table_lists_the_districts_and_the_city_total(publish, tmp_path):
    _, rows = written(publish, tmp_path)

    assert rows[0][:6] == [
        "地区",
        "在报企业数",
        "已建会企业数",
        "工会组建率",
        "职工入会率",
        "集体合同签订率",
    ]
    assert [row[:6] for row in rows[1:]] == [
        ["海曙区", "100", "97", "97.0%", "94.0%", "92.8%"],  # 4,700/5,000; 90/97
        ["奉化区", "320", "307", "95.9%", "94.4%", "81.4%"],  # 8,500/9,000; 250/307
        ["合计", "420", "404", "96.2%", "94.3%", "84.2%"],
    ]
    assert {cell for row in rows[1:] for cell in row[6:]} == {"—"}  # KPIs without rows


def test_every_figure_is_the_marts(publish, tmp_path):
    """Formatted straight from mart_kpi: the report computes nothing of its own."""
    paragraphs, rows = written(publish, tmp_path)
    text = "".join(paragraphs)
    with duckdb.connect(str(publish / SNAPSHOT), read_only=True) as con:
        marts = con.execute(
            "select region_code, kpi, numerator, denominator, value, target, still_needed,"
            " yoy_change from mart_kpi where period = '2025-12'"
        ).fetchall()
    by = {(region, kpi): rest for region, kpi, *rest in marts}
    for kpi in ("org_rate", "membership_rate", "cba_rate"):
        numerator, denominator, value, target, needed, yoy = by[(CITY, kpi)]
        assert f"{numerator:,.0f}" in text and f"{denominator:,.0f}" in text
        assert f"{value:.1f}%" in text
        assert f"同比提高{yoy:.1f}个百分点" in text
        assert f"年度目标{target:g}%" in text
        assert needed == 0 or f"{needed:,}" in text
    for row in rows[1:3]:
        code = {"海曙区": HAISHU, "奉化区": FENGHUA}[row[0]]
        assert row[3] == f"{by[(code, 'org_rate')][2]:.1f}%"
        assert row[5] == f"{by[(code, 'cba_rate')][2]:.1f}%"


def test_a_town_report_has_no_table_and_says_全镇(publish, tmp_path):
    out = tmp_path / "溪口.docx"
    report.write(publish, "2025-12", XIKOU, out)
    document = Document(str(out))

    assert document.tables == []
    text = [p.text for p in document.paragraphs]
    assert text[0] == "溪口镇2025年度工会组建与覆盖统计情况"
    assert (
        "全镇在报企业120家，已建会企业111家，工会组建率为92.5%，同比提高2.1个百分点，"
        "距年度目标95%还差2.5个百分点，还需新建会3家。" in text
    )


def test_without_last_year_nothing_is_said_about_it(publish, tmp_path):
    paragraphs, _ = written(publish, tmp_path, period="2024-12")

    text = "".join(paragraphs)
    assert "宁波市2024年度工会组建与覆盖统计情况" in text
    assert "同比" not in text and "上年" not in text
    assert "工会组建率为94.0%，距年度目标95%还差1.0个百分点，还需新建会4家。" in text


def test_a_bounded_rate_over_100_percent_is_a_bug_not_a_sentence(publish, tmp_path):
    change(
        publish,
        "update mart_kpi set value = 101.5 where kpi = 'org_rate' and region_code = ?",
        [CITY],
    )

    with pytest.raises(ImpossibleFigure, match="org_rate: value = 101.5"):
        report.write(publish, "2025-12", None, tmp_path / "r.docx")
    assert not (tmp_path / "r.docx").exists()


def test_a_district_over_100_percent_in_the_table_is_refused_too(publish, tmp_path):
    change(
        publish,
        "update mart_kpi set numerator = 98, denominator = 97, value = 101.0"
        " where kpi = 'cba_rate' and region_code = ? and period = '2025-12'",
        [HAISHU],
    )

    with pytest.raises(ImpossibleFigure, match=f"{HAISHU} 2025-12 cba_rate"):
        report.build(publish, "2025-12", None)


def test_a_negative_count_is_refused(publish):
    change(
        publish,
        "update mart_kpi set numerator = -5 where kpi = 'wage_rounds' and region_code = ?"
        " and period = '2025-12'",
        [CITY],
    )

    with pytest.raises(ImpossibleFigure, match="numerator = -5.0 为负数"):
        report.build(publish, "2025-12", None)


def test_rows_that_do_not_balance_in_the_load_audit_are_refused(publish):
    change(publish, "update mart_load_audit set rows_read = rows_read + 1 where status = 'loaded'")

    with pytest.raises(ImpossibleFigure, match="rows do not balance"):
        report.build(publish, "2025-12", None)


def test_an_unbounded_rate_may_pass_100_percent(publish):
    # 入会率: members over employees, two figures each return states; one return with its
    # employees left empty can take it over 100%, and the report says what the mart says
    change(
        publish,
        "update mart_kpi set numerator = 14560, value = 104.0, gap = 9.0, still_needed = 0"
        " where kpi = 'membership_rate' and region_code = ? and period = '2025-12'",
        [CITY],
    )

    text = "".join(p for s in report.build(publish, "2025-12", None).sections for p in s.paragraphs)
    assert "会员14,560人，职工入会率达104.0%" in text


def test_missing_figures_are_phrases_never_none(publish, tmp_path):
    change(
        publish,
        "update mart_kpi set numerator = 0, value = null, gap = null, still_needed = null,"
        " yoy_change = null, reported_enterprises = 0"
        " where kpi = 'cba_rate' and region_code = ? and period = '2025-12'",
        [CITY],
    )
    change(publish, "delete from mart_kpi where region_code = ? and period = '2025-12'", [HAISHU])

    paragraphs, rows = written(publish, tmp_path)
    text = "".join(paragraphs) + "".join(cell for row in rows for cell in row)
    assert "集体合同签订率：在报的404家企业均未报此项。" in paragraphs
    assert rows[1] == ["海曙区", *["—"] * (len(rows[0]) - 1)]
    assert rows[-1][5] == "未报"
    assert "None" not in text and "nan" not in text


def test_chinese_text_has_an_east_asian_font(publish, tmp_path):
    out = tmp_path / "报告.docx"
    report.write(publish, "2025-12", None, out)
    document = Document(str(out))

    def east_asian(element) -> str | None:
        fonts = element.find(qn("w:rPr") + "/" + qn("w:rFonts"))
        return None if fonts is None else fonts.get(qn("w:eastAsia"))

    assert east_asian(document.styles["Normal"].element) == "仿宋"
    title = document.paragraphs[0].runs[0]
    assert east_asian(title.element) == "宋体" and title.bold
    header, *_, total = document.tables[0].rows
    runs = [run for cell in header.cells for run in cell.paragraphs[0].runs]
    assert {east_asian(run.element) for run in runs} == {"宋体"}
    assert all(run.bold for cell in total.cells for run in cell.paragraphs[0].runs)  # 合计
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)


@pytest.mark.parametrize(
    ("name", "period", "expected"),
    [
        ("宁波市", "2025-12", "宁波市_2025年统计报告.docx"),
        ("溪口镇", "2025-06", "溪口镇_2025年6月统计报告.docx"),
        ('a/b:镇"', "2025-12", "a_b_镇__2025年统计报告.docx"),
    ],
)
def test_file_name(name, period, expected):
    assert report.file_name(name, period) == expected


def export_report(out, publish_dir, *args: str) -> int:  # noqa: ANN001
    """`gonghui export report --period 2025-12 … --out out`: its exit status."""
    return main(
        ["export", "report", "--period", "2025-12", *args, "--out", str(out),
         "--publish-dir", str(publish_dir)]
    )  # fmt: skip


def test_the_command_writes_the_city_report_by_default(publish, tmp_path, capsys):
    out = tmp_path / "统计报告.docx"
    code = export_report(out, publish)

    assert code == 0
    assert "已写出报告“宁波市2025年度工会组建与覆盖统计情况”" in capsys.readouterr().out
    assert Document(str(out)).paragraphs[0].text == "宁波市2025年度工会组建与覆盖统计情况"


def test_the_command_writes_a_districts_report(publish, tmp_path):
    out = tmp_path / "奉化.docx"
    args = ["--period", "2025-12", "--region", FENGHUA, "--out", str(out)]
    assert main(["export", "report", *args, "--publish-dir", str(publish)]) == 0

    paragraphs, rows = read_back(out)
    assert paragraphs[0] == "奉化区2025年度工会组建与覆盖统计情况"
    assert [row[0] for row in rows] == ["地区", "锦屏街道", "溪口镇", "合计"]  # by code


@pytest.mark.parametrize("name", ["报告.pdf", "报告.xlsx", "报告"])
def test_the_command_refuses_a_file_that_is_not_docx(publish, tmp_path, capsys, name):
    out = tmp_path / name
    code = export_report(out, publish)

    assert code == 2
    error = capsys.readouterr().err
    assert "报告只能保存为 .docx 文件" in error and "can only be written as .docx" in error
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2025-11"], "报告期 2025-11 没有数据"),
        (["--period", "2025-12", "--region", "330200999000"], "不在区划名单中"),
    ],
)
def test_the_command_says_what_is_wrong(publish, tmp_path, capsys, args, message):
    out = tmp_path / "r.docx"
    code = main(["export", "report", *args, "--out", str(out), "--publish-dir", str(publish)])

    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_the_command_without_a_snapshot_says_so(tmp_path, capsys):
    out = tmp_path / "r.docx"
    code = export_report(out, tmp_path)

    assert code == 2
    assert "尚无已发布的数据" in capsys.readouterr().err


def test_the_command_has_bilingual_help(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["export", "report", "--help"])

    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert "年度目标与还需" in text and "change on last year" in text
    assert "默认全市" in text and ".docx output file" in text
