"""Start-up (issue 19): the light commands load no numpy and no Qt, ``--version`` says
what a bug report needs, and the window's first paint is waited for, not slept for.

Checked by what a fresh process imported, never by how long it took: the time depends on
the machine and on what else runs on it; the modules it loads do not (``bench/startup.py``
measures the time).
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel

from visualizer import __version__, about
from visualizer.app import first_paint
from visualizer.app.first_paint import FirstPaint
from visualizer.app.qtloop import GuiEventLoop

ROOT = Path(__file__).resolve().parent.parent

#: what the light commands must not load (msgspec: the trace files' reader)
HEAVY = ("numpy", "PySide6", "shiboken6", "pyqtgraph", "qasync", "msgspec")
#: the light commands: what a user types to find their way, and each command's --help
#: whose options need nothing heavy
LIGHT = (
    ["--help"],
    ["list"],
    ["list", "--json"],
    ["--version"],
    ["run", "--help"],
    ["record", "--help"],
    ["check", "--help"],
    ["gui", "--help"],
    ["new", "--help"],
    ["summary", "--help"],
    ["desktop-install", "--help"],
)

#: ``cli.main(words)`` in a fresh process, then the modules it loaded, on stderr's last line
WRAPPER = """
import json, sys
from visualizer.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **extra}
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def _heavy(modules: list[str]) -> list[str]:
    return sorted({m.split(".")[0] for m in modules} & set(HEAVY))


