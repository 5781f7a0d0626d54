"""The derivation: a block of step rows, and the wakes not yet taken, to spans.

``TraceModel`` (``visualizer.model.spans``) holds three tables, laid out here and
advanced by the rule here: the spans so far (``span_table``), per task the end of its
last step and how that step ended (``task_table``), and the wakes no step has taken yet
(``wake_table``).  A step row then yields:

* ``suspended`` from the previous step's end to the wake that ended it (when the
  previous step suspended),
* ``ready`` from that wake (or the creation, or the previous end after a bare
  yield) to the step's start, carrying ``woken_by``,
* ``running`` for the step itself.

The open state after a task's last step (still suspended, or ready and waiting
for the loop) is not a span yet; ``snapshot(now)`` closes it at ``now``
(``spans_open_at``).

The wake that ended a suspension is the task's latest wake at or before the step's
start that no earlier such step took, so a wake recorded during a step (a task
cancelling itself) is kept for the next step, where it belongs.

Why numpy and not a loop over events: a live view updates at frame rate while a
busy program records 200,000 events a second; a Python loop over them cost 4 us an
event, a frame's whole budget at 30 frames per second (``bench/live_gui.py``).  Each
update works on the new block of rows at once.  The rule above, one event at a time,
is ``tests/model_reference.py``: the tests hold this model to it span for span.  Where
it is built, the same rule in C (``_derive.c``) runs instead of the numpy one.
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from visualizer.trace.data import SpanColumns
from visualizer.trace.schema import (
    END_READY,
    READY,
    RUNNING,
    SUSPENDED,
    WAKE_CANCEL,
    WAKE_CREATED,
    WAKE_TASK,
)


def _load_compiled() -> ModuleType | None:
    """``_derive.c``, the derivation's loop in C, if it was built and not switched off
    (``ASYNCVIZ_PURE_PYTHON=1``, as for the tracer): the numpy code is the fallback."""
    if os.environ.get("ASYNCVIZ_PURE_PYTHON", "") not in ("", "0"):
        return None
    try:
        from visualizer.model import _derive
    except ImportError:
        return None
    return _derive


#: the compiled derivation, or None (the numpy one runs)
compiled: ModuleType | None = _load_compiled()
#: the span table's columns, in the order ``_derive.c`` takes them
FIELDS: Final = ("task", "state", "start", "end", "awaiting", "woken_kind", "woken_task")
#: the task table's columns, in the order ``_derive.c`` takes them
TASK_COLUMNS: Final = (
    "created",
    "parent",
    "last_start",
    "last_end",
    "last_code",
    "prev_code",
    "cancel_code",
    "ended",
)
NO_CODE: Final = -100  #: ``prev_code`` before a task's second step


class Grown:
    """Numpy columns that grow by doubling: appends cost O(new rows), and a view of
    the rows so far stays valid (and unchanged) whatever is appended later."""

    def __init__(self, **dtypes: Any) -> None:
        self.length = 0
        self.columns = {name: np.zeros(64, dtype) for name, dtype in dtypes.items()}

    def extend(self, **values: npt.NDArray[Any]) -> None:
        rows = self.reserve(len(next(iter(values.values()))))
        for name, target in rows.items():
            target[:] = values[name]

    def reserve(self, n: int) -> dict[str, npt.NDArray[Any]]:
        """Add ``n`` rows and return them (views), to be written in place."""
        need = self.length + n
        for name, column in self.columns.items():
            if need > len(column):
                grown = np.zeros(max(need, 2 * len(column)), column.dtype)
                grown[: self.length] = column[: self.length]
                self.columns[name] = grown
        rows = {name: column[self.length : need] for name, column in self.columns.items()}
        self.length = need
        return rows

    def trim(self, n: int) -> None:
        """Drop the last ``n`` rows (reserved and not written)."""
        self.length -= n

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        return self.columns[name][: self.length]


def store_tail(column: Any, dtype: Any, begin: int, end: int) -> npt.NDArray[Any]:
    """Rows ``begin:end`` of a store column, copied: a view would pin the ``array``'s
    buffer and the writer's next append would fail."""
    if end <= begin:
        return np.zeros(0, dtype)
    size = np.dtype(dtype).itemsize
    return np.frombuffer(column, dtype, count=end - begin, offset=begin * size).copy()


