"""What a trace's fields say together: times that fit the run, ids that name something,
spans that tile each task's life.  The loader (``fileformat``) checks each field's type
and shape; these checks come after, on the whole ``Trace``, because each one relates
fields the parser met apart (a span's end and the run's duration, a job's task and the
task list).

Why refuse rather than repair: a chart drawn from a file that breaks one of these rules
would show something that never happened (a task alive before the run began, a step
lasting longer than recorded history), and a chart that lies is worse than none.  The
one repair (a mark naming no task is drawn on the loop's row) loses nothing a reader
could miss: the mark keeps its instant and its text.  Every rule, and how it ends, is a
row of ``docs/reliability.md``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Final

import numpy as np

from visualizer.trace.data import Trace

#: repairs named one by one in ``meta["repaired"]`` (the rest are counted)
REPAIRS_SAID: Final = 5
#: seconds; times are written from the same floats, so rounding is all that can differ
TOLERANCE: Final = 1e-6
#: no time in a trace is later than this (seconds since the run started: 100 years).
#: A larger one is a mistake or an attack (``1e308``), never a run: refused, so no
#: view ever has to draw or sum a time past any precision a float keeps for microseconds
MAX_SECONDS: Final = 100 * 365.25 * 24 * 3600


class TraceFormatError(ValueError):
    """The file is not a valid asyncviz trace; the message says why."""


def expect(ok: bool, where: str, message: str) -> None:
    """Refuse the trace unless ``ok``: ``where`` names the field (``jobs[3].end``)."""
    if not ok:
        raise TraceFormatError(f"{where}: {message}" if where else message)


def check(trace: Trace) -> None:
    """Every rule on the whole trace: times first (their messages are the plainest),
    then references, then the tiling (which assumes the other two)."""
    _check_times(trace)
    _check_references(trace)
    _check_tiling(trace)


def instant(value: float, where: str) -> None:
    """``value`` is a time a run can have: finite, not before the run began, and not
    past ``MAX_SECONDS``."""
    expect(math.isfinite(value), where, f"must be a finite number, not {value!r}")
    expect(value >= -TOLERANCE, where, f"negative ({value!r}): times count from the run's start")
    expect(
        value <= MAX_SECONDS,
        where,
        f"{value!r} s is past any run (at most {MAX_SECONDS:.0f} s, 100 years)",
    )


def _within_run(value: float, duration: float, where: str) -> None:
    """``value`` is an instant of the run: an instant, and not after its end."""
    instant(value, where)
    expect(
        value <= duration + TOLERANCE,
        where,
        f"{value!r} is after the run's end (meta.duration = {duration!r})",
    )


def _check_times(trace: Trace) -> None:
    duration = trace.duration
    for task in trace.tasks:
        where = f"tasks[{task.id}]"
        _within_run(task.created, duration, f"{where}.created")
        if task.ended is not None:
            _within_run(task.ended, duration, f"{where}.ended")
            expect(
                task.ended >= task.created - TOLERANCE,
                f"{where}.ended",
                f"before created ({task.ended!r} < {task.created!r})",
            )
        if task.earlier is not None:
            for value in task.earlier[1:]:
                expect(value <= MAX_SECONDS, f"{where}.earlier", "more seconds than any run")
    spans = trace.spans
    if len(spans):
        for name, bad in (
            ("start", spans.start < -TOLERANCE),
            ("end", spans.end > duration + TOLERANCE),
        ):
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                _within_run(float(getattr(spans, name)[i]), duration, f"spans[{i}].{name}")
    for i, job in enumerate(trace.jobs):
        instant(job.start, f"jobs[{i}].start")
        instant(job.end, f"jobs[{i}].end")
        if job.submitted is not None:
            instant(job.submitted, f"jobs[{i}].submitted")
            expect(
                job.submitted <= job.start + TOLERANCE,
                f"jobs[{i}].submitted",
                "after start (a job runs after it is submitted)",
            )
    for i, step in enumerate(trace.blocked):
        instant(step.start, f"blocked[{i}].start")
        instant(step.end, f"blocked[{i}].end")
    for i, mark in enumerate(trace.marks):
        instant(mark.t, f"marks[{i}].t")
    for i, sample in enumerate(trace.stack_samples):
        instant(sample.step, f"stack_samples[{i}].step")
        _within_run(sample.t, duration, f"stack_samples[{i}].t")
    for i, (start, end) in enumerate(trace.observed):
        instant(start, f"observed[{i}][0]")
        instant(end, f"observed[{i}][1]")


def _check_references(trace: Trace) -> None:
    n = len(trace.tasks)
    for task in trace.tasks:
        if task.parent is not None:
            expect(0 <= task.parent < n, f"tasks[{task.id}].parent", f"no task {task.parent}")
            # (tasks are in creation order, and a parent runs when it makes its child: a
            # parent after its child is a cycle, or a file put together by hand, and its
            # tasks would vanish from the lanes)
            expect(
                task.parent < task.id,
                f"tasks[{task.id}].parent",
                f"task {task.parent} was made after its child (a parent cycle?)",
            )
    intervals: list[tuple[str, list[tuple[int | None, float, float]]]] = [
        ("jobs", [(j.task, j.start, j.end) for j in trace.jobs]),
        ("blocked", [(b.task, b.start, b.end) for b in trace.blocked]),
    ]
    for where, rows in intervals:
        for i, (tid, start, end) in enumerate(rows):
            expect(tid is None or 0 <= tid < n, f"{where}[{i}].task", f"no task {tid}")
            expect(end >= start - TOLERANCE, f"{where}[{i}].end", "before start")
    # (a mark naming no task is drawn on the loop's row: it loses nothing else; the
    # repair is said, in ``meta["repaired"]``, which the window's status line shows)
    repaired = [
        f"marks[{i}].task: no task {m.task}, drawn on the loop's row"
        for i, m in enumerate(trace.marks)
        if m.task is not None and not 0 <= m.task < n
    ]
    if repaired:
        trace.marks = [
            m if m.task is None or 0 <= m.task < n else dataclasses.replace(m, task=None)
            for m in trace.marks
        ]
        trace.meta["repaired"] = repaired[:REPAIRS_SAID] + (
            [f"and {len(repaired) - REPAIRS_SAID} more"] if len(repaired) > REPAIRS_SAID else []
        )
    spans = trace.spans
    if len(spans):
        bad = np.flatnonzero((spans.task < 0) | (spans.task >= n))
        expect(not bad.size, f"spans[{bad[0] if bad.size else 0}].task", "names no task")
        bad = np.flatnonzero((spans.woken_task < -1) | (spans.woken_task >= n))
        expect(not bad.size, f"spans[{bad[0] if bad.size else 0}].woken_by.task", "names no task")


def _check_tiling(trace: Trace) -> None:
    """Each task's spans must cover [created, ended or duration] without gap or overlap;
    from the history kept on, if the window forgot what came before (``meta.forgotten``:
    a task's first span then starts at its creation or, if it was made before the
    history, at or before the history's start)."""
    spans = trace.spans
    duration = trace.duration
    forgotten = trace.meta.get("forgotten")
    before = forgotten.get("before") if isinstance(forgotten, dict) else None
    kept_from = float(before) if isinstance(before, int | float) and math.isfinite(before) else None
    order = np.lexsort((spans.start, spans.task))
    task = spans.task[order]
    start = spans.start[order]
    end = spans.end[order]
    n = len(task)
    firsts = np.flatnonzero(np.r_[True, task[1:] != task[:-1]]) if n else np.zeros(0, np.int64)
    lasts = np.r_[firsts[1:] - 1, n - 1] if n else firsts
    if n > 1:
        same = task[1:] == task[:-1]
        gap = np.abs(start[1:] - end[:-1]) > TOLERANCE
        bad = np.flatnonzero(same & gap)
        if bad.size:
            i = int(order[bad[0] + 1])
            tid = int(task[bad[0]])
            at = start[bad[0] + 1]
            raise TraceFormatError(
                f"spans[{i}]: task {tid}'s spans leave a gap or overlap at t={at:.6f}"
                f" (previous span ends at {end[bad[0]]:.6f})"
            )
    seen = set()
    for first, last in zip(firsts.tolist(), lasts.tolist(), strict=True):
        tid = int(task[first])
        seen.add(tid)
        record = trace.tasks[tid]
        begins = start[first]
        expect(
            abs(begins - record.created) <= TOLERANCE
            or (
                kept_from is not None
                and record.earlier is not None  # (it says what it lost)
                and record.created < kept_from
                and record.created - TOLERANCE <= begins <= kept_from + TOLERANCE
            ),
            f"tasks[{tid}]",
            f"spans start at {begins:.6f}, not at created={record.created:.6f}",
        )
        life_end = record.ended if record.ended is not None else duration
        expect(
            abs(end[last] - life_end) <= TOLERANCE,
            f"tasks[{tid}]",
            f"spans end at {end[last]:.6f}, not at "
            f"{'ended' if record.ended is not None else 'the run end'}={life_end:.6f}",
        )
    for record in trace.tasks:
        expect(record.id in seen, f"tasks[{record.id}]", "has no spans")