def _wrapped(*words: str) -> dict[str, Any]:
    """``cli.main(words)`` in a fresh process: its exit code and the modules it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *words],
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    said: dict[str, Any] = json.loads(done.stderr.strip().splitlines()[-1])
    return said


@pytest.mark.parametrize("words", LIGHT, ids=" ".join)
def test_light_commands_load_nothing_heavy(words: list[str]) -> None:
    said = _wrapped(*words)
    assert said["code"] in (0, None)
    assert _heavy(said["modules"]) == []
    assert "visualizer.cli" in said["modules"]  # (the wrapper did run the command)


def test_a_command_that_reads_a_trace_loads_it_then(tmp_path: Path) -> None:
    """The other side: the modules put off are loaded when the command runs (so the
    check above would see them if they came back to the top of the command line)."""
    missing = tmp_path / "nothing.json"
    missing.write_text("{}")
    said = _wrapped("summary", str(missing))
    assert said["code"] == 2  # (not a trace: said)
    assert "numpy" in _heavy(said["modules"])


def _imported(command: list[str], env: dict[str, str]) -> set[str]:
    """The modules ``command`` imported, read from ``-X importtime``'s lines on stderr."""
    done = subprocess.run(
        command,
        env={**env, "PYTHONPROFILEIMPORTTIME": "1"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", done.stderr, re.M)
    assert "visualizer.cli" in found
    return set(found)


@pytest.mark.parametrize("words", [["--help"], ["list"], ["--version"]], ids=" ".join)
def test_python_m_visualizer_and_the_installed_command_load_nothing_heavy(
    words: list[str],
) -> None:
    """As a user runs them: ``python -m visualizer`` and the ``asyncviz`` script pip
    wrote next to this Python (when there is one)."""
    commands = [[sys.executable, "-m", "visualizer", *words]]
    script = Path(sys.executable).parent / "asyncviz"
    if script.is_file() and b"visualizer.cli" in script.read_bytes()[:4096]:
        commands.append([str(script), *words])
    for command in commands:
        assert _heavy(sorted(_imported(command, _env()))) == [], command


def _version(**extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "visualizer", "--version"],
        env=_env(**extra),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_version_says_what_a_bug_report_needs() -> None:
    done = _version(**{about.PURE_PYTHON_ENV: ""})
    assert done.returncode == 0
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0] == f"asyncviz {__version__} ({about.DISTRIBUTION})"
    facts = dict(line.strip().split(": ", 1) for line in lines[1:])
    assert facts["Python"].startswith(platform.python_version())
    for name, distribution in about.LIBRARIES:
        assert facts[name] == about.installed_version(distribution)
    assert {"PySide6", "pyqtgraph", "qasync"} <= facts.keys()
    assert facts["PySide6"] != "not installed"
    for what, module in about.HOT_PATHS:
        assert facts[f"{what} hot path"] == about.hot_path_state(module)
    # (each on its own line, as version_text() wrote it: argparse's action rewraps)
    assert done.stdout == about.version_text() + "\n"


def test_version_says_when_the_hot_paths_are_switched_off() -> None:
    done = _version(**{about.PURE_PYTHON_ENV: "1"})
    assert done.returncode == 0
    for what, _ in about.HOT_PATHS:
        assert f"  {what} hot path: pure Python ({about.PURE_PYTHON_ENV} is set)" in done.stdout


@pytest.fixture
def loop(qapp: Any) -> Any:
    gui_loop = GuiEventLoop(qapp)
    yield gui_loop
    gui_loop.close()


def test_first_paint_is_the_widget_s_first_paint(loop: GuiEventLoop, qtbot: Any) -> None:
    label = QLabel("painted")
    qtbot.addWidget(label)

    async def shown() -> tuple[bool, bool, bool]:
        painted = FirstPaint(label)
        before = painted.done
        label.show()
        return before, await painted.wait(timeout=60), painted.done

    assert loop.run_until_complete(shown()) == (False, True, True)


def test_the_start_up_report_is_the_process_s_first_paint_only(
    loop: GuiEventLoop, qtbot: Any, monkeypatch: pytest.MonkeyPatch, capfd: Any
) -> None:
    """A comparison's window paints seconds later: its paint is not the start-up."""
    monkeypatch.setenv(first_paint.REPORT_ENV, "1")
    monkeypatch.setattr(first_paint, "_reported", False)
    labels = [QLabel("first"), QLabel("second")]

    async def both() -> None:
        for label in labels:
            qtbot.addWidget(label)
            painted = FirstPaint(label)
            label.show()
            assert await painted.wait(timeout=60)

    capfd.readouterr()
    loop.run_until_complete(both())
    said = [line for line in capfd.readouterr().err.splitlines() if "first paint" in line]
    assert len(said) == 1 and re.fullmatch(r"asyncviz: first paint after \d+ ms", said[0])


def test_a_widget_never_shown_does_not_hang_the_wait(loop: GuiEventLoop, qtbot: Any) -> None:
    """A window never exposed (minimized, a screen that is off) never paints: the wait
    gives up, and says so."""
    label = QLabel("never shown")
    qtbot.addWidget(label)

    async def never() -> tuple[bool, bool, FirstPaint]:
        painted = FirstPaint(label)
        return await painted.wait(timeout=0.05), painted.done, painted

    gave_up, done, painted = loop.run_until_complete(never())
    assert (gave_up, done, painted.gave_up) == (False, False, True)
    # the next wait (asyncviz gui waits up to three times) returns without waiting at all:
    # its coroutine ends at its first step, whatever its timeout
    again = painted.wait(timeout=3600)
    with pytest.raises(StopIteration) as ended:
        again.send(None)
    assert ended.value.value is False


def test_the_gui_reports_its_first_paint_when_asked(tmp_path: Path) -> None:
    """``ASYNCVIZ_STARTUP_REPORT`` (what ``bench/startup.py`` reads): one line, once,
    from the process's start; and the run's picture is still taken."""
    picture = tmp_path / "shot.png"
    gui = [sys.executable, "-m", "visualizer", "gui", "create_task_basics", "--clock", "ideal"]
    done = subprocess.run(
        [*gui, "--size", "1280x800", "--screenshot", str(picture), "--exit-when-done"],
        env=_env(
            QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path), ASYNCVIZ_STARTUP_REPORT="1"
        ),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    said = re.findall(r"^asyncviz: first paint after (\d+) ms$", done.stderr, re.M)
    assert len(said) == 1, done.stderr
    assert int(said[0]) > 0
    assert picture.stat().st_size > 0
