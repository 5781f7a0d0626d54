"""Resources: the asyncio queues, semaphores, locks, events, conditions and barriers a
run made, and every change of their state (issue 15).

Two tables, written by ``visualizer.instrument.resources`` and kept apart from the task
tables so that a run that makes none pays nothing and an older reader never sees them:

* ``resources``: one row per primitive, numbered from 0 in the order made: its kind,
  when and by which task it was made, where (``path:line``), its name (the variable or
  attribute it was stored to, else ``Queue-1``, ``Lock-2`` ...), and its capacity
  (a queue's ``maxsize``, a semaphore's initial permits, a barrier's parties; -1 none).
* ``changes``: one row per change of state, in the order they happened: the resource,
  the time, the task that made it (-1: not a task, a callback), what it was (``op``), and
  two numbers whose meaning depends on the kind and op:

  =========  ===========================  ==============================================
  kind       op                           value / detail
  =========  ===========================  ==============================================
  queues     put, get, task_done,         size after / unfinished tasks after
             shutdown
  semaphore  acquire, release             free permits after / 0
  Lock       acquire, release             holder task (-1: free, or held by no task) /
                                          1 if locked, else 0
  Event      set, clear                   1 if set, else 0 / 0
  Condition  acquire, release             as a Lock (its own lock; a lock passed in is
                                          a resource of its own)
  Condition  notify                       waiters woken / 0
  Barrier    arrive, leave                tasks waiting in it after / 0
  any        wait                         (a task began waiting on it) what for: 0 get,
                                          acquire, wait; 1 put; 2 join / 0
  =========  ===========================  ==============================================

Times are raw clock readings in the store, seconds since the run's start in a ``Trace``.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

KINDS: Final = (
    "Queue",
    "PriorityQueue",
    "LifoQueue",
    "Semaphore",
    "BoundedSemaphore",
    "Lock",
    "Event",
    "Condition",
    "Barrier",
)
KIND_CODE: Final = {kind: code for code, kind in enumerate(KINDS)}
QUEUES: Final = frozenset({0, 1, 2})
SEMAPHORES: Final = frozenset({3, 4})
LOCK, EVENT, CONDITION, BARRIER = 5, 6, 7, 8

OPS: Final = (
    "put",
    "get",
    "task_done",
    "shutdown",
    "acquire",
    "release",
    "set",
    "clear",
    "notify",
    "wait",
    "arrive",
    "leave",
)
OP_CODE: Final = {op: code for code, op in enumerate(OPS)}
PUT, GET, TASK_DONE, SHUTDOWN, ACQUIRE, RELEASE, SET, CLEAR, NOTIFY, WAIT, ARRIVE, LEAVE = range(
    len(OPS)
)
#: ``detail`` of a ``wait``: what the task waits for
WAIT_GET, WAIT_PUT, WAIT_JOIN = 0, 1, 2
#: the ops each kind can record
OPS_OF_KIND: Final[dict[str, frozenset[int]]] = {
    **dict.fromkeys(
        ("Queue", "PriorityQueue", "LifoQueue"), frozenset({PUT, GET, TASK_DONE, SHUTDOWN})
    ),
    **dict.fromkeys(("Semaphore", "BoundedSemaphore", "Lock"), frozenset({ACQUIRE, RELEASE})),
    "Event": frozenset({SET, CLEAR}),
    "Condition": frozenset({ACQUIRE, RELEASE, NOTIFY}),
    "Barrier": frozenset({ARRIVE, LEAVE}),
}
#: a value no column holds (numbers past int64 are clamped to it: a program may make a
#: ``Semaphore(10**30)``; the recorder must never raise into it)
BIG: Final = 2**62


def clamp(value: int) -> int:
    return value if -BIG <= value <= BIG else (BIG if value > 0 else -BIG)


class ResourceTable:
    """The store's resource tables: typed columns.  A resource's row is appended on the
    loop's thread (``add``); its changes by the tracer's recorder: straight away by the
    pure-Python one (``change``), else staged in C and appended a block at a time, the
    rest when the store syncs (``TraceStore.sync()``: read the change columns after it)."""

    def __init__(self) -> None:
        self.kind = array("b")
        self.created = array("d")
        self.task = array("i")
        self.site = array("i")  #: string id in the store, or -1
        self.name = array("i")  #: string id in the store
        self.capacity = array("q")
        self.c_res = array("i")
        self.c_t = array("d")
        self.c_task = array("i")
        self.c_op = array("b")
        self.c_value = array("q")
        self.c_detail = array("q")
        #: change rows let go of (a window's history: ``forget_before``)
        self.changes_forgotten = 0

    def __len__(self) -> int:
        return len(self.kind)

    def add(self, kind: int, created: float, task: int, site: int, name: int, cap: int) -> int:
        rid = len(self.kind)
        self.created.append(created)
        self.task.append(task)
        self.site.append(site)
        self.name.append(name)
        self.capacity.append(clamp(cap))
        self.kind.append(kind)  # (last: a resource is there once its kind is)
        return rid

    def change(self, rid: int, t: float, task: int, op: int, value: int, detail: int) -> None:
        self.c_t.append(t)
        self.c_task.append(task)
        self.c_op.append(op)
        try:
            self.c_value.append(value)
            self.c_detail.append(detail)
        except OverflowError:  # (a huge count: clamped, never raised into the program)
            del self.c_value[len(self.c_res) :], self.c_detail[len(self.c_res) :]
            self.c_value.append(clamp(value))
            self.c_detail.append(clamp(detail))
        self.c_res.append(rid)  # (last: a change is there once its resource is)

    @property
    def change_columns(
        self,
    ) -> tuple[array[int], array[float], array[int], array[int], array[int], array[int]]:
        return (self.c_res, self.c_t, self.c_task, self.c_op, self.c_value, self.c_detail)

    def mend(self) -> None:
        """Cut a row torn by an interrupt between its appends (as ``TraceStore.mend``)."""
        for columns in (
            (self.kind, self.created, self.task, self.site, self.name, self.capacity),
            self.change_columns,
        ):
            whole = min(len(column) for column in columns)
            for column in columns:
                del column[whole:]

    def renumber_tasks(self, new_of: npt.NDArray[np.int64]) -> None:
        """Tasks were renumbered (``TraceStore.keep_tasks``): a task not kept becomes -1,
        a lock's holder (the value of its acquires and releases) too."""
        for column in (self.task, self.c_task):
            old = np.frombuffer(column, np.int32).copy()  # (no view left: the column shrinks)
            del column[:]
            column.frombytes(renumbered(old, new_of).astype(np.int32).tobytes())
        held = holders(self.kind_codes()[np.frombuffer(self.c_res, np.int32)], self.c_op_codes())
        if held.any():
            value = np.frombuffer(self.c_value, np.int64).copy()
            value[held] = renumbered(value[held], new_of)
            del self.c_value[:]
            self.c_value.frombytes(value.tobytes())

    def kind_codes(self) -> npt.NDArray[np.int8]:
        """Each resource's kind (a copy)."""
        return np.frombuffer(self.kind, np.int8).copy()

    def c_op_codes(self) -> npt.NDArray[np.int8]:
        """Each change's op (a copy)."""
        return np.frombuffer(self.c_op, np.int8).copy()

    def let_go(self, changes: int) -> None:
        """Let go of the first ``changes`` change rows (a program's, once they were sent
        to the run's one reader: ``BatchMaker.let_go``).  Safe beside the loop thread's
        appends, as ``TraceStore.let_go``: each column loses its first rows in one
        C-level step, so rows stay aligned however the appends fall in between."""
        for column in self.change_columns:
            del column[:changes]
        self.changes_forgotten += changes

    def forget_before(self, cut: float) -> None:
        """Let go of the changes before ``cut`` (a clock reading) but each resource's
        last one before it (its state at the cut).  Resources themselves stay: one alive
        is still drawn, and they are few."""
        if not self.c_res:
            return
        t = np.frombuffer(self.c_t, np.float64).copy()
        res = np.frombuffer(self.c_res, np.int32).copy()
        before = t < cut
        if not before.any():
            return
        # the last change before the cut, per resource, stays
        idx = np.flatnonzero(before)
        last = np.zeros(len(self.kind), np.int64) - 1
        np.maximum.at(last, res[idx], idx)
        keep = ~before
        keep[last[last >= 0]] = True
        self.changes_forgotten += int((~keep).sum())
        for column in self.change_columns:
            kept = np.frombuffer(column, column.typecode)[keep].copy()
            del column[:]
            column.frombytes(kept.tobytes())

    def nbytes(self) -> int:
        return sum(
            c.buffer_info()[1] * c.itemsize
            for c in (*self.change_columns, self.kind, self.created, self.task, self.capacity)
        )


