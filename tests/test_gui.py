"""The window and its chart (pytest-qt, offscreen), and a real window under Xvfb."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt, QUrl
from PySide6.QtGui import QImage

from visualizer.app.live_frames import LiveFrames
from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.model.lanes import lane_order
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import discover, find
from visualizer.trace import schema
from visualizer.trace.data import TaskRecord, Trace
from visualizer.views.chart import GanttView
from visualizer.views.coverage import merge_subpixel

ROOT = Path(__file__).resolve().parent.parent


# --- lanes --------------------------------------------------------------------------------------
def _task(tid: int, parent: int | None) -> TaskRecord:
    return TaskRecord(tid, f"t{tid}", "coro", parent, 0.0, None)


def test_children_sit_right_under_their_parent() -> None:
    # 0 main; 1, 2 its children; 3 a child of 1; 4 made by a plain callback (no parent)
    tasks = [_task(0, None), _task(1, 0), _task(2, 0), _task(3, 1), _task(4, None)]
    assert lane_order(tasks).tolist() == [0, 1, 3, 2, 4]


# --- merging bars narrower than a pixel ----------------------------------------------------------
def _merge(rows: list[tuple[int, float, float, int]], px: float) -> list[tuple[Any, ...]]:
    lane, start, end, label = (np.array(c) for c in zip(*rows, strict=True))
    merged = merge_subpixel(lane, start.astype(float), end.astype(float), label, px)
    return [tuple(x.item() for x in row) for row in zip(*merged, strict=True)]


def test_narrow_bars_close_together_merge_into_one() -> None:
    rows = [(0, 0.0, 0.1, 5), (0, 0.15, 0.2, 5), (0, 0.25, 0.3, 5)]
    assert _merge(rows, px=1.0) == [(0, 0.0, 0.3, 5)]


def test_wide_bars_never_merge_even_when_adjacent() -> None:
    """Suspended on a Semaphore, then on a sleep: two bars, two labels, however close."""
    rows = [(0, 0.0, 10.0, 1), (0, 10.0001, 20.0, 2)]
    assert _merge(rows, px=1.0) == rows


def test_a_merged_bar_keeps_a_label_only_if_all_shared_it() -> None:
    rows = [(0, 0.0, 0.1, 1), (0, 0.2, 0.3, 2), (1, 0.0, 0.1, 3)]
    assert _merge(rows, px=1.0) == [(0, 0.0, 0.3, -1), (1, 0.0, 0.1, 3)]


def test_bars_far_apart_or_in_other_lanes_stay_apart() -> None:
    rows = [(0, 0.0, 0.1, 1), (0, 5.0, 5.1, 1), (1, 0.1, 0.2, 1)]
    assert _merge(rows, px=1.0) == rows


# --- the chart draws the model -----------------------------------------------------------------
def _chart_of(qtbot: Any, scenario: str) -> tuple[Trace, GanttView]:
    """``scenario`` recorded on the virtual clock, shown in a fitted 1400x700 chart."""
    trace = run_scenario(find(scenario), {}, clock="virtual").trace
    view = GanttView()
    qtbot.addWidget(view)
    view.resize(1400, 700)
    view.show_trace(trace)
    return trace, view


def test_the_chart_holds_every_span_of_the_trace_in_its_lane(qtbot: Any) -> None:
    trace, view = _chart_of(qtbot, "semaphore_workers")
    assert view.bars.span_count() == len(trace.spans)
    lanes = lane_order(trace.tasks)
    for state in range(len(schema.STATE_NAMES)):
        bars = view.bars.spans_of(state)
        mask = trace.spans.state == state
        expected = sorted(
            zip(
                lanes[trace.spans.task[mask]].tolist(),
                trace.spans.start[mask].tolist(),
                strict=True,
            )
        )
        assert list(zip(bars.lane.tolist(), bars.start.tolist(), strict=True)) == expected
    view.grab()  # paints
    # at the fitted zoom every suspended bar is wide: drawn one by one, none merged away
    assert view.bars.drawn[schema.SUSPENDED] == int((trace.spans.state == schema.SUSPENDED).sum())
    assert view.bars.drawn[schema.RUNNING] >= 1


# --- the window on the GUI loop (``window``: tests/conftest.py) -----------------------------


def test_a_live_run_on_the_gui_loop_fills_the_chart(qapp: Any, window: MainWindow) -> None:
    loop = GuiEventLoop(qapp)
    try:
        outcome = loop.run_until_complete(window.run(find("gather_basics"), {}, "real"))
    finally:
        loop.close()
    assert outcome.error is None
    names = {t.name for t in outcome.trace.tasks}
    assert window.chart.bars.span_count() == len(outcome.trace.spans) > 10
    # the scenario's tasks only: the window's own coroutine (which ran the scenario) is not there
    assert len(outcome.trace.tasks) == len(
        run_scenario(find("gather_basics"), {}, clock="virtual").trace.tasks
    ), names
    assert outcome.trace.meta["loop"].endswith("GuiEventLoop")


def test_a_virtual_run_is_recorded_off_the_loop_and_shown(qapp: Any, window: MainWindow) -> None:
    loop = GuiEventLoop(qapp)
    try:
        outcome = loop.run_until_complete(
            window.run(find("sequential_vs_concurrent"), {}, "virtual")
        )
        loop.run_until_complete(window.lesson_checks.finished())  # (the lesson's checks)
    finally:
        loop.close()
    assert outcome.trace.meta["clock"] == "virtual"
    reference = run_scenario(find("sequential_vs_concurrent"), {}, clock="virtual").trace
    assert outcome.trace.duration == pytest.approx(reference.duration, abs=0.05)
    assert len(outcome.trace.spans) == len(reference.spans)
    assert window.chart.bars.span_count() == len(outcome.trace.spans)


def test_stop_keeps_the_partial_trace(qapp: Any, window: MainWindow) -> None:
    loop = GuiEventLoop(qapp)

    async def run_then_stop() -> Any:
        running = asyncio.ensure_future(window.run(find("cancellation"), {}, "real"))
        await asyncio.sleep(0.3)
        window.stop()
        return await running

    try:
        outcome = loop.run_until_complete(run_then_stop())
    finally:
        loop.close()
    assert outcome.error == "stopped"
    # cut short: the whole run takes 3 s (its main cancels the worker at 3 s and ends
    # "done"); stopped after 0.3 s, however late a busy machine let the Stop come, main
    # was cancelled, not done
    assert outcome.trace.duration >= 0.25
    assert {t.name: t.outcome for t in outcome.trace.tasks}["main"] == "cancelled"
    assert len(outcome.trace.spans) > 3


def _shown(window: MainWindow) -> list[str]:
    """The scenarios the browser shows (not its sections' headers)."""
    return [
        window.browser.item(i).data(Qt.ItemDataRole.UserRole)
        for i in window.browser.scenario_rows()
        if not window.browser.item(i).isHidden()
    ]


def test_the_browser_filters_by_search_and_tag(window: MainWindow) -> None:
    window.search.setText("semaphore")  # (a title or a tag)
    semaphores = [s.id for s in window.scenarios.values() if "semaphore" in s.tags]
    assert sorted(_shown(window)) == sorted(semaphores) and "semaphore_workers" in semaphores
    window.search.setText("")
    tagged = sorted(s.id for s in window.scenarios.values() if "basics" in s.tags)
    assert 1 < len(tagged) < len(window.scenarios)
    window.tags.setCurrentText("basics")
    assert sorted(_shown(window)) == tagged
    window.search.setText("running tasks together")  # both: the search within the tag
    assert _shown(window) == ["gather_basics"]
    window.tags.setCurrentText("semaphore")
    assert _shown(window) == []
    window.search.setText("")
    window.tags.setCurrentIndex(0)  # all tags
    assert len(_shown(window)) == len(window.scenarios)


# --- the automation flags, offscreen and in a real window ----------------------------------
def _gui(tmp_path: Path, env: dict[str, str], *prefix: str) -> tuple[Path, Path]:
    shot, saved = tmp_path / "window.png", tmp_path / "trace.json"
    command = [
        *prefix,
        sys.executable,
        "-m",
        "visualizer",
        "gui",
        "semaphore_workers",
        "--autorun",
        "--clock",
        "virtual",
        "--screenshot",
        str(shot),
        "--save-trace",
        str(saved),
        "--exit-when-done",
        "--size",
        "1280x720",
    ]
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    return shot, saved


def test_gui_flags_run_save_and_screenshot(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    shot, saved = _gui(tmp_path, env)
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1280, 720)
    assert saved.stat().st_size > 1000


def test_a_real_window_under_xvfb(tmp_path: Path) -> None:
    """The xcb platform in a real X server (Xvfb): the libraries README lists are there."""
    xvfb_run = shutil.which("xvfb-run")
    if xvfb_run is None:
        if os.environ.get("CI"):
            pytest.fail("xvfb-run is missing: tools/setup-env installs xvfb")
        pytest.skip("no xvfb-run here")
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env["QT_QPA_PLATFORM"] = "xcb"
    shot, _ = _gui(tmp_path, env, xvfb_run, "-a", "-s", "-screen 0 1600x1000x24")
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1280, 720)


