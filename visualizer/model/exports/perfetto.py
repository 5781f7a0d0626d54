"""A trace in the Trace Event Format: the JSON that Perfetto's UI (ui.perfetto.dev) and
Chrome's ``chrome://tracing`` open, so a run can be read in the tools people already
use, next to their other traces (issue 18).

What goes where (one process for the loop, one for the executor's threads):

* **a track per task** (a thread of the loop's process, ``tid`` = ``TASK_TID`` + task id,
  named after the task, ``thread_sort_index`` its lane in the chart: children under
  their parent), with a **slice per span** named by its state (``running``, ``ready``,
  ``suspended``, so each state has its colour): a suspended slice's ``args`` say what
  it awaited, where and through which await stack; a ready slice's, who or what woke
  it; a task's first slice says its coroutine and where it was made, its last one how
  it ended (``outcome``, ``error``, ``cancelled_at``);
* **flow arrows** (``s``/``f`` events) from the step of the task that woke another (or
  created it), or from the thread's job whose result woke it, to the ready slice of
  the task it woke: a bare yield's own wake, from a task to itself, has none (its ready
  slice says so);
* the loop's own rows: ``event loop`` (busy while any step ran), ``window drawing``
  (the observer's frames, if the trace has them) and ``blocked`` (the steps and
  callbacks that held the loop too long); **thread-pool jobs** on their threads in the
  second process (a process pool's on as many rows as overlap, as in the chart);
* **marks and warnings** as instant events on their task's track (or the loop's);
* **resource levels** as counters of the loop's process (a queue's items, a
  semaphore's permits in use, 1 while a lock is held or an event set, a barrier's
  waiting tasks: ``model.resource_states``' levels);
* the trace's ``meta`` as the file's ``otherData``.

Times are ticks of 1/1024 µs, each moment half a tick on: ``trace_events`` says why.

The file is written a piece at a time (msgspec), never as one list of millions of
events: a 100,000-task run has over two million slices.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import msgspec
import numpy as np
import numpy.typing as npt

from visualizer.model.exports.trace_events import (
    BLOCKED_TID,
    ENCODER,
    LOOP_PID,
    LOOP_TID,
    SLICE_CAT,
    SPANS_PER_PIECE,
    TASK_TID,
    THREADS_PID,
    WINDOW_TID,
    Event,
    Int64Array,
    Slice,
    SliceWithArgs,
    at,
    counters,
    jobs,
    lengths,
    loop_rows,
    marks,
    ticks,
)
from visualizer.model.lanes import lanes_of
from visualizer.model.loop_lanes import job_rows
from visualizer.trace import schema
from visualizer.trace.data import OUTCOMES, TaskColumns, Trace
from visualizer.trace.fileformat import _gc_paused, _write_behind
from visualizer.trace.safe_write import replace_atomically

#: flow arrows' names: a task made by another, a task woken by another
CREATED: Final = "created"
WOKE: Final = "woke"
#: a task's slices are named by their state
STATES: Final = schema.STATE_NAMES


def write(trace: Trace, path: Path) -> int:
    """Write ``trace`` to ``path`` (gzip if it ends in ``.gz``; Perfetto's UI opens
    both), all of it or nothing (``safe_write``).  Returns how many events it holds."""
    count = [0]

    def put(file: Any) -> None:
        with _gc_paused():
            if path.suffix == ".gz":
                with gzip.GzipFile(fileobj=file, mode="wb", compresslevel=5) as zipped:
                    _write_behind(encoded(trace, count), zipped.write)
            else:
                _write_behind(encoded(trace, count), file.write)

    replace_atomically(path, put)
    return count[0]


def encoded(trace: Trace, count: list[int] | None = None) -> Iterator[bytes]:
    """The file's bytes, a piece at a time (``count[0]``: the events so far)."""
    yield b'{"traceEvents":['
    first = True
    for events in event_chunks(trace):
        if not events:
            continue
        if count is not None:
            count[0] += len(events)
        yield (b"" if first else b",") + ENCODER.encode(events)[1:-1]
        first = False
    other = {**trace.meta, "exported_by": "asyncviz"}
    yield b'],"displayTimeUnit":"ns","otherData":' + ENCODER.encode(other) + b"}"