def renumbered(tasks: npt.NDArray[Any], new_of: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Task ids mapped by ``new_of`` (-1, and ids it does not map, become -1)."""
    inside = (tasks >= 0) & (tasks < len(new_of))
    return np.where(inside, new_of[np.where(inside, tasks, 0)], -1)


def holders(kind: npt.NDArray[Any], op: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """Which changes' values are a task (a Lock's or Condition's holder), given each
    change's resource's kind and its op."""
    held: npt.NDArray[np.bool_] = ((kind == LOCK) | (kind == CONDITION)) & (
        (op == ACQUIRE) | (op == RELEASE)
    )
    return held


@dataclass(frozen=True)
class Resource:
    """One primitive of the run, as a ``Trace`` holds it."""

    id: int
    kind: str
    name: str
    created: float  #: seconds since the run started
    task: int | None  #: the task that made it (None: not a task)
    site: str | None  #: ``path:line`` where it was made
    capacity: int | None  #: maxsize, initial permits, parties (None: none)


@dataclass
class ResourceChanges:
    """Every change of every resource, as columns in the order they happened."""

    resource: npt.NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    t: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0, np.float64))
    task: npt.NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    op: npt.NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, np.int8))
    value: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    detail: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.resource)

    def of(self, rid: int) -> list[tuple[float, int | None, str, int, int]]:
        """Resource ``rid``'s changes: (t, task or None, op, value, detail), in order."""
        rows = np.flatnonzero(self.resource == rid)
        return [
            (
                float(self.t[i]),
                int(self.task[i]) if self.task[i] >= 0 else None,
                OPS[int(self.op[i])],
                int(self.value[i]),
                int(self.detail[i]),
            )
            for i in rows
        ]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ResourceChanges):
            return NotImplemented
        return all(
            np.array_equal(getattr(self, f), getattr(other, f))
            for f in ("resource", "t", "task", "op", "value", "detail")
        )


