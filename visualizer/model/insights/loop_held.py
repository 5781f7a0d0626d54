"""Insights about the loop held: a step (or a callback) that ran too long without
awaiting (``blocking-step``), and the tasks that were ready but waited long for the loop
(``long-scheduling-delay``).

A blocking step names the task, the call that blocked, the await it resumed from and the
one it stopped at, the timers it made late, and the tasks that were ready and waited for
it.  The call is read from the trace's stack samples of that step (``stack_samples``: the
tracer sampled the loop thread's stack while the step ran past its threshold, by default
asyncio's 0.1 s): ``site`` is then the line of the program's that made the call.  A step
with no sample (an older trace, a step shorter than the tracer's threshold, a callback the
tracer could not time) names only its awaits (the call is between the two), and ``site``
is where it began.

A timer's lateness needs its deadline, which the trace does not hold: it is read from a
``sleep(x)`` suspension's label (the task suspended at ``t`` asked to wake at ``t + x``),
exactly, since the label keeps 12 digits of the delay, or not at all when the label
shows it rounded (``sleep(0.2944…)``).  Other timers (``wait_for``'s and
``asyncio.timeout``'s, ``call_later`` callbacks) are not counted late; the tasks they woke
right after the step show it only as their wake.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from visualizer.model.display_text import shown
from visualizer.model.insights.core import (
    MOST_FLOODED,
    MOST_NAMED,
    ONE_BY_ONE,
    Insight,
    Lanes,
    insight,
    listed,
    paragraph,
    seconds,
    site_words,
)
from visualizer.model.insights.held_up import held_up
from visualizer.model.loop_lanes import covered_before, union
from visualizer.model.statistics import Distribution, open_ready, run_scheduled
from visualizer.model.words import Translate
from visualizer.trace import schema
from visualizer.trace.data import BlockedRecord
from visualizer.trace.stack_samples import StackFrame, StackSample

#: a step ending this little (seconds) after another's still ends inside it (eager nesting)
NESTED: Final = 1e-6

#: a step's samples, by (task or -1, the step's start): see ``_samples``
Samples = dict[tuple[int, float], list[StackSample]]


def blocking_steps(lanes: Lanes, threshold: float, translate: Translate) -> list[Insight]:
    """A step of a task that ran at least ``threshold`` seconds, and a callback that did
    (``trace.blocked``'s task-less records: the recorder lists only the callbacks that
    ran its ``slow_callback_duration``, 0.1 s, or longer; a lower threshold finds no
    shorter callback)."""
    spans = lanes.spans
    out = []
    samples = _samples(lanes.trace.stack_samples)
    steps = np.flatnonzero((spans.state == schema.RUNNING) & (lanes.length >= threshold))
    for i in _outermost_not(lanes, steps).tolist():
        out.append(_step(lanes, i, samples, translate))
    for record in lanes.trace.blocked:
        if record.task is None and record.end - record.start >= threshold:
            out.append(_callback(lanes, record, samples, translate))
    return out


def _outermost_not(lanes: Lanes, steps: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``steps`` but those with another task's long step inside them: an eager task's
    first step runs inside its creator's (3.12+), and one blocking call is one insight,
    its task the one whose code made it (the creator's step is longer only by what it
    did around the create_task)."""
    if len(steps) < 2:
        return steps
    spans = lanes.spans
    order = steps[np.argsort(spans.start[steps], kind="stable")]
    starts, ends, tasks = spans.start[order], spans.end[order], spans.task[order]
    keep = np.ones(len(order), np.bool_)
    for k in range(len(order)):
        # the long steps that begin inside this one (none, but for eager nesting)
        later = int(np.searchsorted(starts, ends[k], side="right"))
        inside = slice(k + 1, later)
        # (to a microsecond: a step's length is kept as a float32, and the ideal clock's
        # ticks put the inner step's end a few nanoseconds past the outer's)
        if np.any((ends[inside] <= ends[k] + NESTED) & (tasks[inside] != tasks[k])):
            keep[k] = False
    return np.sort(order[keep])


