"""The tasks' fields a trace gives that the derivation's task table has not (names,
coroutines, creation sites, what a task's end left), kept by ``TraceModel`` as columns.

A trace's tasks are a ``TaskTable`` (``visualizer.trace.tasks``): the model keeps the
columns it is made of between calls, so a live frame pays only for the tasks new,
renamed or ended since the last, and the end of a recording of 100,000 tasks makes its
table with no Python statement per task (a record per task made, then copied for the
snapshot, took 2.65 s).  Strings come from the store's string table with ``map`` over
the list's own ``__getitem__``; the rare fields (an error, a traceback, where a
cancellation landed, what a window forgot) are kept by task id, for the few tasks that
have them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from visualizer.model.derive import Grown, store_tail
from visualizer.trace.schema import END_CANCELLED, END_DONE, END_ERROR
from visualizer.trace.store import TraceStore
from visualizer.trace.tasks import SPARSE, TaskTable


class ModelTasks:
    """The model's task columns, index == task id (``read`` brings them up to the store;
    ``table`` gives a trace's tasks; ``keep`` renumbers them when the window forgets)."""

    def __init__(self, store: TraceStore) -> None:
        self.store = store
        self._names = np.zeros(0, object)  #: each task's name (str)
        self._coros: list[str] = []
        self._sites: list[str | None] = []
        self._cancelling = np.zeros(0, np.int32)
        self._unheld = np.zeros(0, np.bool_)
        self._rare: dict[str, dict[int, Any]] = {name: {} for name in SPARSE}
        #: counts changes to the tasks (new, renamed, ended)
        self.version = 0
        self._record_names = np.zeros(0, np.int32)  #: the store's name ids, as last read
        self._record_ended = np.zeros(0, np.bool_)  #: which had ended, as last read
        self._end_facts_seen = 0  #: entries of ``store.task_end`` put in the columns

    def table(self, tasks: Grown, known: int) -> TaskTable:
        """The first ``known`` tasks as a table, from the derivation's ``tasks`` (times,
        parents, how each ended) and these columns, read up to the store first."""
        self.read(tasks)
        code = tasks["last_code"][:known]
        ended = tasks["ended"][:known]
        outcome = np.zeros(known, np.int8)
        for number, end in ((1, END_DONE), (2, END_ERROR), (3, END_CANCELLED)):
            outcome[ended & (code == end)] = number
        rare = {
            name: {tid: v for tid, v in values.items() if tid < known}
            if values and max(values) >= known
            else dict(values)
            for name, values in self._rare.items()
        }
        return TaskTable(
            created=tasks["created"][:known].copy(),
            parent=tasks["parent"][:known].astype(np.int64),
            ended=np.where(ended, tasks["last_end"][:known], np.nan),
            outcome=outcome,
            names=self._names[:known].tolist(),
            coros=self._coros[:known],
            created_at=self._sites[:known],
            cancelling=self._cancelling[:known].copy(),
            unheld=self._unheld[:known].copy(),
            **rare,
        )

    def keep(
        self,
        before: TaskTable,
        keep: npt.NDArray[np.int64],
        new_of: npt.NDArray[np.int64],
        earlier: dict[int, tuple[int, float, float, float]],
    ) -> None:
        """Only the tasks ``keep`` (ascending old ids), renumbered by ``new_of``, each
        with what it forgot (``earlier``, by old id); ``before``: every task as it was.
        A parent let go is named (``parent_gone``): the chart says it was not no one."""
        parent = before.parent[keep]
        orphans = keep[(parent >= 0) & (new_of[parent] < 0)]
        parent_gone = self._rare["parent_gone"] | {
            tid: before.names[before.parent[tid]] for tid in orphans.tolist()
        }
        rare = self._rare | {"earlier": earlier, "parent_gone": parent_gone}
        self._rare = {
            name: {int(new_of[tid]): v for tid, v in values.items() if new_of[tid] >= 0}
            for name, values in rare.items()
        }
        self._names = self._names[keep]
        self._coros = np.array(self._coros, object)[keep].tolist()
        self._sites = np.array(self._sites, object)[keep].tolist()
        self._cancelling = self._cancelling[keep]
        self._unheld = self._unheld[keep]
        self._record_names = self._record_names[keep]
        self._record_ended = self._record_ended[keep]
        self._end_facts_seen = -1  # (the store renumbered them: put them in again)
        self.version += 1

    def read(self, tasks: Grown) -> None:
        """Bring the model's task columns up to the store: new tasks' coroutines and
        sites, new names, what the tasks that ended since the last call left (error,
        traceback, where a cancellation landed), and the end facts."""
        store = self.store
        old, count = len(self._coros), tasks.length
        strings = store.strings
        if count > old:
            self._coros.extend(_strings(strings, store_tail(store.task_coro, np.int32, old, count)))
            self._sites.extend(_strings(strings, store_tail(store.task_site, np.int32, old, count)))
            grow = count - old
            self._names = np.concatenate([self._names, np.full(grow, "", object)])
            self._cancelling = np.concatenate([self._cancelling, np.zeros(grow, np.int32)])
            self._unheld = np.concatenate([self._unheld, np.zeros(grow, np.bool_)])
        names = store_tail(store.task_name, np.int32, 0, count)
        known = np.concatenate(
            [self._record_names, np.full(count - len(self._record_names), -2, np.int32)]
        )
        renamed = np.flatnonzero(names != known)
        if len(renamed):
            given = _strings(strings, names[renamed])
            self._names[renamed] = given
            unnamed = renamed[names[renamed] < 0]
            self._names[unnamed] = [f"task-{tid}" for tid in unnamed.tolist()]
        self._record_names = names
        ended = tasks["ended"][:count]
        was = np.concatenate([self._record_ended, np.zeros(count - len(self._record_ended), bool)])
        newly_ended = np.flatnonzero(ended & ~was)
        if len(newly_ended):
            self._ended(tasks, newly_ended)
        end_facts = self._end_facts(count)
        if len(renamed) or len(newly_ended) or end_facts:
            self.version += 1
        self._record_ended = ended.copy()

    def _end_facts(self, count: int) -> bool:
        """Put what the tasks' ends showed (``store.task_end``: a few tasks; the pending
        ones' at the run's end) into the columns; True if any is new."""
        facts = self.store.task_end
        order = self.store.task_end_order
        seen, now = self._end_facts_seen, len(order)
        if now == seen:
            return False
        self._end_facts_seen = now
        # only the entries new since the last look (a run that drops a task per request
        # adds one each: walking all of them every frame would cost more each frame); all
        # again after the store renumbered them
        fresh = order[seen:] if 0 <= seen < now else order[:]
        for tid in fresh:
            end = facts.get(tid)
            if end is not None and 0 <= tid < count:
                self._cancelling[tid], self._unheld[tid] = end.cancelling, end.unheld
        return True

    def _ended(self, tasks: Grown, tids: npt.NDArray[np.intp]) -> None:
        """What the tasks ``tids``, newly ended, left: an error's text and traceback (the
        few that failed), and where each cancelled one's CancelledError landed."""
        store = self.store
        if store.task_error:  # (the few that failed)
            newly = np.zeros(tasks.length, np.bool_)
            newly[tids] = True
            error, traceback = self._rare["error"], self._rare["traceback"]
            for tid, fault in store.task_error.items():
                if not (0 <= tid < len(newly) and newly[tid]):
                    continue
                error[tid] = f"{fault.type}: {fault.message}" if fault.message else fault.type
                traceback[tid] = fault.traceback
        # where the CancelledError was thrown in: the suspension a cancel wake ended,
        # else (cancelled while ready) the last suspension
        cancelled = tids[tasks["last_code"][tids] == END_CANCELLED]
        if len(cancelled):
            cancel = tasks["cancel_code"][cancelled]
            landed = np.where(cancel >= 0, cancel, tasks["prev_code"][cancelled])
            has = landed >= 0
            sites = np.array([s.site for s in store.suspensions] + [None], object)
            self._rare["cancelled_at"].update(
                zip(cancelled[has].tolist(), sites[landed[has]].tolist(), strict=True)
            )


def _strings(strings: list[str], ids: npt.NDArray[np.int32]) -> list[Any]:
    """``strings[i]`` for each id, None for -1, at C speed (``map`` over the list's own
    ``__getitem__``, numpy for the -1s)."""
    if not len(ids):
        return []
    if not strings:
        return [None] * len(ids)
    found = np.empty(len(ids), object)
    found[:] = list(map(strings.__getitem__, np.maximum(ids, 0).tolist()))
    found[ids < 0] = None
    return found.tolist()