def event_chunks(trace: Trace) -> Iterator[list[Any]]:
    """Every event of the file, in lists of a few thousand: the names first, then the
    jobs, the tasks' slices, each with the arrows' ends bound to it, the loop's rows,
    the marks, the counters."""
    columns = trace.columns or TaskColumns.of(trace.tasks)
    rows = job_rows(trace.jobs)
    yield from _names(trace, columns, rows.names)
    order = _by_task(trace)
    ends, arrivals, from_jobs = _flows(trace, order, rows.job_row)
    yield jobs(trace, rows.job_row, columns.names, from_jobs)  # (before: arrows start there)
    yield from _span_chunks(trace, columns, order, ends, arrivals)
    yield from loop_rows(trace, columns.names)
    yield marks(trace)
    yield counters(trace)


# --- times ----------------------------------------------------------------------------
# --- names and order --------------------------------------------------------------------
def _names(trace: Trace, columns: TaskColumns, thread_rows: list[str]) -> Iterator[list[Event]]:
    """The processes' and threads' names (``M`` events), the tasks' in their lanes'
    order (``thread_sort_index``), the loop's own rows above them."""
    meta = trace.meta
    source = str(meta.get("source", "") or "asyncio")
    labels = f"clock: {meta.get('clock', '?')}, Python {meta.get('python', '?')}"

    def named(what: str, pid: int, tid: int, name: str, sort: int) -> list[Event]:
        return [
            {"ph": "M", "pid": pid, "tid": tid, "name": f"{what}_name", "args": {"name": name}},
            {
                "ph": "M",
                "pid": pid,
                "tid": tid,
                "name": f"{what}_sort_index",
                "args": {"sort_index": sort},
            },
        ]

    events = named("process", LOOP_PID, 0, f"event loop: {source}", 0)
    events.append(
        {"ph": "M", "pid": LOOP_PID, "tid": 0, "name": "process_labels", "args": {"labels": labels}}
    )
    events += named("thread", LOOP_PID, LOOP_TID, "event loop", -3)
    if trace.observed:
        events += named("thread", LOOP_PID, WINDOW_TID, "window drawing", -2)
    if trace.blocked:
        events += named("thread", LOOP_PID, BLOCKED_TID, "blocked", -1)
    lanes = lanes_of(columns.parent).tolist()
    for task, (name, lane) in enumerate(zip(columns.names, lanes, strict=True)):
        events += named("thread", LOOP_PID, TASK_TID + task, name, lane)
        if len(events) >= SPANS_PER_PIECE:  # (a name or two a task: in pieces too)
            yield events
            events = []
    if len(thread_rows) > 1:
        events += named("process", THREADS_PID, 0, "executor threads", 1)
        for row, name in enumerate(thread_rows[1:], 1):
            events += named("thread", THREADS_PID, row, name, row)
    yield events


def _by_task(trace: Trace) -> Int64Array:
    """The spans' order by task, then start (as a file has them: then no sort)."""
    spans = trace.spans
    task, start = spans.task, spans.start
    if len(task) < 2:
        return np.arange(len(task), dtype=np.int64)
    step = np.diff(task)
    if ((step > 0) | ((step == 0) & (np.diff(start) >= 0))).all():
        return np.arange(len(task), dtype=np.int64)
    return np.lexsort((start, task)).astype(np.int64)


