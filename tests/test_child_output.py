"""A program's output as the window reads it (``ChildRun``: one thread for both pipes,
the switch interval lowered while it reads), and the end of a program that died with
no last word (a warning at its run's end, on the loop's row).

Nothing here bounds a time: the order of lines, the marks' places and words only."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import visualizer
from visualizer.session.output_pipes import SWITCH_INTERVAL, Backlog, Chunk, GilHandOff
from visualizer.session.process import ChildOutcome, ChildRun
from visualizer.session.receiver import StreamReceiver, shown_last_words
from visualizer.trace.data import Mark, Trace
from visualizer.trace.wire import MAGIC, Batch, Hello, frame

LAST_NEWS = "what its tasks did after that is not known"


def program(tmp_path: Path, source: str, name: str = "prog.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def run_child(path: Path) -> tuple[ChildOutcome, ChildRun]:
    async def go() -> tuple[ChildOutcome, ChildRun]:
        run = ChildRun(path)
        await run.start()
        return await run.wait(), run

    return asyncio.run(go())


def death_marks(trace: Trace) -> list[Mark]:
    """The warnings on the loop's row that say a run's end is not known."""
    return [
        m for m in trace.marks if m.task is None and m.kind == "warning" and LAST_NEWS in m.detail
    ]


# --- the order of stdout and stderr --------------------------------------------------------------
#: 50 lines, stdout and stderr in turn, each flushed; then the program waits until the
#: window's reader has taken it out of the pipe (FIONREAD: what a pipe holds, on either
#: end), and sleeps a little: each line is in the pipes alone, so its order is known
ALTERNATING = """
import fcntl, struct, sys, termios, time

def drained(stream):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            held = fcntl.ioctl(stream.fileno(), termios.FIONREAD, b"\\0\\0\\0\\0")
        except OSError:
            return
        if struct.unpack("i", held)[0] == 0:
            return
        time.sleep(0.0002)

for i in range(50):
    stream = sys.stdout if i % 2 == 0 else sys.stderr
    print(f"{i} {'out' if i % 2 == 0 else 'err'} {time.monotonic():.6f}", file=stream, flush=True)
    drained(stream)
    time.sleep(0.002)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="FIONREAD on a pipe's write end: Linux")
def test_alternating_stdout_and_stderr_lines_arrive_in_the_order_written(tmp_path: Path) -> None:
    """While this process's main thread keeps the GIL busy in pure Python, as a window
    that paints does: two reader threads, one per pipe, racing for the GIL, stamped and
    sent lines out of order; one thread for both pipes does not."""
    path = program(tmp_path, ALTERNATING)

    async def go() -> ChildRun:
        run = ChildRun(path)
        await run.start()
        while run.running:
            start = time.monotonic()
            spins = 0
            while time.monotonic() - start < 0.05:  # (pure Python: the GIL is held)
                spins += 1
            await asyncio.sleep(0)
        outcome = await run.wait()
        assert outcome.returncode == 0, outcome.traceback
        return run

    run = asyncio.run(go())
    got = [(line.stream, line.text.split()[:2]) for line in run.output]
    written = [
        ("stdout" if i % 2 == 0 else "stderr", [str(i), "out" if i % 2 == 0 else "err"])
        for i in range(50)
    ]
    assert got == written
    stamps = [line.t for line in run.output]
    assert stamps == sorted(stamps)  # (each stamped after the one before)


def test_a_crash_s_last_stdout_line_comes_before_the_fault_handler_s(tmp_path: Path) -> None:
    outcome, run = run_child(program(tmp_path, SEGFAULT))
    assert outcome.returncode == -signal.SIGSEGV
    texts = [line.text for line in run.output]
    assert texts[0] == "calling into C..."
    assert any(t.startswith("Fatal Python error") for t in texts[1:])
    assert [line.stream for line in run.output][1:] == ["stderr"] * (len(texts) - 1)


# --- a flood of output ---------------------------------------------------------------------------
#: 2,000,000 short lines, written as fast as the program can
FLOOD_LINES = 2_000_000
FLOOD = f"""
import sys
out = sys.stdout
for start in range(0, {FLOOD_LINES}, 1000):
    out.write("".join([f"line {{i}} of a flood of output\\n" for i in range(start, start + 1000)]))
"""
#: the window, in a process of its own: its loop is busy (as a window painting for long
#: is) and turns nothing until the pipes' reader has read the whole flood; then what it
#: kept, and how much its memory grew: its peak (VmHWM: this process's own since its
#: exec; getrusage's ru_maxrss would count the parent's pages at the fork before it)
#: over what it had before the run
WINDOW = """
import asyncio, json, re, sys, threading, time
from visualizer.session.process import ChildRun

def memory(what):
    status = open("/proc/self/status").read()
    return int(re.search(rf"^{what}:\\s+(\\d+) kB", status, re.M).group(1)) * 1024

def reading():
    return any(thread.name == "asyncviz-output" for thread in threading.enumerate())

async def main():
    run = ChildRun(sys.argv[1])
    await run.start()
    deadline = time.monotonic() + 300  # (a safeguard: the flood takes seconds)
    while reading() and time.monotonic() < deadline:
        time.sleep(0.01)  # (the loop is blocked: the reader runs, nothing is taken)
    outcome = await run.wait()
    return outcome, run

before = memory("VmRSS")
outcome, run = asyncio.run(main())
growth = memory("VmHWM") - before
print(json.dumps({
    "returncode": outcome.returncode,
    "kept": [line.text for line in run.output],
    "times": [line.t for line in run.output],
    "dropped": run.output_dropped,
    "growth": growth,
}))
"""
#: the window's peak memory may grow by less than this in the flood (it grew by 200 MB
#: when every line waited in its loop's ready queue; by about 5 MB with the bounded inbox)
FLOOD_MEMORY = 100 * 2**20


