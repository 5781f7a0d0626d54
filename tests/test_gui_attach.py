"""File > Listen for programs...: a program started elsewhere attaches to the window and
is drawn live; the window's command line does the same with --listen."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.trace.fileformat import load

ROOT = Path(__file__).resolve().parent.parent

PROGRAM = textwrap.dedent(
    """
    import asyncio

    async def worker(i):
        await asyncio.sleep(0.1 * i)

    async def main():
        await asyncio.gather(*(asyncio.create_task(worker(i), name=f"w{i}") for i in range(3)))

    asyncio.run(main())
    """
)


def attach(path: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "visualizer.attach", "--to", f"127.0.0.1:{port}", str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_program_attaches_and_is_drawn_live(
    qapp: Any, window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "prog.py"
    path.write_text(PROGRAM)
    loop = GuiEventLoop(qapp)

    async def go() -> Any:
        assert await window.listening.start("127.0.0.1:0")
        assert window.listening.action.isChecked()
        (_, port) = window.listening.listener.address  # type: ignore[union-attr]
        assert f"--to 127.0.0.1:{port}" in window.listening.instructions()
        assert "listening on 127.0.0.1" in window.listening.status.text()
        program = attach(path, port)
        while not window.listening.shown:
            await asyncio.sleep(0.02)
        await window.listening.stop()
        return program

    try:
        program = loop.run_until_complete(go())
    finally:
        loop.close()
    assert program.wait(timeout=60) == 0
    (outcome,) = window.listening.shown
    assert outcome.error is None
    assert [t.name for t in outcome.trace.tasks] == ["Task-1", "w0", "w1", "w2"]
    assert window.chart.trace is outcome.trace
    assert "attached" in window.about.text()
    assert window.listening.status.text() == ""


def test_gui_listen_shows_one_program_and_saves_it(tmp_path: Path) -> None:
    path = tmp_path / "prog.py"
    path.write_text(PROGRAM)
    saved = tmp_path / "attached.json"
    window = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "visualizer.cli",
            "gui",
            "--listen",
            "127.0.0.1:0",
            "--exit-when-done",
            "--save-trace",
            str(saved),
            "--size",
            "900x600",
        ],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert window.stderr is not None
        said = ""
        while "listening" not in said:  # (once it listens; Qt may say things first)
            said = window.stderr.readline()
            assert said, "the window ended before it listened"
        # "... python -m visualizer.attach --to 127.0.0.1:PORT PROGRAM.py": the port it took
        port = int(said.split("--to ")[1].split()[0].rpartition(":")[2])
        program = attach(path, port)
        assert program.wait(timeout=60) == 0
        assert window.wait(timeout=120) == 0, window.stderr.read()[-2000:]
    finally:
        if window.poll() is None:  # (a failed test must not leave a window listening)
            window.kill()
            window.wait()
    trace = load(saved)
    assert [t.name for t in trace.tasks] == ["Task-1", "w0", "w1", "w2"]