def span_table() -> Grown:
    """The spans derived (``FIELDS``, as ``SpanColumns``)."""
    return Grown(
        task=np.int32,
        state=np.int8,
        start=np.float64,
        end=np.float64,
        awaiting=np.int32,
        woken_kind=np.int8,
        woken_task=np.int32,
    )


def task_table() -> Grown:
    """Per task (index == task id), what it carries to its next step (``TASK_COLUMNS``)."""
    return Grown(
        created=np.float64,
        parent=np.int32,
        last_start=np.float64,
        last_end=np.float64,  #: nan until the first step
        last_code=np.int32,
        prev_code=np.int32,  #: the code before last_code
        cancel_code=np.int32,  #: the suspension a cancel wake ended: where it landed
        ended=np.bool_,
    )


def wake_table() -> Grown:
    """Wakes not yet taken by a step, in the order recorded (``waker``: the store's
    packed ``(waker id + 1) << 3 | kind``)."""
    return Grown(task=np.int32, t=np.float64, waker=np.int32)


def add_tasks(
    tasks: Grown, created: npt.NDArray[np.float64], parent: npt.NDArray[np.int32]
) -> None:
    """New tasks, in id order, none stepped yet: ready since their creation."""
    count = len(created)
    tasks.extend(
        created=created,
        parent=parent,
        last_start=np.full(count, np.nan),
        last_end=np.full(count, np.nan),
        last_code=np.full(count, END_READY, np.int32),
        prev_code=np.full(count, NO_CODE, np.int32),
        cancel_code=np.full(count, -1, np.int32),
        ended=np.zeros(count, np.bool_),
    )


def derive(
    steps: tuple[
        npt.NDArray[np.int32],
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
        npt.NDArray[np.int32],
    ],
    wakes: tuple[npt.NDArray[np.int32], npt.NDArray[np.float64], npt.NDArray[np.int32]],
    tasks: Grown,
    spans: Grown,
) -> npt.NDArray[np.bool_]:
    """Spans for a block of step rows (task, start, end, code), appended to ``spans``,
    given every wake not yet taken (task, t, waker); ``tasks`` is updated in place (what
    each task carries to its next step).  Returns which of those wakes the steps took.
    In C (``compiled``) where built, else in numpy."""
    if compiled is None:
        return _derive_numpy(*steps, *wakes, tasks, spans)
    taken = np.zeros(len(wakes[0]), np.bool_)
    n = len(steps[0])
    out = spans.reserve(3 * n)
    try:
        written = compiled.derive(
            steps,
            wakes,
            tuple(tasks[name] for name in TASK_COLUMNS),
            tuple(out[name] for name in FIELDS),
            taken,
        )
    except BaseException:
        spans.trim(3 * n)  # (nothing written, nothing read)
        raise
    spans.trim(3 * n - written)
    return taken


