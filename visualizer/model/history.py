"""A moving window of history: what a window keeps of a service it watches for hours.

A program that never ends (a server, a worker) records without end, and a window that
kept every span would run out of memory within the hour (10,000 events a second make
about 90 bytes of spans each).  So the window keeps the last ``history`` seconds for
drawing, and what falls out of them is summarised, never silently gone:

* a task still in the history (alive, or ended within it) keeps its lane, and its
  record says what was forgotten of it (``TaskTable.earlier``: steps, and seconds
  running, ready and suspended before the history kept);
* a task that ended before the history is dropped whole, and counted (``Forgotten``:
  how many, how they ended, of which coroutines), and the chart shades the time before
  the history and says so.

The history is a length of time (``DEFAULT_HISTORY``, a setting), but never more than
``MAX_TASKS`` tasks nor ``MAX_SPANS`` spans: a service that makes a thousand tasks a
second is kept to its last minute or less, and the chart says from when.

Only a stream's mirror forgets (a child process, an attached program): its store can
renumber its tasks (``StreamMirror.keep_tasks``).  A recording in the window's own
process, or a trace file, keeps everything.  ``forget_history`` is the one way in: the
model and the mirror forget together, or the model would read rows with ids it no
longer has.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from visualizer.trace.data import SpanColumns, TaskTable
from visualizer.trace.schema import READY, RUNNING, SUSPENDED

if TYPE_CHECKING:
    from visualizer.model.spans import TraceModel
    from visualizer.trace.mirror import StreamMirror

#: (seconds) history a window keeps of a run, unless told otherwise
DEFAULT_HISTORY: Final = 300.0
#: a history this much longer than asked for is cut back: the window forgets in
#: steps (a step costs a pass over what is kept), not at every frame
SLACK: Final = 0.25
#: spans kept, at most, whatever the history's length: a flood is cut back sooner
MAX_SPANS: Final = 12_000_000
#: tasks kept, at most, whatever the history's length (those still running are always
#: kept): a lane each, and a live frame's work grows with them (a service making 1,300
#: tasks a second keeps its last 40 seconds; bench/service_hour.py)
MAX_TASKS: Final = 50_000
#: (seconds) the caps on tasks and spans never cut into the last this many seconds: a
#: run shorter than this is kept whole, however many tasks it makes (a trace of it is
#: what a user saves)
MIN_KEPT: Final = 30.0
#: coroutines counted by name among the forgotten tasks, at most (the rest: "others")
MAX_COROS: Final = 50
OTHERS: Final = "(others)"


@dataclass
class Forgotten:
    """What a window let go of a run, in all (saved in the trace's meta)."""

    before: float = 0.0  #: seconds since the run began: the history kept starts here
    tasks: int = 0  #: tasks that ended before it, dropped whole
    spans: int = 0  #: spans let go (of those tasks and of the ones kept)
    steps: int = 0  #: steps among them
    outcomes: Counter[str] = field(default_factory=Counter)  #: of the tasks dropped
    coros: Counter[str] = field(default_factory=Counter)  #: of the tasks dropped

    def as_meta(self) -> dict[str, Any]:
        """The summary as a trace's ``meta["forgotten"]`` (plain JSON data)."""
        return {
            "before": self.before,
            "tasks": self.tasks,
            "spans": self.spans,
            "steps": self.steps,
            "outcomes": dict(self.outcomes),
            "coros": dict(self.coros.most_common()),
        }

    def count(self, coros: list[str], outcomes: list[str]) -> None:
        """Tasks dropped whole: counted by coroutine (at most ``MAX_COROS`` names)."""
        self.tasks += len(coros)
        self.outcomes.update(outcomes)
        for coro, n in Counter(coros).items():
            if coro in self.coros or len(self.coros) < MAX_COROS:
                self.coros[coro] += n
            else:
                self.coros[OTHERS] += n


def per_task(
    task: npt.NDArray[np.int32],
    state: npt.NDArray[np.int8],
    length: npt.NDArray[np.float64],
    tasks: int,
) -> npt.NDArray[np.float64]:
    """Per task (rows): steps, and seconds running, ready, suspended, over some spans."""
    out = np.zeros((tasks, 4))
    running = state == RUNNING
    out[:, 0] = np.bincount(task[running], minlength=tasks)
    for column, which in ((1, running), (2, state == READY), (3, state == SUSPENDED)):
        out[:, column] = np.bincount(task[which], weights=length[which], minlength=tasks)
    return out


def summarise(
    forgotten: Forgotten,
    tasks: TaskTable,
    going: SpanColumns,
    keep: npt.NDArray[np.int64],
    cut: float,
) -> dict[int, tuple[int, float, float, float]]:
    """What a cut lets go, summarised: the spans ``going`` (those ending before ``cut``)
    per task kept (``keep``, ascending ids), and in all in ``forgotten``, with the tasks
    not kept (dropped whole).  ``tasks``: every task, by id.  Returns what each task
    forgot now and before (``TaskRecord.earlier``, by old id)."""
    n = len(tasks)
    gone = np.flatnonzero(~np.isin(np.arange(n), keep))
    earlier = per_task(going.task, going.state, going.end - going.start, n)
    forgotten.before = max(forgotten.before, cut)
    forgotten.spans += len(going)
    forgotten.steps += int(earlier[:, 0].sum())
    forgotten.count(
        np.array(tasks.coros, object)[gone].tolist(),
        np.array(tasks.outcome_names(), object)[gone].tolist(),
    )
    out = dict(tasks.earlier)
    lost = keep[earlier[keep, 0] + earlier[keep, 1:].sum(axis=1) > 0]
    for tid, (steps, running, ready, suspended) in zip(
        lost.tolist(), earlier[lost].tolist(), strict=True
    ):
        was = out.get(tid, (0, 0.0, 0.0, 0.0))
        out[tid] = (was[0] + int(steps), was[1] + running, was[2] + ready, was[3] + suspended)
    return out


def due(model: TraceModel, history: float) -> float | None:
    """The cut, if the model holds more than ``history`` seconds, or more spans than
    ``MAX_SPANS``, or more tasks than ``MAX_TASKS`` (each with the slack): the history
    then starts at the cut.  Else None.  The caps never cut into the last ``MIN_KEPT``
    seconds: a run shorter than that (100,000 tasks in three seconds) is kept whole."""
    now = model.now()
    kept_from = model.forgotten.before
    if now - kept_from > history * (1.0 + SLACK):
        return now - history
    latest = now - MIN_KEPT  # (the caps' cut, at the latest)
    if latest <= kept_from:
        return None
    if model.span_count > MAX_SPANS:
        return min(kept_from + (now - kept_from) / 2, latest)
    if model.store.task_count > MAX_TASKS * (1.0 + SLACK):  # (the store's: up to date)
        model.update()  # (the model reads what came since: which tasks ended, and when)
        tasks = model.task_count
        ends = model.task_ends()  # (the tasks that ended: those are the ones that can go)
        drop = min(tasks - MAX_TASKS, len(ends))
        if drop > 0:
            cut = min(float(np.nextafter(np.partition(ends, drop - 1)[drop - 1], np.inf)), latest)
            return cut if cut > kept_from else None
    return None


def forget_history(mirror: StreamMirror, model: TraceModel, cut: float) -> None:
    """Keep the history from ``cut`` on (seconds since the run began): the spans ending
    before it, and the tasks that ended before it, go (summarised).  ``model`` reads
    ``mirror``'s store."""
    keep = model.tasks_kept_at(cut)
    model.forget(cut, keep)  # (first: it reads the store's records as they are)
    mirror.keep_tasks(keep, cut + mirror.store.origin)
