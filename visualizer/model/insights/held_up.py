"""What a blocking step (or callback) kept waiting: the timers it made late and the
tasks that were ready all the while (``loop_held.blocking_steps``' facts and words).

A step of a 100,000-task run keeps every task waiting: the facts keep the first
``MOST_FLOODED`` of each list and count them all, worked out on columns, a dict made
for the few kept only (a dict per waiting task per step was 82 MB that the window kept
with the trace, issue 18).
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from visualizer.model.display_text import shown
from visualizer.model.insights.core import MOST_FLOODED, MOST_NAMED, Lanes, listed, seconds
from visualizer.model.words import Translate
from visualizer.trace import schema

#: a task ready for less of a blocking step than this (seconds) is not named as waiting
#: for it (the clock's readings around a step overlap by microseconds)
NOTICED: Final = 0.001


def held_up(
    lanes: Lanes, culprit: int | None, start: float, end: float, translate: Translate
) -> tuple[dict[str, Any], tuple[int, ...], list[str]]:
    """What the loop held from ``start`` to ``end`` kept waiting, besides ``culprit``: the
    ``sleep`` timers due before ``end`` that fired after it (``late_timers``, each: task,
    label, due, woke, late; the latest first), and the tasks ready during it (``waited``,
    each: task, ready since, waited in it; the longest first): the facts; the tasks of
    both, each once, in that order; and the sentences that say so.

    The facts keep the first ``MOST_FLOODED`` of each and count them all
    (``late_timer_count``, ``waited_count``), as the insight's tasks do: a step of a
    100,000-task run kept every task waiting, and a dict per task per step was 82 MB
    that the window kept as long as the trace (issue 18)."""
    spans = lanes.spans
    mine = -1 if culprit is None else culprit
    # timers: suspended on sleep(x) over the stretch, due before its end, woken by the
    # timer (after the end: the loop was held; a step's end is read to float32's
    # precision, so the wake may seem to be a few nanoseconds before it)
    suspended = lanes.sleeps.overlapping(start, end)
    suspended = suspended[spans.task[suspended] != mine]
    due = spans.start[suspended] + lanes.sleep_delays[spans.awaiting[suspended]]
    nxt = lanes.after[suspended]
    by_timer = (nxt >= 0) & (spans.woken_kind[np.maximum(nxt, 0)] == schema.WAKE_TIMER)
    hit = by_timer & (due < end) & (spans.end[suspended] > due)
    timers, when = suspended[hit], due[hit]
    woke = spans.end[timers]
    # (the lateness this stretch made: a timer already late when it began, or held on by
    # a step after it, is late by the others' part too: not this one's)
    late_by = np.minimum(woke, end) - np.maximum(when, start)
    worst = np.argsort(-late_by, kind="stable")
    late: list[dict[str, Any]] = []
    for k in worst[:MOST_FLOODED].tolist():
        suspension = lanes.suspension(int(timers[k]))
        late.append(
            {
                "task": int(spans.task[timers[k]]),
                "label": suspension.label if suspension else None,
                "due": float(when[k]),
                "woke": float(woke[k]),
                "late": float(late_by[k]),
                "late_in_all": float(woke[k] - when[k]),
            }
        )
    # ready: any part of their ready time within the stretch
    ready = lanes.ready.overlapping(start, end)
    ready = ready[spans.task[ready] != mine]
    ready_for = np.minimum(spans.end[ready], end) - np.maximum(spans.start[ready], start)
    noticed = ready_for >= NOTICED
    ready, ready_for = ready[noticed], ready_for[noticed]
    longest = np.argsort(-ready_for, kind="stable")
    waited: list[dict[str, Any]] = [
        {
            "task": int(spans.task[ready[k]]),
            "ready": float(spans.start[ready[k]]),
            "waited": float(ready_for[k]),
        }
        for k in longest[:MOST_FLOODED].tolist()
    ]
    # the tasks, each once, the late timers' first (the first few: what ``insight`` keeps)
    both = np.concatenate([spans.task[timers[worst]], spans.task[ready[longest]]])
    firsts = np.sort(np.unique(both, return_index=True)[1])[:MOST_FLOODED]
    tasks = tuple(both[firsts].tolist())
    words = []
    if late:
        items = [
            translate("Insights", "{task} ({label}, due at {due}) {late} late").format(
                task=lanes.name(x["task"]),
                label=shown(x["label"] or "?"),
                due=seconds(x["due"]),
                late=seconds(x["late"]),
            )
            for x in late[:MOST_NAMED]
        ]
        words.append(
            translate("Insights", "Timers it made late: {timers}.").format(
                timers=listed(items, translate, len(timers))
            )
        )
    if waited:
        items = [
            translate("Insights", "{task} {seconds}").format(
                task=lanes.name(x["task"]), seconds=seconds(x["waited"])
            )
            for x in waited[:MOST_NAMED]
        ]
        words.append(
            translate("Insights", "Tasks that were ready and waited for it: {tasks}.").format(
                tasks=listed(items, translate, len(ready))
            )
        )
    facts = {
        "late_timers": late,
        "late_timer_count": len(timers),
        "waited": waited,
        "waited_count": len(ready),
    }
    return facts, tasks, words