def _samples(samples: list[StackSample]) -> Samples:
    """The samples by step: a sample names its step by the same float the step's start
    was recorded as, so the key is exact."""
    out: Samples = defaultdict(list)
    for sample in samples:
        out[(sample.task, sample.step)].append(sample)
    return out


def _step(lanes: Lanes, i: int, samples: Samples, translate: Translate) -> Insight:
    spans = lanes.spans
    task = int(spans.task[i])
    start, end = float(spans.start[i]), float(spans.end[i])
    before, before_words = _before(lanes, i, translate)
    after, after_words = _after(lanes, i, translate)
    held, held_tasks, late_words = held_up(lanes, task, start, end, translate)
    name = lanes.name(task)
    site = (before or {}).get("site") or (after or {}).get("site")
    sampled = samples.get((task, start), [])
    finding = translate("Insights", "{task} held the loop for {seconds} in one step").format(
        task=name, seconds=seconds(end - start)
    )
    if sampled:
        site = sampled[0].at.site
        finding = translate("Insights", "{task} held the loop for {seconds} in one step, in {call}")
        finding = finding.format(
            task=name, seconds=seconds(end - start), call=_call(sampled[0].at, translate)
        )
    return insight(
        "blocking-step",
        (task, *held_tasks),
        start,
        end,
        finding,
        paragraph(
            translate(
                "Insights",
                "{task} ran for {seconds} without awaiting, from {before} to {after}: all "
                "that time no other task, timer or I/O callback could run.",
            ).format(
                task=name, seconds=seconds(end - start), before=before_words, after=after_words
            ),
            _sampled_words(sampled, translate),
            *late_words,
            _fix(translate),
        ),
        site=site,
        facts={
            "seconds": end - start,
            "before": before,
            "after": after,
            **held,
            **_sampled_facts(sampled),
        },
    )


def _callback(
    lanes: Lanes, record: BlockedRecord, samples: Samples, translate: Translate
) -> Insight:
    start, end = record.start, record.end
    held, held_tasks, late_words = held_up(lanes, None, start, end, translate)
    what = shown(record.what) or "?"
    sampled = samples.get((-1, start), [])
    finding = translate("Insights", "A callback ({callback}) held the loop for {seconds}").format(
        callback=what, seconds=seconds(end - start)
    )
    if sampled:
        finding = translate(
            "Insights", "A callback ({callback}) held the loop for {seconds}, in {call}"
        ).format(callback=what, seconds=seconds(end - start), call=_call(sampled[0].at, translate))
    return insight(
        "blocking-step",
        held_tasks,
        start,
        end,
        finding,
        paragraph(
            translate(
                "Insights",
                "The loop ran the callback {callback} (a call_soon or call_later callback, "
                "a done callback, a protocol's method) for {seconds}: all that time no task, "
                "timer or other callback could run.",
            ).format(callback=what, seconds=seconds(end - start)),
            _sampled_words(sampled, translate),
            *late_words,
            _fix(translate),
        ),
        site=sampled[0].at.site if sampled else None,
        facts={
            "seconds": end - start,
            "callback": record.what,
            **held,
            **_sampled_facts(sampled),
        },
    )


#: a line that is a call (``time.sleep(0.3)``, ``await fetch(url)``): named as the call;
#: any other (``while x < y:``, ``total += n``) as the line it is
_CALL = re.compile(r"(await\s+)?[A-Za-z_][\w.]*\s*\(")


def _call(frame: StackFrame, translate: Translate) -> str:
    """``time.sleep(0.3) at app.py:12 in handler``: the line's text (the call, for a C
    function has no frame of its own), the file's name (the whole path is the site's),
    the function.  A line that is no call (a spinning ``while`` loop's, ``total += n``)
    is named as the line it is: "in while x < y: at ..." reads as nonsense."""
    text = frame.text or ""
    if not _CALL.match(text) or text.endswith(":"):
        return translate("Insights", "the line \u201c{line}\u201d at {site} in {function}").format(
            line=shown(text),
            site=site_words(f"{frame.path}:{frame.line}"),
            function=shown(frame.function),
        )
    return translate("Insights", "{call} at {site} in {function}").format(
        call=shown(frame.text or f"{frame.function}()"),
        site=site_words(f"{frame.path}:{frame.line}"),
        function=shown(frame.function),
    )