def _derive_numpy(
    task: npt.NDArray[np.int32],
    start: npt.NDArray[np.float64],
    end: npt.NDArray[np.float64],
    code: npt.NDArray[np.int32],
    wake_task: npt.NDArray[np.int32],
    wake_t: npt.NDArray[np.float64],
    wake_waker: npt.NDArray[np.int32],
    tasks: Grown,
    spans: Grown,
) -> npt.NDArray[np.bool_]:
    """``derive`` in numpy: the spans for a block of step rows, given every wake not
    yet taken; returns which of those wakes the steps took.

    A step after a suspension takes its task's latest wake at or before its start,
    unless an earlier such step of the task in this block took it: wakes and steps
    are compared as (task, time) pairs, complex numbers ``task + time * 1j``, which
    numpy orders lexicographically, so one ``searchsorted`` finds every step's wake
    exactly (a task's wakes come in time order, so sorting by task alone sorts them).
    """
    # the steps per task, in the order they ran (a stable sort by task alone)
    order = _by_task(task)
    tid = task[order]
    n = len(order)
    first_here = np.empty(n, bool)
    first_here[:1] = True
    np.not_equal(tid[1:], tid[:-1], out=first_here[1:])
    prev = np.empty(n, np.int64)  # the step before, in step rows (first: itself)
    prev[0] = order[0]
    prev[1:] = order[:-1]
    prev_end = np.where(first_here, tasks["last_end"][tid], end[prev])
    prev_code = np.where(first_here, tasks["last_code"][tid], code[prev])
    first_step = np.isnan(prev_end)
    bare = ~first_step & (prev_code == END_READY)
    woken = ~first_step & ~bare  # after a suspension: takes a wake
    step_start = start[order]

    # each woken step's latest wake at or before its start, if no earlier woken
    # step of its task took that one
    wake_order = _by_task(wake_task)
    keys = wake_task[wake_order] + 1j * wake_t[wake_order]
    latest = np.searchsorted(keys, tid + 1j * step_start, side="right") - 1
    owner = np.append(wake_task[wake_order], -1)  # (-1: the padding past the wakes)
    mine = owner[latest] == tid  # (latest == -1 reads the padding)
    latest = np.where(woken & mine, latest, -1)
    # the latest wake an earlier woken step of the same task found (-1: none)
    taken = np.where(woken, latest, -1)
    group = np.maximum.accumulate(np.where(first_here, np.arange(n), 0))
    reach = np.maximum.accumulate(np.where(woken, np.arange(n), -1))
    before = np.empty(n, np.int64)
    before[:1] = -1
    before[1:] = reach[:-1]
    taken_before = np.where(before >= group, taken[np.maximum(before, 0)], -1)
    found = woken & (latest >= 0) & (latest > taken_before)
    row = np.append(wake_order, 0)[np.where(found, latest, len(wake_order))]
    packed = np.append(wake_waker, 0)[row]
    kind = np.where(found, packed & 7, -1)
    waker = np.where(found, (packed >> 3) - 1, -1)
    woke = np.where(found, np.maximum(np.append(wake_t, 0.0)[row], prev_end), prev_end)

    ready_start = np.where(first_step, tasks["created"][tid], np.where(bare, prev_end, woke))
    ready_kind = np.where(first_step, WAKE_CREATED, np.where(bare, WAKE_TASK, kind))
    ready_waker = np.where(first_step, tasks["parent"][tid], np.where(bare, tid, waker))

    # in step-row order, each step's spans: the suspension it ended (if any), the
    # ready span, the step itself; written straight to their places
    back = np.empty(n, np.int64)
    back[order] = np.arange(n)  # step row -> its place in the per-task order
    has_wait = woken[back]
    waits = int(has_wait.sum())
    wait_at: slice | npt.NDArray[np.int64]
    ready_at: slice | npt.NDArray[np.int64]
    run_at: slice | npt.NDArray[np.int64]
    if waits in (0, n):  # every step alike: strided places (a third of the time)
        size = 3 if waits else 2
        wait_at, ready_at, run_at = (
            slice(0, None, 3),
            slice(size - 2, None, size),
            slice(size - 1, None, size),
        )
    else:
        ready = np.cumsum(has_wait, dtype=np.int64) + 2 * np.arange(n)
        wait_at, ready_at, run_at = (ready - 1)[has_wait], ready, ready + 1
    out = spans.reserve(2 * n + waits)
    by_row = tid[back]
    for column, values in (
        ("task", (by_row[has_wait], by_row, by_row)),
        ("state", (SUSPENDED, READY, RUNNING)),
        ("start", (prev_end[back][has_wait], ready_start[back], start)),
        ("end", (woke[back][has_wait], start, end)),
        ("awaiting", (prev_code[back][has_wait], -1, -1)),
        ("woken_kind", (-1, ready_kind[back], -1)),
        ("woken_task", (-1, ready_waker[back], -1)),
    ):
        target = out[column]
        if waits:
            target[wait_at] = values[0]
        target[ready_at], target[run_at] = values[1], values[2]

    # what each task carries to its next step
    last_here = np.empty(n, bool)
    last_here[-1:] = True
    np.not_equal(tid[1:], tid[:-1], out=last_here[:-1])
    lt, lr = tid[last_here], order[last_here]
    columns = tasks.columns
    columns["prev_code"][lt] = prev_code[last_here]
    columns["last_code"][lt] = code[lr]
    columns["last_start"][lt] = start[lr]
    columns["last_end"][lt] = end[lr]
    columns["ended"][task[code < END_READY]] = True
    cancelled = np.flatnonzero(found & (kind == WAKE_CANCEL))
    if len(cancelled):  # the last such step of each task sets it
        final = np.empty(len(cancelled), bool)
        final[-1] = True
        final[:-1] = tid[cancelled][1:] != tid[cancelled][:-1]
        columns["cancel_code"][tid[cancelled][final]] = prev_code[cancelled][final]
    # a step took every wake of its task's queue up to the one it found: per task,
    # the sorted wakes up to the furthest one a step reached
    reached = np.full(tasks.length, -1, np.int64)
    np.maximum.at(reached, tid[latest >= 0], latest[latest >= 0])
    took = np.empty(len(wake_task), np.bool_)
    took[wake_order] = np.arange(len(wake_task)) <= reached[wake_task[wake_order]]
    return took


