"""The Insights pane (issue 16, point 3), in a real window (pytest-qt, offscreen): the
insights of a finished run, of an opened trace, and of a live run before its end;
choosing one moves the chart to it, picks out its tasks, explains it and opens its
lesson; the badges on the lanes say the finding; the counts in the status line; the
words in Chinese; the pane put away and in presenter mode.

Runs are awaited as the other window tests await them (``window.run`` on a
``GuiEventLoop``); the live run waits for the pane, not for a time: its program goes on
until the test has seen the insight (a file it looks for), however busy the machine.
"""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QTextDocumentFragment

from visualizer.app.insights_pane import span_in_view
from visualizer.app.presenter import PRESENTER_FONT
from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.model.insights import Insight
from visualizer.model.insights.live import EVERY, MOST, PER_SPAN, SPACING, LiveInsights
from visualizer.session.scenarios import find
from visualizer.session.sources import RunOutcome
from visualizer.views.insight_badges import BADGE_Y


def _run(qapp: Any, window: MainWindow, scenario: str, clock: str = "virtual") -> RunOutcome:
    loop = GuiEventLoop(qapp)
    try:
        outcome: RunOutcome = loop.run_until_complete(window.run(find(scenario), {}, clock))
    finally:
        loop.close()
    return outcome


def _listed(window: MainWindow) -> list[str]:
    return [window.insights.list.item(i).text() for i in range(window.insights.list.count())]


def kinds(found: list[Insight]) -> set[str]:
    return {x.kind for x in found}


def _click_row(qtbot: Any, window: MainWindow, row: int) -> None:
    listing = window.insights.list
    rect = listing.visualItemRect(listing.item(row))
    qtbot.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_a_finished_run_lists_its_insight_and_choosing_it_shows_it(
    qapp: Any, window: MainWindow, qtbot: Any
) -> None:
    outcome = _run(qapp, window, "blocking_call")
    pane = window.insights
    [step] = pane.insights
    worker, ticker = (outcome.trace.task_by_name(n).id for n in ("worker", "ticker"))
    assert (step.kind, step.tasks) == ("blocking-step", (worker, ticker))
    assert _listed(window) == [f"{step.start:.3f} s  {step.finding}"]
    assert "'worker' held the loop for" in step.finding
    assert pane.counts.text() == "1 warning"
    assert pane.counts.isVisible()
    # nothing chosen yet: no lanes picked out, no buttons
    assert not len(pane.highlight.lanes) and not pane.lesson_button.isVisible()
    # the user looks elsewhere, zoomed in: choosing the insight brings its span into view
    view = window.chart.getPlotItem().getViewBox()
    view.setXRange(1.2, 1.3, padding=0)
    _click_row(qtbot, window, 0)
    assert pane.chosen() == step
    (x0, x1), _ = view.viewRange()
    assert x0 < step.start and step.end < x1
    lanes = window.chart.lanes
    assert sorted(pane.highlight.lanes.tolist()) == sorted([lanes[worker], lanes[ticker]])
    # its line shown in the source view (a built-in lesson's file: shown unasked)
    assert step.site is not None
    assert window.source.marked == int(step.site.rpartition(":")[2])
    # the step itself outlined, its details shown as a click on its bar shows them
    assert window.chart.selection.isVisible()
    details = window.details.details
    assert details is not None and dict(details.fields)["task"] == f"worker (#{worker})"
    # its explanation, as text, and the buttons to the line and to the lesson
    assert pane.explanation.textFormat() == Qt.TextFormat.PlainText
    assert pane.explanation.text() == step.explanation
    assert "A step held the loop" in pane.heading.text()
    assert pane.lesson_button.isVisible()
    assert pane.lesson_button.whole == "Open lesson: A blocking call freezes every task"
    window.select("gather_basics")
    qtbot.mouseClick(pane.lesson_button, Qt.MouseButton.LeftButton)
    assert window.browser.selected_id() == "blocking_call"
    assert "A blocking call freezes every task" in window.about.text()
    assert step.site is not None
    qtbot.mouseClick(pane.site_button, Qt.MouseButton.LeftButton)
    path, _, line = step.site.rpartition(":")
    assert window.source.path == Path(path) and window.source.marked == int(line)


