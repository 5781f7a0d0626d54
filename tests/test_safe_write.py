"""Saving a trace (issue 13, point 4): the file named is the whole new trace or untouched,
nothing is left beside it, no planted link is followed, and Ctrl-C or SIGTERM during the
save wait for it to finish.  Real files, real signals, a real kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import BinaryIO

import pytest

from visualizer.session.interrupts import EXIT_SIGTERM, Interrupts
from visualizer.trace import safe_write
from visualizer.trace.data import Trace
from visualizer.trace.fileformat import load, save
from visualizer.trace.safe_write import replace_atomically

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and links")


@pytest.fixture(params=["unnamed", "named"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways to make the new file: unnamed (``O_TMPFILE``) and, where a system
    lacks it, a fresh random name."""
    if request.param == "named":
        monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    elif not hasattr(os, "O_TMPFILE"):
        pytest.skip("no O_TMPFILE here")
    return str(request.param)


def sample_trace() -> Trace:
    from visualizer.session.runner import run_scenario
    from visualizer.session.scenarios import find

    return run_scenario(find("gather_basics")).trace


def test_a_signal_during_the_save_waits_for_it(tmp_path: Path, way: str) -> None:
    """Held while the file is written, then given to the handler that was there: with
    Python's own, Ctrl-C raises ``KeyboardInterrupt`` once the file is complete."""
    target = tmp_path / "t.json"
    came: list[tuple[int, bool]] = []

    def on_term(number: int, _frame: object) -> None:
        came.append((number, target.exists()))

    def write(file: BinaryIO) -> None:
        file.write(b"first half,")
        os.kill(os.getpid(), signal.SIGTERM)  # (a service manager, mid-save)
        os.kill(os.getpid(), signal.SIGINT)  # (Ctrl-C, mid-save)
        file.write(b" second half")

    old = signal.signal(signal.SIGTERM, on_term)
    try:
        with pytest.raises(KeyboardInterrupt):
            replace_atomically(target, write)
    finally:
        signal.signal(signal.SIGTERM, old)
    assert came == [(signal.SIGTERM, True)]  # (after the file was complete)
    assert target.read_bytes() == b"first half, second half"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert os.listdir(tmp_path) == ["t.json"]


def test_a_failed_save_leaves_the_previous_file_and_nothing_beside_it(
    tmp_path: Path, way: str
) -> None:
    target = tmp_path / "t.json"
    target.write_bytes(b"the previous trace")

    def write(file: BinaryIO) -> None:
        file.write(b"half of a new one")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_atomically(target, write)
    assert target.read_bytes() == b"the previous trace"
    assert os.listdir(tmp_path) == ["t.json"]


def test_a_kill_during_the_save_leaves_the_previous_file_and_nothing_beside_it(
    tmp_path: Path,
) -> None:
    target = tmp_path / "t.json"
    target.write_bytes(b"the previous trace")
    program = textwrap.dedent(
        f"""\
        import os, signal
        from visualizer.trace.safe_write import replace_atomically

        def write(file):
            file.write(b"x" * 1_000_000)
            file.flush()
            os.kill(os.getpid(), signal.SIGKILL)

        replace_atomically({str(target)!r}, write)
        """
    )
    done = subprocess.run([sys.executable, "-c", program], timeout=120)
    assert done.returncode == -signal.SIGKILL
    assert target.read_bytes() == b"the previous trace"
    assert os.listdir(tmp_path) == ["t.json"]  # (an unnamed file dies with its process)


def test_a_planted_link_is_never_written_through(tmp_path: Path, way: str) -> None:
    """The old fixed name ``t.json.partial`` was a door: a symlink planted there made the
    save overwrite the file it pointed at.  No fixed name is used any more."""
    victim = tmp_path / "victim"
    victim.write_bytes(b"the user's file")
    (tmp_path / "t.json.partial").symlink_to(victim)
    save(sample_trace(), tmp_path / "t.json")
    assert victim.read_bytes() == b"the user's file"
    assert load(tmp_path / "t.json").tasks
    assert sorted(os.listdir(tmp_path)) == ["t.json", "t.json.partial", "victim"]


def test_a_saved_trace_has_the_permissions_of_any_new_file(tmp_path: Path, way: str) -> None:
    umask = os.umask(0o027)
    try:
        save(sample_trace(), tmp_path / "t.json.gz")
    finally:
        os.umask(umask)
    assert (tmp_path / "t.json.gz").stat().st_mode & 0o777 == 0o640
    assert load(tmp_path / "t.json.gz").tasks


def test_signals_after_the_program_ended_are_held_and_said(tmp_path: Path) -> None:
    """``asyncviz record``: once the program has ended, Ctrl-C and SIGTERM are noted
    while the trace is finished and written, and the exit code says they came."""
    with Interrupts() as interrupts:
        interrupts.program_ended()
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGINT)
        save(sample_trace(), tmp_path / "t.json")
    assert interrupts.late == [signal.SIGTERM, signal.SIGINT]
    assert interrupts.exit_code(0) == EXIT_SIGTERM
    assert interrupts.exit_code(1) == 1  # (the program's own failure comes first)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    assert load(tmp_path / "t.json").tasks


def test_the_new_file_is_made_only_where_asked(tmp_path: Path, way: str) -> None:
    """The temporary name lives in the target's own folder (a rename across file
    systems would not be atomic), and is hidden while it exists."""
    seen: list[list[str]] = []

    def write(file: BinaryIO) -> None:
        file.write(b"x")
        seen.append(os.listdir(tmp_path))

    replace_atomically(tmp_path / "t.json", write)
    assert seen == [[] if way == "unnamed" else seen[0]]
    if way == "named":
        assert len(seen[0]) == 1 and seen[0][0].startswith(".")
        assert seen[0][0].endswith(safe_write.SUFFIX)