def spans_open_at(tasks: Grown, pending: Grown, known: int, now: float) -> SpanColumns:
    """The spans still open at ``now`` of the first ``known`` tasks (the open state after
    each one's last step): each unfinished task's current state (ready since its creation
    or its bare yield; suspended, and ready since a wake if one came), two slots per task,
    in task order."""
    tid = np.arange(known)
    last_end, code = tasks["last_end"][:known], tasks["last_code"][:known]
    alive = ~tasks["ended"][:known]
    first = alive & np.isnan(last_end)
    bare = alive & ~first & (code == END_READY)
    runnable = first | bare
    # the latest wake no step has taken yet, per task
    latest = np.full(known, -1)
    mine = pending["task"] < known
    np.maximum.at(latest, pending["task"][mine], np.flatnonzero(mine))
    woken = alive & ~runnable & (latest >= 0)
    packed = np.append(pending["waker"], 0)[latest]
    woke = np.minimum(np.maximum(np.append(pending["t"], 0.0)[latest], last_end), now)
    kind = np.where(woken, packed & 7, -1)
    waker = np.where(woken, (packed >> 3) - 1, -1)
    minus = np.full(known, -1)
    keep = _slots(alive, woken)
    return SpanColumns(
        task=_slots(tid, tid)[keep].astype(np.int32),
        state=_slots(np.where(runnable, READY, SUSPENDED), np.full(known, READY))[keep].astype(
            np.int8
        ),
        start=_slots(np.where(first, tasks["created"][:known], last_end), woke)[keep],
        end=_slots(
            np.where(runnable, now, np.where(woken, woke, np.maximum(now, last_end))),
            np.full(known, now),
        )[keep],
        awaiting=_slots(np.where(runnable, -1, code), minus)[keep].astype(np.int32),
        woken_kind=_slots(np.where(first, WAKE_CREATED, np.where(bare, WAKE_TASK, -1)), kind)[
            keep
        ].astype(np.int8),
        woken_task=_slots(np.where(first, tasks["parent"][:known], np.where(bare, tid, -1)), waker)[
            keep
        ].astype(np.int32),
    )


def _slots(*per_task: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Interleave equal-length columns: row i of each, then row i + 1 of each..."""
    return np.stack(per_task, axis=1).reshape(-1)


def renumbered(
    spans: Grown,
    tasks: Grown,
    pending: Grown,
    keep: npt.NDArray[np.int64],
    new_of: npt.NDArray[np.int64],
    stay: npt.NDArray[np.bool_],
) -> tuple[Grown, Grown, Grown]:
    """The three tables with only the spans ``stay`` selects and the tasks ``keep``
    (ascending ids), renumbered: ``new_of`` maps an old id to its new one (-1: gone),
    and its last entry, read for -1 (no task), is -1 too.  The wakes of the tasks gone
    go with them."""
    kept_spans = Grown(**{name: spans.columns[name].dtype for name in FIELDS})
    kept_spans.extend(
        **{name: spans[name][stay] for name in FIELDS}
        | {
            "task": new_of[spans["task"][stay]],
            "woken_task": new_of[spans["woken_task"][stay]],
        }
    )
    kept_tasks = Grown(**{name: column.dtype for name, column in tasks.columns.items()})
    kept_tasks.extend(**{name: tasks[name][keep] for name in tasks.columns})
    kept_tasks.columns["parent"][: kept_tasks.length] = new_of[kept_tasks["parent"]]
    by = (pending["waker"] >> 3) - 1
    still = new_of[pending["task"]] >= 0
    kept_wakes = wake_table()
    kept_wakes.extend(
        task=new_of[pending["task"][still]],
        t=pending["t"][still],
        waker=(new_of[by[still]] + 1) << 3 | (pending["waker"][still] & 7),
    )
    return kept_spans, kept_tasks, kept_wakes


def _by_task(task: npt.NDArray[np.int32]) -> npt.NDArray[np.int64]:
    """The stable order sorting by task: numpy's radix sort (its stable sort of 16-bit
    keys), 16 bits at a time, is five times as fast as sorting 32-bit keys."""
    keys = task.astype(np.uint32)
    order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    if len(keys) and int(keys.max()) > 0xFFFF:
        order = order[np.argsort((keys[order] >> 16).astype(np.uint16), kind="stable")]
    return order
