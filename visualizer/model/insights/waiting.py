"""Insights about how tasks wait: for a lock or a semaphore most of their time
(``contention``), or not really at all, looking again and again (``busy-polling``).

A bare yield (``await asyncio.sleep(0)``) is no suspension in the trace: the step ends
ready again (``schema.END_READY``), so it is read as a running span followed by a ready
one of the same task, and has no await site; a short sleep is a suspension like any
other, with its label (``sleep(0.001)``) and site.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from visualizer.model.display_text import shown
from visualizer.model.insights.core import (
    LESSON_OF_RESOURCE,
    MOST_FLOODED,
    ONE_BY_ONE,
    Insight,
    Lanes,
    insight,
    listed,
    paragraph,
    seconds,
    share,
    site_words,
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
    made = (
        translate("Insights", " (made at {site})").format(site=site_words(r.site)) if r.site else ""
    )
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
    found = found[work[found] <= little * polls[found]]
    if len(found) > ONE_BY_ONE:
        mine = poll & np.isin(tasks, found)
        return [_pollers(lanes, found, polls, work, step[mine], nxt[mine], tiny, translate)]
    out = []
    for task in found.tolist():
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
                ).format(task=name, count=f"{count:,}"),
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
                    _polling_fix(translate),
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


def _polling_fix(translate: Translate) -> str:
    return translate(
        "Insights",
        "The fix: wait for the thing itself: an asyncio.Event that whoever "
        "makes the change sets (await event.wait()), a Condition, a Queue "
        "or a future; if it must poll something outside the program, sleep "
        "longer between looks.",
    )


def _pollers(
    lanes: Lanes,
    found: npt.NDArray[np.int64],
    polls: npt.NDArray[np.int64],
    work: npt.NDArray[Any],
    steps: npt.NDArray[np.int64],
    after: npt.NDArray[np.int64],
    tiny: float,
    translate: Translate,
) -> Insight:
    """Many tasks polling: one insight, the most eager first (``steps``: their polling
    steps, ``after``: the span after each)."""
    spans = lanes.spans
    worst = found[np.argsort(-polls[found], kind="stable")]
    count = int(polls[found].sum())
    mean = float(work[found].sum() / count)
    top = int(worst[0])
    return insight(
        "busy-polling",
        tuple(int(t) for t in worst[:MOST_FLOODED]),
        float(spans.start[steps].min()),
        float(spans.end[after].max()),
        translate(
            "Insights", "{tasks} tasks polled {count} times in all, doing almost nothing each time"
        ).format(tasks=f"{len(found):,}", count=f"{count:,}"),
        paragraph(
            translate(
                "Insights",
                "{tasks} tasks mostly gave the loop back with a sleep(0) or a sleep of "
                "{tiny} or less, and ran {mean} on average between looks ({task} the most "
                "often: {most} times): they wake, find nothing to do and sleep again, "
                "keeping the loop and a CPU busy while what they wait for happens elsewhere.",
            ).format(
                tasks=len(found),
                tiny=seconds(tiny),
                mean=seconds(mean),
                task=lanes.name(top),
                most=int(polls[top]),
            ),
            _polling_fix(translate),
        ),
        site=lanes.trace.tasks[top].created_at,
        facts={"tasks": len(found), "polls": count, "mean_step": mean},
    )


#: what wakes an independent wait: the world outside the run's tasks (a timer, I/O, a
#: thread's result); a task's step waking it (a lock released, a queue put, an event
#: set, a task ended) means it waited on that task: a dependency, not overlappable
_OUTSIDE: Final = (schema.WAKE_TIMER, schema.WAKE_IO, schema.WAKE_THREAD)


def sequential_awaits(lanes: Lanes, least: float, translate: Translate) -> list[Insight]:
    """Each run of two or more waits of one task, one after another, that could have
    overlapped and saved at least ``least`` seconds.  A wait counts when the outside
    woke it (``_OUTSIDE``) and no other task ran while it lasted (the loop sat idle);
    two waits follow one another when only one step of the task came between, no
    longer than the shorter wait (longer is work of its own, which overlapping would
    not shorten).  The awaits of a run must all be different ones (await, site and
    stack): the same await again and again is a loop, a pace or a poll as often as a
    series of requests, and the trace cannot tell them apart.  The saving: the waits'
    sum minus the longest, what they would have taken side by side.  Waits in entering
    or leaving an ``async with``, or for an ``async for``'s next item, come in the order
    the code fixed (``_ORDERED_FRAMES``): never counted."""
    spans = lanes.spans
    susp = np.flatnonzero((spans.state == schema.SUSPENDED) & (lanes.after >= 0))
    woke = lanes.after[susp]
    outside = (spans.state[woke] == schema.READY) & np.isin(spans.woken_kind[woke], _OUTSIDE)
    waits = susp[outside]
    ordered = _ordered(lanes)
    waits = waits[~ordered[np.maximum(spans.awaiting[waits], 0)] & (spans.awaiting[waits] >= 0)]
    if len(waits) < 2:
        return []
    start, end = spans.start[waits], spans.end[waits]
    running = lanes.running
    ends = np.sort(spans.end[running.index])
    # running spans (of any task) overlapping each wait: begun before its end, minus
    # those ended by its start (zero-length ones at either edge: neither)
    others = np.searchsorted(running.start, end, "left") - np.searchsorted(ends, start, "right")
    waits, start, end = waits[others == 0], start[others == 0], end[others == 0]
    if len(waits) < 2:
        return []
    length = end - start
    # a wait follows the one before it: suspended -> ready -> one step -> suspended
    ready = lanes.after[waits[:-1]]
    step = lanes.after[ready]
    follows = (step >= 0) & (lanes.after[np.maximum(step, 0)] == waits[1:])
    follows &= spans.state[np.maximum(step, 0)] == schema.RUNNING
    follows &= lanes.length[np.maximum(step, 0)] <= np.minimum(length[:-1], length[1:])
    # runs of waits that follow one another: [edges[i], edges[i + 1])
    edges = np.concatenate([[0], np.flatnonzero(~follows) + 1, [len(waits)]])
    first = edges[:-1]
    savings = np.add.reduceat(length, first) - np.maximum.reduceat(length, first)
    out = []
    for i in np.flatnonzero((np.diff(edges) >= 2) & (savings >= least)).tolist():
        mine = slice(int(edges[i]), int(edges[i + 1]))
        awaited = spans.awaiting[waits[mine]]
        if len(np.unique(awaited)) < len(awaited):
            continue
        out.append(_sequential(lanes, waits[mine], length[mine], float(savings[i]), translate))
    return out


#: the frames whose waits come in an order the code fixed: entering and leaving an
#: ``async with`` (the body runs between them) and the next item of an ``async for``
_ORDERED_FRAMES: Final = (".__aenter__", ".__aexit__", ".__anext__", "__aenter__", "__aexit__")


def _ordered(lanes: Lanes) -> npt.NDArray[np.bool_]:
    """For each suspension of the trace, whether its await is ordered by the code
    around it (``_ORDERED_FRAMES`` in its await stack): not independent of the others."""
    return np.array(
        [
            any(frame.split(" ", 1)[0].endswith(_ORDERED_FRAMES) for frame in s.stack)
            for s in lanes.trace.suspensions
        ]
        + [False],  # (so that an empty trace indexes too)
        np.bool_,
    )


def _sequential(
    lanes: Lanes,
    waits: npt.NDArray[np.int64],
    waited: npt.NDArray[np.float64],
    saving: float,
    translate: Translate,
) -> Insight:
    spans = lanes.spans
    task = int(spans.task[waits[0]])
    name = lanes.name(task)
    awaits = [lanes.suspension(int(w)) for w in waits.tolist()]
    items = [
        translate("Insights", "{label} at {site} ({seconds})").format(
            label=shown(s.label), site=site_words(s.site), seconds=seconds(float(t))
        )
        if s is not None and s.site
        else f"{shown(s.label) if s is not None else '?'} ({seconds(float(t))})"
        for s, t in zip(awaits, waited.tolist(), strict=True)
    ]
    first = awaits[0]
    return insight(
        "sequential-awaits",
        (task,),
        float(spans.start[waits[0]]),
        float(spans.end[waits[-1]]),
        translate(
            "Insights",
            "{task} waited {count} times in a row while the loop sat idle: {saving} to save",
        ).format(task=name, count=f"{len(waits):,}", saving=seconds(saving)),
        paragraph(
            translate(
                "Insights",
                "{task} awaited {awaits} one after another, {total} in all, and nothing "
                "else ran meanwhile. Each await waits for the one before it to finish. If "
                "they do not depend on each other (the second needs nothing the first "
                "returned), they could overlap: started together, they would take as long "
                "as the longest, {saved} less.",
            ).format(
                task=name,
                awaits=listed(items, translate),
                total=seconds(float(waited.sum())),
                saved=seconds(saving),
            ),
            translate(
                "Insights",
                "The fix, if they are independent: start them together, with "
                "asyncio.gather(a(), b()), a TaskGroup, or asyncio.create_task for each "
                "and await the tasks afterwards.",
            ),
        ),
        site=first.site if first is not None else None,
        facts={
            "waits": [
                {
                    "label": s.label if s is not None else None,
                    "site": s.site if s is not None else None,
                    "seconds": float(t),
                }
                for s, t in zip(awaits, waited.tolist(), strict=True)
            ],
            "saving": saving,
        },
    )
