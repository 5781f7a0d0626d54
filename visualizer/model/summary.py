"""Per-task summaries: the table ``asyncviz run --summary`` prints.

For each task: how it ended, how long it spent ready (waiting for the loop),
running and suspended, how many times it awaited, and what it waited on most
(by suspended time), which is usually the first question about a slow task.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from visualizer.model.display_text import shown
from visualizer.trace.data import Trace
from visualizer.trace.schema import READY, RUNNING, SUSPENDED


@dataclass(frozen=True)
class TaskSummary:
    id: int
    name: str
    outcome: str
    ready: float
    running: float
    suspended: float
    awaits: int
    waited_most_on: str | None


def summarize(trace: Trace) -> list[TaskSummary]:
    """Every task's row, with grouped sums over the spans (``np.bincount`` by task, and
    by task and label for what it waited on most): a pass per task over every span was
    O(tasks x spans), 79 s for 100,000 tasks."""
    spans, tasks = trace.spans, trace.tasks
    n = len(tasks)
    known = (spans.task >= 0) & (spans.task < n)
    task = spans.task[known].astype(np.int64)
    state = spans.state[known]
    length = (spans.end - spans.start)[known]

    def total(which: npt.NDArray[np.bool_]) -> list[float]:
        sums: list[float] = np.bincount(task[which], length[which], minlength=n).tolist()
        return sums

    suspended = state == SUSPENDED
    awaits = np.bincount(task[suspended], minlength=n).tolist()
    return list(
        map(
            TaskSummary,
            range(n),
            tasks.names,
            tasks.outcome_names(),
            total(state == READY),
            total(state == RUNNING),
            total(suspended),
            awaits,
            _waited_most_on(trace, task, spans.awaiting[known], length, suspended),
        )
    )


def _waited_most_on(
    trace: Trace,
    task: npt.NDArray[np.int64],
    awaiting: npt.NDArray[np.int32],
    length: npt.NDArray[np.float64],
    suspended: npt.NDArray[np.bool_],
) -> list[str | None]:
    """Per task, the label it spent the most suspended time on (of equals, the one it
    met first), or None: sums by (task, label), then the largest of each task's."""
    out = np.full(len(trace.tasks), None, object)
    which = suspended & (awaiting >= 0)
    if not which.any():
        return out.tolist()
    names, label_of = np.unique(
        np.array([s.label for s in trace.suspensions], object), return_inverse=True
    )
    key = task[which] * len(names) + label_of.reshape(-1)[awaiting[which]]
    pairs, first, group = np.unique(key, return_index=True, return_inverse=True)
    spent = np.bincount(group.reshape(-1), length[which], minlength=len(pairs))
    owner = pairs // len(names)
    # each task's groups, the most time first, of equals the one met first: its first
    best = np.lexsort((first, -spent, owner))
    leads = best[np.r_[True, owner[best][1:] != owner[best][:-1]]]
    out[owner[leads]] = names[pairs[leads] % len(names)]
    return out.tolist()


def _fmt_seconds(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} us"


def format_summary(trace: Trace) -> str:
    """A plain-text table, widest columns sized to fit."""
    rows = [("task", "outcome", "ready", "running", "suspended", "awaits", "waited most on")]
    for s in summarize(trace):
        rows.append(
            (
                shown(s.name),
                s.outcome,
                _fmt_seconds(s.ready),
                _fmt_seconds(s.running),
                _fmt_seconds(s.suspended),
                str(s.awaits),
                shown(s.waited_most_on) if s.waited_most_on else "-",
            )
        )
    lines = _table(rows, right={2, 3, 4, 5}).split("\n")
    meta = trace.meta
    footer = (
        f"{len(trace.tasks)} tasks, {len(trace.spans)} spans, "
        f"{float(meta['duration']):.3f} s on the {meta['clock']} clock"
    )
    if meta.get("dropped_events"):
        footer += f", {meta['dropped_events']} events dropped (trace truncated)"
    resources = format_resources(trace)
    return "\n".join([*lines, footer, *(["", resources] if resources else [])])


def format_resources(trace: Trace) -> str | None:
    """The run's queues, locks ... as a table (None: it made none): how long each was
    full, the most tasks waiting on it at once and how long they waited, all told."""
    from visualizer.model.compare import resource_figures  # (compare reads our tasks)

    figures = resource_figures(trace)
    if not figures:
        return None
    rows = [("resource", "kind", "full", "most waiting", "waited")]
    for f in figures:
        share = f.full_share
        rows.append(
            (
                shown(f.name),
                f.kind if f.capacity is None else f"{f.kind}({f.capacity})",
                "-" if share is None else f"{share:.0%} ({_fmt_seconds(f.full or 0.0)})",
                str(f.most_waiting),
                _fmt_seconds(f.waited),
            )
        )
    return _table(rows, right={2, 3, 4})


def _table(rows: Sequence[tuple[str, ...]], right: set[int]) -> str:
    """``rows`` (the first: headings) as columns sized to fit, ``right`` aligned right."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