def test_coverage_counts_each_pixel_column_exactly() -> None:
    """Two lanes, columns 1 unit wide from 0: a bar inside a column, one across three."""
    from visualizer.views.coverage import coverage

    lane = np.array([0, 1])
    start = np.array([0.25, 0.5])
    end = np.array([0.75, 3.25])
    got = coverage(lane, start, end, x0=0.0, px=1.0, cols=4, lanes=2).reshape(2, 4)
    assert got.tolist() == [[0.5, 0.0, 0.0, 0.0], [0.5, 1.0, 1.0, 0.25]]


def test_arrows_show_who_created_woke_and_cancelled_whom(qtbot: Any) -> None:
    trace, view = _chart_of(qtbot, "cancellation")
    spans = trace.spans
    ready = spans.state == schema.READY
    main, worker = trace.task_by_name("main"), trace.task_by_name("worker")
    # main cancels the worker: one cancel arrow, from main's lane to the worker's
    cancels = ready & (spans.woken_kind == schema.WAKE_CANCEL)
    assert spans.woken_task[cancels].tolist() == [main.id]
    assert spans.task[cancels].tolist() == [worker.id]
    assert view.cancels.count() == 1
    # the worker, done, wakes main: a wake arrow (wakes by a task of itself draw none)
    by_task = ready & (spans.woken_kind == schema.WAKE_TASK) & (spans.woken_task != spans.task)
    assert view.wakes.count() == int(by_task.sum()) >= 1
    assert view.creations.count() == 1  # main created the worker
    # every timer wake: a mark above the bar, a short arrow down into it
    by_timer = ready & (spans.woken_kind == schema.WAKE_TIMER)
    assert view.from_loop[schema.WAKE_TIMER].count() == int(by_timer.sum()) >= 3
    marks_x, _ = view._marks_shown[schema.WAKE_TIMER]
    assert sorted(marks_x.tolist()) == sorted(spans.start[by_timer].tolist())
    view.grab()
    assert view.cancels.drawn == 1 and view.creations.drawn == 1
    view.show_arrows(wakes=False, creations=False)
    assert not view.wakes.isVisible() and not view.cancels.isVisible()
    assert not view.from_loop[schema.WAKE_TIMER].isVisible()


