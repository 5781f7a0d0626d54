"""A trace's tasks as columns, for the compact trace file (``trace.compact``).

Two functions and their checks, kept apart from the container so that the task table
can change (``Trace.tasks`` is becoming a table of columns itself) without touching how
the file is read: ``encode_tasks`` turns the records into numeric columns and one
table of strings; ``decode_tasks`` checks those columns as the JSON reader checks each
task's fields (``fileformat._tasks``) and makes the records.

Why columns: a run of 100,000 tasks has 100,000 of each field, and a column of numbers
is read in one call where a record is read field by field.  Why one table of strings:
a coroutine's name, a creation site or an error's text repeats across tasks; each
distinct string is written once, and a task's field is its index there (-1: null).
What the coherence checks (``trace.coherence``) say of a whole trace is left to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from visualizer.trace.coherence import expect
from visualizer.trace.data import OUTCOMES, TaskRecord

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


def encode_tasks(tasks: Sequence[TaskRecord]) -> tuple[Columns, list[str]]:
    """The tasks as columns (``column_types``) and the table of strings they index."""
    strings: dict[str, int] = {}

    def codes(values: list[str | None]) -> npt.NDArray[np.int32]:
        # (``len(strings)`` is read before the call: a new string gets the next index)
        return np.array(
            [-1 if s is None else strings.setdefault(s, len(strings)) for s in values],
            np.int32,
        )

    earlier = [t.earlier or (-1, 0.0, 0.0, 0.0) for t in tasks]
    code = {name: i for i, name in enumerate(OUTCOMES)}
    columns: Columns = {
        "parent": np.array([-1 if t.parent is None else t.parent for t in tasks], np.int32),
        "created": np.array([t.created for t in tasks], np.float64),
        "ended": np.array([np.nan if t.ended is None else t.ended for t in tasks], np.float64),
        "outcome": np.array([code[t.outcome] for t in tasks], np.int8),
        "cancelling": np.array([t.cancelling for t in tasks], np.int32),
        "unheld": np.array([t.unheld for t in tasks], np.int8),
        "earlier_steps": np.array([e[0] for e in earlier], np.int32),
        "earlier_running": np.array([e[1] for e in earlier], np.float64),
        "earlier_ready": np.array([e[2] for e in earlier], np.float64),
        "earlier_suspended": np.array([e[3] for e in earlier], np.float64),
    }
    for field in TEXTS:
        columns[field] = codes([getattr(t, field) for t in tasks])
    return columns, list(strings)


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


def decode_tasks(columns: Columns, strings: list[str]) -> list[TaskRecord]:
    """The records the columns describe (``check_tasks`` first: ``TraceFormatError``)."""
    check_tasks(columns, len(strings))
    table = np.array([*strings, None], dtype=object)  # (index -1: null)
    texts = {field: table[columns[field]].tolist() for field in TEXTS}
    n = len(columns["parent"])
    earlier = [
        None if steps < 0 else (steps, running, ready, suspended)
        for steps, running, ready, suspended in zip(
            columns["earlier_steps"].tolist(),
            columns["earlier_running"].tolist(),
            columns["earlier_ready"].tolist(),
            columns["earlier_suspended"].tolist(),
            strict=True,
        )
    ]
    return list(
        map(
            TaskRecord,
            range(n),
            texts["name"],
            texts["coro"],
            [None if p < 0 else p for p in columns["parent"].tolist()],
            columns["created"].tolist(),
            texts["created_at"],
            [None if e != e else e for e in columns["ended"].tolist()],  # (NaN: null)
            [OUTCOMES[o] for o in columns["outcome"].tolist()],
            texts["error"],
            texts["traceback"],
            texts["cancelled_at"],
            earlier,
            texts["parent_gone"],
            columns["cancelling"].tolist(),
            [u == 1 for u in columns["unheld"].tolist()],
        )
    )
