"""Loops a program makes its own way (issue 13, point 6): a policy of its own,
``asyncio.Runner(loop_factory=...)``, a loop subclass built by hand.  Each is traced when
it is an asyncio ``BaseEventLoop``, on the clock asked for; any other loop is named, and
the command says nothing was traced, with a non-zero exit code.  Real programs through
the real command line."""

from __future__ import annotations

import asyncio
import importlib.util
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from visualizer import cli
from visualizer.trace.fileformat import load

CHILD = """\
import asyncio

class MyLoop(asyncio.SelectorEventLoop):
    \"\"\"A loop of the program's own.\"\"\"

async def child():
    await asyncio.sleep(SECONDS)

async def main():
    await asyncio.create_task(child(), name="child")
"""

WAYS = {
    "own policy": """\
        class MyPolicy(asyncio.DefaultEventLoopPolicy):
            def new_event_loop(self):
                return MyLoop()

        asyncio.set_event_loop_policy(MyPolicy())
        asyncio.run(main())
        """,
    "Runner(loop_factory=...)": """\
        with asyncio.Runner(loop_factory=MyLoop) as runner:
            runner.run(main())
        """,
    "a subclass built by hand": """\
        loop = MyLoop()
        loop.run_until_complete(main())
        loop.close()
        """,
}


def record(tmp_path: Path, source: str, *options: str) -> int:
    program = tmp_path / "program.py"
    program.write_text(source)
    return cli.main(["record", str(program), "--trace", str(tmp_path / "t.json"), *options])


@pytest.mark.parametrize("clock", ["real", "virtual"])
@pytest.mark.parametrize("way", list(WAYS))
def test_a_loop_the_program_makes_its_own_way_is_traced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], way: str, clock: str
) -> None:
    seconds = 100 if clock == "virtual" else 0.01  # (a virtual clock skips the wait)
    source = f"SECONDS = {seconds}\n" + CHILD + textwrap.dedent(WAYS[way])
    code = record(tmp_path, source, "--clock", clock)
    assert (code, capsys.readouterr().err) == (0, "")
    trace = load(tmp_path / "t.json")
    assert trace.meta["loop"] == "__main__.MyLoop"
    # the program's two tasks, and not asyncio's housekeeping (shutdown_asyncgens...)
    assert sorted(t.coro.split(".")[-1] for t in trace.tasks) == ["child", "main"]
    child = next(t for t in trace.tasks if t.name == "child")
    assert child.outcome == "done"
    if clock == "virtual":  # (its sleep skipped, at its exact virtual time)
        assert child.ended is not None
        assert child.ended - child.created == pytest.approx(100, abs=0.05)
    # and the door is closed after: asyncio's own methods are asyncio's again
    assert asyncio.BaseEventLoop.create_task.__module__ == "asyncio.base_events"
    assert asyncio.events._set_running_loop is asyncio._set_running_loop


TINY = """\
import asyncio, asyncio.events

class TinyLoop(asyncio.AbstractEventLoop):
    \"\"\"A loop written from scratch (not a BaseEventLoop): it steps one coroutine.\"\"\"

    def run_until_complete(self, coro):
        asyncio.events._set_running_loop(self)
        try:
            coro.send(None)
        except StopIteration as stop:
            return stop.value
        finally:
            asyncio.events._set_running_loop(None)

async def main():
    print("ran on a tiny loop")

TinyLoop().run_until_complete(main())
"""


def test_a_loop_that_is_not_a_base_event_loop_is_named_and_the_exit_code_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = record(tmp_path, TINY)
    out, err = capsys.readouterr()
    assert code == cli.NOTHING_TRACED != 0
    assert "ran on a tiny loop" in out
    assert err == (
        "asyncviz: nothing was traced: __main__.TinyLoop is not an asyncio BaseEventLoop"
        " (asyncviz traces those: asyncio's own loops and their subclasses)\n"
    )
    assert load(tmp_path / "t.json").tasks == []  # (written all the same: it is empty)


@pytest.mark.skipif(importlib.util.find_spec("uvloop") is None, reason="uvloop not installed")
def test_uvloop_is_named(tmp_path: Path) -> None:
    """In a process of its own, as the command runs: uvloop, imported by the program,
    says it is running through asyncio's function, which is where it is seen."""
    program = tmp_path / "program.py"
    program.write_text(
        "import asyncio, uvloop\n\nasync def main():\n    await asyncio.sleep(0)\n\n"
        "uvloop.run(main())\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "visualizer", "record", str(program)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == cli.NOTHING_TRACED
    assert "nothing was traced: uvloop.Loop is not an asyncio BaseEventLoop" in done.stderr


def test_a_loop_not_traced_beside_one_traced_is_named_and_the_run_is_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = TINY + "\nasync def also():\n    await asyncio.sleep(0)\n\nasyncio.run(also())\n"
    code = record(tmp_path, source)
    assert code == 0
    assert "asyncviz: not traced: __main__.TinyLoop is not an asyncio" in capsys.readouterr().err
    assert [t.coro.split(".")[-1] for t in load(tmp_path / "t.json").tasks] == ["also"]


def test_a_program_with_no_loop_at_all_is_told(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = record(tmp_path, "print('no asyncio here')\n")
    assert code == cli.NOTHING_TRACED
    err = capsys.readouterr().err
    assert err == "asyncviz: nothing was traced: the program made no asyncio event loop\n"


def test_a_program_that_fails_keeps_its_own_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = record(tmp_path, "raise SystemExit(5)\n")
    assert code == 5  # (its own failure first; the message still says nothing was traced)
    assert "nothing was traced" in capsys.readouterr().err


def test_a_loop_of_another_thread_is_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only the recording thread's loops are taken: another thread's loop is its own."""
    source = textwrap.dedent(
        """\
        import asyncio, threading

        class MyLoop(asyncio.SelectorEventLoop):
            pass

        async def elsewhere():
            await asyncio.sleep(0)

        def other_thread():
            loop = MyLoop()
            loop.run_until_complete(elsewhere())
            loop.close()

        async def here():
            await asyncio.to_thread(lambda: None)

        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        asyncio.run(here())
        """
    )
    assert record(tmp_path, source) == 0
    names = [t.coro.split(".")[-1] for t in load(tmp_path / "t.json").tasks]
    assert names == ["here"]
    assert threading.active_count() >= 1
    assert sys.modules.get("program") is None
