"""What the details panel says about a span: the span, its task, what it awaited, who
woke it.  Plain text fields, so the words are tested without a window.

The words are English unless a ``translate(context, text)`` is given: the window gives
Qt's ``QCoreApplication.translate``, and the panel reads in the user's language while
this module stays free of Qt.  Every phrase is written as ``translate("Details", ...)``
(or marked with ``QT_TRANSLATE_NOOP``) so that Qt's ``lupdate`` finds it here."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from visualizer.model.display_text import FIELD_CHARS, shown, shown_lines, shown_site
from visualizer.model.resource_states import ResourceRow, rows_of, waiting_for
from visualizer.model.words import QT_TRANSLATE_NOOP, Translate, english
from visualizer.trace import schema
from visualizer.trace.data import Trace

#: the states, outcomes and wake kinds (``schema``'s names), for ``lupdate``
#: frames of an await stack shown (a real one is tens deep; a file may say millions)
MAX_FRAMES = 200

_NAMES = (
    QT_TRANSLATE_NOOP("Details", "ready"),
    QT_TRANSLATE_NOOP("Details", "running"),
    QT_TRANSLATE_NOOP("Details", "suspended"),
    QT_TRANSLATE_NOOP("Details", "pending"),
    QT_TRANSLATE_NOOP("Details", "done"),
    QT_TRANSLATE_NOOP("Details", "error"),
    QT_TRANSLATE_NOOP("Details", "cancelled"),
    QT_TRANSLATE_NOOP("Details", "timer"),
    QT_TRANSLATE_NOOP("Details", "io"),
    QT_TRANSLATE_NOOP("Details", "thread"),
    QT_TRANSLATE_NOOP("Details", "callback"),
)


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


def span_details(
    trace: Trace,
    index: int,
    translate: Translate = english,
    resources: list[ResourceRow] | None = None,
) -> Details:
    """Everything known about span ``index``: its fields in reading order (names and
    values in the language of ``translate``), its await stack, the task's traceback.
    A span suspended on a queue, lock ... names it and its state then (``waiting
    for``): ``resources`` are the trace's rows (``resource_states.rows_of``), if the
    caller keeps them; else they are derived here."""
    spans = trace.spans
    task = trace.tasks[int(spans.task[index])]
    names = dict(enumerate(trace.tasks.names))
    state = translate("Details", schema.STATE_NAMES[int(spans.state[index])])
    start, end = float(spans.start[index]), float(spans.end[index])
    no_line = translate("Details", "(no line of user code)")
    fields = [
        (translate("Details", "state"), state),
        (translate("Details", "from"), seconds(start)),
        (translate("Details", "to"), seconds(end)),
        (translate("Details", "lasted"), seconds(end - start)),
    ]
    stack: tuple[str, ...] = ()
    site = None
    awaiting = int(spans.awaiting[index])
    if awaiting >= 0:
        suspension = trace.suspensions[awaiting]
        fields.append((translate("Details", "awaiting"), suspension.label))
        fields.append((translate("Details", "at"), suspension.site or no_line))
        stack, site = suspension.stack, suspension.site
    if trace.resources and int(spans.state[index]) == schema.SUSPENDED:
        rows = resources if resources is not None else rows_of(trace)
        names_list = trace.tasks.names
        waited = waiting_for(rows, task.id, start, names_list, translate)
        if waited is not None:
            fields.append((translate("Details", "waiting for"), waited))
    kind = int(spans.woken_kind[index])
    if kind >= 0:
        waker = int(spans.woken_task[index])
        who = ""
        if waker >= 0:
            name = names.get(waker) or translate("Details", "task {id}").format(id=waker)
            who = f"{name} (#{waker})"
        if kind == schema.WAKE_CREATED:
            if not who and task.parent_gone is not None:
                who = translate("Details", "{task} (forgotten)").format(task=task.parent_gone)
            text = (
                translate("Details", "created by {task}").format(task=who)
                if who
                else translate("Details", "created by a callback")
            )
        elif kind == schema.WAKE_TASK:
            text = (
                translate("Details", "{task}'s step").format(task=who)
                if who
                else translate("Details", "a task's step")
            )
        elif kind == schema.WAKE_CANCEL:
            text = (
                translate("Details", "cancel() by {task}").format(task=who)
                if who
                else translate("Details", "cancel()")
            )
        else:
            text = translate("Details", schema.WAKE_NAMES[kind])
        fields.append((translate("Details", "woken by"), text))
    parent = (
        f"{names.get(task.parent, '?')} (#{task.parent})"
        if task.parent is not None
        else translate("Details", "{task} (forgotten)").format(task=task.parent_gone)
        if task.parent_gone is not None
        else translate("Details", "none")
    )
    outcome = translate("Details", task.outcome)
    if task.error:
        outcome = translate("Details", "{outcome}: {error}").format(
            outcome=outcome, error=task.error
        )
    fields += [
        (translate("Details", "task"), f"{task.name} (#{task.id})"),
        (translate("Details", "coroutine"), task.coro),
        (translate("Details", "parent"), parent),
        (
            translate("Details", "created"),
            translate("Details", "{time} at {site}").format(
                time=seconds(task.created), site=task.created_at or no_line
            ),
        ),
        (translate("Details", "outcome"), outcome),
    ]
    if task.ended is not None:
        fields.append((translate("Details", "ended"), seconds(task.ended)))
    if task.cancelled_at:
        fields.append((translate("Details", "cancelled at"), task.cancelled_at))
    if task.earlier is not None:
        steps, running, ready, suspended = task.earlier
        fields.append(
            (
                translate("Details", "before the history kept"),
                translate(
                    "Details",
                    "{steps} steps; running {running}, ready {ready}, suspended {suspended}",
                ).format(
                    steps=f"{steps:,}",
                    running=seconds(running),
                    ready=seconds(ready),
                    suspended=seconds(suspended),
                ),
            )
        )
    # (names, labels, errors are the program's: kept whole in the trace, bounded here)
    return Details(
        title=translate("Details", "{task}: {state}").format(task=shown(task.name), state=state),
        fields=[(name, shown(value, FIELD_CHARS)) for name, value in fields],
        stack=tuple(shown(frame, FIELD_CHARS) for frame in stack[:MAX_FRAMES]),
        traceback=None if task.traceback is None else shown_lines(task.traceback),
        site=shown_site(site or task.created_at),
    )


def span_tooltip(trace: Trace, index: int, translate: Translate = english) -> str:
    """One line for a hovered bar: ``worker-3: suspended on Semaphore.acquire, 1.000 s``."""
    spans = trace.spans
    task = trace.tasks[int(spans.task[index])]
    state = translate("Details", schema.STATE_NAMES[int(spans.state[index])])
    awaiting = int(spans.awaiting[index])
    length = seconds(float(spans.end[index] - spans.start[index]))
    if awaiting >= 0:
        return translate("Details", "{task}: {state} on {awaited}, {length}").format(
            task=shown(task.name),
            state=state,
            awaited=shown(trace.suspensions[awaiting].label),
            length=length,
        )
    return translate("Details", "{task}: {state}, {length}").format(
        task=shown(task.name), state=state, length=length
    )
