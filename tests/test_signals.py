"""Ctrl-C and SIGTERM during ``asyncviz record``/``run`` (issue 13, point 4): the program
stops as it would, and the trace is always written, with an exit code that says how.

Every case runs the real command in a process of its own and sends it real signals.
Signals go out only once the program has said it is ready (a line on its stdout), and
every wait is for the process to end (with a generous ceiling that only a hang would
reach), so a busy machine makes a test slower, never wrong.  The grace period is the
one place real time decides: the test that needs it sets it short, and the others set
it far longer than any test could run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

from visualizer.trace.fileformat import load

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

#: seconds after which a case is a hang, not a slow machine
HANG: float = 120

#: a program that stops when it is told to: its worker cleans up when cancelled
POLITE = """\
import asyncio

async def worker():
    try:
        await asyncio.sleep(3600)
    finally:
        print("worker cleaned up", flush=True)

async def main():
    asyncio.create_task(worker(), name="worker")
    await asyncio.sleep(0)
    print("ready", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""

#: a program with a task that swallows every cancellation
STUBBORN = """\
import asyncio

async def stubborn():
    while True:
        try:
            await asyncio.sleep(0.05)
        except asyncio.CancelledError:
            print("not stopping", flush=True)

async def main():
    asyncio.create_task(stubborn(), name="stubborn")
    await asyncio.sleep(0)
    print("ready", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


class Run:
    """``asyncviz ARGS`` in a process of its own, with Ctrl-C working as in a terminal
    (a test runner started in the background would hand its children SIGINT ignored)."""

    def __init__(self, tmp_path: Path, args: Sequence[str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "visualizer", *args],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.lines: list[str] = []

    def wait_for_line(self, text: str) -> None:
        """Read the program's stdout up to a line holding ``text``."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if text in line:
                return
        raise AssertionError(f"the program ended before saying {text!r}: {self.lines}")

    def send(self, sig: signal.Signals) -> None:
        self.process.send_signal(sig)

    def end(self) -> tuple[int, str, str]:
        """Its exit code, the rest of its stdout and its stderr."""
        try:
            out, err = self.process.communicate(timeout=HANG)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
            raise AssertionError(f"hung: {''.join(self.lines)}{out}{err}") from None
        return self.process.returncode, "".join(self.lines) + out, err


def record(tmp_path: Path, source: str, *options: str) -> Run:
    program = tmp_path / "program.py"
    program.write_text(source)
    return Run(tmp_path, ["record", str(program), "--trace", "t.json", *options])


def task_ends(tmp_path: Path) -> dict[str, str]:
    """How each task ended in the trace written (it must load)."""
    trace = load(tmp_path / "t.json")
    return {t.name: t.outcome for t in trace.tasks}


def left_over(tmp_path: Path) -> list[str]:
    """Files beside the trace other than the program and the trace."""
    return sorted(p.name for p in tmp_path.iterdir() if p.name not in ("program.py", "t.json"))


def test_ctrl_c_stops_the_program_as_asyncio_does_and_writes_the_trace(tmp_path: Path) -> None:
    run = record(tmp_path, POLITE, "--grace", "600")
    run.wait_for_line("ready")
    run.send(signal.SIGINT)
    code, out, err = run.end()
    assert code == 130
    assert "worker cleaned up" in out  # asyncio.run cancelled what was left, as it does
    assert "interrupted (Ctrl-C) (trace written to t.json)" in err
    assert "Traceback" not in err
    ends = task_ends(tmp_path)
    assert ends["worker"] == "cancelled"
    assert left_over(tmp_path) == []


def test_sigterm_stops_at_once_and_writes_the_trace(tmp_path: Path) -> None:
    run = record(tmp_path, POLITE, "--grace", "600")
    run.wait_for_line("ready")
    run.send(signal.SIGTERM)
    code, out, err = run.end()
    assert code == 143
    # Python's own SIGTERM runs none of the program's code: neither does this one
    assert "worker cleaned up" not in out
    assert "terminated (SIGTERM) (trace written to t.json)" in err
    assert "stopped at once (SIGTERM): 2 task(s) left unfinished:" in err
    assert "'worker'" in err
    ends = task_ends(tmp_path)
    assert ends["worker"] == "pending"  # (still suspended when the trace ended)
    assert left_over(tmp_path) == []


def test_a_second_ctrl_c_abandons_a_task_that_refuses_to_stop(tmp_path: Path) -> None:
    run = record(tmp_path, STUBBORN, "--grace", "600")
    run.wait_for_line("ready")
    run.send(signal.SIGINT)
    run.wait_for_line("not stopping")  # (it swallowed the cancellation: asyncio.run waits)
    run.send(signal.SIGINT)
    code, _out, err = run.end()
    assert code == 130
    assert "interrupted (Ctrl-C)" in err
    assert "stopped at once (a second Ctrl-C): 1 task(s) left unfinished: 'stubborn'" in err
    assert "stubborn" in task_ends(tmp_path)
    assert "Traceback" not in err


def test_a_task_that_refuses_to_stop_is_abandoned_after_the_grace_period(tmp_path: Path) -> None:
    run = record(tmp_path, STUBBORN, "--grace", "0.5")
    run.wait_for_line("ready")
    run.send(signal.SIGINT)
    code, out, err = run.end()
    assert code == 130
    assert "not stopping" in out
    assert "stopped at once (still running 0.5 s after Ctrl-C): 1 task(s) left" in err
    assert "'stubborn'" in err
    assert task_ends(tmp_path)["stubborn"] == "pending"


def test_ctrl_c_reaches_a_program_on_run_until_complete_at_once(tmp_path: Path) -> None:
    """Without ``asyncio.run`` there is no main task to cancel: Python raises
    ``KeyboardInterrupt`` where the program is, and so it does here."""
    source = """\
        import asyncio

        async def main():
            print("ready", flush=True)
            await asyncio.sleep(3600)

        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(main())
        except KeyboardInterrupt:
            print("caught it", flush=True)
            raise
    """
    run = record(tmp_path, textwrap.dedent(source), "--grace", "600")
    run.wait_for_line("ready")
    run.send(signal.SIGINT)
    code, out, err = run.end()
    assert code == 130
    assert "caught it" in out
    assert "interrupted (Ctrl-C)" in err
    assert task_ends(tmp_path)  # (written, and it loads)


def test_a_program_that_handles_sigterm_itself_keeps_doing_so(tmp_path: Path) -> None:
    source = """\
        import asyncio, signal

        async def main():
            stop = asyncio.Event()
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
            print("ready", flush=True)
            await stop.wait()
            print("stopping cleanly", flush=True)

        asyncio.run(main())
    """
    run = record(tmp_path, textwrap.dedent(source))
    run.wait_for_line("ready")
    run.send(signal.SIGTERM)
    code, out, err = run.end()
    assert (code, err) == (0, "")
    assert "stopping cleanly" in out
    assert task_ends(tmp_path)


def test_ctrl_c_in_a_scenario_cancels_its_main_task(tmp_path: Path) -> None:
    """``asyncviz run SCENARIO`` runs ``main`` as ``asyncio.run`` would, Ctrl-C included."""
    scenario = tmp_path / "waits.py"
    scenario.write_text(
        textwrap.dedent(
            """\
            import asyncio

            async def main():
                try:
                    print("ready", flush=True)
                    await asyncio.sleep(3600)
                finally:
                    print("main cleaned up", flush=True)

            if __name__ == "__main__":
                asyncio.run(main())
            """
        )
    )
    run = Run(tmp_path, ["run", str(scenario), "--clock", "real", "--trace", "t.json"])
    run.wait_for_line("ready")
    run.send(signal.SIGINT)
    code, out, err = run.end()
    assert code == 130
    assert "main cleaned up" in out
    assert "interrupted (Ctrl-C) (trace written to t.json)" in err
    assert task_ends(tmp_path)["main"] == "cancelled"


def test_sigterm_in_a_scenario_writes_the_trace(tmp_path: Path) -> None:
    scenario = tmp_path / "spins.py"
    scenario.write_text(
        textwrap.dedent(
            """\
            import asyncio

            async def main():
                print("ready", flush=True)
                while True:  # (never yields: the signal must reach it where it is)
                    pass

            if __name__ == "__main__":
                asyncio.run(main())
            """
        )
    )
    run = Run(tmp_path, ["run", str(scenario), "--clock", "real", "--trace", "t.json"])
    run.wait_for_line("ready")
    run.send(signal.SIGTERM)
    code, _out, err = run.end()
    assert code == 143
    assert "terminated (SIGTERM)" in err
    assert "main" in task_ends(tmp_path)
    assert not [p for p in os.listdir(tmp_path) if "asyncviz-save" in p]


def test_the_handlers_are_put_back_after_a_run_in_this_process(tmp_path: Path) -> None:
    """A library caller (a test, a notebook) finds Python's handlers as they were."""
    from visualizer import cli

    program = tmp_path / "program.py"
    program.write_text("import asyncio\n\nasyncio.run(asyncio.sleep(0))\n")
    scenario = tmp_path / "scenario.py"
    scenario.write_text(
        "import asyncio\n\nasync def main():\n    await asyncio.sleep(0)\n\n"
        'if __name__ == "__main__":\n    asyncio.run(main())\n'
    )
    assert cli.main(["record", str(program)]) == 0
    assert cli.main(["run", str(scenario), "--trace", str(tmp_path / "t.json")]) == 0
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_a_windows_program_stops_when_its_window_is_gone(tmp_path: Path) -> None:
    """A window's own process streams to the window over a socket; the window dying (a
    crash, a kill: its end of the socket closes) stops the program, as closing the
    window does, instead of leaving it running unwatched."""
    import socket

    program = tmp_path / "program.py"
    program.write_text(POLITE)
    window_end, program_end = socket.socketpair()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "visualizer.session.child",
            "--connect",
            f"fd:{program_end.fileno()}",
            "program",
            str(program),
        ],
        pass_fds=(program_end.fileno(),),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    program_end.close()
    try:
        assert child.stdout is not None
        assert "ready" in child.stdout.readline()
        assert window_end.recv(4096)  # (it streams: the hello, at least)
        window_end.close()  # the window is gone
        code = child.wait(timeout=HANG)
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()
    assert code == 143  # (SIGTERM's: stopped at once)
