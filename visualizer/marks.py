"""``visualizer.mark("label")``: a program puts a labelled pin on its own timeline.

A scenario says *here* ("cancel()", "all started") and the chart shows a note at that
instant, on the lane of the task that said it (the event loop's row when no task did:
a callback, a thread).  Traced or not, the program runs the same: untraced (plain
``python scenario.py``) ``mark`` does nothing, and costs a dictionary lookup.

Which recording?  The one whose run the calling code belongs to, found through the
tracer's context variable (copied into every task and callback the run makes), never a
process-wide "current recording": a virtual run may record in a worker thread while a
live one records on the GUI's loop, and each note goes to its own run.

This module imports nothing of the tracer's: a scenario that imports ``mark`` loads no
more than this file, and when no tracer was ever loaded nothing can be traced.
"""

from __future__ import annotations

import sys

__all__ = ["mark"]

_TRACER = "visualizer.instrument.tracer"


def mark(label: str) -> None:
    """A note labelled ``label`` on the timeline, now, if this code is being traced."""
    tracer_module = sys.modules.get(_TRACER)
    if tracer_module is None:
        return  # no tracer in this process: plain asyncio
    tracer = tracer_module.current_tracer()
    if tracer is not None:
        tracer.note(label)
