"""A lesson's checks in the window (issue 17, point 3), in a real window (pytest-qt,
offscreen): real scenario files in ``tmp_path``, real runs, the checks in real child
processes (``checks_of_trace_async``), killed for real.

After a run of a scenario with checks, the line over the details says the verdict and
the list names each claim, with a failed one's values; the browser marks the scenario.
Saved fixed, the file reruns and turns green (the mark gone in between).  A scenario
without checks has neither.  On another clock than the checks', what held is said
calmly, and the mark is left alone.  A check that spins is killed at the time limit and
said, the window's loop turning all along; a newer run, or the window closing, kills the
checks of the last one, and no verdict of an older run lands on a newer one.

Every wait is ``qtbot.waitUntil`` on the thing waited for (the loop: hot reload's tests'
``loop``, running beside Qt's); a busy machine makes them longer, never wrong.  No wall
clock decides a verdict: the time limit of the spinning check is what it is, and the
test asserts what the line says of it, whichever check it caught.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from test_gui_hot_reload import WAIT_MS, _ran, clean_settings, loop, save  # noqa: F401
from test_gui_hot_reload import _window as _watching_window

from visualizer.app.browser import NOTE_MARK
from visualizer.app.checks_line import FAILED_MARK, PASSED_MARK, Shown
from visualizer.app.lesson_checks import has_checks
from visualizer.app.window import MainWindow
from visualizer.session.scenarios import find

# (the window's loop running beside Qt's, and hot reload's toggle as on a first start)
pytestmark = pytest.mark.usefixtures("loop", "clean_settings")

#: the claim that fails until the file is fixed: rich text in it stays text
CLAIM = "The run takes <b>three</b> seconds."


def lesson(took: str = "3.0", extra: str = "", params: str = "length: float = 1.0") -> str:
    """Two naps at once; a check that holds (on every clock), one that holds only once
    ``took`` is the run's length, and ``extra`` checks."""
    return (
        '"""Two naps\n\nTwo tasks nap at once.\n\nWhat to look for: the naps overlap.\n"""\n'
        "import asyncio\nimport os\nimport time\n\n"
        "from visualizer.checks import about\n\n\n"
        "async def nap(seconds: float) -> None:\n"
        "    await asyncio.sleep(seconds)\n\n\n"
        f"async def main({params}) -> None:\n"
        '    print("napping <b>now</b>")\n'
        "    await asyncio.gather(\n"
        '        asyncio.create_task(nap(length), name="nap-1"),\n'
        '        asyncio.create_task(nap(length), name="nap-2"),\n'
        "    )\n\n\n"
        "def check_two_naps(run):\n"
        '    """Two tasks nap, and main says so."""\n'
        '    assert run.task_names[-2:] == ["nap-1", "nap-2"]\n'
        '    assert "napping" in run.output\n\n\n'
        "def check_the_length(run):\n"
        f'    """{CLAIM}"""\n'
        "    took = run.duration\n"
        f'    assert took == about({took}), "it takes 3 s"\n'
        f"{extra}\n\n"
        'if __name__ == "__main__":\n'
        "    asyncio.run(main())\n"
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "lessons"
    folder.mkdir()
    save(folder / "naps.py", lesson())
    return folder


def _window(qtbot: Any, folder: Path) -> MainWindow:
    """A window on ``folder`` as the app makes it: watching it, its lessons' checks on."""
    window = _watching_window(qtbot, folder)
    window.lesson_checks.enabled = True
    return window


def _verdict(qtbot: Any, window: MainWindow) -> Shown:
    """The line's verdict, once the checks running are over."""
    qtbot.waitUntil(
        lambda: (
            window.lesson_checks.line.shown is not None
            and window.lesson_checks.line.shown.state == "done"
        ),
        timeout=WAIT_MS,
    )
    shown = window.lesson_checks.line.shown
    assert shown is not None
    return shown


def _title(window: MainWindow, scenario: str) -> str:
    browser = window.browser
    return browser.item(browser.row_of(scenario)).text()


def _alive(pid: int) -> bool:
    """``pid`` is a process still running (not gone, not a zombie waiting to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


# --- the verdict, the list, the mark ---------------------------------------------------------


def test_a_failing_check_is_said_and_marked_then_the_fixed_file_turns_green(
    qtbot: Any, folder: Path
) -> None:
    window = _window(qtbot, folder)
    line = window.lesson_checks.line
    _ran(qtbot, window, "naps")
    shown = _verdict(qtbot, window)
    assert line.isVisible()
    assert line.label.text() == f"Checks: 1 of 2 failed: {CLAIM}"
    assert "c62828" in line.label.styleSheet()  # (red: on the checks' own clock)
    # each claim, as written ("<b>" is text, not bold), a failed one's assert and values
    heads = [head for head, _, _ in line.entries]
    assert heads == [f"{PASSED_MARK} Two tasks nap, and main says so.", f"{FAILED_MARK} {CLAIM}"]
    _, under, site = line.entries[1]
    assert under[:2] == ['assert took == about(3.0), "it takes 3 s"', "it takes 3 s"]
    assert under[2].startswith("took = 1.0000")  # (the ideal clock: 1 s and its bookkeeping)
    number = next(i for i, text in enumerate(lesson().splitlines(), 1) if "assert took" in text)
    assert site == f"{folder / 'naps.py'}:{number}"
    assert CLAIM in line.list.toPlainText() and line.list.isVisible()  # (open: it failed)
    assert shown.report is not None and shown.report.checks[1].status == "failed"
    # the browser's mark, and the verdict in its tooltip
    assert _title(window, "naps") == f"{FAILED_MARK} Two naps"
    item = window.browser.item(window.browser.row_of("naps"))
    assert item.toolTip().endswith(f"Checks: 1 of 2 failed: {CLAIM}")
    # a click on the failed check's line shows it in the source pane
    line.site_clicked.emit(site)
    assert window.source.path == folder / "naps.py"

    # saved fixed: the mark goes at once (the verdict was the file's as it was), the
    # rerun comes (hot reload), and its checks turn the line and the mark green
    marks_at_save: list[str] = []
    window.hot_reload.reloaded.connect(lambda *_: marks_at_save.append(_title(window, "naps")))
    before = window.trace
    save(folder / "naps.py", lesson(took='run.params["length"]'))
    qtbot.waitUntil(lambda: window.trace is not before and window._task is None, timeout=WAIT_MS)
    shown = _verdict(qtbot, window)
    assert marks_at_save == ["Two naps"]
    assert line.label.text() == "Checks: 2 of 2 passed"
    assert "1b7a2f" in line.label.styleSheet()  # (green)
    assert _title(window, "naps") == f"{PASSED_MARK} Two naps"
    assert not line.list.isVisible()  # (all passed: the list stays shut until asked)


def test_a_scenario_without_checks_has_no_line_and_no_mark(qtbot: Any, folder: Path) -> None:
    body = lesson().split("\n\n\ndef check_two_naps")[0] + '\n\n\nif __name__ == "__main__":\n'
    save(folder / "plain_naps.py", body + "    asyncio.run(main())\n")
    window = _window(qtbot, folder)
    plain = window.scenarios["plain_naps"]
    assert not has_checks(plain.path)
    _ran(qtbot, window, "plain_naps")
    assert window.lesson_checks.task is None  # (nothing was started)
    assert not window.lesson_checks.line.isVisible()
    assert _title(window, "plain_naps") == plain.title


def test_a_window_made_for_a_test_or_a_tool_runs_no_checks(qtbot: Any) -> None:
    """Only the app turns them on (``run_gui``): a window made elsewhere starts no child."""
    window = MainWindow([find("gather_basics")])
    qtbot.addWidget(window)
    window.show()
    assert has_checks(find("gather_basics").path)
    _ran(qtbot, window, "gather_basics")
    assert window.lesson_checks.task is None and not window.lesson_checks.line.isVisible()


def test_on_another_clock_what_held_is_said_calmly_and_the_mark_is_left(
    qtbot: Any, folder: Path
) -> None:
    window = _window(qtbot, folder)
    line = window.lesson_checks.line
    _ran(qtbot, window, "naps", clock="virtual")
    _verdict(qtbot, window)
    assert line.label.text() == (
        "Checks: 1 of 2 held on this virtual-clock run. They are written for the ideal"
        " clock, where times do not vary: `asyncviz check-scenario` runs them there."
    )
    assert "c62828" not in line.label.styleSheet()  # (grey: not the verdict)
    assert _title(window, "naps") == "Two naps"  # (no verdict: no mark)
    assert not line.list.isVisible()
    # a broken file's mark wins over a verdict's
    _ran(qtbot, window, "naps")
    _verdict(qtbot, window)
    assert _title(window, "naps") == f"{FAILED_MARK} Two naps"
    save(folder / "naps.py", lesson().replace("def check_two_naps(run):", "def check_two("))
    qtbot.waitUntil(lambda: _title(window, "naps").startswith(NOTE_MARK), timeout=WAIT_MS)


# --- checks that never end, a newer run, a closing window -----------------------------------


def test_a_check_that_spins_is_killed_at_the_limit_and_said(qtbot: Any, folder: Path) -> None:
    spin = '\n\ndef check_spins(run):\n    """It never ends."""\n    while True:\n        pass\n'
    save(folder / "naps.py", lesson(took="1.0", extra=spin))
    window = _window(qtbot, folder)
    window.lesson_checks.timeout = 8.0
    _ran(qtbot, window, "naps")
    qtbot.waitUntil(lambda: window.lesson_checks.pid is not None, timeout=WAIT_MS)
    pid = window.lesson_checks.pid
    assert pid is not None
    # the window's loop goes on meanwhile: its tasks and Qt's timers run
    ticks: list[str] = []
    asyncio.ensure_future(asyncio.sleep(0.01)).add_done_callback(lambda _: ticks.append("task"))
    QTimer.singleShot(10, lambda: ticks.append("timer"))
    qtbot.waitUntil(lambda: len(ticks) == 2, timeout=WAIT_MS)
    assert window.lesson_checks.running  # (still: it spins until the limit)
    shown = _verdict(qtbot, window)
    assert shown.report is not None and shown.report.failure is not None
    assert shown.report.failure.kind == "timeout"
    said = window.lesson_checks.line.label.text()
    # (the check caught spinning, or, on a machine too busy to load the file in 8 s, none)
    assert said in (
        "Checks: check_spins() did not end within 8 s, and was stopped",
        "Checks: did not end within 8 s, and were stopped",
    )
    assert not _alive(pid)
    assert _title(window, "naps") == f"{FAILED_MARK} Two naps"


WAITS_FOR_A_FLAG = (
    "\n\ndef check_the_second_run(run):\n"
    '    """Only the second run is checked."""\n'
    '    while not os.path.exists(run.params["flag"]):\n'
    "        time.sleep(0.01)\n"
    '    assert run.params["turn"] == 2\n'
)


def test_a_new_run_kills_the_checks_of_the_last_and_only_its_own_verdict_lands(
    qtbot: Any, folder: Path, tmp_path: Path
) -> None:
    params = 'length: float = 1.0, turn: int = 1, flag: str = ""'
    save(folder / "naps.py", lesson(took="1.0", extra=WAITS_FOR_A_FLAG, params=params))
    flag = tmp_path / "flag"
    window = _window(qtbot, folder)
    verdicts: list[Shown] = []
    window.lesson_checks.verdict.connect(verdicts.append)
    window.select("naps")
    window.params.set_values({"flag": str(flag)})
    _ran(qtbot, window, "naps")
    qtbot.waitUntil(lambda: window.lesson_checks.pid is not None, timeout=WAIT_MS)
    first = window.lesson_checks.pid
    assert first is not None
    window.params.set_values({"turn": 2})
    _ran(qtbot, window, "naps")  # (its start killed the first run's checks)
    qtbot.waitUntil(lambda: not _alive(first), timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: window.lesson_checks.pid not in (None, first), timeout=WAIT_MS
    )  # (the second run's checks, waiting for the flag)
    flag.touch()
    shown = _verdict(qtbot, window)
    assert verdicts == [shown]
    assert shown.report is not None and shown.report.params["turn"] == 2
    assert [c.status for c in shown.report.checks] == ["passed", "passed", "passed"]
    assert window.lesson_checks.line.label.text() == "Checks: 3 of 3 passed"


def test_closing_the_window_kills_the_checks_running(
    qtbot: Any, folder: Path, tmp_path: Path
) -> None:
    params = 'length: float = 1.0, turn: int = 1, flag: str = ""'
    save(folder / "naps.py", lesson(took="1.0", extra=WAITS_FOR_A_FLAG, params=params))
    window = _window(qtbot, folder)
    window.select("naps")
    window.params.set_values({"flag": str(tmp_path / "never")})
    _ran(qtbot, window, "naps")
    qtbot.waitUntil(lambda: window.lesson_checks.pid is not None, timeout=WAIT_MS)
    pid = window.lesson_checks.pid
    assert pid is not None and _alive(pid)
    window.close()
    assert window.lesson_checks.pid is None and not window.lesson_checks.running
    # (killed at once; gone once the loop has reaped it)
    qtbot.waitUntil(lambda: not _alive(pid), timeout=WAIT_MS)
