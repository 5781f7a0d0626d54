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
import numpy.typing as npt

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
    tasks = trace.tasks
    # (in columns: a run has 100,000 tasks; the first task that breaks a rule is then
    # looked at alone, for the message the rule gives)
    created, ended = tasks.created, tasks.ended
    has_end = ~np.isnan(ended)
    with np.errstate(invalid="ignore"):
        bad = ~_instants(created, duration) | (
            has_end & (~_instants(ended, duration) | (ended < created - TOLERANCE))
        )
    late = [tid for tid, e in tasks.earlier.items() if max(e[1:]) > MAX_SECONDS]
    first = min([*np.flatnonzero(bad)[:1].tolist(), *late], default=None)
    if first is not None:
        _task_times(trace, first)
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


def _instants(values: npt.NDArray[np.float64], duration: float) -> npt.NDArray[np.bool_]:
    """Which of ``values`` pass ``_within_run`` (nan: none)."""
    return (values >= -TOLERANCE) & (values <= min(MAX_SECONDS, duration + TOLERANCE))


def _task_times(trace: Trace, tid: int) -> None:
    """The time rules on task ``tid`` alone, in the order a reader reads its fields."""
    tasks, duration, where = trace.tasks, trace.duration, f"tasks[{tid}]"
    created, ended = float(tasks.created[tid]), float(tasks.ended[tid])
    _within_run(created, duration, f"{where}.created")
    if not math.isnan(ended):
        _within_run(ended, duration, f"{where}.ended")
        expect(
            ended >= created - TOLERANCE,
            f"{where}.ended",
            f"before created ({ended!r} < {created!r})",
        )
    for value in tasks.earlier.get(tid, (0, 0.0))[1:]:
        expect(value <= MAX_SECONDS, f"{where}.earlier", "more seconds than any run")


def _check_references(trace: Trace) -> None:
    n = len(trace.tasks)
    parent = trace.tasks.parent
    # (tasks are in creation order, and a parent runs when it makes its child: a parent
    # after its child is a cycle, or a file put together by hand, and its tasks would
    # vanish from the lanes.  -1 is none)
    bad = np.flatnonzero((parent != -1) & ((parent < 0) | (parent >= np.arange(n))))
    if bad.size:
        child, p = int(bad[0]), int(parent[bad[0]])
        where = f"tasks[{child}].parent"
        expect(0 <= p < n, where, f"no task {p}")
        expect(False, where, f"task {p} was made after its child (a parent cycle?)")
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
    # each task's first and last span against its life, in columns (in task order: the
    # first task that breaks it is named)
    tasks = trace.tasks
    lives = task[firsts].astype(np.int64)  # (the tasks that have spans, ascending)
    begins, finishes = start[firsts], end[lasts]
    created = tasks.created[lives]
    starts_right = np.abs(begins - created) <= TOLERANCE
    if kept_from is not None and tasks.earlier:  # (a task that says what it lost)
        said = np.isin(lives, np.fromiter(tasks.earlier, np.int64, len(tasks.earlier)))
        starts_right |= (
            said
            & (created < kept_from)
            & (created - TOLERANCE <= begins)
            & (begins <= kept_from + TOLERANCE)
        )
    ended = tasks.ended[lives]
    life_end = np.where(np.isnan(ended), duration, ended)
    ends_right = np.abs(finishes - life_end) <= TOLERANCE
    wrong = np.flatnonzero(~(starts_right & ends_right))
    if wrong.size:
        g = int(wrong[0])
        where = f"tasks[{int(lives[g])}]"
        expect(
            bool(starts_right[g]),
            where,
            f"spans start at {float(begins[g]):.6f}, not at created={float(created[g]):.6f}",
        )
        raise TraceFormatError(
            f"{where}: spans end at {float(finishes[g]):.6f}, not at "
            f"{'the run end' if np.isnan(ended[g]) else 'ended'}={float(life_end[g]):.6f}"
        )
    seen = np.zeros(len(tasks), np.bool_)
    seen[lives] = True
    missing = np.flatnonzero(~seen)
    expect(not missing.size, f"tasks[{missing[0] if missing.size else 0}]", "has no spans")
