"""Light and dark themes for the whole window (the chart's colours are in views.gantt)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from visualizer.views.gantt import THEMES


def apply_theme(app: QApplication, theme: str) -> None:
    """Fusion style with the theme's colours: the same on every platform and desktop."""
    colours = THEMES[theme]
    app.setStyle("Fusion")
    if theme == "light":
        app.setPalette(app.style().standardPalette())
        return
    palette = QPalette()
    base, text = QColor(colours.background), QColor(colours.foreground)
    panel = QColor("#202327")
    for role, colour in (
        (QPalette.ColorRole.Window, panel),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, panel),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, panel),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.ToolTipBase, panel),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.PlaceholderText, QColor("#9aa0a6")),
        (QPalette.ColorRole.Highlight, QColor(colours.running)),
        (QPalette.ColorRole.HighlightedText, QColor("#ffffff")),
    ):
        palette.setColor(role, colour)
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#6b7075"))
    app.setPalette(palette)