def _sampled_words(sampled: list[StackSample], translate: Translate) -> str:
    """What the samples add to the explanation: who called the call, and the other
    places the step was found in, if it was found in more than one."""
    if not sampled:
        return ""
    first = sampled[0]
    words = []
    if first.call > 0:
        words.append(
            translate("Insights", "The call was made from {caller}.").format(
                caller=_call(first.frames[first.call - 1], translate)
            )
        )
    if len(sampled) > 1:
        items = [_call(s.at, translate) for s in sampled]
        words.append(
            translate(
                "Insights", "Looked at again while it ran, the step was in: {places}."
            ).format(places=listed(items, translate))
        )
    return paragraph(*words)


def _sampled_facts(sampled: list[StackSample]) -> dict[str, Any]:
    """``stack``: the first sample's frames, innermost last (each: path, line,
    function, text); ``call``: the one that names the call; ``samples``: every sample of
    the step (its time, frames and call index).  None of these without a sample."""
    if not sampled:
        return {}

    def frames(sample: StackSample) -> list[dict[str, Any]]:
        return [
            {"path": f.path, "line": f.line, "function": f.function, "text": f.text}
            for f in sample.frames
        ]

    first = sampled[0]
    return {
        "stack": frames(first),
        "call": frames(first)[first.call],
        "samples": [{"t": s.t, "stack": frames(s), "call": s.call} for s in sampled],
    }


def _fix(translate: Translate) -> str:
    return translate(
        "Insights",
        "The fix: await instead of blocking (asyncio.sleep, not time.sleep; an asyncio "
        "client, not a blocking one); run blocking calls in a thread with "
        "asyncio.to_thread or loop.run_in_executor, and CPU-bound Python in a process "
        "pool; or cut long work into pieces with await asyncio.sleep(0) between them.",
    )


def _where(lanes: Lanes, index: int) -> dict[str, Any]:
    suspension = lanes.suspension(index)
    return {
        "label": suspension.label if suspension else None,
        "site": suspension.site if suspension else None,
    }


def _at(where: dict[str, Any], translate: Translate) -> str:
    label = shown(where["label"] or "?")
    if where["site"]:
        return translate("Insights", "{label} at {site}").format(
            label=label, site=site_words(where["site"])
        )
    return label


def _before(lanes: Lanes, i: int, translate: Translate) -> tuple[dict[str, Any] | None, str]:
    """Where the step ``i`` began: the await it resumed from (None: its first step, or
    one after a bare yield), and in words."""
    waited = lanes.suspended_before(i)
    if waited >= 0:
        where = _where(lanes, waited)
        return where, _at(where, translate)
    ready = int(lanes.before[i])
    ran = int(lanes.before[ready]) if ready >= 0 else -1
    if ran >= 0 and lanes.spans.state[ran] == schema.RUNNING:  # (ran, ready, this step)
        return None, translate("Insights", "a bare yield (sleep(0))")
    return None, translate("Insights", "its start")


def _after(lanes: Lanes, i: int, translate: Translate) -> tuple[dict[str, Any] | None, str]:
    """Where the step ``i`` stopped: the await it suspended at (None: a bare yield, its
    end, or the trace's), and in words."""
    spans = lanes.spans
    nxt = int(lanes.after[i])
    if nxt >= 0 and spans.state[nxt] == schema.SUSPENDED:
        where = _where(lanes, nxt)
        return where, _at(where, translate)
    if nxt >= 0:
        return None, translate("Insights", "a bare yield (sleep(0))")
    record = lanes.trace.tasks[int(spans.task[i])]
    if record.ended is not None:
        return None, translate("Insights", "its end")
    return None, translate("Insights", "the end of the trace")


