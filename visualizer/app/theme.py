"""Light, dark and presenter themes for the whole window (the chart's colours are in
views.gantt).

Fusion draws a check box's (and a radio button's) frame a shade darker than the
window: on the dark theme's near-black panels an unchecked box was all but invisible
(issue 14).  The dark theme's style (``DarkStyle``) draws that frame again, light.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QApplication,
    QProxyStyle,
    QStyle,
    QStyleFactory,
    QStyleOption,
    QWidget,
)

from visualizer.views.gantt import THEMES

#: the frame of a check box or a radio button on the dark theme: light grey, a contrast
#: of about 7:1 on its panels
DARK_INDICATOR_FRAME = "#b0b5ba"


class DarkStyle(QProxyStyle):
    """Fusion, with a light frame round check boxes and radio buttons."""

    def __init__(self) -> None:
        super().__init__(QStyleFactory.create("Fusion"))

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        super().drawPrimitive(element, option, painter, widget)
        round_ = element == QStyle.PrimitiveElement.PE_IndicatorRadioButton
        if not round_ and element not in (
            QStyle.PrimitiveElement.PE_IndicatorCheckBox,
            QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck,
        ):
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, round_)
        painter.setPen(QPen(QColor(DARK_INDICATOR_FRAME), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        rect = QRectF(option.rect).adjusted(0.5, 0.5, -0.5, -0.5)
        if round_:
            painter.drawEllipse(rect)
        else:
            painter.drawRect(rect)
        painter.restore()


def apply_theme(app: QApplication, theme: str) -> None:
    """Fusion style with the theme's colours: the same on every platform and desktop."""
    colours = THEMES[theme]
    app.setStyle("Fusion")
    if theme == "light":
        app.setPalette(app.style().standardPalette())
        return
    if theme == "presenter":
        app.setPalette(_presenter_palette(app, colours.running))
        return
    app.setStyle(DarkStyle())
    base, text = QColor(colours.background), QColor(colours.foreground)
    panel = QColor("#202327")
    palette = _coloured(
        QPalette(),
        panel=panel,
        text=text,
        base=base,
        alternate=panel,
        tooltip=panel,
        placeholder=QColor("#9aa0a6"),
        highlight=QColor(colours.running),
    )
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#6b7075"))
    app.setPalette(palette)


def _presenter_palette(app: QApplication, highlight: str) -> QPalette:
    """Light, at full contrast: pure white behind pure black text, panels barely grey,
    nothing pale that a projector would wash out (the disabled text stays readable)."""
    white, black = QColor("#ffffff"), QColor("#000000")
    palette = _coloured(
        app.style().standardPalette(),
        panel=white,
        text=black,
        base=white,
        alternate=QColor("#f2f2f2"),
        tooltip=white,
        placeholder=QColor("#505050"),
        highlight=QColor(highlight),
        button=QColor("#f2f2f2"),
    )
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#606060"))
    return palette


def _coloured(
    palette: QPalette,
    *,
    panel: QColor,
    text: QColor,
    base: QColor,
    alternate: QColor,
    tooltip: QColor,
    placeholder: QColor,
    highlight: QColor,
    button: QColor | None = None,
) -> QPalette:
    """``palette`` with a theme's colours in every role the window uses."""
    for role, colour in (
        (QPalette.ColorRole.Window, panel),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, alternate),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, panel if button is None else button),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.ToolTipBase, tooltip),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.PlaceholderText, placeholder),
        (QPalette.ColorRole.Highlight, highlight),
        (QPalette.ColorRole.HighlightedText, QColor("#ffffff")),
    ):
        palette.setColor(role, colour)
    return palette