def test_clicking_a_bar_shows_its_details(qapp: Any, window: MainWindow, qtbot: Any) -> None:
    loop = GuiEventLoop(qapp)
    try:
        outcome = loop.run_until_complete(window.run(find("cancellation"), {}, "virtual"))
    finally:
        loop.close()
    chart = window.chart
    worker = outcome.trace.task_by_name("worker")
    lane = float(chart.lanes[worker.id])
    view = chart.getPlotItem().getViewBox()
    scene = view.mapViewToScene(QPointF(1.5, lane))  # inside the worker's second sleep
    where = chart.mapFromScene(scene)
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=where)
    details = window.details.details
    assert details is not None
    fields = dict(details.fields)
    assert (fields["task"], fields["state"], fields["awaiting"]) == (
        f"worker (#{worker.id})",
        "suspended",
        "sleep(1.0)",
    )
    assert chart.selection.isVisible()
    assert "sleep(1.0)" in window.details.toPlainText()
    # the source view shows the scenario with the await site's line marked
    path, _, line = fields["at"].rpartition(":")
    assert window.source.path == Path(path) and window.source.marked == int(line)
    marked = window.source.document().findBlockByLineNumber(int(line) - 1).text()
    assert "await asyncio.sleep" in marked


def test_open_save_round_trip_and_a_bad_file_changes_nothing(
    qapp: Any, window: MainWindow, tmp_path: Path
) -> None:
    loop = GuiEventLoop(qapp)
    try:
        outcome = loop.run_until_complete(window.run(find("gather_basics"), {}, "virtual"))
    finally:
        loop.close()
    saved = tmp_path / "run.json"
    window.save_trace(saved)
    shown = window.chart.bars.span_count()
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "asyncviz-trace", "version": 99}')
    assert not window.open_trace(bad)
    assert window.last_message is not None and "version" in window.last_message[1]
    assert window.trace is outcome.trace and window.chart.bars.span_count() == shown
    assert window.open_trace(saved)
    assert window.trace is not outcome.trace
    assert window.chart.bars.span_count() == shown == len(outcome.trace.spans)
    assert [t.name for t in window.trace.tasks] == [t.name for t in outcome.trace.tasks]
    for kind in ("png", "svg"):
        window.export_chart(tmp_path / f"chart.{kind}", kind)
        assert (tmp_path / f"chart.{kind}").stat().st_size > 1000
    # while a run is going the chart is the run's: opening a file is refused, with a word
    loop = GuiEventLoop(qapp)

    async def open_mid_run() -> bool:
        window.select("semaphore_workers")
        window.clock.setCurrentText("real")
        window.run_selected()
        await asyncio.sleep(0.2)
        opened = window.open_trace(saved)
        window.stop()
        assert window._task is not None
        await window._task
        return opened

    try:
        assert not loop.run_until_complete(open_mid_run())
    finally:
        loop.close()
    assert window.last_message is not None and "stop it first" in window.last_message[1]


