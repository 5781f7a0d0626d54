"""A step that holds the window's own loop too long is interrupted (not left to freeze the
window), reported, and drawn; the window's loop goes on."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.session import watchdog
from visualizer.session.scenarios import find
from visualizer.trace import schema

LIMIT = 0.5


@pytest.fixture(autouse=True)
def _short_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watchdog, "LIMIT", LIMIT)


def scenario(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "holds.py"
    path.write_text(
        "import asyncio, time\n\n\nasync def main() -> None:\n"
        "    ticker = asyncio.create_task(tick(), name='ticker')\n"
        "    await asyncio.sleep(0.1)\n"
        + textwrap.indent(textwrap.dedent(body), "    ")
        + "\n\nasync def tick() -> None:\n    while True:\n        await asyncio.sleep(0.05)\n"
    )
    return path


@pytest.mark.parametrize(
    "body",
    [
        "while True:\n    pass",
        "while True:\n    try:\n        sum(range(1000))\n    except Exception:\n        pass",
        "time.sleep(60)",
        # (the interrupt lands in asyncio's code, where such a step spends nearly all its
        # time, and goes up from there; no memory grows meanwhile)
        "loop = asyncio.get_running_loop()\nwhile True:\n    asyncio.iscoroutine(loop.time())",
    ],
    ids=["spins", "spins-and-catches-Exception", "blocks-in-time.sleep", "spins-in-asyncio"],
)
def test_a_step_that_holds_the_windows_loop_is_interrupted(
    qapp: Any, window: MainWindow, tmp_path: Path, body: str
) -> None:
    loop = GuiEventLoop(qapp)
    try:
        outcome = loop.run_until_complete(window.run(find(scenario(tmp_path, body)), {}, "real"))
    finally:
        loop.close()
    assert outcome.error is not None and outcome.error.startswith("StepInterrupted")
    trace = outcome.trace
    main = trace.task_by_name("main")
    assert "tracer" not in (outcome.error or "")
    assert main.outcome == "error" and "held the event loop" in (main.error or "")
    # the step that held the loop: drawn running, at least the limit long, under a red band
    spans = trace.spans.take(trace.spans.task == main.id)
    running = spans.take(spans.state == schema.RUNNING)
    assert (running.end - running.start).max() >= LIMIT
    assert any(b.task == main.id and b.end - b.start >= LIMIT for b in trace.blocked)
    # the ticker could not tick meanwhile, and was cancelled at the end
    assert trace.task_by_name("ticker").outcome == "cancelled"
    # the window's loop is free again: the next run works
    loop = GuiEventLoop(qapp)
    try:
        again = loop.run_until_complete(window.run(find("gather_basics"), {}, "virtual"))
    finally:
        loop.close()
    assert again.error is None


def test_a_step_shorter_than_the_limit_is_left_alone(
    qapp: Any, window: MainWindow, tmp_path: Path
) -> None:
    path = scenario(tmp_path, "time.sleep(0.2)\nticker.cancel()")
    loop = GuiEventLoop(qapp)
    try:
        outcome = loop.run_until_complete(window.run(find(path), {}, "real"))
    finally:
        loop.close()
    assert outcome.error is None
    assert window._source is None  # (the run is over; its watchdog stopped with it)


def test_a_step_making_tasks_keeps_its_tracing_whenever_the_interrupt_comes(
    qapp: Any, window: MainWindow, tmp_path: Path
) -> None:
    """Such a step is often in the tracer's code (making a task) when the signal comes:
    the interrupt waits for the next look rather than land there (where it would switch
    the tracing off, leave the step running and lose the trace).  The step is bounded
    here, so that a run of unlucky looks cannot hold the test for ever."""
    body = (
        "end = time.monotonic() + 10\nwhile time.monotonic() < end:\n"
        "    asyncio.ensure_future(asyncio.sleep(0))"
    )
    loop = GuiEventLoop(qapp)
    try:
        outcome = loop.run_until_complete(window.run(find(scenario(tmp_path, body)), {}, "real"))
    finally:
        loop.close()
    assert outcome.error is None or outcome.error.startswith("StepInterrupted")
    trace = outcome.trace
    assert trace.meta.get("tracer_failure") is None
    main = trace.task_by_name("main")
    # every task it made is in the trace, each with a lane (the tracing stayed on)
    assert len(trace.tasks) > 1000
    assert (trace.spans.task < len(trace.tasks)).all()
    assert main.outcome in ("error", "done")
