"""A finished (or snapshotted) trace: what a trace file holds, in memory.

Spans are columns (numpy arrays), one row per span, because a run easily has a
million of them and the chart and the file format both want them in bulk.
Times are seconds since the run started.  ``awaiting`` indexes ``suspensions``
(label, await site, await stack), so a label string is stored once however
often it occurs.  Tasks are columns too (``TaskTable``, ``visualizer.trace.tasks``),
for the same reason: a run of 100,000 tasks is common.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from visualizer.trace.resources import Resource, ResourceChanges
from visualizer.trace.store import Suspension
from visualizer.trace.tasks import OUTCOMES as OUTCOMES
from visualizer.trace.tasks import TaskRecord as TaskRecord
from visualizer.trace.tasks import TaskTable as TaskTable

if TYPE_CHECKING:
    from visualizer.trace.stack_samples import StackSample

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int32]
ByteArray = npt.NDArray[np.int8]


@dataclass
class JobRecord:
    thread: str
    func: str
    task: int | None
    start: float
    end: float
    submitted: float | None = None
    error: str | None = None


@dataclass
class BlockedRecord:
    task: int | None
    start: float
    end: float
    what: str = ""


#: a mark the program made itself (``visualizer.mark``) / one asyncio or Python gave it
MARK_KINDS = ("note", "warning")


@dataclass(frozen=True)
class Mark:
    """A labelled instant on the timeline.

    A *warning* is something asyncio or Python told the program while it ran (a task's
    exception never retrieved, a coroutine never awaited, a slow callback in debug
    mode): they go to stderr, where a learner watching the chart never looks, so the
    chart shows them where and when they happened.  ``detail`` is the full text."""

    t: float
    task: int | None  #: the task it concerns (its lane), or None: the loop's row
    label: str  #: one line
    kind: str = "note"  #: one of MARK_KINDS; a reader treats others as "note"
    detail: str = ""


@dataclass
class SpanColumns:
    """One row per span. ``woken_kind`` is -1 where there is no ``woken_by``."""

    task: IntArray
    state: ByteArray  #: schema.READY / RUNNING / SUSPENDED
    start: FloatArray
    end: FloatArray
    awaiting: IntArray  #: index into Trace.suspensions, or -1
    woken_kind: ByteArray  #: schema.WAKE_* or -1
    woken_task: IntArray  #: task id or -1

    def __len__(self) -> int:
        return int(self.task.shape[0])

    @classmethod
    def empty(cls) -> SpanColumns:
        return cls(
            task=np.zeros(0, np.int32),
            state=np.zeros(0, np.int8),
            start=np.zeros(0, np.float64),
            end=np.zeros(0, np.float64),
            awaiting=np.zeros(0, np.int32),
            woken_kind=np.zeros(0, np.int8),
            woken_task=np.zeros(0, np.int32),
        )

    def for_task(self, task: int) -> SpanColumns:
        return self.take(self.task == task)

    def take(self, index: Any) -> SpanColumns:
        """The rows ``index`` (a mask, indices or a slice) selects, every column alike."""
        return SpanColumns(
            task=self.task[index],
            state=self.state[index],
            start=self.start[index],
            end=self.end[index],
            awaiting=self.awaiting[index],
            woken_kind=self.woken_kind[index],
            woken_task=self.woken_task[index],
        )


#: the tasks as columns: the table itself (``Trace.columns`` and ``TaskColumns.of`` are
#: from before the table; a separate set of columns would be one more thing to keep in
#: step with the tasks, and went stale when a view cut ``trace.tasks`` short)
TaskColumns = TaskTable


@dataclass
class Trace:
    meta: dict[str, Any]
    #: index == task id (a list of records given, here or later, is made a table)
    tasks: TaskTable
    spans: SpanColumns
    suspensions: list[Suspension]
    jobs: list[JobRecord] = field(default_factory=list)
    blocked: list[BlockedRecord] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    #: when the observer (the window drawing the run live on the run's own loop) held
    #: the loop: (start, end) pairs, seconds since the run started
    observed: list[tuple[float, float]] = field(default_factory=list)
    #: the tasks as columns: ``tasks`` itself, whatever is given here (callers from
    #: before the table pass ``columns=None`` or their own; see ``TaskColumns``)
    columns: TaskTable | None = field(default=None, repr=False, compare=False)
    #: the run's queues, locks, events ... (issue 15) and every change of their state
    #: (``visualizer.trace.resources``; times in seconds since the run started)
    resources: list[Resource] = field(default_factory=list)
    resource_changes: ResourceChanges = field(default_factory=ResourceChanges)
    #: where the loop's thread was while a step or callback held the loop (each
    #: sample: its task or -1, the step's start, its time, the frames: ``stack_samples``)
    stack_samples: list[StackSample] = field(default_factory=list)

    def __setattr__(self, name: str, value: Any) -> None:
        # (the many callers and tests that build a trace from records keep working, and
        # whatever they build, the tasks a reader meets are a table; ``columns`` is
        # always that table, never a second copy to go stale)
        if name == "tasks":
            value = value if isinstance(value, TaskTable) else TaskTable.of(value)
            super().__setattr__("columns", value)
        elif name == "columns":
            value = self.__dict__.get("tasks")
        super().__setattr__(name, value)

    @property
    def duration(self) -> float:
        return float(self.meta.get("duration", 0.0))

    def task_by_name(self, name: str) -> TaskRecord:
        """The task called ``name`` (the first, if several share it)."""
        names = self.tasks.names
        if name in names:
            return self.tasks[names.index(name)]
        raise KeyError(f"no task named {name!r}; tasks: {names}")