@pytest.mark.parametrize("clock", ["real", "virtual"])
def test_a_failing_scenario_shows_its_traceback_and_keeps_the_trace(
    qapp: Any, window: MainWindow, tmp_path: Path, clock: str
) -> None:
    script = tmp_path / "explodes.py"
    script.write_text(
        '"""Explodes after a nap"""\n'
        "import asyncio\n\n\n"
        "async def main() -> None:\n"
        "    await asyncio.sleep(0.05)\n"
        "    raise RuntimeError('boom')  # LINE-7\n",
        encoding="utf-8",
    )
    loop = GuiEventLoop(qapp)
    try:
        outcome = loop.run_until_complete(window.run(find(script), {}, clock))
    finally:
        loop.close()
    assert outcome.error == "RuntimeError: boom"
    assert window.details.error == "RuntimeError: boom"
    assert len(outcome.trace.spans) >= 3  # the partial trace is shown...
    assert window.chart.bars.span_count() == len(outcome.trace.spans)
    window.save_trace(tmp_path / "kept.json")  # ... and savable
    assert (tmp_path / "kept.json").stat().st_size > 100
    # a frame of the traceback, clicked, opens that line in the source view
    window.details.anchorClicked.emit(QUrl(f"site:{script}:7"))
    assert window.source.path == script and window.source.marked == 7


