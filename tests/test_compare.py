"""Compare two runs (issue 5): the figures of real scenario runs on the virtual clock, the
comparison view's one shared time axis, its titles and sentences, and the window's ways
to make a comparison (the previous run, the form's parameters, a trace file, the flag).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage

from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.model.compare import (
    compare,
    figures,
    most_at_once,
    names_apart,
    outside_waits,
    short_seconds,
)
from visualizer.session.runner import ClockKind, run_scenario
from visualizer.session.scenarios import bind_params, find
from visualizer.trace import schema
from visualizer.trace.data import Trace
from visualizer.trace.fileformat import save
from visualizer.views.compare import CompareView, comparison_sentences

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def run(name: str, clock: ClockKind = "ideal", **params: object) -> Trace:
    """``name`` with every parameter bound (as the window runs it), on the ideal clock:
    the comparison's figures are exact there, whatever the machine's load (on the
    virtual clock a step's busy time made "67% less time" read 66% beside busy work)."""
    scenario = find(name)
    raw = {key: str(value) for key, value in params.items()}
    result = run_scenario(scenario, bind_params(scenario, raw), clock=clock)
    assert result.error is None
    return result.trace


def sequential() -> Trace:
    return run("sequential_vs_concurrent", mode="sequential")


def concurrent() -> Trace:
    return run("sequential_vs_concurrent", mode="concurrent")


def semaphore(limit: int) -> Trace:
    return run("semaphore_workers", limit=limit)


# --- the figures (no Qt) ------------------------------------------------------------------


def test_sequential_against_concurrent_awaits() -> None:
    c = compare(sequential(), concurrent())
    # awaited one after the other: 1 + 2 s, one sleep at a time, only main
    assert c.a.duration == pytest.approx(3.0, abs=0.02)
    assert (c.a.most_waiting, c.a.most_alive, c.a.tasks) == (1, 1, 1)
    # two tasks: their sleeps overlap, the run takes the longer one; main waits on them
    assert c.b.duration == pytest.approx(2.0, abs=0.02)
    assert (c.b.most_waiting, c.b.most_alive, c.b.tasks) == (2, 3, 3)
    assert c.saved == pytest.approx(1.0, abs=0.02)
    assert c.percent == pytest.approx(100 / 3, abs=1)
    assert not c.same_time and not c.alike
    assert c.names == ("mode=sequential", "mode=concurrent")
    # the two sleeps overlap from just after the start (say-world's begins) to 1.0 s
    assert 0 < c.b.most_waiting_at < 0.01


def test_semaphore_one_against_three() -> None:
    c = compare(semaphore(1), semaphore(3))
    # 6 workers of 1 s: one at a time, six waves; three at a time, two waves
    assert c.a.duration == pytest.approx(6.0, abs=0.03)
    assert c.b.duration == pytest.approx(2.0, abs=0.02)
    assert (c.a.most_waiting, c.b.most_waiting) == (1, 3)
    # every worker exists from the start in both: alive at once does not tell them apart
    assert (c.a.most_alive, c.b.most_alive) == (7, 7)
    assert (c.a.tasks, c.b.tasks) == (7, 7)
    assert c.percent == pytest.approx(200 / 3, abs=1)
    assert c.names == ("limit=1", "limit=3")


def test_only_waits_the_outside_world_ended_count() -> None:
    """Under Semaphore(1), the workers queued on the semaphore are suspended too, but a
    task woke them (the one releasing it): the waits counted are the six sleeps."""
    trace = semaphore(1)
    start, end = outside_waits(trace)
    spans = trace.spans
    suspended = spans.state == schema.SUSPENDED
    labels = {
        (float(s), float(e)): trace.suspensions[a].label
        for s, e, a in zip(
            spans.start[suspended], spans.end[suspended], spans.awaiting[suspended], strict=True
        )
    }
    counted = [labels[(float(s), float(e))] for s, e in zip(start, end, strict=True)]
    assert counted == ["sleep(1.0)"] * 6
    assert sum(label == "Semaphore.acquire" for label in labels.values()) == 5  # not counted


def test_ready_time_is_the_sum_of_the_ready_spans() -> None:
    trace = run("cpu_bound_work", clock="virtual")  # (busy time is what it compares)
    spans = trace.spans
    length = spans.end - spans.start
    f = figures(trace)
    assert f.ready == pytest.approx(float(length[spans.state == schema.READY].sum()))
    assert f.task_time == pytest.approx(float(length.sum()))
    # CPU-bound steps take turns: the others stand ready meanwhile (a real share)
    assert f.ready_share > 0.05
    assert 0 < f.loop_busy <= f.duration


def test_most_at_once_counts_overlaps_exactly() -> None:
    start, end = np.array([0.0, 1.0, 0.5, 3.0]), np.array([1.0, 2.0, 1.5, 4.0])
    # [0,1) and [0.5,1.5) overlap, then [1,2) begins as [0,1) ends: never three
    assert most_at_once(start, end) == (2, 0.5)
    assert most_at_once(np.zeros(0), np.zeros(0)) == (0, 0.0)
    # back to back, end to start: one at a time
    assert most_at_once(np.array([0.0, 1.0, 2.0]), np.array([1.0, 2.0, 3.0]))[0] == 1


def test_what_tells_runs_apart() -> None:
    a = {"source": "s", "params": {"workers": 6, "limit": 1}}
    assert names_apart(a, {"source": "s", "params": {"workers": 6, "limit": 3}}) == (
        "limit=1",
        "limit=3",
    )
    assert names_apart(a, dict(a)) is None
    # a parameter one run does not name: its value is unknown, not told
    assert names_apart(a, {"source": "s", "params": {}}) is None
    assert names_apart({"source": "x"}, a) == ("x", "s (workers=6, limit=1)")


def test_short_seconds() -> None:
    assert [short_seconds(v) for v in (3.0016, 2.0, 0.99849, 0.0123, 4.5e-5, 0)] == [
        "3.00 s",
        "2.00 s",
        "998 ms",
        "12.3 ms",
        "45.0 us",
        "0 s",
    ]


# --- the comparison view (pytest-qt) ---------------------------------------------------


def _view(qtbot: Any, a: Trace, b: Trace) -> CompareView:
    view = CompareView()
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    qtbot.waitExposed(view)
    view.show_runs(a, b)
    return view


def _x_in(view: CompareView, index: int, t: float) -> float:
    """Where time ``t`` is drawn in chart ``index``, in the view's pixels."""
    chart = view.charts[index]
    box = chart.getPlotItem().getViewBox()
    scene = box.mapViewToScene(QPointF(t, 0.0))
    return float(chart.mapTo(view, chart.mapFromScene(scene)).x())


def test_the_two_charts_share_one_time_axis(qtbot: Any) -> None:
    view = _view(qtbot, sequential(), concurrent())
    top, bottom = (chart.getPlotItem().getViewBox() for chart in view.charts)
    # fitted to the longer run, both
    assert top.viewRange()[0] == pytest.approx(bottom.viewRange()[0])
    assert top.viewRange()[0][1] >= 3.0
    # panning either moves the other
    top.translateBy(x=0.7)
    assert bottom.viewRange()[0] == pytest.approx(top.viewRange()[0])
    bottom.setXRange(1.0, 1.5, padding=0)
    assert top.viewRange()[0] == pytest.approx([1.0, 1.5])
    view.fit()
    qtbot.wait(50)  # (the layout settles)
    # the same instant at the same x in both (the lane-name columns are as wide)
    assert view.charts[0].names_width() == view.charts[1].names_width()
    for t in (0.0, 1.0, 2.0, 3.0):
        assert _x_in(view, 0, t) == pytest.approx(_x_in(view, 1, t), abs=1)
    # ... whatever the names: a long one widens its chart's column, and the other's
    a = sequential()
    long_name = dataclasses.replace(a.tasks[0], name="main, with a much longer name")
    view.show_runs(dataclasses.replace(a, tasks=[long_name]), concurrent())
    qtbot.wait(50)
    assert view.charts[0].names_width() > 200
    # the other's column as wide: both show the same time (no strip before 0 in one)
    assert view.charts[1].names_width() == view.charts[0].names_width()
    assert top.viewRange()[0] == pytest.approx(bottom.viewRange()[0])
    assert bottom.viewRange()[0][0] > -0.1
    for t in (0.0, 1.0, 2.0, 3.0):
        assert _x_in(view, 0, t) == pytest.approx(_x_in(view, 1, t), abs=1)
    # the time axis is written once, under the lower chart
    assert not view.charts[0].getPlotItem().getAxis("bottom").style["showValues"]
    assert view.charts[1].getPlotItem().getAxis("bottom").style["showValues"]


def test_each_title_names_its_run_and_its_total_time(qtbot: Any) -> None:
    a, b = sequential(), concurrent()
    view = _view(qtbot, a, b)
    top, bottom = (title.text() for title in view.titles)
    assert "mode=sequential" in top and short_seconds(a.duration) in top
    assert "mode=concurrent" in bottom and short_seconds(b.duration) in bottom
    assert short_seconds(a.duration) == "3.00 s" or a.duration > 3.005  # (a slow machine)
    # a dashed line where each run ended, labelled with its time
    ends = [(end.value(), end.label.toPlainText()) for end in view.ends]
    assert ends == [
        (a.duration, short_seconds(a.duration)),
        (b.duration, short_seconds(b.duration)),
    ]


def test_the_summary_of_sequential_against_concurrent(qtbot: Any) -> None:
    a, b = sequential(), concurrent()
    c = compare(a, b)
    said = comparison_sentences(c)
    assert said[0] == (
        f"mode=concurrent took {short_seconds(b.duration)}, {short_seconds(c.saved)} less"
        f" than mode=sequential ({short_seconds(a.duration)}): {c.percent:.0f}% less time."
    )
    assert said[1] == (
        "Most tasks waiting at once on a sleep, I/O or a thread: 1 in mode=sequential,"
        " 2 in mode=concurrent."
    )
    assert said[2].startswith("Only one task runs at a time: mode=concurrent is faster")
    assert "Tasks made: 1 in mode=sequential, 3 in mode=concurrent." in said
    assert said[-1].startswith("In both runs the tasks hardly waited for the loop")
    # the view says the same
    view = _view(qtbot, a, b)
    assert "1 in mode=sequential, 2 in mode=concurrent" in view.summary.text()


def test_the_summary_of_semaphore_one_against_three(qtbot: Any) -> None:
    c = compare(semaphore(1), semaphore(3))
    said = comparison_sentences(c)
    assert said[0].startswith("limit=3 took 2.0")
    assert "less than limit=1 (6.0" in said[0] and said[0].endswith("67% less time.")
    assert (
        "Most tasks waiting at once on a sleep, I/O or a thread: 1 in limit=1, 3 in limit=3."
        in said
    )
    assert not any(s.startswith("Tasks made") for s in said)  # (7 in both: not said)


def test_a_run_against_itself_says_no_difference(qtbot: Any) -> None:
    trace = semaphore(3)
    c = compare(trace, trace)
    assert c.alike and c.names is None and c.saved == 0
    said = comparison_sentences(c)
    assert said[0].startswith("No difference: the two runs took the same time (2.0")
    assert "Most tasks waiting at once on a sleep, I/O or a thread: 3 in both." in said
    assert not any("faster" in s or "less time" in s for s in said)
    view = _view(qtbot, trace, trace)
    assert view.titles[0].text().startswith("<b>A</b>")
    assert view.titles[1].text().startswith("<b>B</b>")


def test_the_same_scenario_twice_is_the_same_time() -> None:
    """Two runs of one scenario on the virtual clock differ by microseconds of busy
    time: the same time, no difference, not "0.01% less"."""
    scenario = find("gather_basics")
    a, b = (run_scenario(scenario, {}, clock="virtual").trace for _ in range(2))
    c = compare(a, b)
    assert c.same_time and c.alike
    assert comparison_sentences(c)[0].startswith("No difference")


# --- the window's ways to compare ----------------------------------------------------------


def test_compare_with_the_previous_run(qapp: Any, window: MainWindow) -> None:
    window.select("sequential_vs_concurrent")
    window.set_clock_mode("virtual")
    assert not window.comparing.previous_action.isEnabled()
    loop = GuiEventLoop(qapp)

    async def run_with(mode: str) -> Any:
        window.params.set_values({"mode": mode})
        window.run_selected()
        task = window._task
        assert task is not None
        return await task

    try:
        first = loop.run_until_complete(run_with("sequential"))
        second = loop.run_until_complete(run_with("concurrent"))
    finally:
        loop.close()
    assert window.comparing.previous_action.isEnabled()
    window.comparing.previous_action.trigger()
    shown = window.comparing.compare_window
    assert shown is not None and shown.isVisible()
    assert shown.view.traces == (first.trace, second.trace)  # the earlier above
    assert shown.view.comparison is not None
    assert shown.view.comparison.names == ("mode=sequential", "mode=concurrent")
    window.close()
    assert not shown.isVisible()  # (it closes with the main window)


def test_compare_with_the_forms_parameters(qapp: Any, window: MainWindow) -> None:
    scenario = find("semaphore_workers")
    loop = GuiEventLoop(qapp)

    async def compare_runs() -> Any:
        await window.run(scenario, bind_params(scenario, {"limit": "1"}), "virtual")
        window.params.set_values({"limit": 3})
        return await window.comparing.compare_with_run(
            scenario, bind_params(scenario, window.params.values())
        )

    try:
        shown = loop.run_until_complete(compare_runs())
    finally:
        loop.close()
    assert shown is not None and shown.view.comparison is not None
    c = shown.view.comparison
    assert (c.a.most_waiting, c.b.most_waiting) == (1, 3)
    assert window.trace is shown.view.traces[0]  # the main window keeps showing A
    assert window.run_action.isEnabled()  # (off while B was recorded, on again)


def test_compare_with_a_trace_file(window: MainWindow, tmp_path: Path) -> None:
    saved = tmp_path / "concurrent.json"
    save(concurrent(), saved)
    assert window.comparing.compare_with_file(saved) is None  # nothing on screen yet
    window.trace = sequential()
    shown = window.comparing.compare_with_file(saved)
    assert shown is not None and shown.view.comparison is not None
    assert shown.view.comparison.b.most_waiting == 2
    bad = tmp_path / "bad.json"
    bad.write_text("not a trace", encoding="utf-8")
    assert window.comparing.compare_with_file(bad) is None
    assert window.comparing.last_message is not None
    assert str(bad) in window.comparing.last_message[0]


def test_the_compare_flag_screenshots_the_comparison(tmp_path: Path) -> None:
    shot = tmp_path / "compare.png"
    command = [
        sys.executable,
        "-m",
        "visualizer",
        "gui",
        "semaphore_workers",
        "--param",
        "limit=1",
        "--compare",
        "limit=3",
        "--screenshot",
        str(shot),
        "--exit-when-done",
        "--size",
        "1280x720",
    ]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    image = QImage(str(shot))
    assert image.width() == 1280 and image.height() >= 720
