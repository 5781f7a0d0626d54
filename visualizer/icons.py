"""Where the application's icon is: the SVG source and its PNGs (``assets/``).

Light on purpose (no Qt, no numpy): ``asyncviz desktop-install`` copies these files into the
user's data folders without loading the window, and the window finds them here too.

A wheel carries the top-level ``assets/`` folder as ``visualizer/assets/`` (setup.py maps it,
as it maps ``scenarios/``); a source checkout or an editable install has no such folder, so
the repository's ``assets/`` next to the package is used (``visualizer.shipped``, as for
the built-in scenarios).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from visualizer.shipped import shipped_folder

#: the freedesktop hicolor theme's sizes (px) a PNG is made at (``tools/icons``)
ICON_SIZES: Final = (16, 22, 24, 32, 48, 64, 128, 256, 512)
#: the icon's name: the desktop entry's ``Icon=``, the installed files' stem, and the id the
#: window gives Wayland (``setDesktopFileName``), so that all three find one another
ICON_NAME: Final = "asyncio-visualizer"


def assets_dir() -> Path:
    """The installed ``visualizer/assets``, else the repository's ``assets/``."""
    return shipped_folder("assets", "assets")


def icon_path(size: int | None = None) -> Path:
    """The icon's SVG (``size`` None), or its PNG of ``size`` px, one of :data:`ICON_SIZES`."""
    if size is None:
        return assets_dir() / "asyncviz.svg"
    if size not in ICON_SIZES:
        raise ValueError(f"no {size} px icon: the sizes are {', '.join(map(str, ICON_SIZES))}")
    return assets_dir() / f"asyncviz-{size}.png"
