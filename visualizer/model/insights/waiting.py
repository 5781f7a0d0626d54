"""Insights about how tasks wait: for a lock or a semaphore most of their time
(``contention``), or not really at all, looking again and again (``busy-polling``).

A bare yield (``await asyncio.sleep(0)``) is no suspension in the trace: the step ends
ready again (``schema.END_READY``), so it is read as a running span followed by a ready
one of the same task, and has no await site; a short sleep is a suspension like any
other, with its label (``sleep(0.001)``) and site.
"""

from __future__ import annotations

from collections import Counter
from typing import Final

import numpy as np
import numpy.typing as npt

from visualizer.model.display_text import shown
from visualizer.model.insights.core import (
    LESSON_OF_RESOURCE,
    Insight,
    Lanes,
    insight,
    listed,
    paragraph,
    seconds,
    share,
)
from visualizer.model.resource_states import ResourceRow, rows_of
from visualizer.model.words import Translate
from visualizer.trace import schema

#: the resources tasks contend for (a Condition's waits are mostly for a notify: not these)
CONTENDED: Final = frozenset(LESSON_OF_RESOURCE)
#: a task polls "mostly": at least this share of its steps end in a poll
POLL_SHARE: Final = 0.8


def contention(lanes: Lanes, most: float, least_wait: float, translate: Translate) -> list[Insight]:
    """Each Lock or Semaphore whose waiters spent more than ``most`` of their lives (from
    their creation to their end, or the trace's) waiting for it, and at least
    ``least_wait`` seconds in all."""
    trace = lanes.trace
    out = []
    for row in rows_of(trace):
        if row.kind not in CONTENDED or not len(row.wait_task):
            continue
        waits = row.wait_end - row.wait_start
        waiters, at = np.unique(row.wait_task, return_inverse=True)
        per_task = np.bincount(at, weights=waits, minlength=len(waiters)).astype(np.float64)
        lives = np.array([_life(lanes, int(t)) for t in waiters.tolist()], np.float64)
        total, lived = float(waits.sum()), float(lives.sum())
        if total < least_wait or lived <= 0 or total / lived <= most:
            continue
        out.append(_contended(lanes, row, waiters.tolist(), per_task, total / lived, translate))
    return out


def _life(lanes: Lanes, task: int) -> float:
    trace = lanes.trace
    if not 0 <= task < len(trace.tasks):
        return 0.0
    record = trace.tasks[task]
    end = record.ended if record.ended is not None else trace.duration
    return max(end - record.created, 0.0)


def _contended(
    lanes: Lanes,
    row: ResourceRow,
    waiters: list[int],
    per_task: npt.NDArray[np.float64],
    part: float,
    translate: Translate,
) -> Insight:
    r = row.resource
    total = float(per_task.sum())
    what = translate("Insights", "{kind} '{name}'").format(kind=r.kind, name=shown(r.name))
    order = np.argsort(-per_task, kind="stable")
    tasks = tuple(waiters[i] for i in order.tolist())
    made = translate("Insights", " (made at {site})").format(site=shown(r.site)) if r.site else ""
    said = translate(
        "Insights",
        "Tasks waited for {resource}{made} {total} in all: {share} of the time they lived.",
    ).format(resource=what, made=made, total=seconds(total), share=share(part))
    facts: dict[str, object] = {
        "resource": r.id,
        "share": part,
        "waited": [{"task": waiters[i], "seconds": float(per_task[i])} for i in order.tolist()],
    }
    if r.kind == "Lock":
        ends = np.append(row.times[1:], max(row.end, float(row.times[-1])))
        held: dict[int, float] = {}
        for holder, length in zip(row.holders.tolist(), (ends - row.times).tolist(), strict=True):
            if holder >= 0:
                held[holder] = held.get(holder, 0.0) + length
        holders = sorted(held.items(), key=lambda x: -x[1])
        facts["held_by"] = [{"task": t, "seconds": s} for t, s in holders]
        items = [
            translate("Insights", "{task} {seconds}").format(task=lanes.name(t), seconds=seconds(s))
            for t, s in holders
        ]
        why = translate(
            "Insights",
            "A lock is held for everything done and awaited inside async with lock:, and "
            "it was held by {holders}.",
        ).format(holders=listed(items, translate))
        fix = translate(
            "Insights",
            "The fix: hold it for less: lock only the reading and writing of the shared "
            "state, and do the slow awaits (I/O, sleeps) outside the locked block. Tasks "
            "that hold one lock for all their work run one after another, as one task would.",
        )
    else:
        full = float((row.full_spans[:, 1] - row.full_spans[:, 0]).sum())
        facts["full"] = full
        why = translate(
            "Insights",
            "A semaphore lets only {permits} tasks in at once, and all its permits were in "
            "use for {full}.",
        ).format(permits=r.capacity if r.capacity is not None else "?", full=seconds(full))
        fix = translate(
            "Insights",
            "If limiting them is the point (not to overload a server), the waiting sets "
            "the pace, as meant. If not: raise the limit, or hold a permit only around the "
            "work it limits.",
        )
    return insight(
        "contention",
        tasks,
        float(row.wait_start.min()),
        float(row.wait_end.max()),
        translate("Insights", "Waiting for {resource} took {share} of its waiters' time").format(
            resource=what, share=share(part)
        ),
        paragraph(said, why, fix),
        site=r.site,
        lesson=LESSON_OF_RESOURCE.get(r.kind),
        facts=facts,
    )


