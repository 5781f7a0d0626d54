"""Make the icon's PNGs from its SVG: assets/asyncviz-N.png for each of visualizer.icons'
ICON_SIZES, drawn by QtSvg (the renderer the window would use for the SVG itself).

Run:  .venv/bin/python tools/icons.py   (or: bash tools/icons)

Below ``DETAIL_FROM`` px the SVG's elements of class ``large`` (the loop's thin arrow) are
left out: at 16-32 px they would be a grey smudge over the lanes, which must stay clear.
The SVG is drawn on a 16-unit grid, so its edges fall on whole pixels at a multiple of 16 px
only; at 22 and 24 px, scaled, every edge would fall between two pixels and the lanes smear
into the ground.  Such a size gets the drawing at the multiple of 16 below it (16 px),
crisp, centred with transparent margins (3 and 4 px): what icon themes do by hand.
The PNGs are committed; tests/test_icons.py draws them again and fails if one differs, so
they cannot drift from the SVG: after changing the SVG, run this and commit both.
"""

from __future__ import annotations

import os
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

if __name__ == "__main__":  # (run as a script: the repository's package, not an installed one)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from visualizer.icons import ICON_SIZES, icon_path

#: the smallest size (px) that draws the SVG's ``class="large"`` details
DETAIL_FROM = 48
#: the SVG's grid (px): a size that is not a multiple of it is drawn at one, with margins
GRID = 16
SVG_NS = "http://www.w3.org/2000/svg"


def svg_for(size: int, source: bytes) -> bytes:
    """The SVG as drawn at ``size`` px: without its ``large`` details below DETAIL_FROM."""
    if size >= DETAIL_FROM:
        return source
    ET.register_namespace("", SVG_NS)
    root = ET.fromstring(source)
    for parent in list(root.iter()):
        for child in list(parent):
            if "large" in child.get("class", "").split():
                parent.remove(child)
    return ET.tostring(root, encoding="utf-8")


def drawn_size(size: int) -> int:
    """The size (px) the drawing has in a ``size`` px icon: the largest multiple of
    :data:`GRID` that fits (the rest is a transparent margin)."""
    return max(GRID, size - size % GRID)


def render(size: int, source: bytes | None = None) -> QImage:
    """The icon at ``size`` x ``size`` px, on a transparent ground: the SVG drawn at
    :func:`drawn_size`, centred (a QGuiApplication must exist)."""
    drawn = drawn_size(size)
    data = svg_for(drawn, icon_path().read_bytes() if source is None else source)
    renderer = QSvgRenderer(QByteArray(data))
    if not renderer.isValid():
        raise ValueError(f"{icon_path()}: QtSvg cannot read it")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    margin = (size - drawn) // 2
    renderer.render(painter, QRectF(margin, margin, drawn, drawn))
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    for size in ICON_SIZES:
        out = icon_path(size)
        if not render(size).save(str(out)):  # (PNG: told by the name)
            print(f"{out}: could not write it", file=sys.stderr)
            return 1
        print(out)
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