@pytest.mark.skipif(sys.platform != "linux", reason="the window's peak memory: /proc")
def test_a_flood_of_output_costs_the_window_bounded_memory(tmp_path: Path) -> None:
    """The reader thread never waits for the loop (the program is never slowed by the
    window), and the lines wait for the loop in a buffer of their own, at most
    ``OUTPUT_LINES``: beyond, the oldest are dropped and counted."""
    path = program(tmp_path, FLOOD)
    root = Path(visualizer.__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", WINDOW, str(path)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.splitlines()[-1])
    assert got["returncode"] == 0
    kept = got["kept"]
    assert len(kept) + got["dropped"] == FLOOD_LINES
    assert kept[-1] == f"line {FLOOD_LINES - 1} of a flood of output"
    first = FLOOD_LINES - len(kept)  # (the oldest were dropped: the last ones are kept)
    assert kept == [f"line {i} of a flood of output" for i in range(first, FLOOD_LINES)]
    assert got["times"] == sorted(got["times"])
    assert got["growth"] < FLOOD_MEMORY, f"{got['growth'] / 2**20:.0f} MB"


def test_the_backlog_drops_the_oldest_lines_and_counts_them() -> None:
    backlog = Backlog(5)
    assert backlog.add([Chunk("stdout", ["a", "b", "c"], 1.0)]) == 0
    assert backlog.add([Chunk("stderr", ["d", "e"], 2.0), Chunk("stdout", ["f"], 3.0)]) == 1
    assert [(c.stream, c.texts, c.came) for c in backlog.chunks] == [
        ("stdout", ["b", "c"], 1.0),
        ("stderr", ["d", "e"], 2.0),
        ("stdout", ["f"], 3.0),
    ]
    assert backlog.add([Chunk("stdout", [str(i) for i in range(4)], 4.0)]) == 4
    assert [(c.texts, c.came) for c in backlog.chunks] == [
        (["f"], 3.0),
        (["0", "1", "2", "3"], 4.0),
    ]
    assert backlog.lines == 5
    assert backlog.popleft().texts == ["f"] and backlog.lines == 4
    assert len(backlog.take()) == 1 and backlog.lines == 0 and not backlog.chunks


# --- the switch interval -------------------------------------------------------------------------
def test_the_switch_interval_is_lowered_while_any_program_s_output_is_read(
    tmp_path: Path,
) -> None:
    """Two programs at once: the interval is back only when the last one's reader ends."""
    before = sys.getswitchinterval()
    assert before > SWITCH_INTERVAL  # (the interpreter's default: 5 ms)
    flag = tmp_path / "go"
    quick = program(tmp_path, "print('quick')\n", "quick.py")
    waits = program(
        tmp_path,
        f"""
        import os, time
        while not os.path.exists({str(flag)!r}):
            time.sleep(0.01)
        print('done')
        """,
        "waits.py",
    )

    async def go() -> list[float]:
        seen: list[float] = []
        first, second = ChildRun(quick), ChildRun(waits)
        await first.start()
        await second.start()
        seen.append(sys.getswitchinterval())
        await first.wait()
        seen.append(sys.getswitchinterval())  # (the second still runs)
        flag.touch()
        await second.wait()
        seen.append(sys.getswitchinterval())
        return seen

    assert asyncio.run(go()) == [SWITCH_INTERVAL, SWITCH_INTERVAL, before]
    assert sys.getswitchinterval() == before


def test_the_hand_off_counts_its_readers_across_threads() -> None:
    before = sys.getswitchinterval()
    hand_off = GilHandOff(0.001)
    barrier = threading.Barrier(8)

    def reader() -> None:
        hand_off.acquire()
        barrier.wait()
        hand_off.release()

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert hand_off.readers == 0
    assert sys.getswitchinterval() == before
    try:  # an interval already lower than the hand-off's is left as it is
        sys.setswitchinterval(0.0001)
        low = sys.getswitchinterval()  # (kept in whole microseconds)
        hand_off.acquire()
        assert sys.getswitchinterval() == low
        hand_off.release()
        assert sys.getswitchinterval() == low
    finally:
        sys.setswitchinterval(before)


# --- a program that died with no last word -------------------------------------------------------
def dies(source: str) -> str:
    return (
        "import asyncio\n"
        "async def helper():\n    await asyncio.sleep(10)\n"
        "async def main():\n"
        "    asyncio.create_task(helper(), name='helper')\n"
        "    await asyncio.sleep(0.3)\n"
        "    print('calling into C...', flush=True)\n"
        + textwrap.indent(textwrap.dedent(source), "    ")
        + "\nasyncio.run(main())\n"
    )


SEGFAULT = dies("import ctypes\nctypes.string_at(0)\n")


def the_death_mark(outcome: ChildOutcome, run: ChildRun) -> Mark:
    trace = outcome.trace
    (mark,) = death_marks(trace)
    assert mark.t == pytest.approx(trace.duration)  # (at the run's end)
    assert run.mirror is not None
    store = run.mirror.store
    last_news = run.mirror.now - store.origin
    assert last_news <= mark.t
    assert mark.detail.startswith(
        f"The program's process ended at {mark.t:.3f} s. Its last news came at"
        f" {last_news:.3f} s: {LAST_NEWS}."
    )
    return mark


def test_os_exit_leaves_a_mark_at_the_run_s_end(tmp_path: Path) -> None:
    outcome, run = run_child(
        program(tmp_path, dies("import os, sys\nprint('bye', file=sys.stderr)\nos._exit(7)\n"))
    )
    assert outcome.returncode == 7
    assert outcome.trace.duration >= 0.3
    mark = the_death_mark(outcome, run)
    assert mark.label == "exit code 7 (no last word: os._exit?)"
    assert mark.detail.endswith("Its last words on stderr:\nbye")


def test_a_segfault_s_mark_names_the_signal_and_shows_the_fault_handler_s_report(
    tmp_path: Path,
) -> None:
    outcome, run = run_child(program(tmp_path, SEGFAULT))
    mark = the_death_mark(outcome, run)
    assert "SIGSEGV" in mark.label
    assert "\nFatal Python error: Segmentation fault" in mark.detail
    words = mark.detail.split("Its last words on stderr:\n", 1)[1].splitlines()
    assert len(words) <= 20 + 1  # (and a line that says how many more)


@pytest.mark.parametrize(
    "source",
    ["raise RuntimeError('mid-run')\n", "import sys\nsys.exit(4)\n"],
)
def test_a_program_that_said_its_last_word_has_no_such_mark(tmp_path: Path, source: str) -> None:
    """Its ``End`` came: the task's error (or its exit) is on the chart already."""
    outcome, _ = run_child(program(tmp_path, dies(source)))
    assert outcome.returncode in (1, 4)
    assert death_marks(outcome.trace) == []


# --- the receiver's part -------------------------------------------------------------------------
def receiver_at(origin: float, now: float) -> StreamReceiver:
    receiver = StreamReceiver()
    hello = Hello(version=1, origin=origin, clock="virtual", source="x")
    assert receiver.feed(MAGIC + frame(hello) + frame(Batch(seq=0, now=now)))
    return receiver


def test_close_running_marks_the_end_only_when_told_how() -> None:
    quiet = receiver_at(100.0, 101.0)
    quiet.close_running(102.5)  # (as before: no warning)
    assert quiet.mirror is not None and quiet.mirror.store.marks == []
    assert quiet.mirror.store.finished_at == 102.5

    receiver = receiver_at(100.0, 101.0)
    receiver.close_running(
        102.5, "gone", ["a", "", "b", ""], ended="The connection to the program closed"
    )
    assert receiver.mirror is not None
    ((t, task, label, kind, detail),) = receiver.mirror.store.marks
    assert (t, task, label, kind) == (102.5, -1, "gone", "warning")
    assert detail == (
        "The connection to the program closed at 2.500 s. Its last news came at 1.000 s:"
        f" {LAST_NEWS}.\n\nIts last words on stderr:\na\n\nb"
    )


def test_the_last_words_shown_begin_at_a_crash_report_s_top() -> None:
    assert shown_last_words([f"line {i}" for i in range(30)]) == [
        f"line {i}" for i in range(10, 30)
    ]
    report = ["noise", "Fatal Python error: Segmentation fault", ""] + [
        f"  File {i}" for i in range(30)
    ]
    shown = shown_last_words(report)
    assert shown[0] == "Fatal Python error: Segmentation fault"
    assert len(shown) == 21 and shown[-1] == "[... 12 more lines]"
    assert shown_last_words(["Traceback (most recent call last):", "  x", "E: y", ""]) == [
        "Traceback (most recent call last):",
        "  x",
        "E: y",
    ]
    assert shown_last_words([]) == []
