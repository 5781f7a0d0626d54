"""The chart's legend: every colour, glyph, arrow and band the chart can draw, once.

Why its entries are keyed: a legend that misses what the chart draws (the red band of a
blocked loop) makes the teacher explain it, and one that shows a thing twice with two
glyphs (``cancelled``: the square at a task's end and the arrow from who cancelled it)
asks which is which.  Each entry names the things it stands for (``LegendEntry.keys``:
``state:running``, ``outcome:cancelled``, ``arrow:cancels``...), and the tests hold them
against what the chart's own tables and items say it can draw.

Why short: it sits over the chart, and each line it takes is a line of lanes fewer (on a
projector, in big type, most of all).  The wakes no task caused share one ``woken by``;
what goes together (a task's cancel and the arrow from who cancelled it) is one entry.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from visualizer.trace import schema
from visualizer.views.bands import BLOCKED
from visualizer.views.chart import CANCEL_BY_CALLBACK, MARKERS, WAKE_MARKS
from visualizer.views.forgotten import EDGE_ALPHA
from visualizer.views.gantt import Palette
from visualizer.views.resource_rows import row_colours
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
    "star": "\u2605",
}
_BAR = "\u2588"
_DOWN = "\u2193"  # an arrow from one task to another
_UP = "\u2191"  # from a thread's row (under the tasks) up to the task its job woke
_DASHED = "\u21e3"  # the dashed arrow from a parent to the task it created
_SHADE = "\u2592"  # the forgotten past, shaded
_TICK = "\u2577"  # a tick: a task begins to wait on a resource
_NOTCH = "\u2575"  # under the row: a Condition's notify

#: (by this name, lupdate finds each ``translate("Legend", "...")`` below)
translate = QCoreApplication.translate


@dataclass(frozen=True)
class LegendEntry:
    """One entry: what it stands for (``keys``), how it looks, what it says."""

    keys: tuple[str, ...]
    parts: tuple[tuple[str, str], ...]  #: (colour, glyph) drawn before the words
    text: str
    #: the words before a group of entries ("woken by:"), on the group's first entry
    group: str = ""


def _over(colour: QColor, background: str) -> str:
    """A see-through colour as it looks on ``background`` (rich text has no alpha)."""
    under = QColor(background)
    alpha = colour.alphaF()
    mixed = [
        round(a * alpha + b * (1 - alpha))
        for a, b in zip(
            (colour.red(), colour.green(), colour.blue()),
            (under.red(), under.green(), under.blue()),
            strict=True,
        )
    ]
    return "#{:02x}{:02x}{:02x}".format(*mixed)


def legend_entries(palette: Palette, *, resources: bool = True) -> list[LegendEntry]:
    """The legend's entries, in the application's language (as its translators say now);
    those of the resources' rows only if ``resources`` (a chart without them keeps its
    legend short)."""
    outcome = {name: (colour, _GLYPHS[symbol]) for name, (symbol, colour) in MARKERS.items()}
    wake = {kind: (colour, _GLYPHS[symbol]) for kind, (symbol, colour) in WAKE_MARKS.items()}
    mark = {kind: (colour, _GLYPHS[symbol]) for kind, (symbol, colour) in MARK_STYLES.items()}
    edge = QColor(palette.foreground)
    edge.setAlpha(EDGE_ALPHA)
    woken_by = translate("Legend", "woken by:")
    rows = row_colours(palette)
    entries = [
        LegendEntry(("state:running",), ((palette.running, _BAR),), translate("Legend", "running")),
        LegendEntry(("state:ready",), ((palette.ready, _BAR),), translate("Legend", "ready")),
        LegendEntry(
            ("state:suspended",), ((palette.suspended, _BAR),), translate("Legend", "suspended")
        ),
        # a task's life: made (and the dashed arrow from its parent), ended
        LegendEntry(
            ("outcome:created", "arrow:creations"),
            (outcome["created"], (palette.creation, _DASHED)),
            translate("Legend", "created"),
        ),
        LegendEntry(("outcome:done",), (outcome["done"],), translate("Legend", "done")),
        LegendEntry(("outcome:error",), (outcome["error"],), translate("Legend", "error")),
        LegendEntry(
            ("outcome:cancelled", "arrow:cancels"),
            (outcome["cancelled"], (outcome["cancelled"][0], _DOWN)),
            translate("Legend", "cancelled"),
        ),
        # what woke a task: another task (an arrow from it), or the loop (a mark)
        LegendEntry(
            ("arrow:wakes",), ((palette.wake, _DOWN),), translate("Legend", "task"), woken_by
        ),
        LegendEntry(
            (f"wake:{schema.WAKE_TIMER}",),
            (wake[schema.WAKE_TIMER],),
            translate("Legend", "timer"),
        ),
        LegendEntry(
            (f"wake:{schema.WAKE_IO}",),
            (wake[schema.WAKE_IO],),
            translate("Legend", "I/O"),
        ),
        LegendEntry(
            (f"wake:{schema.WAKE_THREAD}", "arrow:from_threads"),
            (wake[schema.WAKE_THREAD], (wake[schema.WAKE_THREAD][0], _UP)),
            translate("Legend", "thread"),
        ),
        LegendEntry(
            (f"wake:{CANCEL_BY_CALLBACK}",),
            (wake[CANCEL_BY_CALLBACK],),
            translate("Legend", "cancel"),
        ),
        LegendEntry(("mark:warning",), (mark["warning"],), translate("Legend", "warning")),
        LegendEntry(("mark:note",), (mark["note"],), translate("Legend", "note")),
        LegendEntry(
            ("band:blocked",),
            ((_over(BLOCKED, palette.background), _BAR),),
            translate("Legend", "loop blocked"),
        ),
        LegendEntry(
            ("shade:forgotten",),
            # (the band itself is faint: a swatch of it vanished on the window's grey;
            # a shade glyph in the line's colour reads as "shaded")
            ((_over(edge, palette.background), _SHADE),),
            translate("Legend", "forgotten"),
        ),
        # the resources' rows (a queue's items, a semaphore's permits, a lock held ...)
        LegendEntry(
            ("resource:level",),
            ((rows.fill, _BAR),),
            translate("Legend", "in use"),
            translate("Legend", "resources:"),
        ),
        LegendEntry(("resource:full",), ((rows.full, _BAR),), translate("Legend", "full")),
        LegendEntry(("resource:wait",), ((rows.tick, _TICK),), translate("Legend", "a task waits")),
        LegendEntry(("resource:notify",), ((rows.notify, _NOTCH),), translate("Legend", "notify")),
    ]
    if resources:
        return entries
    return [entry for entry in entries if not entry.keys[0].startswith("resource:")]


#: between two characters, no line break (Chinese may break between any two otherwise)
_JOIN = "\u2060"


def _words(text: str) -> str:
    # (no break inside an entry: a line wraps between entries, never in "a thread's job")
    return html.escape(text if text.isascii() else _JOIN.join(text)).replace(" ", "&nbsp;")


def _entry(entry: LegendEntry) -> str:
    glyphs = "".join(
        f"<span style='color:{colour}'>{html.escape(glyph)}</span>" for colour, glyph in entry.parts
    )
    group = f"{_words(entry.group)}&nbsp;" if entry.group else ""
    return f"&nbsp;{group}{glyphs}&nbsp;{_words(entry.text)}"


def legend_html(palette: Palette, *, resources: bool = True) -> str:
    """The legend as one paragraph of rich text: it wraps between entries."""
    return " ".join(_entry(entry) for entry in legend_entries(palette, resources=resources))
