"""What every family of insights shares: the ``Insight`` record, the kinds with their
severity and lesson, and ``Lanes``: the trace's spans in each task's order, with each
span's neighbours, which every family reads."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from visualizer.model.display_text import shown
from visualizer.model.loop_lanes import covered_before
from visualizer.model.severity import SEVERITIES as SEVERITIES  # (light: for --fail-on)
from visualizer.model.severity import Severity as Severity
from visualizer.model.words import QT_TRANSLATE_NOOP, Translate
from visualizer.trace import schema
from visualizer.trace.data import SpanColumns, Trace
from visualizer.trace.store import Suspension

#: the words of the severities, for ``lupdate`` (a pane's or a linter's)
_SEVERITY_WORDS = (
    QT_TRANSLATE_NOOP("Insights", "error"),
    QT_TRANSLATE_NOOP("Insights", "warning"),
    QT_TRANSLATE_NOOP("Insights", "hint"),
)


@dataclass(frozen=True)
class Insight:
    """One thing that went wrong (or could be better), in plain words, at its moment.

    ``tasks`` are the tasks it concerns, the one to blame (if any) first; ``start`` and
    ``end`` the stretch of the run it concerns (seconds since the run started; equal for
    an instant); ``finding`` one line, ``explanation`` a paragraph with the fix, both in
    the language of the ``translate`` given to ``insights_of``; ``lesson`` the built-in
    scenario that teaches it (its id, ``scenarios/NAME.py``); ``site`` the line of the
    program it points at (``path:line``, as the trace holds it), where known.  ``facts``
    holds the numbers behind the words (seconds, counts, task ids, await sites) for a
    tool (``--json``) or a window; its keys depend on the kind."""

    kind: str
    severity: Severity
    tasks: tuple[int, ...]
    start: float
    end: float
    finding: str
    explanation: str
    lesson: str | None
    site: str | None = None
    facts: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Kind:
    """A kind of insight: its stable id, how bad it is, the lesson that teaches it, and a
    few words naming it (a heading)."""

    id: str
    severity: Severity
    lesson: str
    title: str


KINDS: Final[dict[str, Kind]] = {
    kind.id: kind
    for kind in (
        Kind(
            "blocking-step",
            "warning",
            "blocking_call",
            QT_TRANSLATE_NOOP("Insights", "A step held the loop"),
        ),
        Kind(
            "long-scheduling-delay",
            "warning",
            "task_waits_its_turn",
            QT_TRANSLATE_NOOP("Insights", "A ready task waited long to run"),
        ),
        Kind(
            "never-retrieved",
            "error",
            "exception_never_retrieved",
            QT_TRANSLATE_NOOP("Insights", "An exception nobody retrieved"),
        ),
        Kind(
            "never-awaited",
            "error",
            "debug_mode",
            QT_TRANSLATE_NOOP("Insights", "A coroutine never awaited"),
        ),
        Kind(
            "destroyed-pending",
            "error",
            "background_tasks",
            QT_TRANSLATE_NOOP("Insights", "A task destroyed while pending"),
        ),
        Kind(
            "left-pending",
            "warning",
            "background_tasks",
            QT_TRANSLATE_NOOP("Insights", "A task left pending at the end"),
        ),
        Kind(
            "contention",
            "hint",
            "lock_race",  # (a semaphore's: semaphore_workers, see LESSON_OF_RESOURCE)
            QT_TRANSLATE_NOOP("Insights", "Tasks mostly waited for a lock or semaphore"),
        ),
        Kind(
            "busy-polling",
            "warning",
            "event_and_condition",
            QT_TRANSLATE_NOOP("Insights", "A task polls instead of waiting"),
        ),
        # (what the tracer notes at a task's end: tasks.py; the waits in a row: waiting.py)
        Kind(
            "cancellation-swallowed",
            "warning",
            "cancellation",  # (no lesson swallows one: this one shows what a cancel does)
            QT_TRANSLATE_NOOP("Insights", "A task caught a cancellation and went on"),
        ),
        Kind(
            "fire-and-forget",
            "hint",  # (a warning when it failed, and asyncio did not report it)
            "background_tasks",
            QT_TRANSLATE_NOOP("Insights", "A task started and dropped"),
        ),
        Kind(
            "sequential-awaits",
            "hint",
            "sequential_vs_concurrent",
            QT_TRANSLATE_NOOP("Insights", "Waits one after another that could overlap"),
        ),
    )
}

#: the lesson of a contention, by the kind of resource
LESSON_OF_RESOURCE: Final = {
    "Lock": "lock_race",
    "Semaphore": "semaphore_workers",
    "BoundedSemaphore": "semaphore_workers",
}


def insight(
    kind: str,
    tasks: tuple[int, ...],
    start: float,
    end: float,
    finding: str,
    explanation: str,
    *,
    site: str | None = None,
    lesson: str | None = None,
    facts: dict[str, Any] | None = None,
) -> Insight:
    """An ``Insight`` of ``kind`` (its severity, and its lesson unless ``lesson``); its
    ``tasks`` the first ``MOST_FLOODED`` (the one to blame first: a step that held the loop
    may have kept a hundred thousand tasks waiting, and each would get a badge)."""
    known = KINDS[kind]
    return Insight(
        kind=kind,
        severity=known.severity,
        tasks=tasks[:MOST_FLOODED],
        start=start,
        end=end,
        finding=finding,
        explanation=explanation,
        lesson=lesson or known.lesson,
        site=site,
        facts=facts or {},
    )


# --- the spans, task by task -----------------------------------------------------------------
class Lanes:
    """The trace's spans sorted by task, then time (``spans``), each with the index of the
    span before and after it in its task (``before``, ``after``; -1: none), and the
    running spans of every task sorted by start (``running``), to ask who ran when."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        raw = trace.spans
        # (a zero-length span sorts before one that starts where it does and lasts)
        self.spans: SpanColumns = (
            raw if _in_order(raw) else raw.take(np.lexsort((raw.end, raw.start, raw.task)))
        )
        spans = self.spans
        n = len(spans)
        self.length = spans.end - spans.start
        same = spans.task[1:] == spans.task[:-1]
        # (int32 while the spans' indices fit: 2.2 million spans' neighbours in 17 MB,
        # not 35, of the window's memory while its insights are worked out, issue 18)
        kind = np.int32 if n < np.iinfo(np.int32).max else np.int64
        index = np.arange(n, dtype=kind)
        self.after: npt.NDArray[np.signedinteger[Any]] = np.full(n, -1, kind)
        self.after[:-1][same] = index[1:][same]
        self.before: npt.NDArray[np.signedinteger[Any]] = np.full(n, -1, kind)
        self.before[1:][same] = index[:-1][same]
        del index
        self.running = Intervals(spans, np.flatnonzero(spans.state == schema.RUNNING))
        self.ready = Intervals(spans, np.flatnonzero(spans.state == schema.READY))
        self._sleeps: Intervals | None = None
        self.names = trace.tasks.names
        #: each task's last span (-1: none)
        self.last = np.full(len(trace.tasks), -1, np.int64)
        ends = np.flatnonzero(self.after == -1)
        known = (spans.task[ends] >= 0) & (spans.task[ends] < len(trace.tasks))
        self.last[spans.task[ends][known]] = ends[known]
        self._delays: npt.NDArray[np.float64] | None = None

    def name(self, task: int) -> str:
        """The task's name, fit to show, in quotes (``'worker'``)."""
        name = self.names[task] if 0 <= task < len(self.names) else f"task-{task}"
        return f"'{shown(name)}'"

    def last_span(self, task: int) -> int:
        """The index of the task's last span (-1: it has none)."""
        return int(self.last[task]) if 0 <= task < len(self.last) else -1

    def suspension(self, index: int) -> Suspension | None:
        """What the span ``index`` awaited, if it is a suspended span that knows it (-1:
        no span, None)."""
        if index < 0:
            return None
        awaiting = int(self.spans.awaiting[index])
        suspensions = self.trace.suspensions
        return suspensions[awaiting] if 0 <= awaiting < len(suspensions) else None

    def suspended_before(self, index: int) -> int:
        """The suspended span that the step ``index`` resumed from (-1: none: its first
        step, or one after a bare yield)."""
        ready = int(self.before[index])
        if ready < 0 or self.spans.state[ready] != schema.READY:
            return -1
        waited = int(self.before[ready])
        return waited if waited >= 0 and self.spans.state[waited] == schema.SUSPENDED else -1

    def ran_within(
        self, pieces: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]
    ) -> npt.NDArray[np.float64]:
        """Each task's running time (seconds, indexed by task id) within ``pieces`` (a
        ``loop_lanes.union`` of stretches: overlapping waits counted once).  Vectorised:
        a flood of ready tasks asks this about a hundred thousand waits at once, where
        asking wait by wait took minutes and gigabytes."""
        n = len(self.trace.tasks)
        lo, hi = pieces
        if not len(lo):
            return np.zeros(n)
        running = self.running.index
        spans = self.spans
        overlap = covered_before(lo, hi, spans.end[running]) - covered_before(
            lo, hi, spans.start[running]
        )
        held = np.bincount(spans.task[running], weights=overlap, minlength=n)[:n]
        return held.astype(np.float64, copy=False)

    @property
    def sleeps(self) -> Intervals:
        """The suspended spans on a ``sleep(x)`` whose delay the label gives exactly."""
        if self._sleeps is None:
            spans = self.spans
            suspended = np.flatnonzero(spans.state == schema.SUSPENDED)
            awaiting = spans.awaiting[suspended]
            delays = self.sleep_delays
            known = (awaiting >= 0) & (awaiting < len(delays))
            suspended, awaiting = suspended[known], awaiting[known]
            self._sleeps = Intervals(spans, suspended[~np.isnan(delays[awaiting])])
        return self._sleeps

    @property
    def sleep_delays(self) -> npt.NDArray[np.float64]:
        """For each suspension of the trace (``trace.suspensions``), the delay of the
        ``sleep(x)`` it is, exactly as asked (nan: not a sleep, or its label rounds it)."""
        if self._delays is None:
            labels = [s.label for s in self.trace.suspensions]
            self._delays = np.array([sleep_delay(label) for label in labels], np.float64)
        return self._delays


