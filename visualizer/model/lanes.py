"""Which lane each task gets in the chart: creation order, children right under their parent.

A task's lane follows its parent's subtree (depth first, siblings in creation order),
so the tasks a task started sit just below it and a creation arrow stays short.  Tasks
with no parent (the run's main task, tasks made by plain callbacks) start new subtrees,
in creation order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from visualizer.trace.data import TaskRecord, TaskTable


def lane_order(tasks: Sequence[TaskRecord]) -> npt.NDArray[np.int64]:
    """``lanes[task id]`` is the task's lane (0 at the top)."""
    if isinstance(tasks, TaskTable):  # (its ids are 0..n-1: in numpy, the same order)
        return lanes_of(tasks.parent)
    children: dict[int | None, list[int]] = {}
    known = {task.id for task in tasks}
    for task in sorted(tasks, key=lambda t: t.id):
        parent = task.parent if task.parent in known else None
        children.setdefault(parent, []).append(task.id)
    lanes = np.full(max(known, default=-1) + 1, -1, np.int64)
    stack = list(reversed(children.get(None, [])))
    lane = 0
    while stack:
        tid = stack.pop()
        lanes[tid] = lane
        lane += 1
        stack.extend(reversed(children.get(tid, [])))
    return lanes


#: a forest deeper than this is laid out by ``lane_order`` (a level's numpy pass each
#: would cost more than the loop over the records)
MAX_LEVELS = 64


def lanes_of(parent: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``lane_order`` of tasks ``0..n-1`` given as their parents' ids (-1: none), in
    numpy: a live chart of a service lays out hundreds of thousands of lanes a frame, and
    the loop over records cost more than the frame.  The same order exactly: a task's
    lane is its place in a depth-first walk, siblings by id, computed level by level
    from the subtrees' sizes.  A parent made after its child (only a hand-made file
    has one), or a forest deeper than ``MAX_LEVELS``, is left to ``lane_order``."""
    n = len(parent)
    ids = np.arange(n)
    parent = np.where((parent >= 0) & (parent < n), parent, -1).astype(np.int64)
    if n == 0:
        return np.zeros(0, np.int64)
    if (parent >= ids).any():
        return _lanes_by_records(parent)
    # each task's depth, by pointer jumping (log2 of the depth passes): ``dist`` is the
    # distance from a task to ``above``, an ancestor of it, until there is none above
    depth = (parent >= 0).astype(np.int64)
    above = parent.copy()
    while (has := above >= 0).any():
        at = np.where(has, above, 0)
        depth = np.where(has, depth + depth[at], depth)
        above = np.where(has, above[at], -1)
    levels = int(depth.max())
    if levels > MAX_LEVELS:
        return _lanes_by_records(parent)
    by_depth = np.argsort(depth, kind="stable")  # (ids ascending within a depth)
    bounds = np.searchsorted(depth[by_depth], np.arange(levels + 2))
    size = np.ones(n, np.int64)
    for level in range(levels, 0, -1):
        nodes = by_depth[bounds[level] : bounds[level + 1]]
        size += np.bincount(parent[nodes], weights=size[nodes], minlength=n).astype(np.int64)
    lanes = np.zeros(n, np.int64)
    roots = by_depth[bounds[0] : bounds[1]]
    lanes[roots] = np.cumsum(size[roots]) - size[roots]
    for level in range(1, levels + 1):
        nodes = by_depth[bounds[level] : bounds[level + 1]]
        nodes = nodes[np.argsort(parent[nodes], kind="stable")]  # (siblings by id)
        sizes = size[nodes]
        before = np.cumsum(sizes) - sizes  # (exclusive, over the whole level)
        first = np.empty(len(nodes), bool)
        first[:1] = True
        np.not_equal(parent[nodes][1:], parent[nodes][:-1], out=first[1:])
        group_start = np.maximum.accumulate(np.where(first, np.arange(len(nodes)), 0))
        lanes[nodes] = lanes[parent[nodes]] + 1 + before - before[group_start]
    return lanes


def _lanes_by_records(parent: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    tasks = [
        TaskRecord(
            id=i, name="", coro="", parent=None if p < 0 else int(p), created=0.0, created_at=None
        )
        for i, p in enumerate(parent.tolist())
    ]
    return lane_order(tasks)
