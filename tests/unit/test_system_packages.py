""".ci/system-packages, which `make test` runs first, on a made-up PATH: what it finds
missing, what it asks apt-get for, and how it stops when it cannot install.

The PATH holds the few programs the script uses (links to the real grep and cat) and
stand-ins: `id` says who we are, `fc-list` lists a Chinese font or none, `apt-get` writes
down how it was called and puts in place the stand-ins that the packages would bring."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / ".ci" / "system-packages"
CJK_FONT = "/usr/share/fonts/NotoSansCJK-Regular.ttc: Noto Sans CJK SC:style=Regular"


def _program(path: Path, body: str) -> None:
    """An executable shell script."""
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o755)


class System:
    """A bin/ folder to be the script's whole PATH, with the stand-ins."""

    def __init__(self, root: Path) -> None:
        self.bin = root / "bin"
        self.bin.mkdir()
        self.fonts_file = root / "fonts"  # what the fc-list stand-in lists
        self.apt_log = root / "apt-get.log"
        self.java_package = root / "java-17"  # the java openjdk-17-jre-headless brings
        self.java(17, self.java_package)
        for tool in ("grep", "cat"):
            (self.bin / tool).symlink_to(shutil.which(tool))
        self.user(0)

    def user(self, uid: int) -> None:
        _program(self.bin / "id", f"echo {uid}")

    def chromium(self) -> None:
        _program(self.bin / "chromium", "exit 0")

    def java(self, major: int = 17, path: Path | None = None) -> None:
        """A java that reports its version as `java -version` does: on stderr."""
        body = f"echo 'openjdk version \"{major}.0.15\" 2025-04-15' >&2"
        _program(path or self.bin / "java", body)

    def fc_list(self) -> None:
        _program(self.bin / "fc-list", f"cat {self.fonts_file} 2>/dev/null || true")

    def chinese_font(self) -> None:
        self.fonts_file.write_text(CJK_FONT + "\n", encoding="utf-8")

    def apt_get(
        self,
        *,
        brings: tuple[str, ...] = (
            "chromium", "fonts-noto-cjk", "fontconfig", "openjdk-17-jre-headless",
        ),
    ):  # fmt: skip
        """An apt-get that logs its arguments and puts in place what each package it is asked
        to install brings, if that package is among `brings`."""
        chmod = shutil.which("chmod")  # not on the script's PATH
        stand_in = {
            "chromium": f"printf 'exit 0' > {self.bin}/chromium; {chmod} +x {self.bin}/chromium",
            "fonts-noto-cjk": f"echo '{CJK_FONT}' > {self.fonts_file}",
            "fontconfig": f"printf 'cat {self.fonts_file} 2>/dev/null || true' > {self.bin}/fc-list;"
            f" {chmod} +x {self.bin}/fc-list",
            "openjdk-17-jre-headless": f"{shutil.which('cp')} {self.java_package} {self.bin}/java",
        }
        steps = "\n".join(
            f'case " $* " in *" install "*" {name} "*) {stand_in[name]};; esac' for name in brings
        )
        _program(self.bin / "apt-get", f'echo "$@" >> {self.apt_log}\n{steps}')

    def run(self) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["/bin/bash", str(SCRIPT)],
            env={"PATH": str(self.bin), "LANG": "C.UTF-8"},
            capture_output=True,
            text=True,
            timeout=30,
        )

    def apt_calls(self) -> list[str]:
        if not self.apt_log.exists():
            return []
        return self.apt_log.read_text(encoding="utf-8").splitlines()


@pytest.fixture
def system(tmp_path) -> System:
    return System(tmp_path)


def test_nothing_missing_installs_nothing(system):
    system.java()
    system.chromium()
    system.fc_list()
    system.chinese_font()
    system.apt_get()

    result = system.run()

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert system.apt_calls() == []


def test_missing_chromium_is_installed_as_root_after_an_update(system):
    system.java()
    system.fc_list()
    system.chinese_font()
    system.apt_get()

    result = system.run()

    assert result.returncode == 0, result.stderr
    assert system.apt_calls() == ["update", "install -y chromium"]
    assert "chromium" in result.stdout


def test_a_missing_chinese_font_or_fc_list_is_installed(system):
    system.java()
    system.chromium()
    system.fc_list()  # which lists no Chinese font
    system.apt_get()
    assert system.run().returncode == 0
    assert system.apt_calls() == ["update", "install -y fonts-noto-cjk"]


def test_without_fc_list_fontconfig_comes_with_the_font(system):
    system.java()
    system.chromium()
    system.apt_get()
    assert system.run().returncode == 0
    assert system.apt_calls() == ["update", "install -y fontconfig fonts-noto-cjk"]


@pytest.mark.parametrize("cannot", ["not root", "no apt-get"])
def test_when_it_cannot_install_it_stops_naming_the_one_command(system, cannot):
    system.java()
    system.fc_list()
    system.chinese_font()
    if cannot == "not root":
        system.user(1000)
        system.apt_get()

    result = system.run()

    assert result.returncode == 1
    assert system.apt_calls() == []
    message = result.stderr
    assert "缺少测试所需的系统软件包：chromium" in message
    assert "Missing system packages the tests need: chromium" in message
    assert message.count("sudo .ci/system-packages") == 1
    assert message.index("缺少") < message.index("Missing")  # Chinese first


def test_a_package_that_did_not_bring_its_program_is_an_error(system):
    system.java()
    system.fc_list()
    system.chinese_font()
    system.apt_get(brings=())

    result = system.run()

    assert result.returncode == 1
    assert "still missing after installing: chromium" in result.stderr


@pytest.mark.parametrize("java", [None, 11], ids=["no java", "java 11"])
def test_java_17_comes_when_java_is_missing_or_older(system, java):
    """The local Spark of the engine test needs Java 17 or later (Spark 4)."""
    system.chromium()
    system.fc_list()
    system.chinese_font()
    if java:
        system.java(java)
    system.apt_get()

    result = system.run()

    assert result.returncode == 0, result.stderr
    assert system.apt_calls() == ["update", "install -y openjdk-17-jre-headless"]


def test_a_newer_java_is_enough(system):
    system.java(21)
    system.chromium()
    system.fc_list()
    system.chinese_font()
    system.apt_get()
    assert system.run().returncode == 0
    assert system.apt_calls() == []


def test_make_test_runs_it_before_anything_else():
    planned = subprocess.run(
        ["make", "--dry-run", "--always-make", "--no-print-directory", "test"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert planned.returncode == 0, planned.stderr
    assert planned.stdout.splitlines()[0].strip() == ".ci/system-packages"
