"""A live run's resource rows between derivations (``model.live_resources.LiveRows``):
the run's end moves on, and what is still going (a wait, a full stretch) goes on with
it; what ended stays where it ended."""

from __future__ import annotations

import numpy as np

from visualizer.model.live_resources import LiveRows
from visualizer.trace import schema
from visualizer.trace.data import SpanColumns, Trace
from visualizer.trace.resources import WAIT, Resource, ResourceChanges


def _spans(rows: list[tuple[int, int, float, float]]) -> SpanColumns:
    n = len(rows)
    return SpanColumns(
        task=np.array([r[0] for r in rows], np.int32),
        state=np.array([r[1] for r in rows], np.int8),
        start=np.array([r[2] for r in rows], np.float64),
        end=np.array([r[3] for r in rows], np.float64),
        awaiting=np.full(n, -1, np.int32),
        woken_kind=np.full(n, -1, np.int8),
        woken_task=np.full(n, -1, np.int32),
    )


def _frame(now: float, closed: SpanColumns) -> Trace:
    """Two tasks began to wait on the event at 0.1 and 0.2; the first was woken at 0.3."""
    changes = ResourceChanges(
        resource=np.array([0, 0], np.int32),
        t=np.array([0.1, 0.2]),
        task=np.array([0, 1], np.int32),
        op=np.array([WAIT, WAIT], np.int8),
        value=np.zeros(2, np.int64),
        detail=np.zeros(2, np.int64),
    )
    return Trace(
        meta={"duration": now},
        tasks=[],
        spans=closed,
        suspensions=[],
        resources=[Resource(0, "Event", "ev", 0.0, None, None, None)],
        resource_changes=changes,
    )


def test_an_open_wait_lasts_until_now_and_a_closed_one_where_it_ended() -> None:
    live = LiveRows()
    closed = _spans([(0, schema.SUSPENDED, 0.1, 0.3)])
    opened = _spans([(1, schema.SUSPENDED, 0.2, 0.5)])  # (still waiting, at 0.5)
    assert live.frame(_frame(0.5, closed), opened)
    (row,) = live.rows
    assert [(w.task, w.end) for w in row.waits] == [(0, 0.3), (1, 0.5)]
    # later frames with nothing new: not derived again, and the open wait goes on
    assert not live.frame(_frame(2.0, _spans([])), _spans([(1, schema.SUSPENDED, 0.2, 2.0)]))
    assert live.derivations == 1
    assert [(w.task, w.end) for w in row.waits] == [(0, 0.3), (1, 2.0)]
    assert [w.task for w in row.waiting_at(1.5)] == [1]
    assert row.end == 2.0