def scheduling_delays(lanes: Lanes, threshold: float, translate: Translate) -> list[Insight]:
    """For each task: its ready spans of at least ``threshold`` seconds, and who ran
    meanwhile (one insight a task); or, when more than ``ONE_BY_ONE`` tasks waited that
    long, one insight for them all (a flood of ready tasks: a hundred thousand insights
    saying the same would bury the rest, and cost minutes)."""
    spans = lanes.spans
    long = np.flatnonzero((spans.state == schema.READY) & (lanes.length >= threshold))
    # not a wait still open when the trace ended (its task pending, the span its last):
    # its length is only how long it had waited so far (the statistics leave it out too)
    long = long[~open_ready(spans)[long]]
    if not len(long):
        return []
    # (the spans are sorted by task: each task's long waits are one run of ``long``)
    tasks = spans.task[long]
    cuts = np.flatnonzero(np.diff(tasks)) + 1
    # (the run's delays, to compare with: ``model.statistics``, as the loop's row shows them)
    loop = run_scheduled(lanes.trace)
    groups = np.split(long, cuts)
    if len(groups) > ONE_BY_ONE:
        return [_flood(lanes, long, threshold, loop, translate)]
    return [_delays(lanes, group, threshold, loop, translate) for group in groups]


def _holders(
    lanes: Lanes, waits: npt.NDArray[np.int64], translate: Translate, *, but: int
) -> tuple[list[tuple[int, float]], list[str], list[tuple[int, float]], float]:
    """Who ran while ``waits`` (ready spans) waited, but task ``but``: the few named,
    their words, all of them (longest first), and the seconds no task accounts for."""
    spans = lanes.spans
    lo, hi = pieces = union(spans.start[waits], spans.end[waits])
    covered = float((hi - lo).sum())
    held = lanes.ran_within(pieces)
    # the window's own frames drawn on the run's loop (an in-process run's): not the
    # program's doing, said apart from the loop's own work
    observed = lanes.trace.observed
    drawing = 0.0
    if observed:
        frames = np.asarray(observed, np.float64).reshape(-1, 2)
        shares = covered_before(lo, hi, frames[:, 1]) - covered_before(lo, hi, frames[:, 0])
        drawing = float(shares.sum())
    rest = max(covered - float(held.sum()) - drawing, 0.0)
    if but >= 0:
        held[but] = 0.0
    ran = np.flatnonzero(held > 0)
    order = ran[np.argsort(-held[ran], kind="stable")]
    holders = [(int(t), float(held[t])) for t in order]
    # named: the few that held it longest, for a hundredth of the wait or more (a task
    # that ran a few microseconds then, its creator say, is no culprit)
    named = [(t, s) for t, s in holders[:MOST_NAMED] if s >= 0.01 * covered]
    others = float(held[order[len(named) :]].sum())
    items = [
        translate("Insights", "{task} {seconds}").format(task=lanes.name(t), seconds=seconds(s))
        for t, s in named
    ]
    if others > 0.1 * covered:
        items.append(translate("Insights", "other tasks {seconds}").format(seconds=seconds(others)))
    if drawing > 0.1 * covered:
        items.append(
            translate("Insights", "the window's own drawing {seconds}").format(
                seconds=seconds(drawing)
            )
        )
    if rest > 0.1 * covered:
        items.append(
            translate("Insights", "callbacks and the loop itself {seconds}").format(
                seconds=seconds(rest)
            )
        )
    return named, items, holders, rest


