"""Some of a trace's lanes, chosen by the tasks' names or by where they sit, as a trace of
their own (``asyncviz render --lanes``: a slide shows the workers, not the hundred tasks
around them).

What is chosen (``choose``): each word is a task's name, a glob pattern over the names
(``worker-*``, ``fetch-[0-9]``: ``fnmatch``'s, case counts), or a range of lanes as the
window lays them out, counted from 0 at the top (``0:50``, ``:10``, ``-5:``: Python's
slice, the end left out).  Words are separated by commas or given in several options;
a task chosen by any of them is drawn.  The rows under the lanes are not tasks' and
are not chosen by these words: the executor threads' and the resources' rows stay whole,
and the event loop's row, which the chart derives from the steps drawn, shows the steps
of the tasks kept.

Why a trace and not a view: the chart draws a trace whole (its lanes, arrows, marks and
rows all from the same columns), so a trace that holds only the tasks kept is drawn by
the same code as any other, the lanes in the window's order, closed up.  The tasks kept
are renumbered from 0 (a trace's task ids are its list's indices); a link to a task left
out (a parent, a waker, a lock's holder) becomes none, so no arrow points at a lane that
is not there.  Nothing of the trace given is changed.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from visualizer.model.lanes import lanes_of
from visualizer.trace.data import TaskColumns, Trace
from visualizer.trace.resources import KINDS, ResourceChanges, holders, renumbered

#: a range of lanes: ``A:B`` with either end left out, as a Python slice
_RANGE = re.compile(r"\s*(-?\d*)\s*:\s*(-?\d*)\s*")


class LaneChoiceError(ValueError):
    """Words that choose no lane, or cannot be read: said for the user."""


def words_of(options: Sequence[str]) -> list[str]:
    """The words of ``--lanes`` options: each option split at its commas, blanks dropped."""
    return [word.strip() for option in options for word in option.split(",") if word.strip()]


def choose(trace: Trace, words: Sequence[str]) -> npt.NDArray[np.bool_]:
    """Which tasks ``words`` choose (by task id); ``LaneChoiceError`` if none is."""
    columns = trace.columns or TaskColumns.of(list(trace.tasks))
    count = len(columns.names)
    lanes = lanes_of(columns.parent)
    by_lane = np.argsort(lanes, kind="stable")  # (the task in each lane, top down)
    chosen = np.zeros(count, np.bool_)
    names = np.array(columns.names, dtype=object)
    for word in words:
        match = _RANGE.fullmatch(word)
        if match is not None:
            first, end = (int(x) if x not in ("", "-") else None for x in match.groups())
            chosen[by_lane[slice(first, end)]] = True
        elif any(ch in word for ch in "*?["):
            chosen |= np.array([fnmatch.fnmatchcase(n, word) for n in names], np.bool_)
        else:
            chosen |= names == word
    if not chosen.any():
        raise LaneChoiceError(_none_chosen(words, columns.names, count))
    return chosen


def _none_chosen(words: Sequence[str], names: list[str], count: int) -> str:
    first = list(dict.fromkeys(names))[:6]
    some = ", ".join(repr(n) for n in first) + (", ..." if len(set(names)) > 6 else "")
    return (
        f"--lanes {','.join(words)}: no lane chosen (the trace has {count} task lanes,"
        f" 0:{count}; its tasks are named {some or 'nothing'})"
    )


def keep_tasks(trace: Trace, keep: npt.NDArray[np.bool_]) -> Trace:
    """``trace`` with only the tasks ``keep`` marks (by id), renumbered from 0."""
    kept = np.flatnonzero(keep)
    new_of = np.full(len(keep), -1, np.int64)
    new_of[kept] = np.arange(len(kept))

    def new(task: int | None) -> int | None:
        return (
            None
            if task is None or not 0 <= task < len(new_of) or new_of[task] < 0
            else (int(new_of[task]))
        )

    tasks = [
        dataclasses.replace(trace.tasks[old], id=i, parent=new(trace.tasks[old].parent))
        for i, old in enumerate(kept.tolist())
    ]
    spans = trace.spans.take(keep[trace.spans.task])
    spans.task = new_of[spans.task].astype(np.int32)
    waker = renumbered(spans.woken_task, new_of)
    # (a wake by a task left out: no arrow from nowhere, nor a cancel's "by a callback")
    left_out = (spans.woken_task >= 0) & (waker < 0)
    spans.woken_task = waker.astype(np.int32)
    spans.woken_kind = np.where(left_out, np.int8(-1), spans.woken_kind).astype(np.int8)
    return dataclasses.replace(
        trace,
        tasks=tasks,
        spans=spans,
        jobs=[dataclasses.replace(job, task=new(job.task)) for job in trace.jobs],
        blocked=[dataclasses.replace(b, task=new(b.task)) for b in trace.blocked],
        marks=[
            dataclasses.replace(m, task=new(m.task))
            for m in trace.marks
            if m.task is None or new(m.task) is not None
        ],
        stack_samples=[
            s.renamed(-1 if s.task < 0 else int(new_of[s.task]))
            for s in trace.stack_samples
            if s.task < 0 or (s.task < len(new_of) and new_of[s.task] >= 0)
        ],
        resources=[dataclasses.replace(r, task=new(r.task)) for r in trace.resources],
        resource_changes=_changes(trace, new_of),
        columns=None,
    )


def _changes(trace: Trace, new_of: npt.NDArray[np.int64]) -> ResourceChanges:
    """The resources' changes with their tasks (and a lock's holder) renumbered."""
    changes = trace.resource_changes
    kind = np.array([KINDS.index(r.kind) for r in trace.resources] or [0], np.int8)
    held = holders(kind[changes.resource], changes.op)
    value = changes.value.copy()
    value[held] = renumbered(value[held], new_of)
    return dataclasses.replace(
        changes, task=renumbered(changes.task, new_of).astype(np.int32), value=value
    )
