"""Resources in a trace file: the optional ``resources`` and ``resource_changes`` keys
of format v1 (``docs/trace-format.md``).

Optional keys and not a version 2, because v1 readers ignore keys they do not know
(ours decodes into a struct that drops them, and the dict path reads only its own), so
an older asyncviz opens a file with resources as it always did, only without them; and
a file without them is exactly a v1 file.  Changes are written as columns (one list
per field), not one object per change: a queue changes twice per round trip, and a
million changes as objects would be the bulk of a file.

Every field is checked when read, and a bad one is refused with ``TraceFormatError``
naming it: ids in range, ops known for the kind, times within the run, tasks of the
trace, values a state can have (a size, permits or a count never negative; a lock's
holder a task; an event 0 or 1).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from visualizer.trace.coherence import MAX_SECONDS, TOLERANCE, expect, instant
from visualizer.trace.resources import (
    KINDS,
    OP_CODE,
    OPS,
    OPS_OF_KIND,
    WAIT,
    Resource,
    ResourceChanges,
)

_COLUMNS = ("resource", "t", "task", "op", "value", "detail")
_BIG = 2**62


def document(resources: list[Resource], changes: ResourceChanges) -> dict[str, Any]:
    """The keys a trace with resources adds to its file (none if it has none)."""
    if not resources:
        return {}
    return {
        "resources": [
            {
                "id": r.id,
                "kind": r.kind,
                "name": r.name,
                "created": r.created,
                "task": r.task,
                "site": r.site,
                "capacity": r.capacity,
            }
            for r in resources
        ],
        "resource_changes": {
            "resource": changes.resource.tolist(),
            "t": changes.t.tolist(),
            "task": changes.task.tolist(),
            "op": [OPS[op] for op in changes.op.tolist()],
            "value": changes.value.tolist(),
            "detail": changes.detail.tolist(),
        },
    }


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -_BIG <= value <= _BIG


def read(
    doc: dict[str, Any], tasks: int, duration: float
) -> tuple[list[Resource], ResourceChanges]:
    """The resources of a file's ``doc`` (none if it has no such keys), checked."""
    items = doc.get("resources", [])
    expect(isinstance(items, list), "resources", "must be a list")
    resources = [_resource(i, item, tasks, duration) for i, item in enumerate(items)]
    raw = doc.get("resource_changes")
    if raw is None:
        return resources, ResourceChanges()
    expect(isinstance(raw, dict), "resource_changes", "must be an object of columns")
    cols: dict[str, list[Any]] = {}
    for name in _COLUMNS:
        col = raw.get(name)
        expect(isinstance(col, list), f"resource_changes.{name}", "must be a list")
        cols[name] = col
    n = len(cols["resource"])
    for name in _COLUMNS:
        expect(len(cols[name]) == n, f"resource_changes.{name}", f"must have {n} entries")
    fast = _changes_by_column(cols, resources, tasks, duration)
    if fast is not None:
        return resources, fast
    res_col, t_col, task_col, op_col = cols["resource"], cols["t"], cols["task"], cols["op"]
    value_col, detail_col = cols["value"], cols["detail"]
    ops = np.zeros(n, np.int8)
    last_t = -np.inf
    for i in range(n):
        where = f"resource_changes[{i}]"
        rid, t, task, op = res_col[i], t_col[i], task_col[i], op_col[i]
        value, detail = value_col[i], detail_col[i]
        expect(
            _int(rid) and 0 <= rid < len(resources), f"{where}.resource", "must be a resource id"
        )
        expect(
            isinstance(t, int | float) and not isinstance(t, bool), f"{where}.t", "must be a number"
        )
        instant(float(t), f"{where}.t")
        expect(float(t) <= duration + 1e-6, f"{where}.t", "is after the run's end")
        expect(float(t) >= last_t, f"{where}.t", "changes must be in the order they happened")
        last_t = float(t)
        expect(_int(task) and -1 <= task < tasks, f"{where}.task", "must be a task id or -1")
        kind = resources[rid].kind
        expect(
            isinstance(op, str)
            and op in OP_CODE
            and (op == "wait" or OP_CODE[op] in OPS_OF_KIND[kind]),
            f"{where}.op",
            f"must be one of a {kind}'s changes",
        )
        expect(_int(value) and _int(detail), f"{where}.value", "value and detail must be integers")
        _sane(kind, OP_CODE[op], value, detail, resources[rid].capacity, tasks, where)
        ops[i] = OP_CODE[op]
    changes = ResourceChanges(
        resource=np.asarray(res_col, np.int32),
        t=np.asarray(t_col, np.float64),
        task=np.asarray(task_col, np.int32),
        op=ops,
        value=np.asarray(value_col, np.int64),
        detail=np.asarray(detail_col, np.int64),
    )
    return resources, changes