def of_store(
    table: ResourceTable, strings: list[str], origin: float
) -> tuple[list[Resource], ResourceChanges]:
    """The store's tables as a ``Trace`` holds them (times since ``origin``)."""
    resources = [resource_of(table, strings, origin, rid) for rid in range(len(table.kind))]
    return resources, ResourceChanges(**change_rows(table, origin, 0, len(table.c_res)))


def resource_of(table: ResourceTable, strings: list[str], origin: float, rid: int) -> Resource:
    """Resource ``rid`` of the store's table, as a ``Trace`` holds it."""
    return Resource(
        id=rid,
        kind=KINDS[table.kind[rid]],
        name=strings[table.name[rid]],
        created=table.created[rid] - origin,
        task=table.task[rid] if table.task[rid] >= 0 else None,
        site=strings[table.site[rid]] if table.site[rid] >= 0 else None,
        capacity=table.capacity[rid] if table.capacity[rid] >= 0 else None,
    )


def change_rows(
    table: ResourceTable, origin: float, first: int, end: int
) -> dict[str, npt.NDArray[Any]]:
    """The store's change rows ``first`` to ``end``, copied, as ``ResourceChanges``'
    columns (no view of the store's columns is kept: they grow)."""
    return {
        "resource": np.frombuffer(table.c_res, np.int32)[first:end].copy(),
        "t": np.frombuffer(table.c_t, np.float64)[first:end] - origin,
        "task": np.frombuffer(table.c_task, np.int32)[first:end].copy(),
        "op": np.frombuffer(table.c_op, np.int8)[first:end].copy(),
        "value": np.frombuffer(table.c_value, np.int64)[first:end].copy(),
        "detail": np.frombuffer(table.c_detail, np.int64)[first:end].copy(),
    }
