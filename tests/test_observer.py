"""The observer must not move the program: a run on the window's own loop records when the
window held that loop (its frames and paints), draws it in a row of its own, and a frame
waits for a timer about to fall due."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import pytest

from visualizer.app.live_frames import MOST_PUT_OFF
from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.model.loop_lanes import LOOP_LANE, WINDOW_ROW, extra_rows
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import find
from visualizer.trace.fileformat import TraceFormatError, load, loads, save


def test_a_run_on_the_windows_loop_records_the_windows_frames(
    qapp: Any, window: MainWindow, tmp_path: Path
) -> None:
    loop = GuiEventLoop(qapp)
    try:
        outcome = loop.run_until_complete(window.run(find("sequential_vs_concurrent"), {}, "real"))
        loop.run_until_complete(window.lesson_checks.finished())  # (the lesson's checks)
    finally:
        loop.close()
    trace = outcome.trace
    frames = trace.observed
    assert len(frames) > 10  # (2 s at up to 35 frames a second, and their paints)
    assert all(start <= end for start, end in frames)
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(frames))
    assert frames[0][0] >= 0 and frames[-1][1] <= trace.duration + 0.5
    # drawn in a row of their own, right under the event loop's
    rows = extra_rows(trace)
    assert rows.names[:2] == [LOOP_LANE, WINDOW_ROW]
    assert (rows.row == 1).sum() == len(frames)
    # and kept in the file
    path = tmp_path / "t.json"
    save(trace, path)
    assert load(path).observed == frames


def test_runs_off_the_windows_loop_have_no_window_row() -> None:
    trace = run_scenario(find("gather_basics"), clock="virtual").trace
    assert trace.observed == []
    assert WINDOW_ROW not in extra_rows(trace).names


@pytest.mark.parametrize("bad", ["[[1, 0]]", '[[0, "x"]]', "[1]", '{"a": 1}'])
def test_a_malformed_observed_list_is_refused(bad: str) -> None:
    text = (
        '{"format": "asyncviz-trace", "version": 1, "meta": {"clock": "real",'
        ' "duration": 1.0, "source": "x", "loop": "y", "python": "3", "dropped_events": 0},'
        ' "tasks": [], "spans": [], "jobs": [], "blocked": [], "observed": ' + bad + "}"
    )
    with pytest.raises(TraceFormatError, match="observed"):
        loads(text.encode())


def test_a_frame_waits_for_a_timer_about_to_fall_due(qapp: Any, window: MainWindow) -> None:
    """With frames costing 20 ms, a timer due in 5 ms goes first; one due in 100 ms does
    not hold the frame back, and neither does any timer once the frame waited its most."""
    loop = GuiEventLoop(qapp)

    async def check() -> list[bool]:
        window.frames._frame_costs.extend([0.02] * 5)
        said = []
        soon = loop.call_later(0.005, lambda: None)
        said.append(window.frames._timer_first())
        soon.cancel()
        loop._scheduled.clear()
        later = loop.call_later(0.1, lambda: None)
        window.frames._deferred_since = None
        said.append(window.frames._timer_first())
        later.cancel()
        loop._scheduled.clear()
        loop.call_later(0.005, lambda: None)
        window.frames._deferred_since = time.perf_counter() - 1.0  # (it waited long)
        said.append(window.frames._timer_first())
        window.frames._timer.stop()
        return said

    try:
        assert loop.run_until_complete(check()) == [True, False, False]
    finally:
        loop.close()


def test_a_frame_waits_a_period_of_time_not_of_waits_asked(qapp: Any, window: MainWindow) -> None:
    """Timers always due (a busy program's sleeps) put a frame off a millisecond at a
    time, and each wait lasts longer than asked (a timer's whole milliseconds, a busy
    loop): the frame comes once it has waited a period of time, not a period of waits
    asked (which held a program's frames to 12 a second), and not longer than keeps 30
    frames a second (a period of waiting held them to 17)."""
    loop = GuiEventLoop(qapp)
    frames = window.frames

    async def check() -> list[bool]:
        frames._frame_costs.extend([0.02] * 5)
        frames._deferred_since = None
        loop.call_later(0.005, lambda: None)
        said = [frames._timer_first()]  # (put off: it waited nothing yet)
        assert frames._deferred_since is not None
        frames._deferred_since -= MOST_PUT_OFF / 2  # (half its time has passed since)
        loop.call_later(0.005, lambda: None)
        said.append(frames._timer_first())
        frames._deferred_since -= MOST_PUT_OFF  # (and all of it: 30 a second still)
        said.append(frames._timer_first())
        frames._timer.stop()
        loop._scheduled.clear()
        return said

    try:
        assert loop.run_until_complete(check()) == [True, True, False]
    finally:
        loop.close()


def test_a_frame_is_put_off_only_while_30_a_second_are_kept(qapp: Any, window: MainWindow) -> None:
    """A frame due 29 ms after the last began waits for a timer until 30 frames a second
    would be missed (33 ms after it), not a whole period more (17 a second)."""
    loop = GuiEventLoop(qapp)
    frames = window.frames

    async def check() -> list[bool]:
        frames._frame_costs.extend([0.02] * 5)
        now = time.perf_counter()
        frames._last_began, frames._deferred_since = now - 0.029, None
        loop.call_later(0.005, lambda: None)
        said = [frames._timer_first()]  # (3 ms before the deadline: put off)
        # it began waiting 4 ms ago, and the deadline (33 ms after the last frame
        # began, less a margin) passed since
        frames._last_began, frames._deferred_since = now - 0.033, now - 0.004
        said.append(frames._timer_first())
        frames._timer.stop()
        loop._scheduled.clear()
        return said

    try:
        assert loop.run_until_complete(check()) == [True, False]
    finally:
        loop.close()
