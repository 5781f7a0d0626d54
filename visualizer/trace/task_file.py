"""A trace file's tasks (format v1, ``docs/trace-format.md``), read and written a column
at a time: the ``TaskTable`` of ``visualizer.trace.tasks``, no record per task.

``fileformat`` decodes the file's ``tasks`` into ``Task`` records (msgspec checks every
field's type while parsing, as it does the spans'); ``table_of`` checks the rest in
numpy and makes the table, or says None, and the field-by-field checks of
``fileformat`` then name the task and the field that is off, in the words they always
used.  ``document`` is what ``save`` writes, byte for byte what the records wrote.
"""

from __future__ import annotations

import itertools
import operator
from operator import attrgetter
from typing import Any, Final, Literal

import msgspec
import numpy as np
import numpy.typing as npt

from visualizer.trace.tasks import OUTCOME_CODE, TaskTable

#: ids and counts are kept in int32 columns: past this, the dict path names the field
_INT32: Final = 2**31
#: the decoder checks the word and returns one shared string per value
_OutcomeName = Literal["pending", "done", "error", "cancelled"]


class Task(msgspec.Struct, gc=False):
    """A task as read: the fields every task has, then the optional ones."""

    id: int
    name: str
    coro: str
    parent: int | None
    created: float
    created_at: str | None
    ended: float | None
    outcome: _OutcomeName
    error: str | None
    traceback: str | None = None
    cancelled_at: str | None = None
    earlier: tuple[int, float, float, float] | None = None
    parent_gone: str | None = None
    cancelling: int | None = None
    unheld: bool | None = None


class _TaskOut(msgspec.Struct, gc=False, omit_defaults=True):
    """A task as written (in this order): ``traceback`` and ``cancelled_at`` even when
    null, as always; the fields added later only when they say something."""

    id: int
    name: str
    coro: str
    parent: int | None
    created: float
    created_at: str | None
    ended: float | None
    outcome: str
    error: str | None
    traceback: str | None
    cancelled_at: str | None
    earlier: tuple[int, float, float, float] | None = None
    parent_gone: str | None = None
    cancelling: int = 0
    unheld: bool = False


def document(tasks: TaskTable) -> list[_TaskOut]:
    """The tasks as the file's records (``_TaskOut``, which msgspec encodes), made
    column-wise (``map`` over the columns as lists: no Python statement per task)."""
    n = len(tasks)

    def none_where(values: npt.NDArray[Any], empty: npt.NDArray[np.bool_]) -> list[Any]:
        out = values.astype(object)
        out[empty] = None
        return out.tolist()  # type: ignore[no-any-return]

    def sparse(values: dict[int, Any]) -> list[Any]:
        out: list[Any] = [None] * n
        for tid, value in values.items():
            out[tid] = value
        return out

    return list(
        map(
            _TaskOut,
            range(n),
            tasks.names,
            tasks.coros,
            none_where(tasks.parent, tasks.parent < 0),
            tasks.created.tolist(),
            tasks.created_at,
            none_where(tasks.ended, np.isnan(tasks.ended)),
            tasks.outcome_names(),
            sparse(tasks.error),
            sparse(tasks.traceback),
            sparse(tasks.cancelled_at),
            sparse(tasks.earlier),
            sparse(tasks.parent_gone),
            tasks.cancelling.tolist(),
            tasks.unheld.tolist(),
        )
    )


def table_of(items: list[Task]) -> TaskTable | None:
    """The table from typed records (types checked by the decoder), in C-speed passes
    (``map`` over attribute getters, numpy for the checks): 100,000 tasks read one by
    one cost 2.3 s of checks and 3 s of records.  None if anything is off: the
    field-by-field checks (``fileformat``) then name the task and the field."""
    n = len(items)

    def column(name: str) -> list[Any]:
        return list(map(attrgetter(name), items))

    def given(values: list[Any]) -> npt.NDArray[np.bool_]:
        return ~np.fromiter(map(operator.is_, values, itertools.repeat(None)), np.bool_, n)

    def sparse(values: list[Any], present: npt.NDArray[np.bool_]) -> dict[int, Any]:
        return {tid: values[tid] for tid in np.flatnonzero(present).tolist()}

    def numbers(values: list[Any]) -> npt.NDArray[np.float64]:
        return np.array(values, np.float64)  # (None: nan)

    if not np.array_equal(np.fromiter(map(attrgetter("id"), items), np.int64, n), np.arange(n)):
        return None
    parents, cancellings = numbers(column("parent")), numbers(column("cancelling"))
    created, ended = numbers(column("created")), numbers(column("ended"))
    endeds = column("ended")
    has_end = given(endeds)
    outcome = np.fromiter(map(OUTCOME_CODE.__getitem__, column("outcome")), np.int8, n)
    earliers = column("earlier")
    has_earlier = given(earliers)
    earlier = sparse(earliers, has_earlier)
    spent = np.array(list(earlier.values()), np.float64).reshape(-1, 4)
    with np.errstate(invalid="ignore"):
        if not (  # (each a rule of the field-by-field checks)
            np.isfinite(created).all()
            and np.isfinite(ended[has_end]).all()
            and np.array_equal(has_end, outcome != 0)  # (null exactly when pending)
            and ((np.isnan(parents)) | ((parents >= -_INT32) & (parents < _INT32))).all()
            and ((np.isnan(cancellings)) | ((cancellings >= 0) & (cancellings < _INT32))).all()
            and (np.isfinite(spent).all() and (spent >= 0).all() and (spent[:, 0] < _INT32).all())
        ):
            return None
    errors, tracebacks, sites, gone = (
        column(name) for name in ("error", "traceback", "cancelled_at", "parent_gone")
    )
    return TaskTable(
        created=created,
        parent=np.where(np.isnan(parents), -1, parents).astype(np.int64),
        ended=ended,
        outcome=outcome,
        names=column("name"),
        coros=column("coro"),
        created_at=column("created_at"),
        cancelling=np.where(np.isnan(cancellings), 0, cancellings).astype(np.int32),
        unheld=np.fromiter(map(operator.is_, column("unheld"), itertools.repeat(True)), bool, n),
        error=sparse(errors, given(errors)),
        traceback=sparse(tracebacks, given(tracebacks)),
        cancelled_at=sparse(sites, given(sites)),
        earlier=earlier,
        parent_gone=sparse(gone, given(gone)),
    )
