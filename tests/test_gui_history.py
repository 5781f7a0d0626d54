"""A service in the window: drawn live for as long as it runs, the window keeping a
moving window of its history (View > History kept, ``gui --history``), the time before
it shaded and said, and what was let go summarised in the trace it leaves."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path
from typing import Any

from visualizer.app.history_menu import history_setting
from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.cli import _parser
from visualizer.model.history import DEFAULT_HISTORY
from visualizer.session.process import ChildRun
from visualizer.session.scenarios import find
from visualizer.session.sources import STOPPED, RunOutcome
from visualizer.trace.fileformat import load, save

SERVICE = textwrap.dedent(
    """
    \"\"\"A service that never ends: a request every 10 ms, two workers\"\"\"
    import asyncio

    async def handle(i, queue):
        await asyncio.sleep(0.05)
        await queue.put(i)

    async def worker(queue):
        while True:
            await queue.get()

    async def main():
        queue = asyncio.Queue()
        workers = [asyncio.create_task(worker(queue), name=f"worker-{k}") for k in range(2)]
        i = 0
        while True:
            asyncio.create_task(handle(i, queue), name=f"request-{i}")
            i += 1
            await asyncio.sleep(0.01)

    asyncio.run(main())
    """
)


def test_a_service_is_kept_to_its_history_while_drawn_live(
    qapp: Any, window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "service.py"
    path.write_text(SERVICE)
    window.history_menu.set(0.5)
    loop = GuiEventLoop(qapp)
    seen: dict[str, Any] = {}

    async def go() -> RunOutcome:
        running = asyncio.ensure_future(window.run(find(path), {}, "real"))
        # until the live chart has started again twice after the history moved on (the
        # program runs until it is stopped: no timing decides the verdict)
        # (and the status bar, written a few times a second, says so)
        while not running.done() and not (
            window.frames._generation_drawn >= 2 and "kept from" in window.status.text()
        ):
            await asyncio.sleep(0.02)
        source = window.frames.source
        assert isinstance(source, ChildRun) and source.model is not None
        seen["kept"] = source.model.snapshot()
        seen["events"] = source.events
        mirror = source.receiver.mirror
        assert mirror is not None
        seen["held"] = mirror.store.rows + mirror.store.task_count  # (at the same moment)
        seen["band"] = window.chart.forgotten.band.isVisible()
        seen["label"] = window.chart.forgotten.label.format
        seen["status"] = window.status.text()
        # a click between the history moving on and the next frame finds nothing (the
        # lanes drawn are the tasks as they were numbered), not the wrong task
        window.frames._generation_drawn -= 1
        seen["click"] = window.chart._shown_trace() if window.chart.trace is None else None
        seen["snapshot"] = window.frames._snapshot(source)
        window.frames._generation_drawn += 1
        window.stop()
        outcome = await running
        await asyncio.sleep(0.05)
        return outcome

    try:
        outcome = loop.run_until_complete(go())
    finally:
        loop.close()
    assert outcome.error == STOPPED
    kept = seen["kept"]
    forgotten = kept.meta["forgotten"]
    # the requests that ended before the history went; the workers and main stay, with
    # what they lost said
    assert forgotten["tasks"] > 0 and forgotten["coros"].get("handle", 0) > 0
    names = [t.name for t in kept.tasks]
    assert names[:3] == ["Task-1", "worker-0", "worker-1"]
    assert all(t.earlier is not None for t in kept.tasks[:3])
    # a task kept had not ended before the cut (made before it, still alive then, is
    # kept: on a busy machine a request lives long enough for that)
    before = forgotten["before"]
    assert all(t.ended is None or t.ended >= before - 1e-6 for t in kept.tasks[3:])
    # what came, not only what is kept (the rows and tasks held then: comparing with
    # the spans kept depended on how much a busy machine let the history hold)
    assert seen["events"] > seen["held"]
    # the chart shades the time let go and says so; so does the status bar
    assert seen["band"] and "let go" in seen["label"]
    assert "kept from" in seen["status"]
    assert seen["click"] is None and seen["snapshot"] is None
    # the trace the run leaves says what it forgot, and saves and opens as it is
    trace = outcome.trace
    assert trace.meta["forgotten"]["before"] >= forgotten["before"]
    assert window.chart.forgotten.band.isVisible()
    save(trace, tmp_path / "service.json")
    again = load(tmp_path / "service.json")
    assert [t.name for t in again.tasks] == [t.name for t in trace.tasks]
    assert again.meta["forgotten"] == trace.meta["forgotten"]


def test_the_history_setting(window: MainWindow) -> None:
    assert window.history_menu.seconds == DEFAULT_HISTORY
    assert history_setting("0") is None and history_setting("90") == 90.0
    assert history_setting("junk") == DEFAULT_HISTORY
    window.history_menu.set(90.0)  # (not offered: added, and checked)
    assert window.history_menu.actions[90.0].isChecked()
    assert window.history_menu.actions[90.0].text() == "Last 90 s"
    window.history_menu.actions[None].trigger()
    assert window.history_menu.seconds is None
    assert window.history_menu.actions[300.0].text() == "Last 5 min"
    args = _parser().parse_args(["gui", "prog.py", "--history", "60"])
    assert args.history == 60.0
