"""Checks: a lesson proves what it claims (issue 17).  What a scenario imports.

A scenario's top-level functions named ``check`` or ``check_<words>`` each take the
finished run (a read-only :class:`Run`) and prove one claim of its text with plain
``assert`` statements::

    from visualizer.checks import about

    def check_the_naps_overlap(run):
        \"\"\"Both naps sleep at the same time, so the run takes 2 s, not 3 s.\"\"\"
        hello, world = run.task("say-hello"), run.task("say-world")
        assert hello.ran_concurrently_with(world)
        assert run.duration == about(2.0)

``asyncviz check-scenario FILE`` runs them (``run_checks`` here, for a tool or the
window; ``checks_of_trace`` on a run the caller has already), each in a child process:
the author's code never runs in the caller's.  The reference, with worked examples:
``docs/authoring.md``, "Checks: lessons that prove what they claim".

This module is small on purpose: the read-only views are ``model.check_api``'s, the
running ``session.check_runner``'s; it gathers the names a scenario is written against,
so that they stay put whatever moves behind them.  ``about`` and ``skip`` are imported at once
(they import nothing); the rest when first used (a module ``__getattr__``), so that a
scenario run as a plain script, ``from visualizer.checks import about`` at its top,
loads no tracer, no numpy and no Qt (as ``from visualizer import mark``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from visualizer.model.about import Skipped, about, skip

if TYPE_CHECKING:
    from visualizer.model.check_api import InsightView, ResourceView, Run, Span, Task, Wait
    from visualizer.session.check_runner import (
        DEFAULT_TIMEOUT,
        CheckClock,
        CheckReport,
        CheckResult,
        RunFailure,
        check_clock,
        checks_of_trace,
        checks_of_trace_async,
        run_checks,
    )

__all__ = [
    "DEFAULT_TIMEOUT",
    "CheckClock",
    "CheckReport",
    "CheckResult",
    "InsightView",
    "ResourceView",
    "Run",
    "RunFailure",
    "Skipped",
    "Span",
    "Task",
    "Wait",
    "about",
    "check_clock",
    "checks_of_trace",
    "checks_of_trace_async",
    "run_checks",
    "skip",
]

#: where each name lives (imported when first asked for)
_HOMES = {
    **dict.fromkeys(
        ("InsightView", "ResourceView", "Run", "Span", "Task", "Wait"),
        "visualizer.model.check_api",
    ),
    **dict.fromkeys(
        (
            "DEFAULT_TIMEOUT",
            "CheckClock",
            "CheckReport",
            "CheckResult",
            "RunFailure",
            "check_clock",
            "checks_of_trace",
            "checks_of_trace_async",
            "run_checks",
        ),
        "visualizer.session.check_runner",
    ),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'visualizer.checks' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
