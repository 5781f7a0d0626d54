"""Insights: what went wrong in a run, in plain words, at the moment it happened, with the
lesson that explains it (issue 16).  Without Qt: run on a ``Trace``.

``insights_of(trace)`` reads the trace for what an expert looks for on the chart, each
kind in the module of its family:

* ``loop_held``: ``blocking-step`` (a step or callback that held the loop), and
  ``long-scheduling-delay`` (a task ready but not running for long, and who ran then);
* ``endings``: what asyncio and Python reported (the warning marks):
  ``never-retrieved``, ``never-awaited``, ``destroyed-pending``; and ``left-pending``,
  a task still pending when the trace ended;
* ``waiting``: ``contention`` (a Lock or Semaphore its waiters spent most of their
  time waiting for), ``busy-polling`` (a task looping on ``sleep(0)`` or tiny sleeps)
  and ``sequential-awaits`` (waits one after another, the loop idle, that could
  overlap: a hint, with what it would save);
* ``tasks``: what the tracer noted at a task's end: ``cancellation-swallowed`` (a
  cancel it caught and went on from, not withdrawn as ``asyncio.timeout`` does) and
  ``fire-and-forget`` (nothing held it when it ended).

Each insight says it in the words of the ``translate(context, text)`` given (English
by default; the window gives Qt's, context "Insights"), as ``model.details`` does.

The thresholds, and why these defaults:

* ``blocking_threshold`` 0.1 s: asyncio's own, ``loop.slow_callback_duration``, what its
  debug mode calls a slow step (and the chart's red band).
* ``scheduling_threshold`` 0.05 s: a wait for the loop a user of an interactive program
  notices (a frame at 20 a second), and half the blocking threshold, so that a task held
  up by several shorter steps in a row is caught too.
* ``contention_share`` 0.5: "most of their time": the waiters waited for the resource
  more than half of their lives (from creation to end).  Two tasks taking turns at a
  lock each wait just under half: not "most".  And at least ``contention_wait`` 0.05 s
  waited in all, the scheduling threshold: a program whose tasks live microseconds
  (the ideal clock) may wait most of them, and lose nothing.
* ``polling_sleep`` 0.01 s: a sleep this short is a poll, not a pace (periodic work
  rarely wants more than 100 beats a second); ``polling_count`` 20: a loop that looks
  that many times; ``polling_work`` 0.001 s: a step that runs a millisecond or less on
  average between looks does almost nothing (a chunk of real work that yields with
  ``sleep(0)`` runs longer).  On the ideal clock a step takes no time at all, so there
  chunked work looks like polling: read busy-polling on the virtual or real clock.
* ``cancel_grace`` 1 s: a task pending at the end with a cancel not withdrawn swallowed
  it only if it ran after the cancel landed and the trace went on this long after: a
  cleanup in a ``finally`` block (closing a connection) is over by then, as a rule.
* ``sequential_saving`` 0.05 s: waits in a row are a hint only if overlapping them
  saves this much (the scheduling threshold: what a user notices).

A live run's trace is not at its end (``partial=True``): what needs the end is left
out.  ``left-pending`` (every task still going would be "left"), and a task's ready
wait still open at the trace's end (its length so far is not its length: the wait
grows until the loop comes to it, and is counted once it is over).  The rest holds
of a run's first part as of the whole: a step that held the loop held it, a warning
asyncio gave was given.

A blocking step names the call that blocked where the trace has its stack samples
(``trace.stack_samples``: the tracer samples a step past its threshold, by default the
same 0.1 s; a lower ``blocking_threshold`` finds shorter steps with no sample, and names
only their awaits).

A live run's (``model/insights/live.py``) and a stream's (its mirror's trace) are
worked out with ``partial=True``.
"""

from __future__ import annotations

import dataclasses

from visualizer.model.insights.core import (
    KINDS,
    SEVERITIES,
    Insight,
    Kind,
    Lanes,
    Severity,
)
from visualizer.model.insights.endings import left_pending, reported
from visualizer.model.insights.loop_held import blocking_steps, scheduling_delays
from visualizer.model.insights.tasks import dropped_tasks, swallowed_cancels
from visualizer.model.insights.waiting import busy_polling, contention, sequential_awaits
from visualizer.model.statistics import open_ready
from visualizer.model.words import Translate, english
from visualizer.trace.data import Trace

__all__ = ["KINDS", "SEVERITIES", "Insight", "Kind", "Severity", "insights_of"]


def insights_of(
    trace: Trace,
    *,
    blocking_threshold: float = 0.1,
    scheduling_threshold: float = 0.05,
    contention_share: float = 0.5,
    contention_wait: float = 0.05,
    polling_sleep: float = 0.01,
    polling_count: int = 20,
    polling_work: float = 0.001,
    cancel_grace: float = 1.0,
    sequential_saving: float = 0.05,
    translate: Translate = english,
    partial: bool = False,
) -> list[Insight]:
    """Every insight of ``trace``, in time order (of their start), the most severe first
    at one moment.  The thresholds are explained in the module's docstring; ``partial``:
    ``trace`` is a live run's so far, not at its end (what needs the end left out)."""
    lanes = Lanes(_without_open_waits(trace) if partial else trace)
    found = [
        *blocking_steps(lanes, blocking_threshold, translate),
        *scheduling_delays(lanes, scheduling_threshold, translate),
        *reported(lanes, translate),
        *([] if partial else left_pending(lanes, translate)),
        *contention(lanes, contention_share, contention_wait, translate),
        *busy_polling(lanes, polling_sleep, polling_count, polling_work, translate),
        *swallowed_cancels(lanes, cancel_grace, translate),
        *dropped_tasks(lanes, translate),
        *sequential_awaits(lanes, sequential_saving, translate),
    ]
    rank = {severity: i for i, severity in enumerate(SEVERITIES)}
    found.sort(key=lambda x: (x.start, rank[x.severity], x.end, x.kind, x.tasks))
    return found


def _without_open_waits(trace: Trace) -> Trace:
    """``trace`` without the ready spans still open at its end (``statistics.open_ready``:
    a live run's waits not yet over; the trace itself unchanged)."""
    open_wait = open_ready(trace.spans)
    if not open_wait.any():
        return trace
    return dataclasses.replace(trace, spans=trace.spans.take(~open_wait))
