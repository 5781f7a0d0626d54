"""The chart's legend, one line of rich text above it: colours, glyphs, arrows."""

from __future__ import annotations

import html

from visualizer.trace import schema
from visualizer.views.chart import MARKERS, WAKE_MARKS
from visualizer.views.gantt import Palette

#: pyqtgraph symbol -> a character that looks like it
_GLYPHS = {
    "t2": "\u25b6",
    "o": "\u25cf",
    "x": "\u2715",
    "s": "\u25a0",
    "d": "\u25c6",
    "p": "\u2b1f",
    "h": "\u2b22",
}


def _item(colour: str, glyph: str, text: str) -> str:
    # (no break inside an item: a line wraps between items, never in "a thread's job woke")
    words = html.escape(text).replace(" ", "&nbsp;")
    return f"<span style='color:{colour}'>{glyph}</span>&nbsp;{words}"


def legend_html(palette: Palette) -> str:
    bar = "\u2588\u2588"
    items = [
        _item(palette.running, bar, "running"),
        _item(palette.ready, bar, "ready"),
        _item(palette.suspended, bar, "suspended"),
    ]
    for outcome, (symbol, colour) in MARKERS.items():
        items.append(_item(colour, _GLYPHS[symbol], outcome))
    items += [
        _item(palette.wake, "\u2193", "woke"),
        _item(MARKERS["cancelled"][1], "\u2193", "cancelled"),
        _item(WAKE_MARKS[schema.WAKE_THREAD][1], "\u2191", "a thread's job woke"),
        _item(palette.creation, "\u21e3", "created"),
    ]
    for kind, (symbol, colour) in WAKE_MARKS.items():
        # timers and I/O: the mark and a short arrow down into the bar it woke
        glyph = _GLYPHS[symbol] + ("" if kind == schema.WAKE_THREAD else "\u2193")
        items.append(_item(colour, glyph, f"woken by {schema.WAKE_NAMES[kind]}"))
    return "&nbsp;&nbsp; ".join(items)  # (a plain space between items: it may wrap there)
