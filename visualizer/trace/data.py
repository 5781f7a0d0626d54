"""A finished (or snapshotted) trace: what a trace file holds, in memory.

Spans are columns (numpy arrays), one row per span, because a run easily has a
million of them and the chart and the file format both want them in bulk.
Times are seconds since the run started.  ``awaiting`` indexes ``suspensions``
(label, await site, await stack), so a label string is stored once however
often it occurs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from visualizer.trace.resources import Resource, ResourceChanges
from visualizer.trace.store import Suspension

if TYPE_CHECKING:
    from visualizer.trace.stack_samples import StackSample

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int32]
ByteArray = npt.NDArray[np.int8]


@dataclass
class TaskRecord:
    id: int
    name: str
    coro: str
    parent: int | None
    created: float
    created_at: str | None
    ended: float | None = None
    outcome: str = "pending"  #: pending | done | error | cancelled
    error: str | None = None  #: "Type: message" for error outcomes
    traceback: str | None = None
    cancelled_at: str | None = None  #: await site where the CancelledError landed
    #: what the window forgot of this task (its history before the one kept, for a
    #: service watched for hours): steps, and seconds running, ready and suspended
    earlier: tuple[int, float, float, float] | None = None
    #: the parent's name, when the window forgot the parent (it ended before the
    #: history kept): ``parent`` is then None, and this says it was not no one
    parent_gone: str | None = None
    #: cancel requests still pending (``task.cancelling()``) when it ended done or
    #: failed, or when the trace ended while it was pending: a cancellation it caught
    #: and went on from (``store.TaskEnd``; 0: none, or not known: an older file)
    cancelling: int = 0
    #: it ended done or failed with nothing but the loop referring to it: nobody could
    #: see it end (fire and forget; False: held, or not known)
    unheld: bool = False


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


#: a task's outcome as a number (``TaskColumns.outcome``): its index here
OUTCOMES: tuple[str, ...] = ("pending", "done", "error", "cancelled")


@dataclass(frozen=True)
class TaskColumns:
    """The tasks' fields a chart draws, as columns (index == task id): a live chart of a
    service keeps hundreds of thousands of tasks, and a Python loop over their records
    each frame cost more than the frame (``TraceModel`` gives these from its arrays)."""

    created: npt.NDArray[np.float64]
    parent: npt.NDArray[np.int64]  #: -1: none
    ended: npt.NDArray[np.float64]  #: nan: not ended
    outcome: npt.NDArray[np.int8]  #: index in ``OUTCOMES``
    names: list[str]

    @classmethod
    def of(cls, tasks: list[TaskRecord]) -> TaskColumns:
        """From the records (a trace read from a file: once, not each frame)."""
        code = {name: i for i, name in enumerate(OUTCOMES)}
        return cls(
            created=np.array([t.created for t in tasks], np.float64),
            parent=np.array([-1 if t.parent is None else t.parent for t in tasks], np.int64),
            ended=np.array([np.nan if t.ended is None else t.ended for t in tasks], np.float64),
            outcome=np.array([code.get(t.outcome, 0) for t in tasks], np.int8),
            names=[t.name for t in tasks],
        )


@dataclass
class Trace:
    meta: dict[str, Any]
    tasks: list[TaskRecord]
    spans: SpanColumns
    suspensions: list[Suspension]
    jobs: list[JobRecord] = field(default_factory=list)
    blocked: list[BlockedRecord] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    #: when the observer (the window drawing the run live on the run's own loop) held
    #: the loop: (start, end) pairs, seconds since the run started
    observed: list[tuple[float, float]] = field(default_factory=list)
    #: ``tasks`` as columns, if whoever made the trace had them (a live model: a frame
    #: reads them, not the records; anyone else makes them with ``TaskColumns.of``)
    columns: TaskColumns | None = field(default=None, repr=False, compare=False)
    #: the run's queues, locks, events ... (issue 15) and every change of their state
    #: (``visualizer.trace.resources``; times in seconds since the run started)
    resources: list[Resource] = field(default_factory=list)
    resource_changes: ResourceChanges = field(default_factory=ResourceChanges)
    #: where the loop's thread was while a step or callback held the loop (each
    #: sample: its task or -1, the step's start, its time, the frames: ``stack_samples``)
    stack_samples: list[StackSample] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return float(self.meta.get("duration", 0.0))

    def task_by_name(self, name: str) -> TaskRecord:
        """The task called ``name`` (the first, if several share it)."""
        for task in self.tasks:
            if task.name == name:
                return task
        raise KeyError(f"no task named {name!r}; tasks: {[t.name for t in self.tasks]}")
