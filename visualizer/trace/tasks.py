"""A trace's tasks as a table of columns: per task, nothing kept as a Python object.

A run of 100,000 tasks held one ``TaskRecord`` (a dataclass of 15 fields) per task, and
every step from the recording's end to the chart paid for it per task in Python: the
snapshot copied each record (2.65 s), the loader checked and built each (5 s), a
frame's columns were gathered from them again.  ``TaskTable`` keeps the fields every
task has as numpy columns (and its strings as plain lists, which numpy indexes and
lists slice at C speed), and the fields few tasks have (an error, a traceback, where a
cancellation landed, what a window forgot) as dicts by task id.

It is still a ``Sequence[TaskRecord]``: ``table[i]`` and iteration make records on
demand, so code that looks at one task (a tooltip, a test) reads it as before.  A
record made so is a copy: changing it changes nothing in the table, which is never
changed once made (its numeric columns are read-only views).  Work over all tasks reads
the columns.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import numpy.typing as npt

#: a task's outcome as a number (``TaskTable.outcome``): its index here
OUTCOMES: tuple[str, ...] = ("pending", "done", "error", "cancelled")
#: a task outcome word -> its number in ``OUTCOMES`` (the table and the file reader alike)
OUTCOME_CODE: dict[str, int] = {name: i for i, name in enumerate(OUTCOMES)}


@dataclass
class TaskRecord:
    id: int
    name: str
    coro: str
    parent: int | None
    created: float
    created_at: str | None
    ended: float | None = None
    outcome: str = "pending"  #: pending | done | error | cancelled
    error: str | None = None  #: "Type: message" for error outcomes
    traceback: str | None = None
    cancelled_at: str | None = None  #: await site where the CancelledError landed
    #: what the window forgot of this task (its history before the one kept, for a
    #: service watched for hours): steps, and seconds running, ready and suspended
    earlier: tuple[int, float, float, float] | None = None
    #: the parent's name, when the window forgot the parent (it ended before the
    #: history kept): ``parent`` is then None, and this says it was not no one
    parent_gone: str | None = None
    #: cancel requests still pending (``task.cancelling()``) when it ended done or
    #: failed, or when the trace ended while it was pending: a cancellation it caught
    #: and went on from (``store.TaskEnd``; 0: none, or not known: an older file)
    cancelling: int = 0
    #: it ended done or failed with nothing but the loop referring to it: nobody could
    #: see it end (fire and forget; False: held, or not known)
    unheld: bool = False


#: the fields few tasks have, kept as ``{task id: value}`` (absent: None)
SPARSE = ("error", "traceback", "cancelled_at", "earlier", "parent_gone")


def _column(values: Any, dtype: Any, n: int | None, name: str) -> npt.NDArray[Any]:
    """``values`` as a read-only 1-d array of ``dtype`` (a view: the caller's array keeps
    its own flags), ``n`` long if given."""
    array = np.asarray(values, dtype).view()
    if array.ndim != 1 or (n is not None and len(array) != n):
        raise ValueError(f"TaskTable.{name}: {n} values expected, not shape {array.shape}")
    array.flags.writeable = False
    return array


class TaskTable(Sequence[TaskRecord]):
    """The tasks of a trace, index == task id (see the module's docstring).

    Numeric columns: ``parent`` (int64, -1: none), ``created`` (float64), ``ended``
    (float64, nan: not ended), ``outcome`` (int8, index in ``OUTCOMES``), ``cancelling``
    (int32), ``unheld`` (bool).  Strings: ``names``, ``coros``, ``created_at`` (lists).
    Sparse, ``{id: value}``: ``error``, ``traceback``, ``cancelled_at``, ``earlier``,
    ``parent_gone``.  Made from columns (``TaskTable(created=..., ...)``: only what a
    chart needs is required) or from records (``TaskTable.of``)."""

    __slots__ = (
        "parent", "created", "ended", "outcome", "cancelling", "unheld",
        "names", "coros", "created_at", *SPARSE,
    )  # fmt: skip
    __hash__ = None  # type: ignore[assignment]  # (compared by value, and not frozen)

    def __init__(
        self,
        *,
        created: Any,
        parent: Any,
        ended: Any,
        outcome: Any,
        names: list[str],
        coros: list[str] | None = None,
        created_at: list[str | None] | None = None,
        cancelling: Any = None,
        unheld: Any = None,
        error: Mapping[int, str] | None = None,
        traceback: Mapping[int, str] | None = None,
        cancelled_at: Mapping[int, str] | None = None,
        earlier: Mapping[int, tuple[int, float, float, float]] | None = None,
        parent_gone: Mapping[int, str] | None = None,
    ) -> None:
        n = len(names)
        self.names: list[str] = names
        self.created = _column(created, np.float64, n, "created")
        self.parent = _column(parent, np.int64, n, "parent")
        self.ended = _column(ended, np.float64, n, "ended")
        self.outcome = _column(outcome, np.int8, n, "outcome")
        self.coros: list[str] = [""] * n if coros is None else coros
        self.created_at: list[str | None] = [None] * n if created_at is None else created_at
        self.cancelling = _column(
            np.zeros(n, np.int32) if cancelling is None else cancelling, np.int32, n, "cancelling"
        )
        self.unheld = _column(np.zeros(n, bool) if unheld is None else unheld, bool, n, "unheld")
        for name, values in (("coros", self.coros), ("created_at", self.created_at)):
            if len(values) != n:
                raise ValueError(f"TaskTable.{name}: {n} values expected, not {len(values)}")
        self.error: dict[int, str] = dict(error or {})
        self.traceback: dict[int, str] = dict(traceback or {})
        self.cancelled_at: dict[int, str] = dict(cancelled_at or {})
        self.earlier: dict[int, tuple[int, float, float, float]] = dict(earlier or {})
        self.parent_gone: dict[int, str] = dict(parent_gone or {})

    # --- made from records ---------------------------------------------------------------
    @classmethod
    def of(cls, tasks: Iterable[TaskRecord]) -> TaskTable:
        """From records whose ids are 0, 1, 2 ... in order (a table is returned as it is:
        it never changes)."""
        if isinstance(tasks, TaskTable):
            return tasks
        records = list(tasks)
        for i, record in enumerate(records):
            if record.id != i:
                raise ValueError(f"tasks[{i}] has id {record.id}: a task's id is its index")
            if record.outcome not in OUTCOME_CODE:
                raise ValueError(f"tasks[{i}].outcome: {record.outcome!r} is not one of {OUTCOMES}")
        return cls(
            created=np.array([t.created for t in records], np.float64),
            parent=np.array([-1 if t.parent is None else t.parent for t in records], np.int64),
            ended=np.array([np.nan if t.ended is None else t.ended for t in records], np.float64),
            outcome=np.array([OUTCOME_CODE[t.outcome] for t in records], np.int8),
            names=[t.name for t in records],
            coros=[t.coro for t in records],
            created_at=[t.created_at for t in records],
            cancelling=np.array([t.cancelling for t in records], np.int32),
            unheld=np.array([t.unheld for t in records], bool),
            **{
                name: {t.id: value for t in records if (value := getattr(t, name)) is not None}
                for name in SPARSE
            },
        )

    @classmethod
    def empty(cls) -> TaskTable:
        return cls(created=(), parent=(), ended=(), outcome=(), names=[])

    # --- a Sequence of records -----------------------------------------------------------
    def __len__(self) -> int:
        return len(self.names)

    @overload
    def __getitem__(self, index: int) -> TaskRecord: ...

    @overload
    def __getitem__(self, index: slice) -> list[TaskRecord]: ...

    def __getitem__(self, index: int | slice) -> TaskRecord | list[TaskRecord]:
        if isinstance(index, slice):  # (records with their ids, as a list's slice was;
            rows = range(len(self))[index]  # a table keeps index == id: ``head``)
            if rows.step == 1:
                return list(itertools.islice(self, rows.start, rows.stop))
            return [self[i] for i in rows]
        n = len(self)
        i = index + n if -n <= index < 0 else index
        if not 0 <= i < n:
            raise IndexError(f"task {index} of {n}")
        return self._record(
            i,
            self.names[i],
            self.coros[i],
            int(self.parent[i]),
            float(self.created[i]),
            self.created_at[i],
            float(self.ended[i]),
            int(self.outcome[i]),
            int(self.cancelling[i]),
            bool(self.unheld[i]),
        )

    def __iter__(self) -> Iterator[TaskRecord]:
        columns = zip(
            range(len(self)),
            self.names,
            self.coros,
            self.parent.tolist(),
            self.created.tolist(),
            self.created_at,
            self.ended.tolist(),
            self.outcome.tolist(),
            self.cancelling.tolist(),
            self.unheld.tolist(),
            strict=True,
        )
        record = self._record
        for row in columns:
            yield record(*row)

    def _record(
        self,
        i: int,
        name: str,
        coro: str,
        parent: int,
        created: float,
        created_at: str | None,
        ended: float,
        outcome: int,
        cancelling: int,
        unheld: bool,
    ) -> TaskRecord:
        return TaskRecord(
            i,
            name,
            coro,
            None if parent < 0 else parent,
            created,
            created_at,
            None if ended != ended else ended,  # (nan: not ended)
            OUTCOMES[outcome],
            self.error.get(i),
            self.traceback.get(i),
            self.cancelled_at.get(i),
            self.earlier.get(i),
            self.parent_gone.get(i),
            cancelling,
            unheld,
        )

    def head(self, n: int) -> TaskTable:
        """The first ``n`` tasks, as a table (ids unchanged: a live chart's tasks that have
        a lane yet)."""
        if n >= len(self):
            return self
        n = max(n, 0)

        def sparse(values: dict[int, Any]) -> dict[int, Any]:
            return {tid: v for tid, v in values.items() if tid < n}

        return TaskTable(
            created=self.created[:n],
            parent=self.parent[:n],
            ended=self.ended[:n],
            outcome=self.outcome[:n],
            names=self.names[:n],
            coros=self.coros[:n],
            created_at=self.created_at[:n],
            cancelling=self.cancelling[:n],
            unheld=self.unheld[:n],
            **{name: sparse(getattr(self, name)) for name in SPARSE},
        )

    # --- compared by value ---------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if isinstance(other, TaskTable):
            return (
                len(self) == len(other)
                and self.names == other.names
                and self.coros == other.coros
                and self.created_at == other.created_at
                and np.array_equal(self.parent, other.parent)
                and np.array_equal(self.created, other.created)
                and np.array_equal(self.ended, other.ended, equal_nan=True)
                and np.array_equal(self.outcome, other.outcome)
                and np.array_equal(self.cancelling, other.cancelling)
                and np.array_equal(self.unheld, other.unheld)
                and all(getattr(self, name) == getattr(other, name) for name in SPARSE)
            )
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __repr__(self) -> str:
        shown = ", ".join(repr(name) for name in self.names[:3])
        more = f", ... {len(self) - 3} more" if len(self) > 3 else ""
        return f"TaskTable({len(self)} tasks: {shown}{more})"

    # --- bulk views ----------------------------------------------------------------------
    def outcome_names(self) -> list[str]:
        """Each task's outcome as its word (``OUTCOMES``), at C speed."""
        words: list[str] = np.array(OUTCOMES, object)[self.outcome].tolist()
        return words

    def nbytes(self) -> int:
        """What the numeric columns hold (the strings not counted)."""
        return sum(
            int(getattr(self, name).nbytes)
            for name in ("parent", "created", "ended", "outcome", "cancelling", "unheld")
        )
