"""Bar labels: what each bar stands for (``Queue.put``, ``sleep(0.5)``, a job's
function), written inside it, over the arrows.

Why shortened, never dropped: the label is the lesson (the producer waits on
``Queue.put``), and a label left out because it was a few pixels too long made a chart
of unlabelled grey bars.  A label that does not fit is cut at its end with an ellipsis,
down to ``MIN_CHARS`` characters (``Queue.p…``, ``Sem…``): every bar wide enough for
about four characters says what it is, at any zoom.  Hovering a bar gives its whole text
(the chart's tooltip; ``label_at`` for the rows of the loop's threads).

Why an item of its own, above the arrows: wake and creation arrows cross the lanes
between the tasks they join, through the labels there.  Drawn over them on a plate of
the bar's own colour, a label is never crossed out; an arrow is hidden only behind the
words, and its ends, at the bars' edges, stay in sight.

Cost: only bars in view with a label are looked at; which of them get one is decided
with numpy (each text measured once, whole and at its shortest; the widths of a text's
shortened forms once, when first needed); only those chosen are drawn one by one, at
most ``MAX_LABELS`` a frame.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

from visualizer.model.display_text import ELLIPSIS, shown
from visualizer.trace import schema
from visualizer.views.gantt import BAR, SpanBars
from visualizer.views.guard import painted

#: at most this many labels are drawn in one frame (they are text: the dear part)
MAX_LABELS = 1500
#: a label is shortened down to this many characters and an ellipsis, no further
MIN_CHARS = 3
#: pixels of a bar kept clear beside its label (half on each side: the edge between two
#: waits back to back stays visible)
PAD = 2.0
#: pixels of the plate beyond the text on each side (within the bar)
PLATE = 2.0
#: above the arrows (drawn at 0), under the outcome and wake glyphs (5)
LABELS_Z = 4
#: text colour on a running bar (an executor job's function on its thread's row)
ON_RUNNING = "#ffffff"


@dataclass(frozen=True)
class DrawnLabel:
    """A label as last drawn: on which lane, over which time, what it said and what the
    whole text is (tests; the tooltip of a row with no task)."""

    lane: int
    left: float
    right: float
    text: str
    whole: str


class LabelFits:
    """The labels' widths in the labels' font and its condensed form: each whole, each
    at its shortest (``MIN_CHARS`` and an ellipsis, condensed), and, for a label once
    shortened, each of its shortened forms.

    Why condensed before shortened: ``Queue.put`` and ``sleep(0.5)`` are a few pixels
    wider than the bars of a typical lesson's waits; a tenth narrower, they are whole."""

    def __init__(self, font: QFont) -> None:
        self.font = QFont(font)
        self.condensed = QFont(font)
        self.condensed.setStretch(QFont.Stretch.SemiCondensed)
        self._normal = QFontMetricsF(self.font)
        self._narrow = QFontMetricsF(self.condensed)
        self.raw: list[str] = []  #: the texts as given (to extend a live run's list)
        self.texts: list[str] = []  #: as shown: bounded, controls made visible
        self.whole = np.zeros(0)
        self.narrow = np.zeros(0)  #: whole, condensed
        self.least = np.zeros(0)
        self._forms: dict[int, list[float]] = {}

    def update(self, texts: list[str]) -> None:
        """Take ``texts``; measure only what is new (a live run's list only grows)."""
        if texts is self.raw and len(texts) == len(self.texts):
            return  # (the same list as the last paint's: the usual case)
        known = len(self.raw)
        if len(texts) < known or texts[:known] != self.raw:
            known = 0
            self._forms = {}
        new = [shown(text) for text in texts[known:]]
        wide, narrow = self._normal.horizontalAdvance, self._narrow.horizontalAdvance
        whole = [wide(text) for text in new]
        condensed = [narrow(text) for text in new]
        least = [
            min(w, narrow(text[:MIN_CHARS] + ELLIPSIS))
            for text, w in zip(new, condensed, strict=True)
        ]
        self.raw = texts
        self.texts = self.texts[:known] + new
        self.whole = np.concatenate([self.whole[:known], np.array(whole, np.float64)])
        self.narrow = np.concatenate([self.narrow[:known], np.array(condensed, np.float64)])
        self.least = np.concatenate([self.least[:known], np.array(least, np.float64)])

    def fitted(self, index: int, room: float) -> tuple[str, float, bool]:
        """Label ``index`` in at most ``room`` pixels: whole, else whole and condensed,
        else as long a start of it as fits with an ellipsis (condensed; never under
        ``MIN_CHARS`` characters); its width, and whether condensed."""
        text = self.texts[index]
        if self.whole[index] <= room:
            return text, float(self.whole[index]), False
        if self.narrow[index] <= room:
            return text, float(self.narrow[index]), True
        forms = self._forms.get(index)
        if forms is None:  # widths of text[:1] + "…", text[:2] + "…", ... condensed
            width = self._narrow.horizontalAdvance
            measured = [width(text[:k] + ELLIPSIS) for k in range(1, len(text))] or [0.0]
            forms = np.maximum.accumulate(np.array(measured)).tolist()  # (kerning)
            self._forms[index] = forms
        keep = min(max(bisect.bisect_right(forms, room), MIN_CHARS), len(forms))
        return text[:keep] + ELLIPSIS, forms[keep - 1], True


