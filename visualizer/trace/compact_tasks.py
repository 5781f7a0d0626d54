"""A trace's tasks as columns, for the compact trace file (``trace.compact``).

Two functions and their checks, kept apart from the container so that the task table
can change (``Trace.tasks`` is becoming a table of columns itself) without touching how
the file is read: ``encode_tasks`` turns the task table into numeric columns and one
table of strings; ``decode_tasks`` checks those columns as the JSON reader checks each
task's fields (``fileformat._tasks``) and makes the table.

Why columns: a run of 100,000 tasks has 100,000 of each field, and a column of numbers
is read in one call where a record is read field by field.  Why one table of strings:
a coroutine's name, a creation site or an error's text repeats across tasks; each
distinct string is written once, and a task's field is its index there (-1: null).
What the coherence checks (``trace.coherence``) say of a whole trace is left to them.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from visualizer.trace.coherence import expect
from visualizer.trace.data import OUTCOMES, TaskTable

#: the numeric columns, in the order written, and the type each is stored as
#: (little-endian: a file is read the same on any machine)
NUMBERS: Final = {
    "parent": "<i4",  # -1: none
    "created": "<f8",
    "ended": "<f8",  # NaN: null (a pending task); a real time is always finite
    "outcome": "<i1",  # index in data.OUTCOMES
    "cancelling": "<i4",
    "unheld": "<i1",  # 0 or 1
    "earlier_steps": "<i4",  # -1: no ``earlier``
    "earlier_running": "<f8",
    "earlier_ready": "<f8",
    "earlier_suspended": "<f8",
}
#: the string fields: each an index into the table of strings (-1: null), stored as
TEXTS: Final = ("name", "coro", "created_at", "error", "traceback", "cancelled_at", "parent_gone")
TEXT_TYPE: Final = "<i4"
#: fields that are never null
_REQUIRED_TEXTS: Final = ("name", "coro")

Columns = dict[str, npt.NDArray[Any]]


def column_types() -> dict[str, str]:
    """Every task column's name and stored type."""
    return NUMBERS | dict.fromkeys(TEXTS, TEXT_TYPE)


def encode_tasks(tasks: TaskTable) -> tuple[Columns, list[str]]:
    """The tasks as columns (``column_types``) and the table of strings they index, from
    the table's own columns (no Python statement per task).  The strings are numbered
    in the order they are first met, field by field (all names, then all coroutines
    ...), as they always were."""
    n = len(tasks)
    texts: dict[str, Sequence[str | None]] = {
        "name": tasks.names,
        "coro": tasks.coros,
        "created_at": tasks.created_at,
        **{field: _spread(getattr(tasks, field), n) for field in TEXTS[3:]},
    }
    strings = [s for s in dict.fromkeys(itertools.chain(*texts.values())) if s is not None]
    index: dict[str | None, int] = {s: i for i, s in enumerate(strings)}
    index[None] = -1
    earlier = tasks.earlier
    steps = np.full(n, -1, np.int32)
    seconds = np.zeros((n, 3), np.float64)
    if earlier:
        ids = np.fromiter(earlier, np.int64, len(earlier))
        spent = np.array(list(earlier.values()), np.float64).reshape(-1, 4)
        steps[ids], seconds[ids] = spent[:, 0], spent[:, 1:]
    columns: Columns = {
        "parent": tasks.parent.astype(np.int32),
        "created": tasks.created.copy(),
        "ended": tasks.ended.copy(),
        "outcome": tasks.outcome.copy(),
        "cancelling": tasks.cancelling.copy(),
        "unheld": tasks.unheld.astype(np.int8),
        "earlier_steps": steps,
        "earlier_running": seconds[:, 0].copy(),
        "earlier_ready": seconds[:, 1].copy(),
        "earlier_suspended": seconds[:, 2].copy(),
    }
    for field in TEXTS:
        columns[field] = np.fromiter(map(index.__getitem__, texts[field]), np.int32, n)
    return columns, strings


