"""Each scenario's lesson, asserted from its virtual-clock trace (issue 4).

Not that a scenario runs: that it shows what its explanation says. A scenario is run
exactly as the app runs it (``run_scenario``, virtual clock), and its trace is read
with the helpers of the exact-trace tests; await sites are found by the text of the
scenario's line, never by a line number.
"""

from __future__ import annotations

import pytest
from tracehelp import RUNNING, SUSPENDED, of_state, spans

from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import find
from visualizer.trace.data import Trace

approx = pytest.approx


def lesson(name: str, **params: object) -> Trace:
    result = run_scenario(find(name), params or None, clock="virtual")
    assert result.error is None, result.error
    return result.trace


def test_a_coroutine_awaited_runs_in_its_caller() -> None:
    trace = lesson("coroutine_vs_task")
    path = find("coroutine_vs_task").path
    assert [t.name for t in trace.tasks] == ["main"]  # awaiting a coroutine made no task
    waits = of_state(trace, "main", SUSPENDED)
    assert [w.label for w in waits] == ["sleep(1.0)", "sleep(1.0)"]
    # the awaits inside brew() and toast(), both in main's lane (the first and the
    # second `await asyncio.sleep(1.0)` of the file)
    sites = {w.site for w in waits}
    assert len(sites) == 2 and all(s and s.startswith("coroutine_vs_task.py:") for s in sites)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [lines[int(s.rsplit(":", 1)[1]) - 1].strip() for s in sorted(sites)] == [
        "await asyncio.sleep(1.0)"
    ] * 2
    assert trace.duration == approx(2.0, abs=0.05)


@pytest.mark.parametrize("busy", [0.2, 0.4])
def test_a_new_task_waits_while_its_creator_keeps_the_loop(busy: float) -> None:
    trace = lesson("task_waits_its_turn", busy=busy)
    greeter = spans(trace, "greeter")
    main_steps = of_state(trace, "main", RUNNING)
    # the greeter is ready from its creation for all of main's first (busy) step ...
    assert greeter[0].state == "ready" and greeter[0].woken_by == ("created", 0)
    assert greeter[0].duration >= busy * 0.95
    assert main_steps[0].duration >= busy * 0.95
    # ... and runs only after that step ends
    first_run = of_state(trace, "greeter", RUNNING)[0]
    assert first_run.start >= main_steps[0].end
    # main held the loop: a blocked interval of main's
    assert any(b.what == "main" and b.end - b.start >= busy * 0.95 for b in trace.blocked)


def test_as_completed_hands_results_back_as_they_finish() -> None:
    trace = lesson("as_completed_order")
    # main becomes ready three times after it first waits: at 1, 2 and 3 s, once as
    # each fetch finishes, fastest first
    wakes = [s.start for s in spans(trace, "main")[1:] if s.state == "ready"]
    assert wakes == [approx(1.0, abs=0.01), approx(2.0, abs=0.01), approx(3.0, abs=0.01)]
    ends = {t.name: t.ended for t in trace.tasks if t.name.startswith("fetch-")}
    assert sorted(ends, key=lambda n: ends[n] or 0.0) == [
        "fetch-fast",
        "fetch-medium",
        "fetch-slow",
    ]
    assert {w.label for w in of_state(trace, "main", SUSPENDED)} == {"as_completed"}
    assert trace.duration == approx(3.0, abs=0.05)