def test_a_scenario_that_fails_to_import_says_why(
    qapp: Any, window: MainWindow, tmp_path: Path
) -> None:
    script = tmp_path / "broken.py"
    script.write_text(
        '"""Broken"""\nimport no_such_module_here\n\n\nasync def main() -> None:\n    pass\n',
        encoding="utf-8",
    )
    loop = GuiEventLoop(qapp)
    try:
        outcome = loop.run_until_complete(window.run(find(script), {}, "real"))
    finally:
        loop.close()
    assert outcome.error is not None and "no_such_module_here" in outcome.error
    assert f'{script}", line 2' in window.details.toPlainText()


def test_gui_on_a_file_that_does_not_parse_opens_with_the_error(tmp_path: Path) -> None:
    script = tmp_path / "broken.py"
    script.write_text('"""Broken"""\nasync def main() -> None:\n    await (\n', encoding="utf-8")
    shot = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "visualizer", "gui", str(script), "--autorun"]
    command += ["--screenshot", str(shot), "--exit-when-done"]
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 1, out.stderr[-2000:]
    assert "syntax error at line 3" in out.stderr
    assert QImage(str(shot)).width() > 0  # the window opened, the error in it


def test_parameters_from_the_form_are_used(qapp: Any, window: MainWindow) -> None:
    window.select("semaphore_workers")
    window.clock.setCurrentText("virtual")
    form = window.params.values()
    assert set(form) == {p.name for p in find("semaphore_workers").params}
    loop = GuiEventLoop(qapp)

    async def run_with(values: dict[str, object]) -> Any:
        window.params.set_values(values)
        window.run_selected()
        task = window._task
        return None if task is None else await task

    try:
        # limit 3 of 6 workers, 1 s of work each: two waves, about 2 s
        outcome = loop.run_until_complete(run_with({"limit": 3}))
        assert outcome.trace.meta["params"]["limit"] == 3
        assert outcome.trace.duration == pytest.approx(2.0, abs=0.05)
        # a value of the right type that the scenario refuses: its own error, in the panel
        failed = loop.run_until_complete(run_with({"limit": 0}))
        assert "limit must be at least 1" in failed.error
        assert window.details.error == failed.error
        # Rerun: the last run as it was asked for, whatever the form says now
        assert window.rerun_action.isEnabled()

        async def rerun() -> Any:
            window.params.set_values({"limit": 3})
            window.rerun()
            assert window._task is not None
            return await window._task

        again = loop.run_until_complete(rerun())
        assert again.trace.meta["params"]["limit"] == 0 and again.error == failed.error
    finally:
        loop.close()


def test_the_window_remembers_theme_text_size_and_scenario(qtbot: Any) -> None:
    from visualizer.app.settings import restore_window, saved

    scenarios, _ = discover()
    first = MainWindow(scenarios)
    qtbot.addWidget(first)
    first.select("cancellation")
    first.set_theme("dark")
    first.set_font_size(18)
    first.set_language("zh_CN")
    first.close()  # saves
    assert (saved("theme", "light", str), saved("font_size", 11, int)) == ("dark", 18)
    second = MainWindow(scenarios)
    qtbot.addWidget(second)
    restore_window(second)
    assert second.selected() is not None and second.selected().id == "cancellation"
    assert second.language == "zh_CN" and "要看什么" in second.about.text()
    second.set_language("en")
    second.close()  # (English again for the tests after this one)
    first.set_theme("light")  # (the app's palette and font, for the tests after this one)
    first.set_font_size(11)


