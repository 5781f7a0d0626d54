"""The read-only view of a finished run that a scenario's checks read (issue 17).

A lesson claims things ("the two naps overlap, so the run takes 2 s"); its ``check_*``
functions prove them on the run's trace.  They are written by authors who know asyncio,
not our columns, so this module says the trace in the lesson's own words: tasks by
name, their spans, waits (with the await's label, as on the chart), wakes, resources,
insights.  Everything here is a copy or a frozen record: a check cannot change the
trace another check (or the window) reads.

The public names are re-exported by :mod:`visualizer.checks` (what a scenario imports);
the reference is ``docs/authoring.md``.
"""

from __future__ import annotations

import difflib
import linecache
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from visualizer.model.insights import insights_of
from visualizer.model.resource_states import SEMAPHORES, ResourceRow, rows_of
from visualizer.trace import schema
from visualizer.trace.data import Trace

__all__ = ["InsightView", "ResourceView", "Run", "Span", "Task", "Wait", "most_at_once"]

#: a task's outcome in the lesson's words (the trace says "error" for a task that raised)
_OUTCOME_WORDS = {"pending": "pending", "done": "done", "error": "failed", "cancelled": "cancelled"}


@dataclass(frozen=True)
class Span:
    """A stretch of one task's life in one state: "ready", "running" or "suspended"."""

    state: str
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Wait(Span):
    """A suspended span: what the task awaited (``what``, the chart's label:
    ``"sleep(1.0)"``, ``"Lock.acquire"``, ``"Task 'fetch-1'"``), where (``site``,
    ``"file.py:LINE"``; ``line``, that line's text), and what woke it (``woken_by``:
    ``(kind, Task or None)``; None while the trace ended with it waiting)."""

    what: str = ""
    site: str | None = None
    line: str | None = None
    woken_by: tuple[str, Task | None] | None = None

    def __repr__(self) -> str:
        where = f" at {self.site}" if self.site else ""
        return f"Wait({self.what!r}{where}, {self.start:.3f}-{self.end:.3f} s)"


def most_at_once(waits: Iterable[Span]) -> int:
    """Most of ``waits`` in progress at one time (one ending at t is over before one
    starting at t begins: a hand-over is not an overlap).  Read once: a generator will do."""
    waits = list(waits)
    events = sorted(
        [(w.start, 1) for w in waits if w.end > w.start]
        + [(w.end, -1) for w in waits if w.end > w.start]
    )
    most = now = 0
    for _, delta in events:
        now += delta
        most = max(most, now)
    return most


class Task:
    """One task of the run, read-only.  Its spans tile its life, from creation to end
    (or to the end of the trace, while pending)."""

    def __init__(self, run: Run, index: int) -> None:
        record = run._trace.tasks[index]
        self._run = run
        self.id: int = record.id
        self.name: str = record.name
        self.created: float = record.created
        self.ended: float | None = record.ended
        self.outcome: str = _OUTCOME_WORDS.get(record.outcome, record.outcome)
        self.error: str | None = record.error
        self._parent = record.parent
        self._spans: tuple[Span, ...] | None = None

    def __repr__(self) -> str:
        ended = "pending" if self.ended is None else f"ended {self.ended:.3f} s, {self.outcome}"
        return f"Task({self.name!r}, created {self.created:.3f} s, {ended})"

    @property
    def created_by(self) -> Task | None:
        """The task whose step created this one (None: made outside any task)."""
        return None if self._parent is None else self._run._task_by_id(self._parent)

    @property
    def spans(self) -> list[Span]:
        """Every span, in time order (suspended ones as :class:`Wait`)."""
        if self._spans is None:
            self._spans = tuple(self._run._spans_of(self.id))
        return list(self._spans)

    @property
    def steps(self) -> list[Span]:
        """The running spans: each step the loop gave it."""
        return [s for s in self.spans if s.state == "running"]

    @property
    def readies(self) -> list[Span]:
        """The ready spans: runnable, waiting for the loop to come to it."""
        return [s for s in self.spans if s.state == "ready"]

    @property
    def waits(self) -> list[Wait]:
        """The suspended spans, each with what it awaited and what woke it."""
        return [s for s in self.spans if isinstance(s, Wait)]

    def waits_on(self, label_prefix: str) -> list[Wait]:
        """The waits whose label starts with ``label_prefix``: ``"sleep("``,
        ``"Lock.acquire"``, ``"Queue.put"``, ``"Task 'x'"``."""
        return [w for w in self.waits if w.what.startswith(label_prefix)]

    def state_at(self, t: float) -> str | None:
        """Its state at ``t`` ("ready", "running", "suspended"); at the instant one span
        ends and the next begins, the next one's; None outside its life."""
        for span in reversed(self.spans):
            if span.start <= t < span.end or (span.start == t == span.end):
                return span.state
        return None

    @property
    def wakes(self) -> list[tuple[float, str, Task | None]]:
        """Each time it became ready: ``(t, kind, waker)``; kind as in
        ``schema.WAKE_NAMES`` ("created", "task", "timer", "io", "thread", ...)."""
        return list(self._run._wakes_of(self.id))

    def woken_by(self, other_or_kind: Task | str) -> bool:
        """Any of its wakes came from that task (a :class:`Task`) or of that kind."""
        if isinstance(other_or_kind, str):
            if other_or_kind not in schema.WAKE_NAMES:
                raise ValueError(
                    f"no wake kind {other_or_kind!r}; the kinds: {', '.join(schema.WAKE_NAMES)}"
                )
            return any(kind == other_or_kind for _, kind, _ in self.wakes)
        return any(waker is not None and waker.id == other_or_kind.id for _, _, waker in self.wakes)

    def ran_concurrently_with(self, other: Task) -> bool:
        """Their lifetimes overlap and, while both were alive, one of them was suspended
        for a while: in asyncio's sense, one made progress while the other waited.  (Two
        tasks that only ever ran in turn, each to its end, did not.)"""
        start = max(self.created, other.created)
        end = min(self._end(), other._end())
        if end <= start:
            return False
        return any(
            min(w.end, end) > max(w.start, start) for task in (self, other) for w in task.waits
        )

    def _end(self) -> float:
        return self._run.duration if self.ended is None else self.ended


