"""A saved trace from the command line (issue 18, point 3): ``asyncviz gui TRACE`` opens it
as File > Open does (never as a scenario's name), and ``asyncviz summary TRACE`` prints
its per-task table; a file that is not a trace is said, with why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from visualizer.model.files import load_any
from visualizer.model.summary import format_summary

ROOT = Path(__file__).resolve().parent.parent


def asyncviz(tmp_path: Path, *words: str, display: bool = True) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it, its settings in ``tmp_path``; offscreen, or with no
    display at all unless ``display``: no ``QT_QPA_PLATFORM``, ``DISPLAY`` or
    ``WAYLAND_DISPLAY`` (a command that draws must choose offscreen itself)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    if not display:
        for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
            env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "visualizer", *words],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )


@pytest.fixture(scope="module", params=["gather.json.gz", "gather.avz"])
def saved(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """A real run's trace, as `asyncviz run --trace` saves it (gzipped, or compact: told
    by its bytes)."""
    folder = tmp_path_factory.mktemp("saved")
    path = folder / request.param
    done = asyncviz(folder, "run", "gather_basics", "--clock", "ideal", "--trace", str(path))
    assert done.returncode == 0, done.stderr
    return path


def test_gui_opens_a_saved_trace_it_is_given(tmp_path: Path, saved: Path) -> None:
    back, picture = tmp_path / "back.json", tmp_path / "opened.png"
    done = asyncviz(
        tmp_path,
        "gui",
        str(saved),
        "--save-trace",
        str(back),
        "--screenshot",
        str(picture),
        "--exit-when-done",
    )
    assert done.returncode == 0, done.stderr
    original, shown = load_any(saved), load_any(back)
    assert [t.name for t in shown.tasks] == [t.name for t in original.tasks]
    assert len(shown.spans) == len(original.spans) and shown.duration == original.duration
    assert picture.stat().st_size > 10_000
    # opened, never run: no parameters for it
    refused = asyncviz(tmp_path, "gui", str(saved), "--param", "n=1")
    assert refused.returncode == 2 and "a saved trace opens, it never runs here" in refused.stderr


def test_gui_says_why_a_file_is_not_a_trace_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "asyncviz-trace", "version": 1, "meta": ', encoding="utf-8")
    done = asyncviz(tmp_path, "gui", str(bad), "--exit-when-done")
    assert done.returncode == 1
    assert f"cannot open {bad}" in done.stderr


def test_summary_prints_the_per_task_table_of_a_saved_trace(tmp_path: Path, saved: Path) -> None:
    done = asyncviz(tmp_path, "summary", str(saved))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == format_summary(load_any(saved)).strip()
    for name in ("main", "A", "B", "C"):
        assert name in done.stdout


def test_summary_of_what_is_not_a_trace_is_said(tmp_path: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text("print('hello')\n", encoding="utf-8")
    done = asyncviz(tmp_path, "summary", str(program))
    assert done.returncode == 2 and done.stdout == ""
    assert "prog.py: not JSON" in done.stderr
    missing = asyncviz(tmp_path, "summary", str(tmp_path / "none.json"))
    assert missing.returncode == 2 and "none.json" in missing.stderr