class BarLabels(pg.GraphicsObject):  # type: ignore[misc]
    """The labels of one ``SpanBars``' bars (a suspended bar's await, a job's function)."""

    def __init__(self, bars: SpanBars) -> None:
        super().__init__()
        self._bars = bars
        bars.overlay = self
        self._fits = LabelFits(QFont())
        self.setZValue(LABELS_Z)
        self.drawn: list[DrawnLabel] = []  #: the labels of the last paint

    def set_font(self, font: QFont) -> None:
        self._fits = LabelFits(font)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bars.boundingRect()

    def label_at(self, x: float, y: float) -> str | None:
        """The whole text of the label drawn at (``x``, ``y``) in data units, if any."""
        lane = round(y)
        if abs(y - lane) > BAR / 2:
            return None
        for label in self.drawn:
            if label.lane == lane and label.left <= x <= label.right:
                return label.whole
        return None

    @painted
    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        self.drawn = []
        view = self.viewRect()
        px, py = self.pixelWidth() or 0.0, self.pixelHeight() or 0.0
        if view is None or px <= 0 or py <= 0:
            return
        fits = self._fits
        height = QFontMetricsF(fits.font).height()
        if BAR / py < height:
            return  # lanes too thin for text: no label fits anywhere
        x0, x1 = view.left(), view.right()
        fits.update(self._bars.label_texts())
        # a bar narrower than the least any label needs holds none (a live run's bars
        # in view are looked at only if they are wider: a busy run has millions)
        wider = (float(fits.least.min()) + PAD) * px * (1 - 1e-9) if len(fits.least) else 0.0
        visible = self._bars.labelled_in_view(x0, x1, view.top(), view.bottom(), wider)
        palette = self._bars.current_palette()
        to_device = painter.worldTransform()
        painter.save()
        painter.resetTransform()
        budget = MAX_LABELS
        for state in (schema.SUSPENDED, schema.RUNNING):
            columns = visible.get(state)
            if columns is None or budget <= 0:
                continue
            lane, start, end, label = columns
            # a label sits in the part of its bar in view
            left, right = np.maximum(start, x0), np.minimum(end, x1)
            room = (right - left) / px - PAD
            wide_enough = (label >= 0) & (room >= fits.least[np.maximum(label, 0)])
            chosen = np.flatnonzero(wide_enough)[:budget]
            budget -= len(chosen)
            if not len(chosen):
                continue
            centre = ((left + right) / 2 * to_device.m11() + to_device.dx())[chosen]
            middle = (lane * to_device.m22() + to_device.dy())[chosen]
            plates: list[QRectF] = []
            words: dict[bool, list[tuple[QRectF, str]]] = {False: [], True: []}
            for i, cx, cy in zip(chosen.tolist(), centre.tolist(), middle.tolist(), strict=True):
                index = int(label[i])
                text, width, condensed = fits.fitted(index, float(room[i]))
                across = min(width + 2 * PLATE, float(room[i]) + PAD)
                plate = QRectF(cx - across / 2, cy - height / 2, across, height)
                plates.append(plate)
                words[condensed].append((plate, text))
                self.drawn.append(
                    DrawnLabel(
                        int(lane[i]), float(left[i]), float(right[i]), text, fits.texts[index]
                    )
                )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(palette.state(state)))
            painter.drawRects(plates)
            colour = palette.label if state == schema.SUSPENDED else ON_RUNNING
            painter.setPen(QPen(QColor(colour)))
            for condensed, font in ((False, fits.font), (True, fits.condensed)):
                painter.setFont(font)
                for plate, text in words[condensed]:
                    painter.drawText(plate, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()