def test_a_badge_on_each_lane_concerned_says_the_finding(
    qapp: Any, window: MainWindow, qtbot: Any
) -> None:
    outcome = _run(qapp, window, "blocking_call")
    [step] = window.insights.insights
    badges = window.insights.badges
    assert badges.task.tolist() == list(step.tasks)
    window.chart.fit(outcome.trace)
    qtbot.waitUntil(lambda: badges.drawn == 2)  # (both in view, painted)
    chart = window.chart
    view = chart.getPlotItem().getViewBox()
    worker = outcome.trace.task_by_name("worker").id
    at = QPointF(step.start, float(chart.lanes[worker]) + BADGE_Y)
    assert badges.tooltip_at(at.x(), at.y(), view.viewPixelSize()) == step.finding
    chart._hovered(view.mapViewToScene(at))  # (as the other chart tests hover)
    assert QTextDocumentFragment.fromHtml(chart.toolTip()).toPlainText() == step.finding
    # far from any badge: no finding
    away = QPointF(step.end + 0.3, float(chart.lanes[worker]) - 0.5)
    assert badges.tooltip_at(away.x(), away.y(), view.viewPixelSize()) is None
    # a click on a badge chooses its insight (and selects no bar under it)
    assert window.insights.chosen() is None
    click = chart.mapFromScene(view.mapViewToScene(at))
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=click)
    assert window.insights.chosen() == step
    # a view that begins inside the step still shows its badges, at its left edge
    view.setXRange(step.start + 0.1, step.end + 0.1, padding=0)
    qtbot.waitUntil(lambda: badges.drawn == 2)
    view.setXRange(step.end + 0.2, step.end + 0.4, padding=0)
    qtbot.waitUntil(lambda: badges.drawn == 0)


def test_an_opened_trace_shows_its_insights(qapp: Any, window: MainWindow, tmp_path: Path) -> None:
    outcome = _run(qapp, window, "exception_never_retrieved")
    saved = tmp_path / "run.json"
    window.save_trace(saved)
    window.insights.clear()
    assert window.insights.insights == [] and window.insights.counts.text() == ""
    assert window.open_trace(saved)
    [found] = window.insights.insights
    upload = outcome.trace.task_by_name("upload").id
    assert (found.kind, found.severity, found.tasks) == ("never-retrieved", "error", (upload,))
    assert window.insights.counts.text() == "1 error"
    window.insights.choose(0)
    assert window.insights.lesson_button.whole.startswith("Open lesson: ")


def test_choosing_an_insight_asks_nothing_about_a_file_not_trusted(
    qapp: Any, window: MainWindow, tmp_path: Path, qtbot: Any
) -> None:
    """An opened trace's file elsewhere: choosing its insight shows no source and asks no
    question; the button asks (as a details link does)."""
    _run(qapp, window, "exception_never_retrieved")
    saved = tmp_path / "run.json"
    window.save_trace(saved)
    lesson = find("exception_never_retrieved").path
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / lesson.name).write_text(lesson.read_text(encoding="utf-8"), encoding="utf-8")
    moved = saved.read_text(encoding="utf-8").replace(str(lesson.parent), str(elsewhere))
    saved.write_text(moved, encoding="utf-8")
    assert window.open_trace(saved)
    [found] = window.insights.insights
    assert found.site is not None and found.site.startswith(str(elsewhere))
    before = (window.source.path, window.source.marked)  # (the lesson's own, by its id)
    window.insights.choose(0)
    assert (window.source.path, window.source.marked) == before and window.asked is None
    qtbot.mouseClick(window.insights.site_button, Qt.MouseButton.LeftButton)
    assert window.asked is not None  # (the button asks, as a details link does)


def test_a_live_run_shows_an_insight_before_its_end(
    qapp: Any, window: MainWindow, tmp_path: Path
) -> None:
    """On the real clock, on the window's loop: the blocking step is listed while the
    program still runs (it waits for the test to see it), with nothing that needs the
    run's end (its waiting task is not "left pending"); at the end, the whole run's."""
    flag = tmp_path / "seen"
    program = tmp_path / "blocks_then_waits.py"
    program.write_text(
        textwrap.dedent(
            '''\
            """Blocks the loop, then waits until told to end."""

            import asyncio
            import os
            import time


            async def main(flag: str = "") -> None:
                await asyncio.sleep(0.05)
                time.sleep(0.3)  # a blocking call
                while not os.path.exists(flag):
                    await asyncio.sleep(0.02)


            if __name__ == "__main__":
                asyncio.run(main())
            '''
        )
    )
    loop = GuiEventLoop(qapp)
    seen: list[list[Insight]] = []

    async def run_and_watch() -> RunOutcome:
        running = asyncio.ensure_future(window.run(find(program), {"flag": str(flag)}, "real"))
        while not running.done() and window.insights.live is None:
            await asyncio.sleep(0.01)
        # (live from its first frame: what it found so far, never the idle window's words)
        assert not _listed(window)[0].startswith("Run a scenario")
        while not running.done() and "blocking-step" not in kinds(window.insights.insights):
            await asyncio.sleep(0.05)
        seen.append(list(window.insights.insights))
        counts = window.insights.counts.text()
        flag.write_text("seen")
        outcome = await running
        seen.append([*window.insights.insights])
        assert counts.endswith("warning") or counts.endswith("warnings")
        return outcome

    try:
        outcome = loop.run_until_complete(run_and_watch())
    finally:
        loop.close()
    assert outcome.error is None
    live, final = seen
    # before the end (the program waits for the flag): the step, and nothing that needs
    # the end (the waiting task is not "left pending"; its wait not yet over is no
    # scheduling delay).  A busy machine may have let the window hold the loop long
    # enough for a real scheduling delay besides: a fact of the run, allowed.
    [step] = [x for x in live if x.kind == "blocking-step"]
    assert kinds(live) <= {"blocking-step", "long-scheduling-delay"}
    assert step.end - step.start >= 0.3
    assert window.insights.live is None  # (the run's end: the whole trace's)
    assert "blocking-step" in kinds(final)
    assert kinds(final) <= {"blocking-step", "long-scheduling-delay"}
    assert window.insights.trace is outcome.trace