def test_the_now_line_leads_until_the_user_pans_away(qtbot: Any) -> None:
    view = GanttView()
    qtbot.addWidget(view)
    view.resize(1000, 500)
    plot = view.getPlotItem()
    plot.setXRange(0, 1, padding=0)
    view.show_now(5.0)
    (x0, x1), _ = plot.getViewBox().viewRange()
    assert view.now_line.isVisible() and x0 < 5.0 < x1  # followed
    plot.getViewBox().sigRangeChangedManually.emit([True, False])  # the user pans
    assert not view.following
    view.show_now(9.0)
    (x0, x1), _ = plot.getViewBox().viewRange()
    assert x1 < 9.0 and view.now_line.value() == 9.0  # the line moves, the view stays
    view.show_now(None)
    assert not view.now_line.isVisible()


def test_the_loop_row_threads_and_blocked_bands(qtbot: Any) -> None:
    from visualizer.model.loop_lanes import LOOP_LANE, busy_intervals, extra_rows

    trace, view = _chart_of(qtbot, "blocking_call")
    # the loop is busy for the blocking step: one busy interval of about 0.5 s
    start, end = busy_intervals(trace)
    assert (end - start).max() == pytest.approx(0.5, abs=0.02)
    assert view.bands.count() == len(trace.blocked) == 1
    assert trace.blocked[0].end - trace.blocked[0].start == pytest.approx(0.5, abs=0.02)
    assert extra_rows(trace).names == [LOOP_LANE]
    trace, view = _chart_of(qtbot, "executor_jobs")
    rows = extra_rows(trace)
    assert rows.names[0] == LOOP_LANE and len(rows.names) == 3  # two worker threads
    assert sorted(label for label in rows.label if label) == ["crunch", "crunch"]
    assert view.bands.count() == 0
    assert view.rows == len(trace.tasks) + 3


def test_coverage_when_every_bar_crosses_a_column_edge() -> None:
    from visualizer.views.coverage import coverage

    got = coverage(np.array([0]), np.array([0.5]), np.array([2.5]), 0.0, 1.0, 3, 1)
    assert got.tolist() == [0.5, 1.0, 0.5]


def test_while_live_the_source_marks_where_tasks_wait(qapp: Any, window: MainWindow) -> None:
    loop = GuiEventLoop(qapp)
    seen: list[dict[int, list[str]]] = []

    async def run_and_watch() -> Any:
        running = asyncio.ensure_future(window.run(find("semaphore_workers"), {}, "real"))
        for _ in range(8):
            await asyncio.sleep(0.2)
            if window.source.waiting:
                seen.append(dict(window.source.waiting))
        outcome = await running
        await window.lesson_checks.finished()  # (the lesson's checks, in their process)
        return outcome

    try:
        loop.run_until_complete(run_and_watch())
    finally:
        loop.close()
    assert seen, "no live frame marked a waiting line"
    source = find("semaphore_workers").path.read_text(encoding="utf-8").splitlines()
    waiting_on = {source[line - 1].strip() for marks in seen for line in marks}
    assert "await asyncio.sleep(work)" in waiting_on  # the workers' sleep line
    assert any(
        name.startswith("worker-") for marks in seen for names in marks.values() for name in names
    )
    assert window.source.waiting == {}  # cleared when the run ends


def test_ten_thousand_lanes_name_only_what_fits_and_sample_rows(qtbot: Any) -> None:
    from visualizer.views.coverage import every_lane

    lane = np.array([0, 1, 2, 3, 4, 5])
    got = every_lane((lane, lane * 1.0, lane + 0.5, -np.ones(6, np.int64)), first=0, step=2)
    assert got[0].tolist() == [0, 1, 2] and got[1].tolist() == [0.0, 2.0, 4.0]
    view = GanttView()
    qtbot.addWidget(view)
    view.resize(1200, 600)
    view.names.set(np.arange(10_000)[::-1].copy(), [f"task-{i}" for i in range(10_000)], [], 10_000)
    view.getPlotItem().setYRange(-0.6, 9999.4, padding=0)
    view.names.show_in_view()
    shown = view.names.shown or []
    assert 10 <= len(shown) <= 60  # a readable column of names, not 10,000 on top of each other
    view.getPlotItem().setYRange(100, 120, padding=0)
    shown = view.names.shown or []
    assert [lane for lane, _ in shown] == list(range(100, 121))
    assert [name for _, name in shown] == [f"task-{9999 - lane}" for lane in range(100, 121)]