# --- the tasks' slices ------------------------------------------------------------------
def _span_chunks(
    trace: Trace,
    columns: TaskColumns,
    order: Int64Array,
    flows: dict[int, list[Event]],
    arrivals: Int64Array,
) -> Iterator[list[Any]]:
    """Each task's spans as slices on its track, a piece at a time, in time order, each
    followed by the arrows' ends bound to it (``_flows``).

    Time order, because Chromium's DevTools reads an arrow's ends in the file's order
    and drops an end that comes before its start; at one time, a slice an arrow ends
    in after the others (the step it starts from), and otherwise as ``order`` has
    them (a task's slices begun at one time stay in their order)."""
    spans = trace.spans
    n = len(order)
    task_sorted = spans.task[order]
    first = np.ones(n, bool)
    first[1:] = task_sorted[1:] != task_sorted[:-1]
    last = np.ones(n, bool)
    last[:-1] = first[1:]
    start = ticks(spans.start[order])
    arrives = np.zeros(n, np.int8)
    arrives[arrivals] = ticks(spans.end[order][arrivals]) > start[arrivals]
    emit = np.lexsort((arrives, start))  # (stable: ``order``'s at a tie)
    names = columns.names
    suspended = [
        {"awaiting": s.label, "at": s.site, "stack": list(s.stack)} for s in trace.suspensions
    ]
    woken: dict[tuple[int, int, bool], tuple[dict[str, Any], msgspec.Raw]] = {}

    def woken_args(kind: int, by: int, task: int) -> tuple[dict[str, Any], msgspec.Raw]:
        """Who or what woke it (its own bare yield's waker is its track: not named), and
        that encoded once for all the slices it fits."""
        key = (kind, by, by == task)
        known = woken.get(key)
        if known is None:
            args: dict[str, Any] = {"woken_by": schema.WAKE_NAMES[kind] if 0 <= kind < 7 else "?"}
            if 0 <= by < len(names):
                args["waker_id"] = by
                if by != task:
                    args["waker"] = names[by]
            known = woken[key] = (args, msgspec.Raw(ENCODER.encode(args)))
        return known

    suspended_args = [msgspec.Raw(ENCODER.encode(args)) for args in suspended]
    for lo in range(0, n, SPANS_PER_PIECE):
        places = emit[lo : lo + SPANS_PER_PIECE]
        rows = order[places]
        a, b = ticks(spans.start[rows]), ticks(spans.end[rows])
        events: list[Any] = []
        for place, task, state, ts, dur, awaiting, kind, by, is_first, is_last in zip(
            places.tolist(),
            spans.task[rows].tolist(),
            spans.state[rows].tolist(),
            at(a),
            lengths(np.maximum(b - a, 0)),
            spans.awaiting[rows].tolist(),
            spans.woken_kind[rows].tolist(),
            spans.woken_task[rows].tolist(),
            first[places].tolist(),
            last[places].tolist(),
            strict=True,
        ):
            own: dict[str, Any] = {}
            args: msgspec.Raw | None = None
            if state == schema.READY:
                own, args = woken_args(kind, by, task)
            elif state == schema.SUSPENDED and 0 <= awaiting < len(suspended):
                own, args = suspended[awaiting], suspended_args[awaiting]
            if is_first or is_last:  # (a few: merged and encoded on their own)
                more = _task_args(trace, columns, task, is_first, is_last)
                args = msgspec.Raw(ENCODER.encode({**own, **more}))
            tid, name = TASK_TID + task, STATES[state]
            events.append(
                Slice("X", LOOP_PID, tid, name, SLICE_CAT, ts, dur)
                if args is None
                else SliceWithArgs("X", LOOP_PID, tid, name, SLICE_CAT, ts, dur, args)
            )
            if place in flows:
                events += flows[place]
        yield events


def _task_args(
    trace: Trace, columns: TaskColumns, task: int, first: bool, last: bool
) -> dict[str, Any]:
    """A task's first slice: what it runs, where it was made; its last: how it ended."""
    record = trace.tasks[task]
    args: dict[str, Any] = {}
    if first:
        args.update(task_id=task, coro=record.coro, created_at=record.created_at)
    if last:
        args["outcome"] = OUTCOMES[int(columns.outcome[task])]
        for key in ("error", "cancelled_at", "traceback"):
            value = getattr(record, key)
            if value is not None:
                args[key] = value
    return args