def _changes_by_column(
    cols: dict[str, list[Any]], resources: list[Resource], tasks: int, duration: float
) -> ResourceChanges | None:
    """The changes checked a column at a time, every rule of the loop in ``read`` in
    numpy (a Queue ping-pong of 250,000 round trips records 1,500,000 changes: 15 s one
    by one); None if any is broken, for the loop to find the first and name it."""
    ints = ("resource", "task", "value", "detail")
    for name in _COLUMNS:
        allowed = {int} if name in ints else ({int, float} if name == "t" else {str})
        if not set(map(type, cols[name])) <= allowed:
            return None
    try:
        rid, task, value, detail = (np.array(cols[name], np.int64) for name in ints)
        op = np.fromiter(map(OP_CODE.__getitem__, cols["op"]), np.int8, len(cols["op"]))
    except (OverflowError, KeyError):
        return None
    t = np.array(cols["t"], np.float64)
    big = (np.abs(value) > _BIG) | (np.abs(detail) > _BIG)
    if big.any() or ((rid < 0) | (rid >= len(resources))).any():
        return None
    kind = np.array([KINDS.index(r.kind) for r in resources], np.int64)[rid]
    cap = np.array([_BIG if r.capacity is None else r.capacity for r in resources], np.int64)[rid]
    ok = np.isfinite(t) & (t >= -TOLERANCE) & (t <= min(MAX_SECONDS, duration + 1e-6))
    ok[1:] &= t[1:] >= t[:-1]
    ok &= (task >= -1) & (task < tasks)
    may = np.zeros((len(KINDS), len(OPS)), np.bool_)  # (what each kind records, and wait)
    for k, name in enumerate(KINDS):
        may[k, list(OPS_OF_KIND[name])] = True
    may[:, WAIT] = True
    ok &= may[kind, op]
    ok &= _sane_columns(kind, op, value, detail, cap, tasks)
    if not ok.all():
        return None
    return ResourceChanges(
        resource=rid.astype(np.int32),
        t=t,
        task=task.astype(np.int32),
        op=op,
        value=value,
        detail=detail,
    )


def _sane_columns(
    kind: npt.NDArray[np.int64],
    op: npt.NDArray[np.int8],
    value: npt.NDArray[np.int64],
    detail: npt.NDArray[np.int64],
    cap: npt.NDArray[np.int64],
    tasks: int,
) -> npt.NDArray[np.bool_]:
    """``_sane`` of every change at once."""

    def of(*names: str) -> npt.NDArray[np.bool_]:
        # (a table by kind, indexed: ``np.isin`` over the changes cost 0.25 s)
        return np.array([name in names for name in KINDS])[kind]

    def within(values: npt.NDArray[np.int64], low: int, high: int) -> npt.NDArray[np.bool_]:
        return (values >= low) & (values <= high)

    queue = of("Queue", "PriorityQueue", "LifoQueue")
    semaphore = of("Semaphore", "BoundedSemaphore")
    bounded = of("BoundedSemaphore")
    lock = of("Lock", "Condition") & (op != OP_CODE["notify"])
    event = of("Event")
    other = ~(queue | semaphore | lock | event)
    sane = np.select(
        [op == WAIT, queue, semaphore, lock, event, other],
        [
            within(detail, 0, 2),
            (value >= 0) & (value <= cap) & (detail >= 0),
            (value >= 0) & (~bounded | (value <= cap)),
            within(value, -1, tasks - 1) & within(detail, 0, 1),
            within(value, 0, 1),
            value >= 0,
        ],
    )
    return sane.astype(np.bool_)


def _sane(
    kind: str, op: int, value: int, detail: int, capacity: int | None, tasks: int, where: str
) -> None:
    """A state this kind can be in after this op."""
    if op == WAIT:
        expect(detail in (0, 1, 2), f"{where}.detail", "a wait is for 0 (get), 1 (put) or 2 (join)")
        return
    if kind in ("Queue", "PriorityQueue", "LifoQueue"):
        expect(value >= 0, f"{where}.value", "a queue's size is never negative")
        expect(
            capacity is None or value <= capacity,
            f"{where}.value",
            f"is more than the queue's maxsize ({capacity})",
        )
        expect(detail >= 0, f"{where}.detail", "unfinished tasks are never negative")
    elif kind in ("Semaphore", "BoundedSemaphore"):
        expect(value >= 0, f"{where}.value", "free permits are never negative")
        if kind == "BoundedSemaphore" and capacity is not None:
            expect(value <= capacity, f"{where}.value", f"more than the bound ({capacity})")
    elif kind in ("Lock", "Condition") and op != OP_CODE["notify"]:
        expect(-1 <= value < tasks, f"{where}.value", "a lock's holder is a task id or -1")
        expect(detail in (0, 1), f"{where}.detail", "locked is 0 or 1")
    elif kind == "Event":
        expect(value in (0, 1), f"{where}.value", "an event is 0 (clear) or 1 (set)")
    else:
        expect(value >= 0, f"{where}.value", "a count is never negative")


def _resource(i: int, item: Any, tasks: int, duration: float) -> Resource:
    where = f"resources[{i}]"
    expect(isinstance(item, dict), where, "must be an object")
    expect(item.get("id") == i, f"{where}.id", f"must be {i} (resources are numbered in order)")
    kind = item.get("kind")
    expect(kind in KINDS, f"{where}.kind", f"must be one of {', '.join(KINDS)}")
    name = item.get("name")
    expect(isinstance(name, str), f"{where}.name", "must be a string")
    created = item.get("created")
    expect(
        isinstance(created, int | float) and not isinstance(created, bool),
        f"{where}.created",
        "must be a number",
    )
    instant(float(created), f"{where}.created")
    expect(float(created) <= duration + 1e-6, f"{where}.created", "is after the run's end")
    task = item.get("task")
    expect(
        task is None or (_int(task) and 0 <= task < tasks),
        f"{where}.task",
        "must be a task id or null",
    )
    site = item.get("site")
    expect(site is None or isinstance(site, str), f"{where}.site", "must be a string or null")
    capacity = item.get("capacity")
    expect(
        capacity is None or (_int(capacity) and capacity >= 0),  # (a Semaphore(0): a signal)
        f"{where}.capacity",
        "must be a count (0 or more) or null",
    )
    return Resource(i, kind, name, float(created), task, site, capacity)