def test_a_task_woken_by_its_job_gets_an_arrow_from_the_thread(qtbot: Any) -> None:
    from visualizer.model.loop_lanes import extra_rows

    trace, view = _chart_of(qtbot, "executor_jobs")
    rows = extra_rows(trace)
    woken = sorted(trace.tasks[task].name for _, _, task in rows.thread_wakes)
    assert woken == ["fetch-2", "main"]
    for time_, row, task in rows.thread_wakes:
        assert rows.names[row].startswith("thread ")
        job = next(j for j in trace.jobs if j.task == task)
        assert job.end <= time_ + 1e-9
    assert view.from_threads.count() == 2


def test_keys_pan_time_and_lanes(qtbot: Any) -> None:
    view = GanttView()
    qtbot.addWidget(view)
    view.resize(800, 400)
    plot = view.getPlotItem()
    plot.setXRange(10.0, 20.0, padding=0)
    plot.setYRange(0.0, 8.0, padding=0)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Right)
    (x0, x1), (y0, y1) = plot.getViewBox().viewRange()
    assert (x0, x1) == pytest.approx((11.0, 21.0)) and not view.following
    qtbot.keyClick(view, Qt.Key.Key_PageDown)
    (x0, x1), (y0, y1) = plot.getViewBox().viewRange()
    assert (y0, y1) == pytest.approx((8.0, 16.0)) and (x0, x1) == pytest.approx((11.0, 21.0))
    qtbot.keyClick(view, Qt.Key.Key_Up)
    qtbot.keyClick(view, Qt.Key.Key_Left)
    (x0, x1), (y0, y1) = plot.getViewBox().viewRange()
    assert (x0, y0) == pytest.approx((10.0, 7.0))


def test_a_failing_live_frame_is_logged_and_the_run_goes_on(
    qapp: Any, window: MainWindow, monkeypatch: Any, caplog: Any
) -> None:
    """A bug in drawing a live frame must not stop the program being shown, nor the
    frames after it: it is logged once and the run ends normally, its trace whole."""
    calls: list[int] = []

    def broken(self: LiveFrames, recorder: Any) -> None:
        calls.append(1)
        raise RuntimeError("a bug in a frame")

    monkeypatch.setattr(LiveFrames, "_draw", broken)
    loop = GuiEventLoop(qapp)
    try:
        with caplog.at_level("ERROR", logger="asyncviz.app"):
            outcome = loop.run_until_complete(window.run(find("gather_basics"), {}, "real"))
    finally:
        loop.close()
    assert outcome.error is None and len(outcome.trace.tasks) == 4
    assert len(calls) > 3  # frames kept coming
    assert len([r for r in caplog.records if "live frame failed" in r.getMessage()]) == 1


def test_explanations_follow_the_language(window: MainWindow) -> None:
    """A scenario's explanation in Simplified Chinese when the language is Chinese
    (``EXPLAIN_ZH``), in English otherwise; the View menu shows which."""
    window.select("gather_basics")
    window.set_language("zh_CN")
    assert "要看什么" in window.about.text() and "What to look for" not in window.about.text()
    assert window.language_actions["zh"].isChecked()
    assert not window.language_actions["en"].isChecked()
    window.set_language("de_DE")  # no German: the docstring's English
    assert "What to look for" in window.about.text()
    assert window.language_actions["en"].isChecked()
