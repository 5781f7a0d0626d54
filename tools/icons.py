"""Make the icon's PNGs from its SVG: assets/asyncviz-N.png for each of visualizer.icons'
ICON_SIZES, drawn by QtSvg (the renderer the window would use for the SVG itself).

Run:  .venv/bin/python tools/icons.py   (or: bash tools/icons)

Below ``DETAIL_FROM`` px the SVG's elements of class ``large`` (the loop's thin arrow) are
left out: at 16-32 px they would be a grey smudge over the lanes, which must stay clear.
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


def render(size: int, source: bytes | None = None) -> QImage:
    """The icon at ``size`` x ``size`` px, on a transparent ground (a QGuiApplication must
    exist)."""
    data = svg_for(size, icon_path().read_bytes() if source is None else source)
    renderer = QSvgRenderer(QByteArray(data))
    if not renderer.isValid():
        raise ValueError(f"{icon_path()}: QtSvg cannot read it")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
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
