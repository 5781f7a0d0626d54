"""The chart's legend, one line of rich text above it: colours, glyphs, arrows."""

from __future__ import annotations

import html

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from visualizer.trace import schema
from visualizer.views.chart import CANCEL_BY_CALLBACK, MARKERS, WAKE_MARKS
from visualizer.views.gantt import Palette
from visualizer.views.timeline_marks import MARK_STYLES

#: pyqtgraph symbol -> a character that looks like it
_GLYPHS = {
    "t2": "\u25b6",
    "o": "\u25cf",
    "x": "\u2715",
    "s": "\u25a0",
    "d": "\u25c6",
    "p": "\u2b1f",
    "h": "\u2b22",
    "t": "\u25bc",
}


#: the outcome markers' words (``MARKERS``' keys), for ``lupdate``
_OUTCOMES = (
    QT_TRANSLATE_NOOP("Legend", "created"),
    QT_TRANSLATE_NOOP("Legend", "done"),
    QT_TRANSLATE_NOOP("Legend", "error"),
    QT_TRANSLATE_NOOP("Legend", "cancelled"),
)


#: (by this name, lupdate finds each ``translate("Legend", "...")`` below)
translate = QCoreApplication.translate


def _woken_by(kind: int) -> str:
    if kind == schema.WAKE_TIMER:
        return translate("Legend", "woken by timer")
    if kind == schema.WAKE_IO:
        return translate("Legend", "woken by io")
    if kind == schema.WAKE_THREAD:
        return translate("Legend", "woken by thread")
    if kind == CANCEL_BY_CALLBACK:
        return translate("Legend", "cancelled by a timeout or callback")
    what = translate("Details", schema.WAKE_NAMES[kind])
    return translate("Legend", "woken by {what}").format(what=what)


#: between two characters, no line break (Chinese may break between any two otherwise)
_JOIN = "\u2060"


def _item(colour: str, glyph: str, text: str) -> str:
    # (no break inside an item: a line wraps between items, never in "a thread's job woke")
    words = html.escape(text if text.isascii() else _JOIN.join(text)).replace(" ", "&nbsp;")
    return f"<span style='color:{colour}'>{glyph}</span>&nbsp;{words}"


def legend_html(palette: Palette) -> str:
    """The legend in the application's language (as its translators say now)."""
    bar = "\u2588\u2588"
    items = [
        _item(palette.running, bar, translate("Legend", "running")),
        _item(palette.ready, bar, translate("Legend", "ready")),
        _item(palette.suspended, bar, translate("Legend", "suspended")),
    ]
    for outcome, (symbol, colour) in MARKERS.items():
        items.append(_item(colour, _GLYPHS[symbol], translate("Legend", outcome)))
    items += [
        _item(palette.wake, "\u2193", translate("Legend", "woke")),
        _item(MARKERS["cancelled"][1], "\u2193", translate("Legend", "cancelled")),
        _item(
            WAKE_MARKS[schema.WAKE_THREAD][1], "\u2191", translate("Legend", "a thread's job woke")
        ),
        _item(palette.creation, "\u21e3", translate("Legend", "created")),
    ]
    for kind, (symbol, colour) in WAKE_MARKS.items():
        # timers and I/O: the mark and a short arrow down into the bar it woke
        glyph = _GLYPHS[symbol] + ("" if kind == schema.WAKE_THREAD else "\u2193")
        items.append(_item(colour, glyph, _woken_by(kind)))
    # asyncio's and Python's warnings to the program, where and when they came
    items.append(_item(MARK_STYLES["warning"][1], "\u2605", translate("Legend", "warning")))
    return "&nbsp;&nbsp; ".join(items)  # (a plain space between items: it may wrap there)
