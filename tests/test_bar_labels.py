"""Bar labels: shortened with an ellipsis rather than dropped, every bar wide enough for
about four characters labelled, the whole text on hover, drawn over the arrows; and the
warnings' labels never cut at the chart's edges."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QFont, QFontMetricsF, QTextDocumentFragment

from visualizer.model.display_text import ELLIPSIS
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import find
from visualizer.trace import schema
from visualizer.trace.data import Mark, Trace
from visualizer.views.bar_labels import MIN_CHARS, PAD, BarLabels, DrawnLabel
from visualizer.views.chart import GanttView

LONG = ["Semaphore.acquire", "Queue.put", "wait_for(timeout=1.0)", "gather(6 awaitables)"]


@pytest.fixture(autouse=True)
def _no_paint_fails(caplog: pytest.LogCaptureFixture) -> Any:
    """A paint that raises is logged and skipped (views/guard.py): here it fails the
    test (every bar label was lost that way, unseen, for a while)."""
    with caplog.at_level(logging.ERROR, logger="asyncviz.views"):
        yield
    assert not [r for r in caplog.records if "painting" in r.getMessage()]


def _view(qtbot: Any, width: int = 1000) -> GanttView:
    view = GanttView()
    qtbot.addWidget(view)
    view.resize(width, 500)
    view.show()
    return view


def _bars(view: GanttView, pixels: list[float], labels: list[str]) -> dict[int, DrawnLabel]:
    """One suspended bar per lane, ``pixels[i]`` wide on screen, labelled ``labels[i]``;
    painted; the labels drawn, by lane."""
    plot = view.getPlotItem()
    plot.setXRange(0.0, 10.0, padding=0)
    plot.setYRange(-0.6, 7.6, padding=0)
    view.grab()
    px = plot.getViewBox().viewPixelSize()[0]
    lanes = np.arange(len(pixels))
    widths = np.array(pixels) * px
    view.bars.set_spans(
        lanes, np.full(len(lanes), schema.SUSPENDED), np.full(len(lanes), 1.0),
        1.0 + widths, lanes, labels,
    )  # fmt: skip
    view.grab()
    return {label.lane: label for label in view.bar_labels.drawn}


def _width(view: GanttView, text: str) -> float:
    font = QFont()
    font.setPointSize(view._font_size)
    return QFontMetricsF(font).horizontalAdvance(text)


def test_a_long_label_on_a_narrow_bar_is_shortened_with_an_ellipsis(qtbot: Any) -> None:
    view = _view(qtbot)
    whole = _width(view, "Semaphore.acquire")
    drawn = _bars(view, [whole + 20, whole * 0.6, whole / 3, 8.0], ["Semaphore.acquire"] * 4)
    assert drawn[0].text == "Semaphore.acquire"  # room for it: whole
    for lane in (1, 2):  # shortened: a start of it, then "…"; longer with more room
        text = drawn[lane].text
        assert text.endswith(ELLIPSIS) and "Semaphore.acquire".startswith(text[:-1])
        assert len(text) >= MIN_CHARS + 1
        assert drawn[lane].whole == "Semaphore.acquire"
    assert len(drawn[1].text) > len(drawn[2].text)
    assert 3 not in drawn  # 8 pixels: no room for anything that reads


def test_every_bar_wide_enough_for_four_characters_says_what_it_is(qtbot: Any) -> None:
    view = _view(qtbot)
    four = _width(view, "MMMM") + PAD  # four of the widest letters
    for factor in (1.0, 1.3, 1.7, 2.5):
        drawn = _bars(view, [four * factor] * len(LONG), LONG)
        assert sorted(drawn) == list(range(len(LONG))), factor
        for lane, whole in enumerate(LONG):
            text = drawn[lane].text
            assert text == whole or (text.endswith(ELLIPSIS) and whole.startswith(text[:-1]))


def test_the_tooltip_gives_a_shortened_label_whole(qtbot: Any) -> None:
    trace = run_scenario(find("queue_backpressure"), {}, clock="virtual").trace
    view = _view(qtbot, width=420)  # narrow: the producer's Queue.put bars are cut short
    view.show_trace(trace)
    view.grab()
    short = [label for label in view.bar_labels.drawn if label.text.endswith(ELLIPSIS)]
    assert short, [label.text for label in view.bar_labels.drawn]
    label = short[0]
    box = view.getPlotItem().getViewBox()
    point = box.mapViewToScene(QPointF((label.left + label.right) / 2, label.lane))
    view._hovered(point)
    tip = QTextDocumentFragment.fromHtml(view.toolTip()).toPlainText()
    assert label.whole in tip and label.text not in tip


def test_a_jobs_label_on_a_threads_row_has_its_tooltip(qtbot: Any) -> None:
    trace = run_scenario(find("executor_jobs"), {}, clock="virtual").trace
    view = _view(qtbot, width=1400)
    view.show_trace(trace)
    view.grab()
    [job, *_] = [label for label in view.extra_labels.drawn if label.whole == "crunch"]
    assert view.extra_labels.label_at((job.left + job.right) / 2, job.lane) == "crunch"
    box = view.getPlotItem().getViewBox()
    view._hovered(box.mapViewToScene(QPointF((job.left + job.right) / 2, job.lane)))
    assert "crunch" in QTextDocumentFragment.fromHtml(view.toolTip()).toPlainText()


def test_labels_are_drawn_over_the_arrows(qtbot: Any) -> None:
    view = _view(qtbot)
    for labels in (view.bar_labels, view.extra_labels):
        assert isinstance(labels, BarLabels)
        arrows = [view.wakes, view.cancels, view.creations, view.from_threads]
        assert all(labels.zValue() > a.zValue() for a in [*arrows, *view.from_loop.values()])


def _marked(qtbot: Any, marks: list[Mark], width: int) -> tuple[GanttView, Trace]:
    trace = run_scenario(find("create_task_basics"), {}, clock="virtual").trace
    trace.marks = marks
    view = _view(qtbot, width=width)
    view.show_trace(trace)
    view.grab()
    return view, trace


def test_a_warning_near_either_edge_is_never_cut(qtbot: Any) -> None:
    view, trace = _marked(qtbot, [], 900)
    end = trace.duration
    text = "Executing <Task pending name='resize'> took 0.151 seconds"
    marks = [Mark(end * 0.99, 0, text, "warning"), Mark(end * 0.01, 1, text, "warning")]
    for width in (900, 500, 300):
        view, _ = _marked(qtbot, marks, width)
        box = view.getPlotItem().getViewBox().sceneBoundingRect()
        for label in view.timeline_marks.labels:
            rect = label.sceneBoundingRect()  # (the text item's, margins included)
            assert box.left() <= rect.left() and rect.right() <= box.right(), width
            assert rect.top() >= box.top() - 2 and rect.bottom() <= box.bottom(), width
            shown = label.toPlainText().strip()
            assert shown == text or (shown.endswith(ELLIPSIS) and text.startswith(shown[:-1]))
        # near the right edge it reads leftwards
        assert view.timeline_marks.placed[0][1]
    # the whole text on hover, over the (shortened) label too
    label = view.timeline_marks.labels[0]
    assert label.toPlainText().strip().endswith(ELLIPSIS)
    view._hovered(label.sceneBoundingRect().center())
    assert text in QTextDocumentFragment.fromHtml(view.toolTip()).toPlainText()


@pytest.mark.parametrize("scenario", ["semaphore_workers", "queue_backpressure"])
def test_a_live_chart_labels_the_bars_the_finished_chart_labels(qtbot: Any, scenario: str) -> None:
    """Live, only the bars wide enough for the least label are looked at (a busy run has
    millions in view): the same labels as the finished run's, and some are drawn."""
    from test_live_chart import play_live

    view = _view(qtbot, 1200)
    model = play_live(view, scenario, frames=12)
    view.grab()
    live = sorted((d.lane, round(d.left, 9), d.text) for d in view.bar_labels.drawn)
    assert live
    view.show_trace(model.snapshot(), fit=False)
    view.grab()
    finished = sorted((d.lane, round(d.left, 9), d.text) for d in view.bar_labels.drawn)
    assert live == finished