def _flood(
    lanes: Lanes,
    long: npt.NDArray[np.int64],
    threshold: float,
    loop: Distribution,
    translate: Translate,
) -> Insight:
    """Many tasks ready and waiting long: one insight, the longest waiters first."""
    spans = lanes.spans
    lengths = lanes.length[long]
    longest = int(long[int(np.argmax(lengths))])
    # each task's longest wait, the tasks in that order (longest first)
    by_task = np.zeros(len(lanes.trace.tasks))
    np.maximum.at(by_task, spans.task[long], lengths)
    waited = np.flatnonzero(by_task > 0)
    worst = waited[np.argsort(-by_task[waited], kind="stable")]
    _, items, holders, rest = _holders(lanes, long, translate, but=-1)
    return insight(
        "long-scheduling-delay",
        tuple(int(t) for t in worst[:MOST_FLOODED]),
        float(spans.start[long].min()),
        float(spans.end[long].max()),
        translate(
            "Insights", "{count} tasks were ready to run but waited up to {longest} for the loop"
        ).format(count=f"{len(worst):,}", longest=seconds(float(lanes.length[longest]))),
        paragraph(
            translate(
                "Insights",
                "A ready task runs only when the loop comes to it, and the loop runs one "
                "step at a time. {count} tasks waited {threshold} or more ({waits} waits, "
                "the longest {longest}, by {task}); meanwhile the loop ran: {holders}.",
            ).format(
                count=f"{len(worst):,}",
                threshold=seconds(threshold),
                waits=len(long),
                longest=seconds(float(lanes.length[longest])),
                task=lanes.name(int(spans.task[longest])),
                holders=", ".join(items),
            ),
            _across(loop, translate),
            _delay_fix(translate),
        ),
        site=lanes.trace.tasks[int(worst[0])].created_at,
        facts={
            "tasks": len(worst),
            "count": len(long),
            "longest": float(lanes.length[longest]),
            "total": float(lengths.sum()),
            "held_by": [{"task": t, "seconds": s} for t, s in holders[:MOST_FLOODED]],
            "unaccounted": rest,
            "loop": _loop_facts(loop),
        },
    )


def _loop_facts(loop: Distribution) -> dict[str, float]:
    """The run's scheduled delays, as a long-scheduling-delay's facts give them."""
    return {"count": loop.count, "p50": loop.p50, "p99": loop.p99, "max": loop.max}


def _across(loop: Distribution, translate: Translate) -> str:
    return translate(
        "Insights",
        "Across the run, ready tasks waited {p50} (median), {p99} (99th percentile), "
        "{max} at most.",
    ).format(p50=seconds(loop.p50), p99=seconds(loop.p99), max=seconds(loop.max))


def _delay_fix(translate: Translate) -> str:
    return translate(
        "Insights",
        "The fix: shorten the steps that held the loop (await instead of blocking, "
        "move blocking or CPU-bound work to a thread or a process, or cut it up "
        "with await asyncio.sleep(0)); if there are simply very many ready tasks, "
        "start fewer at once (a Semaphore).",
    )


def _delays(
    lanes: Lanes,
    waits: npt.NDArray[np.int64],
    threshold: float,
    loop: Distribution,
    translate: Translate,
) -> Insight:
    """One task's long waits (``waits``, ready spans, in order)."""
    spans = lanes.spans
    task = int(spans.task[waits[0]])
    lengths = lanes.length[waits]
    longest = int(waits[int(np.argmax(lengths))])
    total = float(lengths.sum())
    named, items, holders, rest = _holders(lanes, waits, translate, but=task)
    resumed = lanes.suspension(lanes.suspended_before(longest))
    site = (resumed.site if resumed else None) or lanes.trace.tasks[task].created_at
    name = lanes.name(task)
    return insight(
        "long-scheduling-delay",
        (task, *(t for t, _ in named)),
        float(spans.start[waits[0]]),
        float(spans.end[waits[-1]]),
        translate(
            "Insights", "{task} was ready to run but waited up to {longest} for the loop"
        ).format(task=name, longest=seconds(float(lanes.length[longest]))),
        paragraph(
            translate(
                "Insights",
                "A ready task runs only when the loop comes to it, and the loop runs one "
                "step at a time. {task} waited {total} in all (waits of {threshold} or "
                "more: {count}); meanwhile the loop ran: {holders}.",
            ).format(
                task=name,
                count=f"{len(waits):,}",
                threshold=seconds(threshold),
                total=seconds(total),
                holders=", ".join(items),
            ),
            _across(loop, translate),
            _delay_fix(translate),
        ),
        site=site,
        facts={
            "count": len(waits),
            "longest": float(lanes.length[longest]),
            "total": total,
            "held_by": [{"task": t, "seconds": s} for t, s in holders],
            "unaccounted": rest,
            "loop": _loop_facts(loop),
        },
    )
