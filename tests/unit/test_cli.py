"""The command line explains itself in Chinese and English and refuses bad calls clearly."""

from __future__ import annotations

import socket

import polars as pl
import pytest

from pipelines.cli import main, serve
from pipelines.exports import tables as export


@pytest.mark.parametrize(
    ("argv", "chinese", "english"),
    [
        ([], "刷新数仓", "refresh the warehouse"),
        (["refresh"], "原始文件目录", "raw files folder"),
        (["export", "kpis"], "报告期", "period"),
        (["export", "quarantine"], "输出文件", "output file"),
        (["export", "actions"], "区划代码", "region code"),
        (["export", "reconciliation"], "上报值", "reported vs recomputed"),
        (["export", "quarantine"], "包括已被后来文件更正的行", "a later file has fixed"),
        (["serve"], "仪表盘端口", "dashboard port"),
    ],
)
def test_every_command_has_bilingual_help(argv, chinese, english, capsys):
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert chinese in text and english in text


def test_export_without_a_published_snapshot_says_so(tmp_path, capsys):
    code = main(
        ["export", "quarantine", "--out", str(tmp_path / "q.csv"), "--publish-dir", str(tmp_path)]
    )
    assert code == 2
    assert "尚无已发布的数据" in capsys.readouterr().err
    assert not (tmp_path / "q.csv").exists()


def test_export_refuses_other_file_types(tmp_path):
    with pytest.raises(export.ExportError, match="只支持 .csv 或 .xlsx"):
        export.write_table(pl.DataFrame({"a": [1]}), tmp_path / "x.pdf", "x")


def test_the_dashboard_listens_on_this_machine_only_unless_opened_to_the_lan(monkeypatch):
    monkeypatch.delenv("GONGHUI_DASHBOARD_ADDRESS", raising=False)
    local = serve.commands(3000, 8501)["仪表盘 dashboard"]
    assert option(local, "--server.address") == option(local, "--browser.serverAddress")
    assert option(local, "--server.address") == "127.0.0.1"

    monkeypatch.setenv("GONGHUI_DASHBOARD_ADDRESS", "0.0.0.0")
    lan = serve.commands(3000, 8501)["仪表盘 dashboard"]
    assert option(lan, "--server.address") == "0.0.0.0"
    # told what address to print, Streamlit does not ask the internet for the external IP
    assert option(lan, "--browser.serverAddress") == socket.gethostname()


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]
