"""A task's state at an instant, read off its spans one by one: the reference the time
cursor's model (``visualizer.model.at_time``) and window are checked against."""

from __future__ import annotations

from tracehelp import short_site, spans, task

from visualizer.model.at_time import states_at, task_rows
from visualizer.trace.data import Trace

Row = tuple[str, str | None, str | None]  #: (state, label, basename:line)


def reference_at(trace: Trace, name: str, t: float) -> Row:
    """[start, end) holds; past its end the task's outcome; before its creation, not yet
    created; never ended, still as the recording left it."""
    record = task(trace, name)
    if t < record.created:
        return ("not yet created", None, None)
    if record.ended is not None and t >= record.ended:
        return (record.outcome, None, None)
    shown = spans(trace, name)
    for span in shown:
        if span.start <= t < span.end:
            return (span.state, span.label, span.site)
    last = shown[-1]
    assert record.ended is None and t >= last.end
    return (last.state, last.label, last.site)


def reference_rows(trace: Trace, t: float) -> dict[str, Row]:
    return {record.name: reference_at(trace, record.name, t) for record in trace.tasks}


def model_at(trace: Trace, t: float) -> dict[str, Row]:
    """The model's rows at ``t`` as reference rows."""
    return {
        row.task: (row.state, row.awaiting or None, short_site(row.site))
        for row in task_rows(trace, states_at(trace, t))
    }