# --- arrows -----------------------------------------------------------------------------
def _flows(
    trace: Trace, order: Int64Array, job_row: list[int]
) -> tuple[dict[int, list[Event]], Int64Array, dict[int, list[Event]]]:
    """An arrow for each ready span a task's step caused in another task (from that step:
    the waker's last running span begun by then), and for each a thread's job caused
    (from the job: ``job_wakes``), to the ready slice.  Returned: the arrows' ends by
    the span they belong to (its place in ``order``), to be written right after its
    slice; the places of the ready spans they end in; their starts by job.

    Each end is at its slice's start, with its category, and binds to the slice
    enclosing it (``"bp": "e"``), so every reader finds the same slice: Chromium's
    DevTools binds a flow event to the slice of its track with the same ``ts`` and
    ``cat`` (and reads a start before its end in the file, or drops the arrow);
    Perfetto to the slice open on its track as it reads the event, in time order and,
    at one time, in the file's order: right after its slice, before the next begins at
    that same nanosecond (an ideal clock's step lasts one).  The wake's own moment is
    the ready slice's start."""
    spans = trace.spans
    task, state = spans.task[order], spans.state[order]
    waker, kind = spans.woken_task[order], spans.woken_kind[order]
    start = ticks(spans.start[order])
    ready = np.flatnonzero((state == schema.READY) & (waker >= 0) & (waker != task))
    running = np.flatnonzero(state == schema.RUNNING)
    step = steps_before(task[running], start[running], waker[ready], start[ready])
    ready = ready[step >= 0]
    step = running[step[step >= 0]]
    names = np.where(kind[ready] == schema.WAKE_CREATED, CREATED, WOKE).tolist()
    ends: dict[int, list[Event]] = {}
    from_jobs: dict[int, list[Event]] = {}
    by_thread = job_wakes(trace, order, job_row)
    job_start = np.array([trace.jobs[j].start for _, j in by_thread], np.float64)
    arrivals = np.concatenate([ready, np.array([p for p, _ in by_thread], np.int64)])
    # each arrow's start: its track, its time, and where it is written (after which slice)
    s_pid = [LOOP_PID] * len(step) + [THREADS_PID] * len(by_thread)
    s_tid = (task[step] + TASK_TID).tolist() + [job_row[j] for _, j in by_thread]
    s_ts = at(start[step]) + at(ticks(job_start))
    s_after = [(ends, p) for p in step.tolist()] + [(from_jobs, j) for _, j in by_thread]
    for flow, (name, pid, tid, ts, (after, key), f_at, f_ts) in enumerate(
        zip(
            names + [WOKE] * len(by_thread),
            s_pid,
            s_tid,
            s_ts,
            s_after,
            arrivals.tolist(),
            at(start[arrivals]),
            strict=True,
        ),
        1,
    ):
        common = {"cat": SLICE_CAT, "name": name, "id": flow, "bp": "e"}
        after.setdefault(key, []).append({"ph": "s", "pid": pid, "tid": tid, "ts": ts, **common})
        f_tid = int(task[f_at]) + TASK_TID
        ends.setdefault(f_at, []).append(
            {"ph": "f", "pid": LOOP_PID, "tid": f_tid, "ts": f_ts, **common}
        )
    return ends, arrivals, from_jobs


def job_wakes(trace: Trace, order: Int64Array, job_row: list[int]) -> list[tuple[int, int]]:
    """Each wake by a thread matched with the job that woke it, as the chart's arrows
    (``loop_lanes.thread_wakes``): the latest job the woken task submitted that ended
    by then (its future completes from that thread).  (place in ``order`` of the ready
    span, job index) pairs."""
    spans = trace.spans
    by_task: dict[int, list[tuple[float, int]]] = {}
    for j, (job, row) in enumerate(zip(trace.jobs, job_row, strict=True)):
        if job.task is not None and row > 0:
            by_task.setdefault(job.task, []).append((job.end, j))
    woken = np.flatnonzero(
        (spans.state[order] == schema.READY) & (spans.woken_kind[order] == schema.WAKE_THREAD)
    )
    found = []
    for place, task, t in zip(
        woken.tolist(),
        spans.task[order][woken].tolist(),
        spans.start[order][woken].tolist(),
        strict=True,
    ):
        ended = [(end, j) for end, j in by_task.get(task, []) if end <= t + 1e-9]
        if ended:
            found.append((place, max(ended)[1]))
    return found


def steps_before(
    step_task: Int64Array | npt.NDArray[Any],
    step_start: Int64Array,
    task: npt.NDArray[Any],
    t: Int64Array,
) -> Int64Array:
    """For each (``task``, ``t``), the last of that task's steps begun at or before
    ``t`` (an index into the steps; -1: none).  All at once: steps and queries sorted
    together by (task, time, step first), each query taking the last step before it
    in that order if it is its task's."""
    n = len(step_task)
    tasks = np.concatenate([step_task, task]).astype(np.int64)
    times = np.concatenate([step_start, t])
    is_query = np.concatenate([np.zeros(n, np.int8), np.ones(len(task), np.int8)])
    order = np.lexsort((is_query, times, tasks))
    place = np.where(is_query[order] == 0, np.arange(len(order)), -1)
    last_step = np.maximum.accumulate(place) if len(place) else place
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    at = last_step[rank[n:]]
    chosen = order[np.maximum(at, 0)] if len(order) else np.zeros(0, np.int64)
    same = (at >= 0) & (tasks[chosen] == tasks[n:])
    return np.where(same, chosen, -1).astype(np.int64)
