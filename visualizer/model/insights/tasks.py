"""Insights about what a task's end showed and the chart does not: a cancel it caught
and went on from (``cancellation-swallowed``), and an end nobody could see, the task
started and dropped (``fire-and-forget``).

Both are read from facts the tracer notes once, at the task's end
(``trace.store.TaskEnd``, the records' ``cancelling`` and ``unheld``), not guessed
from the chart:

* a cancel is *swallowed* when it was not withdrawn (``task.cancelling()`` still
  counts it) and the task ended done or failed anyway, or was still going
  ``cancel_grace`` seconds after the cancel landed when the trace ended.
  ``asyncio.timeout``, ``wait_for`` and ``TaskGroup`` catch the ``CancelledError``
  of the cancels they make, and withdraw them (``uncancel()``): never counted;
* a task is *dropped* when, as it ended done or failed, nothing but the loop
  referred to it: whoever awaits, gathers, waits for, keeps or is called back by a
  task holds it.  One that failed so is reported by asyncio itself, when it is freed
  (``never-retrieved``): that one insight says it, with the same fix, not two.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from typing import Final

import numpy as np

from visualizer.model.display_text import shown
from visualizer.model.insights.core import (
    Insight,
    Lanes,
    insight,
    listed,
    paragraph,
    seconds,
    site_words,
)
from visualizer.model.insights.endings import destroyed_tasks, unretrieved_tasks
from visualizer.model.words import Translate
from visualizer.trace import schema
from visualizer.trace.data import TaskRecord

#: a run's first task: its main coroutine, held by whoever runs the loop
_MAIN = 0


def swallowed_cancels(lanes: Lanes, grace: float, translate: Translate) -> list[Insight]:
    """Each task that went on after a cancel it did not withdraw: it ended done or
    failed, or was still going ``grace`` seconds after the cancel landed when the
    trace ended (not one that stopped recording early: it went on past it)."""
    trace = lanes.trace
    truncated = trace.meta.get("truncated_at") is not None
    destroyed = destroyed_tasks(trace)
    out = []
    for record in trace.tasks:
        if record.cancelling <= 0 or record.outcome == "cancelled":
            continue
        cancel = _last_cancel(lanes, record.id)
        if record.outcome == "pending":
            if truncated or record.id in destroyed or cancel is None:
                continue
            if not cancel.ran_after or trace.duration - cancel.at < grace:
                continue  # (the cancel had not landed yet, or its cleanup was running)
        if _taskgroups_own(trace.tasks, record, cancel):
            continue
        out.append(_swallowed(lanes, record, cancel, translate))
    return out


#: A TaskGroup cancels its parent task when a child fails, and catches that
#: CancelledError itself, in ``async with``'s exit.  Before 3.13 it withdraws that cancel
#: (``uncancel()``) only if the parent was not yet waiting there for the children; if
#: it was, the count stays, though nothing of the program's caught anything.  A cancel
#: by a child that landed at the TaskGroup's wait is the TaskGroup's, not the task's.
_TASKGROUP: Final = "TaskGroup"


def _taskgroups_own(tasks: list[TaskRecord], record: TaskRecord, cancel: _Cancel | None) -> bool:
    """The cancel came from a child of the task and landed at a TaskGroup's wait."""
    if cancel is None or cancel.label != _TASKGROUP or cancel.by is None:
        return False
    return cancel.by < len(tasks) and tasks[cancel.by].parent == record.id


@dataclass(frozen=True)
class _Cancel:
    """A task's last wake by a cancel: when, by which task (None: no task), the await it
    landed at (label and site), and whether the task ran after it."""

    at: float
    by: int | None
    label: str | None
    site: str | None
    ran_after: bool


def _last_cancel(lanes: Lanes, task: int) -> _Cancel | None:
    """The task's last wake by a cancel (None: no cancel woke it: it was cancelled
    while ready, or the trace does not say)."""
    last = lanes.last_span(task)
    spans = lanes.spans
    index = last
    while index >= 0:
        if spans.state[index] == schema.READY and spans.woken_kind[index] == schema.WAKE_CANCEL:
            break
        index = int(lanes.before[index])
    if index < 0:
        return None
    by = int(spans.woken_task[index])
    waited = int(lanes.before[index])
    suspension = lanes.suspension(waited) if waited >= 0 else None
    ran_after = bool(
        np.any(spans.state[index : last + 1] == schema.RUNNING)  # (a task's spans: in a row)
    )
    return _Cancel(
        float(spans.start[index]),
        by if by >= 0 else None,
        suspension.label if suspension is not None else None,
        suspension.site if suspension is not None else None,
        ran_after,
    )


