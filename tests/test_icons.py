"""The application's icon (issue 19, point 1): the committed PNGs are what ``tools/icons``
draws from the SVG now (they cannot drift from it), each at its size; at 16 px the three
lanes are there in the chart's state colours, pixel for pixel; and the window's app has
every size, and the name the desktop entry knows it by.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage

from tools.icons import DETAIL_FROM, render, svg_for
from visualizer import __version__
from visualizer.icons import ICON_NAME, ICON_SIZES, assets_dir, icon_path
from visualizer.views.gantt import DARK

ROOT = Path(__file__).resolve().parent.parent


def test_the_icons_are_in_the_repositorys_assets() -> None:
    assert assets_dir() == ROOT / "assets"  # (a checkout: no visualizer/assets)
    assert icon_path() == ROOT / "assets/asyncviz.svg"
    assert sorted(p.name for p in assets_dir().glob("*.png")) == sorted(
        f"asyncviz-{size}.png" for size in ICON_SIZES
    )
    with pytest.raises(ValueError, match="no 20 px icon"):
        icon_path(20)


@pytest.mark.parametrize("size", ICON_SIZES)
def test_each_png_is_what_tools_icons_draws_from_the_svg_now(qapp: Any, size: int) -> None:
    committed = QImage(str(icon_path(size))).convertToFormat(QImage.Format.Format_ARGB32)
    assert (committed.width(), committed.height()) == (size, size)
    drawn = render(size)
    differ = [
        (x, y)
        for y in range(size)
        for x in range(size)
        if committed.pixel(x, y) != drawn.pixel(x, y)
    ]
    assert not differ, f"{icon_path(size)} differs from the SVG at {differ[:5]}: run tools/icons"


def test_at_16_px_each_lane_is_its_states_colour_on_whole_pixels(qapp: Any) -> None:
    """The SVG's edges fall on the 16 px grid: a lane's pixels are exactly its colour."""
    image = QImage(str(icon_path(16)))

    def colour(x: int, y: int) -> str:
        return image.pixelColor(x, y).name()

    # lane 1 runs, lane 2 is ready then runs, lane 3 waits, is ready, runs: one at a time
    assert [colour(x, 4) for x in (3, 5, 6, 12)] == [DARK.running] * 2 + [DARK.suspended] * 2
    assert [colour(x, 8) for x in (4, 5, 6, 9)] == [DARK.ready] * 2 + [DARK.running] * 2
    assert [colour(x, 11) for x in (3, 7, 8, 9, 10, 12)] == [DARK.suspended] * 2 + [
        DARK.ready
    ] * 2 + [DARK.running] * 2
    assert colour(8, 6) == DARK.background  # (between the lanes: the ground)
    assert image.pixelColor(0, 0).alpha() == 0  # (the rounded corner: transparent)


def test_the_loops_arrow_is_drawn_from_48_px_only(qapp: Any) -> None:
    source = icon_path().read_bytes()
    assert b'class="large"' in svg_for(DETAIL_FROM, source)
    assert b'class="large"' not in svg_for(DETAIL_FROM - 1, source)
    bare = render(64, svg_for(16, source))
    assert render(64) != bare  # (the detail shows where it is drawn)


def test_the_windows_app_has_every_size_and_the_entrys_name(tmp_path: Path) -> None:
    """``run_gui`` (as ``asyncviz gui`` runs it, in a process of its own) dresses the app."""
    script = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from visualizer.app.main import GuiOptions, run_gui\n"
        "status = run_gui(GuiOptions(scenario='gather_basics', exit_when_done=True))\n"
        "app = QApplication.instance()\n"
        "sizes = sorted(s.width() for s in app.windowIcon().availableSizes())\n"
        "print(status, app.windowIcon().isNull(), app.applicationName(),"
        " app.desktopFileName(), app.applicationVersion(), *sizes)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    words = done.stdout.split()
    assert words[:5] == ["0", "False", ICON_NAME, ICON_NAME, __version__], done.stdout
    assert [int(w) for w in words[5:]] == sorted(ICON_SIZES)