def _spread(values: dict[int, str], n: int) -> list[str | None]:
    """A rare field (``{id: text}``) as one value per task, None where it has none."""
    out: list[str | None] = [None] * n
    for tid, value in values.items():
        out[tid] = value
    return out


def _first(bad: npt.NDArray[np.bool_]) -> int:
    return int(np.flatnonzero(bad)[0])


def _refuse_any(bad: npt.NDArray[np.bool_], field: str, message: str) -> None:
    """Refuse, naming the first task where ``bad`` holds (``tasks[12].ended: ...``)."""
    if bad.any():
        expect(False, f"tasks[{_first(bad)}].{field}", message)


def check_tasks(columns: Columns, strings: int) -> None:
    """What the JSON reader checks of each task's fields, a column at a time: strings
    that exist, and never null where the format requires one; numbers finite; a null
    ``ended`` exactly for a pending task; counts not negative.  Raises
    ``TraceFormatError`` naming the first task and field that is wrong."""
    for field in TEXTS:
        codes = columns[field]
        _refuse_any((codes < -1) | (codes >= strings), field, "names no string of the table")
    for field in _REQUIRED_TEXTS:
        _refuse_any(columns[field] < 0, field, "must be a string, not null")
    _refuse_any(columns["parent"] < -1, "parent", "must be a task id or -1 (none)")
    _refuse_any(~np.isfinite(columns["created"]), "created", "must be a finite number")
    outcome = columns["outcome"]
    _refuse_any(
        (outcome < 0) | (outcome >= len(OUTCOMES)),
        "outcome",
        "must be one of " + "/".join(f"{i} ({name})" for i, name in enumerate(OUTCOMES)),
    )
    ended = columns["ended"]
    _refuse_any(np.isinf(ended), "ended", "must be a finite number, or NaN for null")
    _refuse_any(
        np.isnan(ended) != (outcome == OUTCOMES.index("pending")),
        "ended",
        "must be null (NaN) exactly when the outcome is pending",
    )
    _refuse_any(columns["cancelling"] < 0, "cancelling", "must be a count (0 or more)")
    _refuse_any((columns["unheld"] != 0) & (columns["unheld"] != 1), "unheld", "must be 0 or 1")
    steps = columns["earlier_steps"]
    _refuse_any(steps < -1, "earlier", "steps must be a count, or -1 for none")
    for field in ("earlier_running", "earlier_ready", "earlier_suspended"):
        seconds = columns[field]
        _refuse_any(
            (steps >= 0) & ~(np.isfinite(seconds) & (seconds >= 0)),
            "earlier",
            "must be [steps, running, ready, suspended]: numbers >= 0",
        )


def decode_tasks(columns: Columns, strings: list[str]) -> TaskTable:
    """The table the columns describe (``check_tasks`` first: ``TraceFormatError``)."""
    check_tasks(columns, len(strings))
    table = np.array([*strings, None], dtype=object)  # (index -1: null)

    def rare(codes: npt.NDArray[np.int32]) -> dict[int, str]:
        ids = np.flatnonzero(codes >= 0)
        return dict(zip(ids.tolist(), table[codes[ids]].tolist(), strict=True))

    steps = columns["earlier_steps"]
    had = np.flatnonzero(steps >= 0)
    spent = zip(
        steps[had].tolist(),
        *(columns[f"earlier_{name}"][had].tolist() for name in ("running", "ready", "suspended")),
        strict=True,
    )
    return TaskTable(
        parent=columns["parent"],
        created=columns["created"],
        ended=columns["ended"],
        outcome=columns["outcome"],
        names=table[columns["name"]].tolist(),
        coros=table[columns["coro"]].tolist(),
        created_at=table[columns["created_at"]].tolist(),
        cancelling=columns["cancelling"],
        unheld=columns["unheld"] == 1,
        error=rare(columns["error"]),
        traceback=rare(columns["traceback"]),
        cancelled_at=rare(columns["cancelled_at"]),
        earlier=dict(zip(had.tolist(), spent, strict=True)),
        parent_gone=rare(columns["parent_gone"]),
    )
