"""The window while a busy program runs in a process of its own (issue 12, points 7 and 10).

Run:  python bench/live_child.py [--seconds 4] [--tasks 200] [--rate 200000]
      python bench/live_child.py --sleeps [--repeat 10] [--tasks 20] [--rate 200000]

As ``bench/live_gui.py``, but the busy program is a plain program (it ends with
``asyncio.run(main())`` at top level), so ``MainWindow.run(scenario, {}, "real")`` runs it
in a child process (``ChildRun``), traced, streaming its store's rows to the window every
50 ms, while the window draws the chart live from the stream.  ``--tasks`` tasks do
``sleep(0)`` in a loop (each step one recorded event), held to ``--rate`` events a
second (0: as fast as it can): every 16 steps a task that is ahead of the rate sleeps
until the rate catches up, and that sleep's step counts too.  (``bench/live_gui.py``
sleeps a millisecond at a time and counts only the ``sleep(0)`` steps: in a process of
its own, not sharing its loop with the window, the program was ahead so often that those
1 ms sleeps' steps took it to 310,000 events a second.)

Reports the events per second the program recorded (from the final trace: its task
steps over its busy time), the frames per second the window drew over that time (a
frame: ``LiveFrames._frame``, the chart brought up to date, then its paint), each
second's count, what a frame costs, and how old the chart's data was at each frame
(our clock minus the program's clock at the last batch received).  Target: at least 30
frames a second while the program records 200,000 events a second.

``--sleeps``: the program also runs a task that does ``for d in (0.01, 0.02, 0.05, 0.1):
await asyncio.sleep(d)``, ``--repeat`` times, while the busy tasks keep the event count
up (so the chart draws live); the run ends when that task is done.  Reports, from the
final trace, each sleep's drawn length minus ``d`` (the suspended bar; and the suspended
bar with the ready bar after it, to the next step), and the program's own measure around
the ``await`` (``time.monotonic``), median and max per ``d``.  Target: within 2 ms.  Then
the same program file runs twice more without the window, untraced (``python PROG.py``)
and recorded (``python -m visualizer.cli record PROG.py``), for the program's own measure
to compare with: a drawn length equal to the program's own measure means the chart is
exact and the loop itself was late.  For each of the three: the sleeps over 2 ms late,
the program's garbage collections of at least 0.5 ms (and whether one fell in a late
sleep), and how often its loop thread was preempted (involuntary context switches,
``RUSAGE_THREAD``) while the sleeps ran.

Offscreen by default (``QT_QPA_PLATFORM=offscreen``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.session.process import ChildRun
from visualizer.session.scenarios import read_scenario
from visualizer.trace import schema

ROOT = Path(__file__).resolve().parent.parent

PROGRAM = '''"""Busy: many tasks stepping at a given rate (bench/live_child.py)"""
import asyncio
import gc
import json
import resource
import time

TASKS = {tasks}
SECONDS = {seconds}
RATE = {rate}
SLEEPS = {sleeps}  # (0.01, 0.02, 0.05, 0.1) this many times, then the run ends (0: no)
ERRORS = {errors!r}  # where the sleeps' own errors go, and what might have made them late

pauses = []  # garbage collections of at least 0.5 ms: (generation, began, seconds)
began = [0.0]


def collected(phase, info):
    if phase == "start":
        began[0] = time.monotonic()
    elif time.monotonic() - began[0] >= 0.0005:
        pauses.append((info["generation"], began[0], time.monotonic() - began[0]))


async def spin(until, start, done, over):
    steps = 0
    while time.monotonic() < until and not over:
        await asyncio.sleep(0)
        steps += 1
        if RATE and steps % 16 == 0:
            done[0] += 16
            ahead = done[0] - RATE * (time.monotonic() - start)
            if ahead > 0:  # ahead of the rate: wait until time catches up
                done[0] += 1  # (this sleep's step is an event too)
                await asyncio.sleep(ahead / RATE)


async def sleeper(over):
    errors = []
    switches = resource.getrusage(resource.RUSAGE_THREAD).ru_nivcsw
    for _ in range(SLEEPS):
        for d in (0.01, 0.02, 0.05, 0.1):
            t0 = time.monotonic()
            await asyncio.sleep(d)
            errors.append((d, time.monotonic() - t0 - d, t0))
    over.append(True)
    switches = resource.getrusage(resource.RUSAGE_THREAD).ru_nivcsw - switches
    with open(ERRORS, "w") as out:
        json.dump({{"errors": errors, "gc": pauses, "preempted": switches}}, out)


async def main():
    start = time.monotonic()
    done = [0]
    over = []
    until = start + (3600.0 if SLEEPS else SECONDS)
    busy = [spin(until, start, done, over) for _ in range(TASKS)]
    if SLEEPS:
        busy.append(sleeper(over))
    await asyncio.gather(*busy)


gc.callbacks.append(collected)
asyncio.run(main())
'''

SLEEP_LABEL = re.compile(r"sleep\(([0-9.]+)\)")


def _median_p90(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.9)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--tasks", type=int, default=None, help="busy tasks (200; 20 --sleeps)")
    parser.add_argument("--rate", type=float, default=200_000.0)
    parser.add_argument("--sleeps", action="store_true", help="measure sleep(d) as drawn")
    parser.add_argument("--repeat", type=int, default=10, help="--sleeps: rounds of the 4 sleeps")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="asyncviz-live-child-") as folder:
        measure(args, Path(folder))


def measure(args: argparse.Namespace, folder: Path) -> None:
    tasks = args.tasks if args.tasks is not None else (20 if args.sleeps else 200)
    app = QApplication.instance() or QApplication([])
    errors_path = folder / "sleep-errors.json"
    path = folder / "busy_child.py"
    path.write_text(
        PROGRAM.format(
            tasks=tasks,
            seconds=args.seconds,
            rate=args.rate,
            sleeps=args.repeat if args.sleeps else 0,
            errors=str(errors_path),
        ),
        encoding="utf-8",
    )
    scenario = read_scenario(path)
    assert scenario.kind == "program", "the busy program must run in its own process"
    window = MainWindow([scenario])
    window.resize(1600, 900)
    window.show()
    # (when, seconds) on time.monotonic, the program's clock on this machine
    updates: list[tuple[float, float]] = []  # the chart brought up to date
    paints: list[tuple[float, float]] = []  # the chart painted
    stale: list[float] = []  # our clock minus the program's at its last batch, per frame
    sources: list[ChildRun] = []
    frame = window.frames._frame
    paint_event = window.chart.paintEvent
    begin_frames = window.frames.begin

    def timed_frame() -> None:
        t0 = time.monotonic()
        frame()
        updates.append((t0, time.monotonic() - t0))
        mirror = sources[0].mirror if sources else None
        if mirror is not None and mirror.end is None:
            stale.append(t0 - mirror.now)

    def timed_paint(event: object) -> None:
        t0 = time.monotonic()
        paint_event(event)
        paints.append((t0, time.monotonic() - t0))

    def begin(source: Any) -> None:
        if isinstance(source, ChildRun):
            sources.append(source)
        begin_frames(source)

    window.frames._timer.timeout.disconnect()
    window.frames._timer.timeout.connect(timed_frame)
    window.chart.paintEvent = timed_paint  # type: ignore[method-assign]
    window.frames.begin = begin  # type: ignore[method-assign]
    loop = GuiEventLoop(app)
    outcome = loop.run_until_complete(window.run(scenario, {}, "real"))
    loop.close()
    if outcome.error:
        raise SystemExit(f"the program failed: {outcome.error}\n{outcome.traceback or ''}")
    assert sources, "the program did not run in a child process"
    run = sources[0]
    assert run.mirror is not None
    origin = run.mirror.store.origin  # the program's clock when its run began
    trace = outcome.trace
    spans = trace.spans
    running = spans.state == schema.RUNNING
    events = int(running.sum())
    # the program's busy time, from its first step to its last, on the program's clock
    first = float(spans.start[running].min())
    busy = float(spans.end[running].max()) - first
    begin_at, end_at = origin + first, origin + first + busy
    print(
        f"{events:,} events in {busy:.2f} s: {events / busy:,.0f} events/s recorded"
        f" (asked {args.rate:,.0f}; {tasks} busy tasks); {len(spans):,} spans;"
        f" in its own process, pid {run.pid}"
    )
    per_second = [
        sum(1 for t, _ in updates if begin_at + k <= t < begin_at + k + 1) for k in range(int(busy))
    ]
    print(f"  frames in each second of the program: {per_second}")
    for name, skip in (("whole program", 0.0), ("after its first second", 1.0)):
        shown = [(t, d) for t, d in updates if begin_at + skip <= t <= end_at]
        drawn = [(t, d) for t, d in paints if begin_at + skip <= t <= end_at]
        if not shown or busy <= skip:
            continue
        cost = [u + p for (_, u), (_, p) in zip(shown, drawn, strict=False)]
        med, p90 = _median_p90(cost)
        print(
            f"  {name}: {len(shown) / (busy - skip):.1f} frames per second; a frame (update +"
            f" paint) {med * 1000:.1f} ms median, {p90 * 1000:.1f} ms 90th percentile;"
            f" update {_median_p90([d for _, d in shown])[0] * 1000:.1f} ms,"
            f" paint {_median_p90([d for _, d in drawn])[0] * 1000:.1f} ms (medians)"
        )
    if stale:
        med, p90 = _median_p90(stale)
        print(
            f"  the chart's data at a frame was {med * 1000:.0f} ms old (median),"
            f" {p90 * 1000:.0f} ms (90th percentile), {max(stale) * 1000:.0f} ms (max)"
        )
    if args.sleeps:
        report_sleeps(trace, errors_path)
        print("  the program's own measure around the await, in ms (median / max; min):")
        print(f"    {'with the window (above)':<32} {program_said(errors_path)}")
        # the same program without the window: is a late sleep the loop's or the stream's?
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        for name, command in (
            ("untraced (python PROG.py)", [sys.executable, str(path)]),
            ("record (no stream, no window)", [sys.executable, "-m", "visualizer.cli", "record"]),
        ):
            if command[-1] == "record":
                command.append(str(path))
            subprocess.run(command, check=True, cwd=ROOT, env=env, capture_output=True)
            print(f"    {name:<32} {program_said(errors_path)}")


def program_said(errors_path: Path) -> str:
    """The program's own errors per delay, its sleeps over 2 ms late, the garbage
    collections of at least 0.5 ms during them, and how often its loop thread was
    preempted (involuntary context switches) while it slept."""
    said = json.loads(errors_path.read_text(encoding="utf-8"))
    errors = [(d, error) for d, error, _ in said["errors"]]
    late = [(t0 + d, t0 + d + error) for d, error, t0 in said["errors"] if error > 0.002]
    pauses = said["gc"]
    in_late = sum(1 for _, b, s in pauses if any(b < e and b + s > a for a, e in late))
    cells = "  ".join(f"{d}: {_cell(v)}" for d, v in sorted(_by_delay(errors).items()))
    longest = max((s for _, _, s in pauses), default=0.0)
    return (
        f"{cells}\n{'':<37}{len(late)} over 2 ms late; {len(pauses)} GC pauses >= 0.5 ms"
        f" (longest {longest * 1000:.1f} ms; {in_late} while a sleep was late);"
        f" loop thread preempted {said['preempted']} times"
    )


def _by_delay(errors: list[tuple[float, float]]) -> dict[float, list[float]]:
    by: dict[float, list[float]] = {}
    for d, error in errors:
        by.setdefault(d, []).append(error)
    return by


def _cell(values: list[float]) -> str:
    """Errors in ms: median / max; min."""
    if not values:
        return "-"
    return (
        f"{statistics.median(values) * 1000:+.2f} / {max(values) * 1000:+.2f};"
        f" {min(values) * 1000:+.2f}"
    )


def report_sleeps(trace: Any, errors_path: Path) -> None:
    """Each ``sleep(d)`` of the task "sleeper" as drawn, minus d; and as the program saw it."""
    spans = trace.spans
    sleeper = [t.id for t in trace.tasks if t.coro.endswith("sleeper")]
    assert len(sleeper) == 1, "no sleeper task in the trace"
    mine = spans.task == sleeper[0]
    order = spans.start[mine].argsort(kind="stable")
    states = spans.state[mine][order].tolist()
    starts = spans.start[mine][order].tolist()
    ends = spans.end[mine][order].tolist()
    awaiting = spans.awaiting[mine][order].tolist()
    bar: dict[float, list[float]] = {}  # the suspended bar's length minus d
    worst = (0.0, 0.0, 0.0, 0)  # (error, d, when it began, which sleep)
    to_step: dict[float, list[float]] = {}  # from the bar's start to the next step, minus d
    in_order: list[float] = []  # each bar's error, in the order the program slept
    for i, state in enumerate(states):
        if state != schema.SUSPENDED or awaiting[i] < 0:
            continue
        found = SLEEP_LABEL.fullmatch(trace.suspensions[awaiting[i]].label)
        if found is None:
            continue
        d = float(found.group(1))
        bar.setdefault(d, []).append(ends[i] - starts[i] - d)
        in_order.append(ends[i] - starts[i] - d)
        if abs(ends[i] - starts[i] - d) > abs(worst[0]):
            worst = (ends[i] - starts[i] - d, d, starts[i], sum(map(len, bar.values())))
        step = next((j for j in range(i + 1, len(states)) if states[j] == schema.RUNNING), None)
        if step is not None:
            to_step.setdefault(d, []).append(starts[step] - starts[i] - d)
    print("  sleep(d) as drawn, error in ms (median / max; min): the suspended bar;")
    print("  the bar and the ready time after it (to the next step)")
    for d in sorted(bar):
        print(
            f"    sleep({d}) x{len(bar[d])}: {_cell(bar[d])}   to the step"
            f" {_cell(to_step.get(d, []))}"
        )
    error, d, when, which = worst
    print(
        f"  worst drawn error {error * 1000:+.2f} ms (target: within 2 ms): sleep({d}), the"
        f" {which}th sleep of {len(in_order)}, at {when:.3f} s"
    )
    # the chart against the program's own measure of the same sleep (around the await,
    # so a little longer: the end of the step before and the start of the step after)
    own = [error for _, error, _ in json.loads(errors_path.read_text(encoding="utf-8"))["errors"]]
    if len(own) == len(in_order):
        apart = [o - b for o, b in zip(own, in_order, strict=True)]
        print(
            f"  the program's own measure minus the drawn bar, sleep by sleep:"
            f" {min(apart) * 1000:+.3f} to {max(apart) * 1000:+.3f} ms"
        )


if __name__ == "__main__":
    main()