def test_live_bars_about_the_least_width_are_labelled_as_finished_ones(qtbot: Any) -> None:
    """Bars a little narrower and a little wider than the least a label needs: live,
    exactly the ones the finished chart labels."""
    from visualizer.views.live_spans import Columns

    view = _view(qtbot)
    labels = ["Semaphore.acquire"] * 8
    _bars(view, [400.0] * 8, labels)
    least = float(view.bar_labels._fits.least[0]) + PAD  # (pixels)
    pixels = [least + d for d in (-3.0, -1.0, -0.25, 0.25, 1.0, 3.0, 20.0, 200.0)]
    finished = _bars(view, pixels, labels)
    assert 0 < len(finished) < len(pixels)  # (the narrowest have no room)
    px = view.getPlotItem().getViewBox().viewPixelSize()[0]
    lanes = np.arange(len(pixels))
    view.bars.begin_live()
    view.bars.append_live(
        Columns.of(lanes, np.full(len(lanes), schema.SUSPENDED), np.full(len(lanes), 1.0),
                   1.0 + np.array(pixels) * px, np.zeros(len(lanes)))
    )  # fmt: skip
    view.bars.set_live(lanes, Columns.empty(), labels[:1])
    view.grab()
    live = {label.lane: label for label in view.bar_labels.drawn}
    assert sorted(live) == sorted(finished)
    assert [live[lane].text for lane in sorted(live)] == [
        finished[lane].text for lane in sorted(finished)
    ]
