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

from visualizer.trace.coherence import MAX_SECONDS, TOLERANCE, expect, instant
from visualizer.trace.resources import (
    CONDITION,
    EVENT,
    KINDS,
    LOCK,
    NOTIFY,
    OP_CODE,
    OPS,
    OPS_OF_KIND,
    QUEUES,
    SEMAPHORES,
    WAIT,
    Resource,
    ResourceChanges,
)

_COLUMNS = ("resource", "t", "task", "op", "value", "detail")
_BIG = 2**62
_INT32 = 2**31


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
    fast = _typed(cols)
    if fast is not None and _all_sane(fast, resources, tasks, duration):
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


def read_columns(
    items: Any, changes: ResourceChanges, tasks: int, duration: float
) -> tuple[list[Resource], ResourceChanges]:
    """As ``read``, for changes that are typed columns already (a compact file's): the
    resources ``items`` (JSON, as ``read`` has them) and the ``changes``, checked."""
    resources, _ = read({"resources": items}, tasks, duration)
    if _all_sane(changes, resources, tasks, duration):
        return resources, changes
    doc = {name: getattr(changes, name).tolist() for name in _COLUMNS}
    doc["op"] = [OPS[op] if 0 <= op < len(OPS) else op for op in doc["op"]]
    return read({"resources": items, "resource_changes": doc}, tasks, duration)  # (names it)


def _typed(cols: dict[str, list[Any]]) -> ResourceChanges | None:
    """The JSON's columns as arrays, if each holds the type it must (an unknown op:
    -1); None if not, for ``read``'s loop to name what."""
    types = {name: set(map(type, col)) for name, col in cols.items()}
    if not (
        all(types[name] <= {int} for name in ("resource", "task", "value", "detail"))
        and types["t"] <= {int, float}
        and types["op"] <= {str}
    ):
        return None
    try:
        res, task, value, detail = (
            np.array(cols[name], np.int64) for name in ("resource", "task", "value", "detail")
        )
        t = np.array(cols["t"], np.float64)
    except OverflowError:
        return None
    ops = np.array([OP_CODE.get(op, -1) for op in cols["op"]], np.int64)
    if len(res) and not (
        min(res.min(), task.min()) >= -_INT32 and max(res.max(), task.max()) < _INT32
    ):
        return None  # (past an id's int32: the loop says so)
    return ResourceChanges(
        resource=res.astype(np.int32),
        t=t,
        task=task.astype(np.int32),
        op=ops.astype(np.int8),
        value=value,
        detail=detail,
    )


def _all_sane(
    changes: ResourceChanges, resources: list[Resource], tasks: int, duration: float
) -> bool:
    """Every change keeps every rule ``read``'s loop checks (the same rules, a column at
    a time: a million changes of a ping-pong's queues took 6 s one by one)."""
    res, t, task, value, detail = (
        changes.resource,
        changes.t,
        changes.task,
        changes.value,
        changes.detail,
    )
    ops = changes.op.astype(np.int64)
    if len(res) and not (
        res.min() >= 0 and res.max() < len(resources) and ops.min() >= 0 and ops.max() < len(OPS)
    ):
        return False
    kinds = np.array([KINDS.index(r.kind) for r in resources], np.int64)[res]
    capacity = np.array([-1 if r.capacity is None else r.capacity for r in resources])[res]
    allowed = np.zeros((len(KINDS), len(OPS)), bool)
    for kind, ops_of_kind in OPS_OF_KIND.items():
        allowed[KINDS.index(kind), [*ops_of_kind, WAIT]] = True
    queue, semaphore = np.isin(kinds, list(QUEUES)), np.isin(kinds, list(SEMAPHORES))
    lock = np.isin(kinds, (LOCK, CONDITION)) & (ops != NOTIFY)
    event = kinds == EVENT
    sane = np.select(
        [ops == WAIT, queue, semaphore, lock, event],
        [
            (detail >= 0) & (detail <= 2),
            (value >= 0) & ((capacity < 0) | (value <= capacity)) & (detail >= 0),
            (value >= 0)
            & ~((kinds == KINDS.index("BoundedSemaphore")) & (capacity >= 0) & (value > capacity)),
            (value >= -1) & (value < tasks) & ((detail == 0) | (detail == 1)),
            (value == 0) | (value == 1),
        ],
        value >= 0,
    )
    ok = (
        np.isfinite(t)
        & (t >= -TOLERANCE)
        & (t <= MAX_SECONDS)
        & (t <= duration + 1e-6)
        & (task >= -1)
        & (task < tasks)
        & allowed[kinds, ops]
        & (value >= -_BIG)
        & (value <= _BIG)
        & (detail >= -_BIG)
        & (detail <= _BIG)
        & sane
    )
    return bool(ok.all() and (t[1:] >= t[:-1]).all())


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