def _swallowed(
    lanes: Lanes,
    record: TaskRecord,
    cancel: _Cancel | None,
    translate: Translate,
) -> Insight:
    name = lanes.name(record.id)
    at = cancel.at if cancel is not None else None
    by = cancel.by if cancel is not None else None
    site = cancel.site if cancel is not None else None
    end = record.ended if record.ended is not None else lanes.trace.duration
    start = at if at is not None else end
    who = (
        lanes.name(by)
        if by is not None
        else translate("Insights", "Code outside any task (a callback)")
    )
    if at is None:
        asked = translate(
            "Insights",
            "{task} was asked to stop (task.cancel()) while it was not waiting on anything; "
            "the CancelledError was raised in it when it next ran.",
        ).format(task=name)
    else:
        asked = translate(
            "Insights",
            "{who} asked {task} to stop at {t} (task.cancel()); the CancelledError was "
            "raised in it at the await it was waiting on{where}.",
        ).format(
            who=who,
            task=name,
            t=seconds(at),
            where=translate("Insights", ", {site}").format(site=site_words(site)) if site else "",
        )
    if record.outcome == "pending":
        went_on = translate(
            "Insights",
            "{task} caught it and went on: it was still running when the run ended, {later} later.",
        ).format(task=name, later=seconds(end - start))
        finding = translate("Insights", "{task} caught a CancelledError and kept running").format(
            task=name
        )
    elif record.outcome == "error":
        # (not swallowed as such: turned into another error, or a clean-up that raised)
        error = shown(record.error or "?")
        went_on = translate(
            "Insights",
            "{task} did not end cancelled: it ended with {error} at {t} (code that turned "
            "the CancelledError into another error, or a clean-up that raised).",
        ).format(task=name, error=error, t=seconds(end))
        finding = translate(
            "Insights", "{task} was cancelled but ended with {error} instead"
        ).format(task=name, error=error)
    else:
        went_on = translate(
            "Insights", "{task} caught it and went on: it ended {outcome} at {t}, not cancelled."
        ).format(task=name, outcome=_outcome_words(record.outcome, translate), t=seconds(end))
        finding = translate(
            "Insights", "{task} caught a CancelledError and went on to end {outcome}"
        ).format(task=name, outcome=_outcome_words(record.outcome, translate))
    return insight(
        "cancellation-swallowed",
        (record.id,) + ((by,) if by is not None and by != record.id else ()),
        start,
        max(end, start),
        finding,
        paragraph(
            asked,
            went_on,
            translate(
                "Insights",
                "Whoever cancels a task counts on it ending cancelled: await task returns "
                "as if nothing had happened, asyncio.timeout and TaskGroup cannot tell "
                "their own cancels from others', and asyncio.run waits at the end for a "
                "task that will not stop. (The {count} cancel request(s) were never "
                "withdrawn: task.cancelling() still counted them.)",
            ).format(count=record.cancelling),
            translate(
                "Insights",
                "The fix: clean up and let it go on: except asyncio.CancelledError: "
                "...; raise (or do the cleanup in a finally block). A task that really "
                "must refuse a cancel calls asyncio.current_task().uncancel(), and says "
                "so to whoever cancels it.",
            ),
        ),
        site=site,
        facts={
            "cancelling": record.cancelling,
            "cancelled": at,
            "by": by,
            "landed_at": site,
            "outcome": record.outcome,
        },
    )


def _outcome_words(outcome: str, translate: Translate) -> str:
    if outcome == "error":
        return translate("Insights", "with an error")
    return translate("Insights", "normally")


def dropped_tasks(lanes: Lanes, translate: Translate) -> list[Insight]:
    """The tasks nothing held when they ended (``unheld``), but the run's main task and
    those asyncio reported as never retrieved; one insight per line that made them
    (a loop makes many the same way) and per outcome (a failure lost is worse)."""
    trace = lanes.trace
    reported = unretrieved_tasks(trace)
    groups: defaultdict[tuple[str | None, bool], list[TaskRecord]] = defaultdict(list)
    for record in trace.tasks:
        if not record.unheld or record.id == _MAIN or record.id in reported:
            continue
        if record.outcome not in ("done", "error") or record.created_at is None:
            continue  # (no line of the program made it: asyncio's own, not its to keep)
        groups[record.created_at, record.outcome == "error"].append(record)
    return [
        _dropped(lanes, site, failed, records, translate)
        for (site, failed), records in groups.items()
    ]


def _dropped(
    lanes: Lanes,
    site: str | None,
    failed: bool,
    records: list[TaskRecord],
    translate: Translate,
) -> Insight:
    names = [lanes.name(r.id) for r in records[:5]]
    tasks = listed(names, translate, len(records))
    ends = [r.ended if r.ended is not None else r.created for r in records]
    made = translate("Insights", " (made at {site})").format(site=site_words(site)) if site else ""
    if len(records) == 1:
        finding = translate(
            "Insights", "{task} was started and dropped: nothing held it when it ended"
        ).format(task=tasks)
    else:
        finding = translate(
            "Insights", "{count} tasks were started and dropped: nothing held them when they ended"
        ).format(count=f"{len(records):,}")
    lost = (
        translate(
            "Insights",
            "It failed, and the error was lost with it: nobody was there to see it.",
        )
        if failed
        else translate(
            "Insights",
            "Whatever it returned was lost, and a failure would have been too (asyncio "
            "only logs one, on stderr, when the task is freed).",
        )
    )
    found = insight(
        "fire-and-forget",
        tuple(r.id for r in records),
        min(r.created for r in records),
        max(ends),
        finding,
        paragraph(
            translate(
                "Insights",
                "Nothing but the event loop referred to {tasks}{made} when it ended: no "
                "task awaited it, nothing gathered it or waited for it, no TaskGroup or "
                "set kept it, and no done callback was to be called.",
            ).format(tasks=tasks, made=made),
            lost,
            translate(
                "Insights",
                "And the loop keeps only a weak reference to a task: one nothing refers to "
                "may be freed by the garbage collector before it is done, and vanish "
                "mid-work. This time it finished first.",
            ),
            translate(
                "Insights",
                "The fix: keep a reference until it is done: background.add(task); "
                "task.add_done_callback(background.discard), with a done callback that "
                "also logs task.exception(); await the ones still running before the "
                "program ends; or start them in a TaskGroup.",
            ),
        ),
        site=site,
        facts={"count": len(records), "failed": failed},
    )
    return dataclasses.replace(found, severity="warning") if failed else found
