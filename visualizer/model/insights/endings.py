"""Insights about how tasks and coroutines ended, or did not: what asyncio and Python
reported while the run was recorded (the warning marks of ``instrument.notices``), and
the tasks still pending when the trace ended.

The marks are read by their labels, which are asyncio's and Python's own words:

===========================================  ======================  ==========================
label                                        from                    kind
===========================================  ======================  ==========================
``Task exception was never retrieved``       the exception handler   ``never-retrieved``
(``Future ...`` for a future)
``RuntimeWarning: coroutine 'f' was never    the warnings            ``never-awaited``
awaited`` (the detail ends ``(path:line)``)
``Task was destroyed but it is pending!``    the exception handler   ``destroyed-pending``
===========================================  ======================  ==========================
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from visualizer.model.display_text import shown
from visualizer.model.insights.core import (
    MOST_FLOODED,
    MOST_NAMED,
    ONE_BY_ONE,
    Insight,
    Lanes,
    insight,
    paragraph,
    seconds,
    site_words,
)
from visualizer.model.words import Translate
from visualizer.trace import schema
from visualizer.trace.data import Mark, TaskRecord, Trace

NEVER_RETRIEVED = "exception was never retrieved"
DESTROYED_PENDING = "Task was destroyed but it is pending!"
_NEVER_AWAITED = re.compile(r"RuntimeWarning: coroutine '(.*)' was never awaited")
#: the last line of a warning mark's detail: where Python said it was (``notices``)
_WARNED_AT = re.compile(r"\((.+:\d+)\)")
#: a traceback's frame line
_FRAME = re.compile(r'\s*File "(.+)", line (\d+)')


def destroyed_tasks(trace: Trace) -> set[int | None]:
    """The tasks asyncio said were destroyed while pending (a warning mark each)."""
    return {m.task for m in trace.marks if m.kind == "warning" and m.label == DESTROYED_PENDING}


def unretrieved_tasks(trace: Trace) -> set[int | None]:
    """The tasks asyncio said failed with an exception never retrieved."""
    return {
        m.task for m in trace.marks if m.kind == "warning" and m.label.endswith(NEVER_RETRIEVED)
    }


def reported(lanes: Lanes, translate: Translate) -> list[Insight]:
    """The warning marks that are insights, as insights."""
    out = []
    for mark in lanes.trace.marks:
        if mark.kind != "warning":
            continue
        if mark.label.endswith(NEVER_RETRIEVED):
            out.append(_never_retrieved(lanes, mark, translate))
        elif mark.label == DESTROYED_PENDING and mark.task is not None:
            out.append(_destroyed(lanes, mark, translate))
        else:
            found = _NEVER_AWAITED.fullmatch(mark.label)
            if found is not None:
                out.append(_never_awaited(lanes, mark, found.group(1), translate))
    return out


def _record(lanes: Lanes, task: int | None) -> TaskRecord | None:
    tasks = lanes.trace.tasks
    return tasks[task] if task is not None and 0 <= task < len(tasks) else None


def _never_retrieved(lanes: Lanes, mark: Mark, translate: Translate) -> Insight:
    record = _record(lanes, mark.task)
    lines = [line for line in mark.detail.strip().split("\n") if line.strip()]
    error = (record.error if record else None) or (lines[-1] if len(lines) > 1 else "?")
    raised_at = _innermost_frame((record.traceback if record else None) or mark.detail)
    failed = record.ended if record and record.ended is not None else mark.t
    failed = min(failed, mark.t)
    if record is not None:
        name = lanes.name(record.id)
        finding = translate("Insights", "{task} failed with {error}, and nobody retrieved it")
        finding = finding.format(task=name, error=shown(error))
        what = translate(
            "Insights",
            "{task} raised {error} at {failed}{where}, and nothing awaited it or asked for its "
            "result or exception: the error was handled nowhere. asyncio said so only when "
            "the task was freed, at {reported}, on stderr, where a program's user rarely "
            "looks.",
        ).format(
            task=name,
            error=shown(error),
            failed=seconds(failed),
            where=_in(raised_at, translate),
            reported=seconds(mark.t),
        )
    else:
        finding = translate("Insights", "A future's exception was never retrieved: {error}")
        finding = finding.format(error=shown(error))
        what = translate(
            "Insights",
            "A future (not one of the run's tasks) was given the exception {error} and "
            "freed at {reported} without anyone asking for it.",
        ).format(error=shown(error), reported=seconds(mark.t))
    return insight(
        "never-retrieved",
        (record.id,) if record else (),
        failed,
        mark.t,
        finding,
        paragraph(
            what,
            translate(
                "Insights",
                "The fix: await every task you create (or gather them, or start them in "
                "a TaskGroup) where its failure can be handled; a task really left to run "
                "on its own needs a done callback that retrieves its exception "
                "(task.exception()) and logs it.",
            ),
        ),
        site=(record.created_at if record else None) or raised_at,
        facts={"error": error, "raised_at": raised_at, "failed": failed, "reported": mark.t},
    )


def _never_awaited(lanes: Lanes, mark: Mark, coro: str, translate: Translate) -> Insight:
    last = mark.detail.rstrip().rsplit("\n", 1)[-1].strip()
    found = _WARNED_AT.fullmatch(last)
    site = found.group(1) if found else None
    record = _record(lanes, mark.task)
    name = shown(coro)  # (its qualified name: ``main.<locals>.save``)
    short = shown(coro.rsplit(".", 1)[-1])
    return insight(
        "never-awaited",
        (record.id,) if record else (),
        mark.t,
        mark.t,
        translate(
            "Insights", "The coroutine '{coro}' was never awaited: its code never ran"
        ).format(coro=name),
        paragraph(
            translate(
                "Insights",
                "Calling an async def function does not run it: it makes a coroutine "
                "object, whose code runs only when something awaits it or makes a task "
                "of it. This one was dropped without either{by} (Python said so when it "
                "was freed, at {t}), so none of its code ran.",
            ).format(
                by=(
                    translate("Insights", ", in {task}").format(task=lanes.name(record.id))
                    if record
                    else ""
                ),
                t=seconds(mark.t),
            ),
            translate(
                "Insights",
                "The fix: await it (await {coro}(...)), or start it as a task with "
                "asyncio.create_task and keep the task to await it later.",
            ).format(coro=short),
        ),
        site=site,
        facts={"coroutine": coro},
    )


def _destroyed(lanes: Lanes, mark: Mark, translate: Translate) -> Insight:
    record = _record(lanes, mark.task)
    task = mark.task if mark.task is not None else -1
    where = _last_await(lanes, task)
    name = lanes.name(task)
    waiting = (
        translate("Insights", "while it waited on {what}").format(
            what=_await_words(where, translate)
        )
        if where
        else translate("Insights", "in the middle of its work")
    )
    return insight(
        "destroyed-pending",
        (task,),
        mark.t,
        mark.t,
        translate("Insights", "{task} was destroyed while still pending").format(task=name),
        paragraph(
            translate(
                "Insights",
                "The event loop keeps only a weak reference to a task. Once nothing else "
                "referred to {task}, Python freed it, at {t}, {waiting}: it never "
                "finished, what it was to do was never done, and only a line on stderr "
                "said so.",
            ).format(task=name, t=seconds(mark.t), waiting=waiting),
            translate(
                "Insights",
                "The fix: keep a reference to every task until it is done, for instance "
                "in a set (tasks.add(task); task.add_done_callback(tasks.discard)), and "
                "await the tasks still running before the program ends; or start them in "
                "a TaskGroup.",
            ),
        ),
        site=(record.created_at if record else None) or (where or {}).get("site"),
        facts={"waiting": where},
    )


def left_pending(lanes: Lanes, translate: Translate) -> list[Insight]:
    """The tasks still pending when the trace ended that were not destroyed (a mark of
    their own says so) and not cancelled (a task that was, and went on, swallowed the
    cancellation: another kind).  None for a trace that stopped recording early
    (``truncated_at``): its tasks went on past it."""
    trace = lanes.trace
    if trace.meta.get("truncated_at") is not None:
        return []
    destroyed = destroyed_tasks(trace)
    spans = lanes.spans
    cancelled = set(
        spans.task[
            (spans.state == schema.READY) & (spans.woken_kind == schema.WAKE_CANCEL)
        ].tolist()
    )
    end = trace.duration
    left = [
        record
        for record in trace.tasks
        if record.outcome == "pending"
        and record.ended is None
        and record.id not in destroyed
        and record.id not in cancelled
    ]
    if len(left) > ONE_BY_ONE:
        return [_left_many(lanes, left, translate)]
    out = []
    for record in left:
        last = lanes.last_span(record.id)
        since = float(spans.start[last]) if last >= 0 else record.created
        where = _last_await(lanes, record.id)
        name = lanes.name(record.id)
        state = (
            translate("Insights", "waiting on {what}").format(what=_await_words(where, translate))
            if where
            else translate("Insights", "ready or running")
        )
        out.append(
            insight(
                "left-pending",
                (record.id,),
                since,
                max(end, since),
                translate(
                    "Insights", "{task} never finished: it was {state} when the run ended"
                ).format(task=name, state=state),
                paragraph(
                    translate(
                        "Insights",
                        "Nothing awaited or cancelled {task} before the loop stopped, so "
                        "the rest of its work never ran, nor its finally blocks. "
                        "asyncio.run cancels the tasks left when main returns; a loop "
                        "stopped another way (run_until_complete, stop(), a signal) leaves "
                        'them as they are, and Python later reports "Task was destroyed '
                        'but it is pending!".',
                    ).format(task=name),
                    _left_fix(translate),
                ),
                site=(where or {}).get("site") or record.created_at,
                facts={"waiting": where, "since": since},
            )
        )
    return out


def _left_fix(translate: Translate) -> str:
    return translate(
        "Insights",
        "The fix: before the program ends, await every task it started "
        "(gather, a TaskGroup), or cancel the ones no longer needed and "
        "await them.",
    )


def _left_many(lanes: Lanes, left: list[TaskRecord], translate: Translate) -> Insight:
    """Many tasks left pending: one insight, the longest stuck first, with what most of
    them waited on."""
    spans = lanes.spans
    since = {}
    waits: Counter[str] = Counter()
    for record in left:
        last = lanes.last_span(record.id)
        since[record.id] = float(spans.start[last]) if last >= 0 else record.created
        suspension = lanes.suspension(last) if last >= 0 else None
        if suspension is not None and spans.state[last] == schema.SUSPENDED:
            waits[suspension.label] += 1
    worst = sorted(since, key=lambda t: (since[t], t))
    end = lanes.trace.duration
    most = ""
    if waits:
        label, count = waits.most_common(1)[0]
        most = translate("Insights", " {count} of them waited on {what}.").format(
            count=count, what=shown(label)
        )
    return insight(
        "left-pending",
        tuple(worst[:MOST_FLOODED]),
        since[worst[0]],
        max(end, since[worst[0]]),
        translate(
            "Insights", "{count} tasks never finished: they were pending when the run ended"
        ).format(count=f"{len(left):,}"),
        paragraph(
            translate(
                "Insights",
                "Nothing awaited or cancelled {count} tasks (the first left since {since}: "
                "{task}) before the loop stopped, so the rest of their work never ran, nor "
                "their finally blocks.",
            ).format(
                count=f"{len(left):,}", since=seconds(since[worst[0]]), task=lanes.name(worst[0])
            )
            + most,
            _left_fix(translate),
        ),
        site=lanes.trace.tasks[worst[0]].created_at,
        facts={"tasks": len(left), "waiting": dict(waits.most_common(MOST_NAMED))},
    )


def _last_await(lanes: Lanes, task: int) -> dict[str, Any] | None:
    """What the task's last span awaited, if it ended suspended (label and site)."""
    last = lanes.last_span(task)
    if last < 0 or lanes.spans.state[last] != schema.SUSPENDED:
        return None
    suspension = lanes.suspension(last)
    if suspension is None:
        return None
    return {"label": suspension.label, "site": suspension.site}


def _await_words(where: dict[str, Any], translate: Translate) -> str:
    if where.get("site"):
        return translate("Insights", "{label} at {site}").format(
            label=shown(where["label"]), site=site_words(where["site"])
        )
    return shown(where["label"])


def _in(site: str | None, translate: Translate) -> str:
    return translate("Insights", " (at {site})").format(site=site_words(site)) if site else ""


def _innermost_frame(traceback: str) -> str | None:
    """``path:line`` of a traceback's last frame (where it was raised), if any."""
    found = None
    for line in traceback.split("\n"):
        frame = _FRAME.match(line)
        if frame is not None:
            found = f"{frame.group(1)}:{frame.group(2)}"
    return found