@dataclass(frozen=True)
class ResourceView:
    """One queue, lock, semaphore, event, condition or barrier of the run, named as the
    program named it (the variable it was stored to: ``sem``, ``self.lock``)."""

    kind: str
    name: str
    capacity: int | None  #: a queue's maxsize, a semaphore's permits, a barrier's parties
    most_waiting: int  #: most tasks waiting on it at once
    peak_level: int  #: most items (queue), permits in use (semaphore), tasks in (barrier)
    #: permits in use (semaphore) or held at all (lock, condition: 1), at the most
    most_held: int
    #: ``(task name, start, end)`` of each wait on it, in the order begun
    waits: tuple[tuple[str, float, float], ...] = ()


@dataclass(frozen=True)
class InsightView:
    """One insight of the run (as the Insights pane shows it), in English."""

    kind: str
    severity: str
    finding: str
    tasks: tuple[str, ...]
    start: float
    end: float


class Run:
    """A finished run, read-only: its trace and what the program printed."""

    def __init__(self, trace: Trace, output: str = "") -> None:
        self._trace = trace
        self.output: str = output
        self.duration: float = trace.duration
        self.clock: str = str(trace.meta.get("clock", ""))
        params = trace.meta.get("params")
        self.params: dict[str, Any] = dict(params) if isinstance(params, dict) else {}
        self._tasks = [Task(self, i) for i in range(len(trace.tasks))]
        self._by_id = {task.id: task for task in self._tasks}
        self._insights: list[InsightView] | None = None
        self._resources: list[ResourceView] | None = None

    def __repr__(self) -> str:
        return f"Run({len(self._tasks)} tasks, {self.duration:.3f} s on the {self.clock} clock)"

    # --- tasks ------------------------------------------------------------------------
    @property
    def task_names(self) -> list[str]:
        return [task.name for task in self._tasks]

    def task(self, name: str) -> Task:
        """The task called ``name`` (the first made, if several are); KeyError naming
        the tasks there are, the nearest first."""
        for task in self._tasks:
            if task.name == name:
                return task
        raise KeyError(_no_such("task", name, self.task_names))

    def tasks(self, prefix: str = "") -> list[Task]:
        """The tasks whose names start with ``prefix``, in the order they were made."""
        return [task for task in self._tasks if task.name.startswith(prefix)]

    @property
    def marks(self) -> list[tuple[float, str, str | None]]:
        """The program's own notes (``visualizer.mark("label")``): ``(t, label, task
        name or None)``, in time order."""
        return [(m.t, m.label, self._name(m.task)) for m in self._trace.marks if m.kind == "note"]

    @property
    def warnings(self) -> list[tuple[float, str, str | None]]:
        """What asyncio and Python warned the program of, as the chart's warning marks:
        ``(t, label, task name or None)``."""
        return [
            (m.t, m.label, self._name(m.task)) for m in self._trace.marks if m.kind == "warning"
        ]

    def most_at_once(self, waits: Iterable[Span]) -> int:
        """Most of the given waits (any spans) in progress at one time."""
        return most_at_once(waits)

    # --- insights and resources -------------------------------------------------------
    @property
    def insights(self) -> list[InsightView]:
        """The run's insights (``asyncviz check``'s, default thresholds), in time order."""
        if self._insights is None:
            self._insights = [
                InsightView(
                    x.kind,
                    x.severity,
                    x.finding,
                    tuple(self._name(t) or "?" for t in x.tasks),
                    x.start,
                    x.end,
                )
                for x in insights_of(self._trace)
            ]
        return list(self._insights)

    @property
    def insight_kinds(self) -> set[str]:
        return {x.kind for x in self.insights}

    @property
    def resources(self) -> list[ResourceView]:
        """Every primitive the run made, in the order made."""
        if self._resources is None:
            self._resources = [self._resource(row) for row in rows_of(self._trace)]
        return list(self._resources)

    def resource(self, name: str) -> ResourceView:
        """The primitive named ``name``; KeyError naming those there are."""
        for resource in self.resources:
            if resource.name == name:
                return resource
        raise KeyError(_no_such("resource", name, [r.name for r in self.resources]))

    # --- the trace, read ------------------------------------------------------------------
    def _name(self, task: int | None) -> str | None:
        found = None if task is None else self._by_id.get(task)
        return None if found is None else found.name

    def _task_by_id(self, task: int) -> Task | None:
        return self._by_id.get(task)

    def _resource(self, row: ResourceRow) -> ResourceView:
        waits = tuple(
            (self._name(w.task) or "?", w.start, w.end) for w in row.waits if w.end >= w.start
        )
        peak = int(row.levels.max()) if len(row.levels) else 0
        r = row.resource
        held = peak if r.kind in SEMAPHORES or r.kind in ("Lock", "Condition") else 0
        return ResourceView(
            kind=r.kind,
            name=r.name,
            capacity=r.capacity,
            most_waiting=most_at_once(Span("suspended", s, e) for _, s, e in waits),
            peak_level=peak,
            most_held=held,
            waits=waits,
        )

    def _spans_of(self, task: int) -> list[Span]:
        trace = self._trace
        columns = trace.spans.for_task(task)
        order = sorted(range(len(columns)), key=lambda i: (columns.start[i], columns.end[i]))
        out: list[Span] = []
        for n, i in enumerate(order):
            state = schema.STATE_NAMES[int(columns.state[i])]
            start, end = float(columns.start[i]), float(columns.end[i])
            if state != "suspended":
                out.append(Span(state, start, end))
                continue
            awaiting = int(columns.awaiting[i])
            suspension = trace.suspensions[awaiting] if awaiting >= 0 else None
            woken = None
            if n + 1 < len(order):
                kind = int(columns.woken_kind[order[n + 1]])
                if kind >= 0:
                    woken = (schema.WAKE_NAMES[kind], self._waker(columns.woken_task[order[n + 1]]))
            site = suspension.site if suspension else None
            out.append(
                Wait(
                    state,
                    start,
                    end,
                    what=suspension.label if suspension else "",
                    site=_short(site),
                    line=_line(site),
                    woken_by=woken,
                )
            )
        return out

    def _wakes_of(self, task: int) -> list[tuple[float, str, Task | None]]:
        columns = self._trace.spans.for_task(task)
        return sorted(
            (
                (
                    float(columns.start[i]),
                    schema.WAKE_NAMES[kind],
                    self._waker(columns.woken_task[i]),
                )
                for i in range(len(columns))
                if (kind := int(columns.woken_kind[i])) >= 0
            ),
            key=lambda wake: wake[0],
        )

    def _waker(self, task: Any) -> Task | None:
        number = int(task)
        return None if number < 0 else self._by_id.get(number)


def _no_such(what: str, name: str, names: list[str]) -> str:
    """``no task named 'x'; there are: 'y', 'z'`` with the nearest names first."""
    unique = list(dict.fromkeys(names))  # (ties keep the run's order)
    close = sorted(unique, key=lambda n: -difflib.SequenceMatcher(None, name, n).ratio())
    there = ", ".join(repr(n) for n in close) or "none"
    return f"no {what} named {name!r}; there are: {there}"


def _short(site: str | None) -> str | None:
    """``path:line`` as ``file.py:line`` (as the chart names a site)."""
    if site is None:
        return None
    path, _, line = site.rpartition(":")
    return f"{os.path.basename(path)}:{line}" if path else site


def _line(site: str | None) -> str | None:
    """The source text of ``path:line``, stripped, where the file is readable."""
    if site is None:
        return None
    path, _, line = site.rpartition(":")
    if not path or not line.isdigit():
        return None
    text = linecache.getline(path, int(line)).strip()
    return text or None
