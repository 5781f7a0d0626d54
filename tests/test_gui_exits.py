"""A program's ``sys.exit`` and ``KeyboardInterrupt`` end its run, never the window, on
every clock; a virtual-clock run can be stopped, and closing the window stops it
(issue 13, point 5).  Real scenarios in real windows, on the window's own loop."""

from __future__ import annotations

import asyncio
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.session.scenarios import find
from visualizer.session.sources import STOPPED, RunOutcome, VirtualRun


def scenario(tmp_path: Path, body: str, name: str = "leaves") -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(
        f'"""A scenario that {name}"""\nimport asyncio, sys\n\n' + textwrap.dedent(body)
    )
    return path


def run(qapp: Any, window: MainWindow, path: Path, clock: str, stop_when: Any = None) -> RunOutcome:
    """Run ``path`` in the window (``clock`` "own process": on the real clock, in a
    process of its own); ``stop_when(window)``: press Stop once it is true."""
    loop = GuiEventLoop(qapp)
    own = clock == "own process"

    async def go() -> RunOutcome:
        running = asyncio.ensure_future(
            window.run(find(path), {}, "real" if own else clock, own_process=own)
        )
        if stop_when is not None:
            while not stop_when(window) and not running.done():
                await asyncio.sleep(0.01)
            window.stop()
        return await running

    try:
        return loop.run_until_complete(go())
    finally:
        loop.close()


EXITS = {
    "sys.exit(3)": ("sys.exit(3)", "exit code 3"),
    "KeyboardInterrupt": ("raise KeyboardInterrupt", "interrupted (Ctrl-C)"),
}


@pytest.mark.parametrize("clock", ["real", "virtual", "lecture", "own process"])
@pytest.mark.parametrize("how", list(EXITS))
def test_a_program_that_exits_ends_its_run_not_the_window(
    qapp: Any, window: MainWindow, tmp_path: Path, clock: str, how: str
) -> None:
    statement, said = EXITS[how]
    path = scenario(
        tmp_path,
        f"""\
        async def helper():
            await asyncio.sleep(0.01)
            {statement}

        async def main():
            await asyncio.sleep(0.01)
            await asyncio.create_task(helper(), name="helper")
        """,
    )
    outcome = run(qapp, window, path, clock)
    assert outcome.error == said  # (as the command line says it, whatever the clock)
    assert outcome.traceback is None  # (an end, not a failure: no error panel)
    assert window.isVisible()  # the window is still there...
    names = {t.name for t in outcome.trace.tasks}
    assert {"main", "helper"} <= names  # ...and shows what was recorded
    assert window.trace is outcome.trace
    # and it runs the next one as if nothing happened
    again = run(qapp, window, path, clock)
    assert again.error == outcome.error


def test_sys_exit_0_is_a_normal_end(qapp: Any, window: MainWindow, tmp_path: Path) -> None:
    path = scenario(tmp_path, "async def main():\n    await asyncio.sleep(0)\n    sys.exit(0)\n")
    outcome = run(qapp, window, path, "real")
    assert outcome.error is None
    assert window.isVisible()


FOREVER = """\
async def main():
    while True:
        await asyncio.sleep(1)
"""

STUBBORN = """\
async def stubborn():
    while True:
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            pass

async def main():
    await asyncio.create_task(stubborn(), name="stubborn")
"""

SPINS = """\
async def main():
    await asyncio.sleep(1)
    while True:
        pass
"""


def _recorded_a_while(window: MainWindow) -> bool:
    """The virtual run has begun its loop (the Stop would otherwise come before it)."""
    source = window.current_run
    return isinstance(source, VirtualRun) and source.interrupts._loops != []


@pytest.mark.parametrize("body", [FOREVER, STUBBORN, SPINS], ids=["forever", "stubborn", "spins"])
def test_a_virtual_run_that_never_ends_can_be_stopped(
    qapp: Any, window: MainWindow, tmp_path: Path, body: str
) -> None:
    """A server loop on the virtual clock never idles (its sleeps are skipped): Stop
    cancels its tasks; one that refuses, or a step that never yields, is stopped at once."""
    path = scenario(tmp_path, body)
    outcome = run(qapp, window, path, "virtual", stop_when=_recorded_a_while)
    assert outcome.error == STOPPED
    assert "main" in {t.name for t in outcome.trace.tasks}
    assert not [t for t in threading.enumerate() if t.name == "asyncviz-virtual-run"]


def test_closing_the_window_stops_a_virtual_run(
    qapp: Any, window: MainWindow, tmp_path: Path
) -> None:
    path = scenario(tmp_path, STUBBORN)
    loop = GuiEventLoop(qapp)
    qapp.setQuitOnLastWindowClosed(False)  # (the test's loop goes on after the close)

    async def go() -> None:
        running = asyncio.ensure_future(window.run(find(path), {}, "virtual"))
        while not _recorded_a_while(window):
            await asyncio.sleep(0.01)
        source = window.current_run
        assert isinstance(source, VirtualRun)
        window.close()
        while source.running:
            await asyncio.sleep(0.01)
        running.cancel()

    try:
        loop.run_until_complete(go())
    finally:
        loop.close()
        qapp.setQuitOnLastWindowClosed(True)
    assert not [t for t in threading.enumerate() if t.name == "asyncviz-virtual-run"]
