"""The command line's messages: "did you mean" for a mistyped scenario or parameter, a
warning for a scenario folder that is not one, and the progress line of a long run
(on a terminal only, wiped before anything else is written)."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from visualizer import cli
from visualizer.session import progress as progress_module
from visualizer.session.progress import WIPE, Progress
from visualizer.session.scenarios import ENV_VAR, ScenarioError, find
from visualizer.session.suggest import did_you_mean, nearest
from visualizer.trace.store import TraceStore

ROOT = Path(__file__).resolve().parent.parent


# --- did you mean -------------------------------------------------------------------------
def test_a_mistyped_scenario_gets_the_nearest_ids_not_all_of_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["run", "semaphore_worker"]) == 2
    err = capsys.readouterr().err
    assert "unknown scenario 'semaphore_worker'; did you mean 'semaphore_workers'?" in err
    assert "gather_basics" not in err  # (no list of every id)
    assert "asyncviz list" in err  # (where the whole list is)
    # a part of an id, a part of a title
    with pytest.raises(ScenarioError, match=r"did you mean 'gather_basics'"):
        find("gather")
    title = find("semaphore_workers").title  # "Limiting concurrency with a Semaphore"
    assert "semaphore_workers" in nearest(
        title[:-3],
        ["gather_basics", "semaphore_workers"],
        {
            "gather_basics": find("gather_basics").title,
            "semaphore_workers": title,
        },
    )
    # nothing near: no suggestion, only where to look
    with pytest.raises(ScenarioError) as nothing:
        find("xyzzy")
    assert "did you mean" not in str(nothing.value) and "asyncviz list" in str(nothing.value)


def test_a_mistyped_parameter_gets_the_nearest_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", "semaphore_workers", "--param", "limt=2"]) == 2
    err = capsys.readouterr().err
    assert "has no parameter 'limt'; did you mean 'limit'?" in err
    assert "valid parameters: workers, limit, work" in err


def test_did_you_mean_reads_as_english() -> None:
    assert did_you_mean([]) == ""
    assert did_you_mean(["a"]) == "did you mean 'a'?"
    assert did_you_mean(["a", "b", "c"]) == "did you mean 'a', 'b' or 'c'?"
    assert nearest("", ["a"]) == []


# --- scenario folders ---------------------------------------------------------------------
def test_a_scenario_folder_that_is_not_one_is_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing, a_file = tmp_path / "no_such_dir", tmp_path / "file.txt"
    a_file.write_text("not a folder")
    assert cli.main(["run", "gather_basics", "--scenarios", str(missing)]) == 0
    err = capsys.readouterr().err
    assert f"asyncviz: warning: --scenarios {missing}: no such folder" in err
    # the environment's folders too, and a file named as a folder; said once in `list`
    monkeypatch.setenv(ENV_VAR, str(a_file))
    assert cli.main(["list", "--scenarios", str(missing)]) == 0
    err = capsys.readouterr().err
    assert f"asyncviz: warning: ${ENV_VAR} {a_file}: not a folder" in err
    assert err.count(str(missing)) == 1 and err.count(str(a_file)) == 1
    # a folder that is one: no warning
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert cli.main(["list", "--scenarios", str(tmp_path)]) == 0
    assert "warning" not in capsys.readouterr().err


# --- the progress line ----------------------------------------------------------------------
class _Terminal(io.StringIO):
    """A stream that says it is a terminal (what the progress line is drawn on)."""

    def isatty(self) -> bool:
        return True


class _Recorder:
    def __init__(self, store: TraceStore) -> None:
        self.store = store


def test_the_progress_line_is_wiped_before_anything_else_is_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal, out = _Terminal(), _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(progress_module, "_width", lambda _stream: 40)
    store = TraceStore()
    store.add_task(-1, 0.0, store.intern("main()"), -1)
    store.step_task.append(0)
    store.wake_task.append(0)
    ticks = iter([100.0, 103.0])
    with Progress(every=1e9, clock=lambda: next(ticks)) as progress:  # (drawn by hand)
        progress.started(_Recorder(store))  # type: ignore[arg-type]
        progress.draw()
        line = "asyncviz: running 3 s: 1 task, 2 events recorded"
        assert terminal.getvalue() == WIPE + line[:39]  # (cut to the terminal's width)
        print("the program's words")  # (to stdout, the same terminal: the line goes first)
        assert terminal.getvalue().endswith(WIPE) and out.getvalue() == "the program's words\n"
        print("its last words", file=sys.stderr)
        assert terminal.getvalue().endswith(WIPE + "its last words\n")
    assert sys.stderr is terminal and sys.stdout is out  # (the streams given back)


def test_no_progress_line_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    with Progress() as progress:
        assert not progress.on and sys.stderr is pipe  # (not even wrapped)
    monkeypatch.setenv("TERM", "dumb")
    assert not Progress(_Terminal()).on


#: a program that runs until told to end (a line on its stdin), then says its last words
#: on stderr: the test tells it once the progress line was seen, so however slow the
#: machine, the run lasted over a second and the line had its chance
UNTIL_TOLD = textwrap.dedent(
    """
    import asyncio, sys

    async def tick():
        await asyncio.sleep(0.01)

    async def main():
        print("started", flush=True)
        told = asyncio.ensure_future(asyncio.to_thread(sys.stdin.readline))
        while not told.done():
            await asyncio.gather(tick(), tick())
        print("last words", file=sys.stderr, flush=True)

    asyncio.run(main())
    """
)


#: seconds of silence on the terminal that mean the child hangs (not a limit on the run)
HANG = 120


def _command(script: Path) -> list[str]:
    return [sys.executable, "-m", "visualizer", "record", str(script), "--summary"]


def test_a_long_run_on_a_terminal_shows_its_progress(tmp_path: Path) -> None:
    script = tmp_path / "until_told.py"
    script.write_text(UNTIL_TOLD)
    leader, follower = pty.openpty()
    child = subprocess.Popen(
        _command(script),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=follower,
        cwd=ROOT,
        env={**os.environ, "TERM": "xterm"},
    )
    os.close(follower)
    seen = b""
    assert child.stdin is not None and child.stdout is not None
    try:
        while b"events recorded" not in seen:  # (until the line is drawn, however long)
            seen += _read(leader)
        child.stdin.write(b"\n")
        child.stdin.close()
        while True:
            chunk = _read(leader)
            if not chunk:
                break
            seen += chunk
        assert child.wait() == 0
        assert child.stdout.read() == b"started\n"  # (stdout untouched: not a terminal)
    finally:
        os.close(leader)
        if child.poll() is None:
            child.kill()
    text = seen.decode()
    line = text[text.index("asyncviz: running") :].split("\r")[0]
    assert " s: " in line and " tasks, " in line  # elapsed, tasks, events
    # each time it is drawn, the line is wiped before anything else is written: before
    # the program's last words, before asyncviz's summary
    drawn = list(re.finditer(r"asyncviz: running [^\r\n]*", text))
    assert drawn and all(text.startswith(WIPE, m.end()) for m in drawn)
    rest = re.sub(re.escape(WIPE) + r"(asyncviz: running [^\r\n]*)?", "", text)
    assert rest.startswith("last words\r\n") and "asyncviz: running" not in rest
    assert "\r\ntask " in rest  # (the summary's table, from the start of a line)


def _read(fd: int) -> bytes:
    """What the terminal got next (b"": the child closed it)."""
    ready, _, _ = select.select([fd], [], [], HANG)
    assert ready, f"nothing on the terminal for {HANG} s"
    try:
        return os.read(fd, 4096)
    except OSError:  # (EIO: every writer closed the terminal)
        return b""


def test_no_progress_line_when_stderr_is_a_pipe(tmp_path: Path) -> None:
    script = tmp_path / "sleeps.py"
    script.write_text("import asyncio\nasyncio.run(asyncio.sleep(1.5))\n")
    out = subprocess.run(
        _command(script),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "TERM": "xterm"},
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "asyncviz: running" not in out.stderr and "\r" not in out.stderr
    assert "waited most on" in out.stderr  # (the summary, as without the feature)
