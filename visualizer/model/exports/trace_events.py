"""The Trace Event Format's pieces the Perfetto export (``perfetto``) is made of: where
each row goes (processes and threads), times as the file writes them, slices as
structs; and the rows of a run beside its tasks': the loop busy, the window's frames,
the blocking steps, the executor's jobs, the marks, the resources' levels.

Times are microseconds, as the format wants, counted in **ticks of 1/1024 µs**
(``ticks``, under a nanosecond), so that every number is a binary fraction and a
reader's float sums are exact: a slice's ``ts + dur`` is its successor's ``ts`` to the
bit.  Decimal nanoseconds are not: Chromium's DevTools, adding floats, found a task's
slices overlapping by a hair and drew only the first of them.  Each moment is written
half a tick past its tick (``at``; lengths are whole ticks): Perfetto truncates
``ts * 1000`` to whole nanoseconds, and so lands on the nanosecond of the trace; it
can find a slice ending a nanosecond early, never one ending after the next begins
(which it would drop as badly nested).  Either reads every time to a nanosecond.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

import msgspec
import numpy as np
import numpy.typing as npt

from visualizer.model.loop_lanes import busy_intervals
from visualizer.model.resource_states import HELD, QUEUES, SEMAPHORES, rows_of
from visualizer.trace.data import Trace

Event = dict[str, Any]
Int64Array = npt.NDArray[np.int64]

#: the loop's process (tasks, its own rows, counters) and the executor threads'
LOOP_PID: Final = 1
THREADS_PID: Final = 2
#: the loop's own rows in its process
LOOP_TID: Final = 1
WINDOW_TID: Final = 2
BLOCKED_TID: Final = 3
#: a task's track: its id plus this (the loop's rows stay below it)
TASK_TID: Final = 1000
#: the category of the slices arrows bind to, tasks' and jobs' (Chromium's DevTools
#: binds an arrow's end to the slice of its track with its time and category)
SLICE_CAT: Final = "asyncio"
#: the file's unit of time: a microsecond's 1024th (a binary fraction: see the module's doc)
TICKS_PER_US: Final = 1024
#: spans encoded per piece of the file
SPANS_PER_PIECE: Final = 50_000
#: each resource kind's counter: what its level is
LEVEL_NAMES: Final = {
    **dict.fromkeys(QUEUES, "items"),
    **dict.fromkeys(SEMAPHORES, "in use"),
    **dict.fromkeys(HELD, "held"),
    "Event": "set",
    "Barrier": "waiting",
}

ENCODER: Final = msgspec.json.Encoder()


def ticks(seconds: npt.NDArray[np.float64]) -> Int64Array:
    """Seconds as whole ticks (``TICKS_PER_US`` a microsecond), the nearest."""
    return np.rint(np.asarray(seconds, np.float64) * (1e6 * TICKS_PER_US)).astype(np.int64)


def at(units: Int64Array) -> list[float]:
    """Moments in ticks as microseconds, each half a tick on (see the module's doc)."""
    values: list[float] = ((units.astype(np.float64) + 0.5) / TICKS_PER_US).tolist()
    return values


def lengths(units: Int64Array) -> list[float]:
    """Lengths in ticks as microseconds (whole ticks: a start plus its length is the
    next start, exactly)."""
    values: list[float] = (units.astype(np.float64) / TICKS_PER_US).tolist()
    return values


def slices(
    pid: int,
    tid: int | list[int],
    name: str | list[str],
    cat: str,
    start: npt.NDArray[np.float64],
    end: npt.NDArray[np.float64],
    args: list[dict[str, Any]] | None = None,
) -> list[Any]:
    """Slices from seconds; ``tid`` and ``name``: one for all, or one each; ``args``:
    none, or one each."""
    a, b = ticks(start), ticks(end)
    ts, dur = at(a), lengths(np.maximum(b - a, 0))
    tids = tid if isinstance(tid, list) else [tid] * len(ts)
    names = name if isinstance(name, list) else [name] * len(ts)
    if args is None:
        return [
            Slice("X", pid, t, n, cat, x, d)
            for t, n, x, d in zip(tids, names, ts, dur, strict=True)
        ]
    return [
        SliceWithArgs("X", pid, t, n, cat, x, d, msgspec.Raw(ENCODER.encode(more)))
        for t, n, x, d, more in zip(tids, names, ts, dur, args, strict=True)
    ]


class Slice(msgspec.Struct, gc=False):
    """A slice as the file has it (a struct: 2 million of them encode 3 times
    faster than dicts, the fields in this order)."""

    ph: str
    pid: int
    tid: int
    name: str
    cat: str
    ts: float
    dur: float


class SliceWithArgs(Slice, gc=False):
    args: msgspec.Raw  #: encoded once for the slices they fit


# --- the loop's rows, jobs, marks, counters ---------------------------------------------
def loop_rows(trace: Trace, names: list[str]) -> Iterator[list[Any]]:
    """The loop busy (any step running: a row of a million steps, in pieces), the
    window's frames, the blocking steps."""
    busy_start, busy_end = busy_intervals(trace)
    for lo in range(0, len(busy_start), SPANS_PER_PIECE):
        part = slice(lo, lo + SPANS_PER_PIECE)
        yield slices(LOOP_PID, LOOP_TID, "busy", "loop", busy_start[part], busy_end[part])
    if trace.observed:
        frames = np.array(trace.observed, np.float64).reshape(-1, 2)
        yield slices(LOOP_PID, WINDOW_TID, "drawing", "window", frames[:, 0], frames[:, 1])
    blocked = trace.blocked
    yield slices(
        LOOP_PID,
        BLOCKED_TID,
        [b.what or "callback" for b in blocked],
        "blocked",
        np.array([b.start for b in blocked], np.float64),
        np.array([b.end for b in blocked], np.float64),
        [blocked_args(b.task, b.what, names) for b in blocked],
    )


def blocked_args(task: int | None, what: str, names: list[str]) -> dict[str, Any]:
    args: dict[str, Any] = {"task_id": task, "what": what}
    if task is not None and 0 <= task < len(names):
        args["task"] = names[task]
    return args


def jobs(
    trace: Trace,
    job_row: list[int],
    names: list[str],
    arrows: dict[int, list[Event]] | None = None,
) -> list[Any]:
    """Each job that ran on its thread's row (``loop_lanes.job_rows``: a process pool's
    on the first of its rows free), each followed by the arrows that start from it
    (``arrows``, by the job's index)."""
    shown = [j for j, row in enumerate(job_row) if row > 0]
    args = []
    for j in shown:
        job = trace.jobs[j]
        more: dict[str, Any] = {"task_id": job.task, "submitted": job.submitted}
        if job.task is not None and 0 <= job.task < len(names):
            more["task"] = names[job.task]
        if job.error is not None:
            more["error"] = job.error
        args.append(more)
    bars = slices(
        THREADS_PID,
        [job_row[j] for j in shown],
        [trace.jobs[j].func for j in shown],
        SLICE_CAT,
        np.array([trace.jobs[j].start for j in shown], np.float64),
        np.array([trace.jobs[j].end for j in shown], np.float64),
        args,
    )
    events: list[Any] = []
    for j, bar in zip(shown, bars, strict=True):
        events.append(bar)
        events += (arrows or {}).get(j, [])
    return events


def marks(trace: Trace) -> list[Event]:
    """Marks and warnings as instants on their task's track (the loop's, if none)."""
    if not trace.marks:
        return []
    times = at(ticks(np.array([mark.t for mark in trace.marks], np.float64)))
    events = []
    for mark, ts in zip(trace.marks, times, strict=True):
        tid = LOOP_TID if mark.task is None else TASK_TID + mark.task
        event: Event = {
            "ph": "i",
            "s": "t",
            "pid": LOOP_PID,
            "tid": tid,
            "name": mark.label,
            "cat": mark.kind,
            "ts": ts,
        }
        if mark.detail:
            event["args"] = {"detail": mark.detail}
        events.append(event)
    return events


def counters(trace: Trace) -> list[Event]:
    """Each resource's level over the run, a counter of the loop's process named
    ``Kind name`` (``#id`` added when two share a name)."""
    rows = rows_of(trace)
    seen: dict[str, int] = {}
    for row in rows:
        key = f"{row.kind} {row.name}"
        seen[key] = seen.get(key, 0) + 1
    events: list[Event] = []
    for row in rows:
        key = f"{row.kind} {row.name}"
        name = key if seen[key] == 1 else f"{key} #{row.resource.id}"
        level = LEVEL_NAMES.get(row.kind, "level")
        for ts, value in zip(at(ticks(row.times)), row.levels.tolist(), strict=True):
            events.append(
                {
                    "ph": "C",
                    "pid": LOOP_PID,
                    "name": name,
                    "cat": "resource",
                    "ts": ts,
                    "args": {level: value},
                }
            )
    return events
