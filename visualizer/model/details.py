"""What the details panel says about a span: the span, its task, what it awaited, who
woke it.  Plain text fields, so the words are tested without a window."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from visualizer.trace import schema
from visualizer.trace.data import Trace


@dataclass(frozen=True)
class Details:
    """``fields`` in reading order; ``stack`` the await stack (outermost first);
    ``traceback`` the task's, if it failed; ``site`` the line to show in the source."""

    title: str
    fields: list[tuple[str, str]]
    stack: tuple[str, ...] = ()
    traceback: str | None = None
    site: str | None = None


def seconds(value: float) -> str:
    """``1.250 s`` or ``12.345 ms`` or ``8.0 us``: three significant places at least."""
    magnitude = abs(value)
    if magnitude >= 1:
        return f"{value:.3f} s"
    if magnitude >= 1e-3:
        return f"{value * 1e3:.3f} ms"
    return f"{value * 1e6:.1f} us"


def span_at(trace: Trace, lanes: np.ndarray, x: float, lane: int, tolerance: float) -> int | None:
    """The span under a click at time ``x`` in ``lane`` (``lanes[task]`` is a task's lane):
    the one containing ``x``, else the nearest within ``tolerance`` (a thin step)."""
    spans = trace.spans
    if not len(spans):
        return None
    here = np.flatnonzero(lanes[spans.task] == lane)
    if not len(here):
        return None
    start, end = spans.start[here], spans.end[here]
    distance = np.maximum(np.maximum(start - x, x - end), 0.0)
    # a thin step over a long wait beside it: prefer what is hit; among those, the shortest
    best = np.lexsort((end - start, distance))[0]
    return int(here[best]) if distance[best] <= tolerance else None


def span_of_marker(trace: Trace, task: int, kind: str | int, x: float) -> int | None:
    """The span a marker in ``task``'s lane at ``x`` stands for: ``created``, the task's
    first span (ready since its creation); ``done``, ``error``, ``cancelled``, its last
    (how it ended); a wake mark (``schema.WAKE_*``), the ready span that wake began."""
    spans = trace.spans
    mine = np.flatnonzero(spans.task == task)
    if not len(mine):
        return None
    if kind == "created":
        return int(mine[np.argmin(spans.start[mine])])
    if kind in schema.END_NAMES.values():
        return int(mine[np.argmax(spans.end[mine])])
    ready = mine[(spans.state[mine] == schema.READY) & (spans.woken_kind[mine] == kind)]
    if not len(ready):
        return None
    return int(ready[np.argmin(np.abs(spans.start[ready] - x))])


def span_details(trace: Trace, index: int) -> Details:
    spans = trace.spans
    task = trace.tasks[int(spans.task[index])]
    names = {t.id: t.name for t in trace.tasks}
    state = schema.STATE_NAMES[int(spans.state[index])]
    start, end = float(spans.start[index]), float(spans.end[index])
    fields = [
        ("state", state),
        ("from", seconds(start)),
        ("to", seconds(end)),
        ("lasted", seconds(end - start)),
    ]
    stack: tuple[str, ...] = ()
    site = None
    awaiting = int(spans.awaiting[index])
    if awaiting >= 0:
        suspension = trace.suspensions[awaiting]
        fields.append(("awaiting", suspension.label))
        fields.append(("at", suspension.site or "(no line of user code)"))
        stack, site = suspension.stack, suspension.site
    kind = int(spans.woken_kind[index])
    if kind >= 0:
        waker = int(spans.woken_task[index])
        who = f"{names.get(waker, f'task {waker}')} (#{waker})" if waker >= 0 else ""
        text = {
            schema.WAKE_CREATED: f"created by {who}" if who else "created by a callback",
            schema.WAKE_TASK: f"{who}'s step" if who else "a task's step",
            schema.WAKE_CANCEL: f"cancel() by {who}" if who else "cancel()",
        }.get(kind, schema.WAKE_NAMES[kind])
        fields.append(("woken by", text))
    parent = (
        f"{names.get(task.parent, '?')} (#{task.parent})" if task.parent is not None else "none"
    )
    fields += [
        ("task", f"{task.name} (#{task.id})"),
        ("coroutine", task.coro),
        ("parent", parent),
        ("created", f"{seconds(task.created)} at {task.created_at or '(no line of user code)'}"),
        ("outcome", task.outcome + (f": {task.error}" if task.error else "")),
    ]
    if task.ended is not None:
        fields.append(("ended", seconds(task.ended)))
    if task.cancelled_at:
        fields.append(("cancelled at", task.cancelled_at))
    return Details(
        title=f"{task.name}: {state}",
        fields=fields,
        stack=stack,
        traceback=task.traceback,
        site=site or task.created_at,
    )


def span_tooltip(trace: Trace, index: int) -> str:
    """One line for a hovered bar: ``worker-3: suspended on Semaphore.acquire, 1.000 s``."""
    spans = trace.spans
    task = trace.tasks[int(spans.task[index])]
    state = schema.STATE_NAMES[int(spans.state[index])]
    awaiting = int(spans.awaiting[index])
    what = f" on {trace.suspensions[awaiting].label}" if awaiting >= 0 else ""
    length = seconds(float(spans.end[index] - spans.start[index]))
    return f"{task.name}: {state}{what}, {length}"