def _in_order(spans: SpanColumns) -> bool:
    """Whether the spans are sorted by task, then start, then end already: a trace's
    spans come so, and a copy of 2 million of them in that order cost 70 MB and 0.2 s
    of opening a 100,000-task trace (issue 18)."""
    if len(spans) < 2:
        return True
    task, start, end = spans.task, spans.start, spans.end
    same_task = task[1:] == task[:-1]
    if not (same_task | (task[1:] > task[:-1])).all():
        return False
    step = start[1:] - start[:-1]
    later = ~same_task | (step > 0)
    return bool((later | ((step == 0) & (end[1:] >= end[:-1]))).all())


class Intervals:
    """Some of the spans (``index``), sorted by start, to find those that overlap a
    stretch of time without looking at the rest: a run has millions of spans, and a
    blocking step asks about the few around it."""

    def __init__(self, spans: SpanColumns, index: npt.NDArray[np.int64]) -> None:
        self.index = index[np.argsort(spans.start[index], kind="stable")]
        self.start = spans.start[self.index]
        #: the latest end so far, in that order: bisected for the first span that may
        #: reach past a time (running spans nest: an eager task's first step)
        self.reach = (
            np.maximum.accumulate(spans.end[self.index]) if len(self.index) else np.zeros(0)
        )
        # (the ends read where asked, not kept in this order: 9 MB of a million ready
        # spans' while a 100,000-task run's insights are worked out, issue 18)
        self._ends = spans.end

    def overlapping(self, start: float, end: float) -> npt.NDArray[np.int64]:
        """The spans (indices) that begin before ``end`` and end after ``start``."""
        lo = int(np.searchsorted(self.reach, start, side="right"))
        hi = int(np.searchsorted(self.start, end, side="left"))
        some = self.index[lo:hi]
        return some[self._ends[some] > start]