def busy_polling(
    lanes: Lanes, tiny: float, least: int, little: float, translate: Translate
) -> list[Insight]:
    """Each task whose steps ended, ``least`` times or more and mostly (``POLL_SHARE``), in
    a bare yield or a sleep of at most ``tiny`` seconds, after ``little`` seconds of
    running or less on average."""
    spans = lanes.spans
    step = np.flatnonzero((spans.state == schema.RUNNING) & (lanes.after >= 0))
    if not len(step):
        return []
    nxt = lanes.after[step]
    state = spans.state[nxt]
    awaiting = spans.awaiting[nxt]
    delays = lanes.sleep_delays
    delay = np.full(len(step), np.nan)
    known = (state == schema.SUSPENDED) & (awaiting >= 0) & (awaiting < len(delays))
    delay[known] = delays[awaiting[known]]
    bare = state == schema.READY
    short = known & (delay <= tiny)  # (nan: never)
    poll = bare | short
    tasks = spans.task[step]
    size = int(tasks.max()) + 1
    polls = np.bincount(tasks[poll], minlength=size)
    steps = np.bincount(tasks, minlength=size)
    work = np.bincount(tasks[poll], weights=lanes.length[step][poll], minlength=size)
    found = np.flatnonzero((polls >= least) & (polls >= POLL_SHARE * steps))
    out = []
    for task in found.tolist():
        if work[task] / polls[task] > little:
            continue
        mine = poll & (tasks == task)
        first, last = step[mine][0], nxt[mine][-1]
        sites = Counter(
            s.site
            for s in (lanes.suspension(int(j)) for j in nxt[mine & short].tolist())
            if s is not None and s.site
        )
        name = lanes.name(task)
        count, bares = int(polls[task]), int(np.count_nonzero(mine & bare))
        mean = float(work[task] / polls[task])
        out.append(
            insight(
                "busy-polling",
                (task,),
                float(spans.start[first]),
                float(spans.end[last]),
                translate(
                    "Insights", "{task} polled {count} times, doing almost nothing each time"
                ).format(task=name, count=count),
                paragraph(
                    translate(
                        "Insights",
                        "{share} of the times {task} gave the loop back were a sleep(0) or "
                        "a sleep of {tiny} or less ({bare} bare yields, {short} short "
                        "sleeps), and it ran {mean} on average between them: it wakes, "
                        "finds nothing to do and sleeps again, keeping the loop and a CPU "
                        "busy while what it waits for happens elsewhere.",
                    ).format(
                        share=share(count / int(steps[task])),
                        task=name,
                        tiny=seconds(tiny),
                        bare=bares,
                        short=count - bares,
                        mean=seconds(mean),
                    ),
                    translate(
                        "Insights",
                        "The fix: wait for the thing itself: an asyncio.Event that whoever "
                        "makes the change sets (await event.wait()), a Condition, a Queue "
                        "or a future; if it must poll something outside the program, sleep "
                        "longer between looks.",
                    ),
                ),
                site=sites.most_common(1)[0][0] if sites else None,
                facts={
                    "polls": count,
                    "bare_yields": bares,
                    "short_sleeps": count - bares,
                    "share": count / int(steps[task]),
                    "mean_step": mean,
                },
            )
        )
    return out