def test_the_pane_in_chinese(qapp: Any, window: MainWindow) -> None:
    _run(qapp, window, "blocking_call")
    window.set_language("zh_CN")
    qapp.processEvents()  # (Qt's LanguageChange events: the pane's words made again)
    [step] = window.insights.insights
    assert "held the loop" not in step.finding
    assert any("\u4e00" <= c <= "\u9fff" for c in step.finding)  # (Chinese characters)
    assert any("\u4e00" <= c <= "\u9fff" for c in window.insights.counts.text())
    window.insights.choose(0)
    assert any("\u4e00" <= c <= "\u9fff" for c in window.insights.lesson_button.whole)
    assert any("\u4e00" <= c <= "\u9fff" for c in window.insights.heading.text())
    window.set_language("en")
    qapp.processEvents()
    assert window.insights.counts.text() == "1 warning"


def test_the_pane_is_put_away_from_the_view_menu_and_follows_big_type(
    qapp: Any, window: MainWindow
) -> None:
    pane = window.insights
    assert pane.isVisible() and pane.action in window.view_menu.actions()
    pane.action.trigger()
    assert not pane.isVisible()
    pane.action.trigger()
    assert pane.isVisible()
    _run(qapp, window, "blocking_call")
    small = pane.list.iconSize().height()
    window.presenter.enter()
    try:
        qapp.processEvents()
        assert pane.isVisible()
        assert pane.list.font().pointSize() >= PRESENTER_FONT
        assert pane.list.iconSize().height() > small
        assert pane.badges.size > 14
    finally:
        window.presenter.leave()


def test_the_chart_moves_only_as_much_as_it_must() -> None:
    # in view with room: the view as it is (the user's zoom, and place, kept)
    assert span_in_view(0.0, 2.0, 0.5, 1.0) == (0.0, 2.0)
    # out of view, short: the same width, centred on it
    assert span_in_view(0.0, 1.0, 3.0, 3.2) == pytest.approx((2.6, 3.6))
    # an instant out of view: centred on it
    assert span_in_view(0.0, 1.0, 5.0, 5.0) == pytest.approx((4.5, 5.5))
    # too long for the zoom: zoomed out to it, a fifth of it on each side
    assert span_in_view(0.0, 0.1, 1.0, 2.0) == pytest.approx((0.8, 2.2))


def test_live_insights_are_paced_and_bounded_by_their_cost() -> None:
    pace = LiveInsights(None, lambda _, text: text)  # type: ignore[arg-type]
    assert pace.due(0.0) and pace._since(10.0, 10_000) == 0.0  # (cheap: all of it)
    # at first, a span costs ``PER_SPAN``: 30,000 spans of 1,000,000 in 10 s
    assert pace._since(10.0, 1_000_000) == pytest.approx(10.0 - MOST / PER_SPAN / 100_000)
    pace.took(10.0, 10.001, 1000)  # cheap: once a second at most (too few spans to tell)
    assert pace.per_span == PER_SPAN
    assert not pace.due(10.001 + EVERY - 0.01) and pace.due(10.001 + EVERY)
    pace.took(20.0, 20.2, 400_000)  # dear: 20 times its cost after it
    assert pace.next == pytest.approx(20.2 + SPACING * 0.2)
    assert (pace.count, pace.spent) == (2, pytest.approx(0.201))
    # 0.5 us a span, 100,000 spans a second: the last 60,000 spans (MOST: 30 ms), 0.6 s
    assert pace._since(10.0, 1_000_000) == pytest.approx(10.0 - MOST / 0.5e-6 / 100_000)
    assert pace._since(0.3, 30_000) == 0.0  # (all of it is cheap enough)


def test_a_findings_html_is_shown_as_text(window: MainWindow) -> None:
    """A finding holds the program's words (a task's name, an error's message): its
    tooltips show them as they are, never as HTML."""
    finding = "'<b>w</b>' failed with ValueError: <p>bad</p>, and nobody retrieved it"
    site = "/tmp/<i>x</i>.py:3"
    insight = Insight("never-retrieved", "error", (), 0.1, 0.1, finding, "why", None, site)
    window.insights._show([insight])
    item = window.insights.list.item(0)
    assert QTextDocumentFragment.fromHtml(item.toolTip()).toPlainText() == finding
    window.insights.choose(0)
    said = window.insights.site_button.toolTip()
    assert QTextDocumentFragment.fromHtml(said).toPlainText() == site