#: a sleep's label: ``sleep(0.25)``; one whose delay was rounded ends in "…" (not matched)
_SLEEP = re.compile(r"sleep\(([0-9.e+-]+)\)")


def sleep_delay(label: str) -> float:
    """The delay of a ``sleep(x)`` suspension's label (nan: another label, or one that
    shows the delay rounded: ``sleep(0.2944…)``)."""
    match = _SLEEP.fullmatch(label)
    if match is None:
        return float("nan")
    try:
        return float(match.group(1))
    except ValueError:
        return float("nan")


# --- words -------------------------------------------------------------------------------------
def seconds(value: float) -> str:
    """``1.25 s``, ``312 ms``, ``45 us``: three figures, enough for a finding; rounded
    before the unit is chosen (0.9999996 s is ``1 s``, not ``1e+03 ms``)."""
    rounded = float(f"{value:.3g}")
    magnitude = abs(rounded)
    if magnitude >= 100:
        return f"{rounded:.0f} s"
    if magnitude >= 1:
        return f"{rounded:g} s"
    if magnitude >= 1e-3:
        return f"{float(f'{rounded * 1e3:.3g}'):g} ms"
    return f"{float(f'{rounded * 1e6:.3g}'):g} us"


def share(value: float) -> str:
    return f"{value:.0%}"


#: items a list in words names (the rest: "and 3 more")
def site_words(site: str) -> str:
    """A site (``path:line``) in the words of an insight: the file's name and the line
    (``app.py:12``), as a teacher reads it aloud; the whole path stays in ``site`` and
    ``facts``, where the window's link and a tool find the file."""
    path, sep, line = site.rpartition(":")
    name = path.replace("\\", "/").rsplit("/", 1)[-1] if sep and line.isdigit() else site
    return shown(f"{name}:{line}" if sep and line.isdigit() else site)


MOST_NAMED: Final = 5

#: more tasks than this showing one kind the same way (waiting long for the loop,
#: polling, left pending): one insight for them all (a flood of a hundred thousand
#: insights saying the same would bury the rest of a pane, and cost minutes to make)
ONE_BY_ONE: Final = 5
#: the tasks a flood's insight concerns by id (the worst first; its facts count all)
MOST_FLOODED: Final = 20


def listed(items: list[str], translate: Translate, total: int | None = None) -> str:
    """``a, b and 3 more``: at most ``MOST_NAMED`` of ``items`` named, of ``total`` (the
    caller may make the words of the first few only)."""
    total = len(items) if total is None else total
    named = items[:MOST_NAMED]
    if total <= len(named):
        return ", ".join(named)
    return translate("Insights", "{items} and {count} more").format(
        items=", ".join(named), count=total - len(named)
    )


def paragraph(*sentences: str) -> str:
    """Sentences as one paragraph (the empty ones left out)."""
    return " ".join(s for s in sentences if s)
