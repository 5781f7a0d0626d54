"""The README's window commands run as written: each `asyncviz gui ...` (or `bash tools/app
gui ...`) it gives for a scenario or a program that exists is run offscreen, its picture
saved (where it names `--screenshot`, to a temporary path instead; where it does not, one is
asked for, with `--exit-when-done`), and must exit 0, leave a PNG of the size the window
was asked to be, and a trace of the run with its tasks (an empty chart is not a picture
of the command).  Commands with placeholders (`SCENARIO`, `path/to/prog.py`) and the
window that only listens are not runs of anything; they are left out, and counted."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication, QImage

from visualizer.app.main import PICTURE_SIZE
from visualizer.cli_gui import window_size
from visualizer.session.scenarios import discover

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

#: how the README starts the command line: what comes before `gui`
LAUNCHERS = (("asyncviz",), (".venv/bin/asyncviz",), ("bash", "tools/app"))


def _code(markdown: str) -> list[str]:
    """The README's code: inline spans (which may run over a line end), indented blocks'
    lines and fenced blocks' lines."""
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", markdown, flags=re.S | re.M)
    rest = re.sub(r"^```[^\n]*\n.*?^```", "", markdown, flags=re.S | re.M)
    indented = re.findall(r"^(?: {4}|\t)(\S.*)$", rest, flags=re.M)
    inline = [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", rest)]
    return [line for block in fenced for line in block.splitlines()] + indented + inline


def gui_commands(markdown: str) -> list[list[str]]:
    """Every `gui` command in ``markdown``, as the words after `gui`."""
    found: list[list[str]] = []
    for code in _code(markdown):
        try:
            words = shlex.split(code.split("#")[0])
        except ValueError:
            continue
        for launcher in LAUNCHERS:
            n = len(launcher)
            for i in range(len(words) - n):
                if tuple(words[i : i + n]) == launcher and words[i + n] == "gui":
                    found.append(words[i + n + 1 :])
    return found


def _target(words: list[str]) -> str | None:
    """The scenario or program a command names (before `--`), if any."""
    for word in words[: words.index("--")] if "--" in words else words:
        if not word.startswith("-"):
            return word
    return None


def runnable(commands: list[list[str]]) -> tuple[list[list[str]], list[list[str]]]:
    """The commands that run something that exists, and the rest (placeholders, none)."""
    ids = {scenario.id for scenario in discover()[0]}
    runs, rest = [], []
    for words in commands:
        target = _target(words)
        real = target is not None and (target in ids or (ROOT / target).is_file())
        (runs if real and "--listen" not in words else rest).append(words)
    return runs, rest


COMMANDS, LEFT_OUT = runnable(gui_commands(README.read_text(encoding="utf-8")))


def test_the_readme_has_its_window_commands() -> None:
    """The parser finds them (else the test below would pass on nothing): the one that
    makes a picture without a display, the presenter's, a plain program's."""
    assert any("--screenshot" in words for words in COMMANDS)
    assert any("--presenter" in words for words in COMMANDS)
    assert any(_target(words) == "docs/examples/workers.py" for words in COMMANDS)
    assert all(
        _target(words) is None or not (ROOT / str(_target(words))).exists() for words in LEFT_OUT
    )


@pytest.mark.parametrize("words", COMMANDS, ids=[" ".join(words) for words in COMMANDS])
def test_a_readme_command_makes_its_picture(words: list[str], tmp_path: Path, qapp: object) -> None:
    words = list(words)
    shot, trace = tmp_path / "shot.png", tmp_path / "trace.json"
    ours, program = (
        (words[: words.index("--")], words[words.index("--") :]) if "--" in words else (words, [])
    )
    if "--screenshot" in ours:
        ours[ours.index("--screenshot") + 1] = str(shot)
    else:
        ours += ["--screenshot", str(shot)]
    if "--exit-when-done" not in ours:
        ours.append("--exit-when-done")
    ours += ["--save-trace", str(trace)]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    command = [sys.executable, "-m", "visualizer", "gui", *ours, *program]
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    if "--presenter" in ours:  # full screen: the screen's size
        screen = QGuiApplication.primaryScreen().size()
        expected = (screen.width(), screen.height())
    elif "--size" in ours:
        expected = window_size(ours[ours.index("--size") + 1])
    else:
        expected = PICTURE_SIZE
    image = QImage(str(shot))
    assert shot.stat().st_size > 0 and (image.width(), image.height()) == expected
    tasks = json.loads(trace.read_text(encoding="utf-8"))["tasks"]
    assert tasks, "the run drew nothing"
