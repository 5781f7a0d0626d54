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

from visualizer.trace.data import TaskRecord


def lane_order(tasks: Sequence[TaskRecord]) -> npt.NDArray[np.int64]:
    """``lanes[task id]`` is the task's lane (0 at the top)."""
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
