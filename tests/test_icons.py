"""The application's icon (issue 19, point 1): the committed PNGs are what ``tools/icons``
draws from the SVG now (they cannot drift from it), each at its size; at 16 px the three
lanes are there in the chart's state colours, pixel for pixel, and 22 and 24 px are that
drawing with margins; and the window's app has every size, and the name the desktop entry
knows it by.

"What tools/icons draws now" is QtSvg's drawing at test time, so the comparison
(:func:`mismatches`) allows what another Qt's anti-aliasing may change and nothing the SVG
can: a pixel the committed PNG has in one of the SVG's own colours (or transparent) must
be within 2 per channel; an anti-aliased one (a blend, on a rounded edge) within 64.
A change of colour or of shape changes pixels of the first kind: it fails (proved below).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage

from tools.icons import DETAIL_FROM, GRID, drawn_size, render, svg_for
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


#: how far (per channel, of 255) a pixel of the SVG's own colours may differ; a blend
PURE_SLACK, BLEND_SLACK = 2, 64


def channels(image: QImage, x: int, y: int) -> tuple[int, int, int, int]:
    """The pixel's alpha, red, green, blue, premultiplied (a nearly transparent pixel's
    colour counts as little as it shows)."""
    argb = image.pixel(x, y)
    return (argb >> 24 & 255, argb >> 16 & 255, argb >> 8 & 255, argb & 255)


def palette(source: bytes) -> set[tuple[int, int, int, int]]:
    """The SVG's own colours (``#rrggbb``), opaque, and the transparent ground."""
    colours = {(255, int(h[:2], 16), int(h[2:4], 16), int(h[4:], 16)) for h in (
        m.decode() for m in re.findall(rb'"#([0-9a-fA-F]{6})"', source)
    )}  # fmt: skip
    return colours | {(0, 0, 0, 0)}


def mismatches(committed: QImage, drawn: QImage, source: bytes) -> list[tuple[int, int]]:
    """The pixels (x, y) where ``drawn`` differs from ``committed`` by more than
    anti-aliasing may: :data:`PURE_SLACK` on a pixel in one of the SVG's colours,
    :data:`BLEND_SLACK` on a blend."""
    premultiplied = QImage.Format.Format_ARGB32_Premultiplied
    committed, drawn = (
        committed.convertToFormat(premultiplied),
        drawn.convertToFormat(premultiplied),
    )
    assert committed.size() == drawn.size()
    pure = palette(source)
    out = []
    for y in range(committed.height()):
        for x in range(committed.width()):
            was, now = channels(committed, x, y), channels(drawn, x, y)
            slack = PURE_SLACK if was in pure else BLEND_SLACK
            if max(abs(a - b) for a, b in zip(was, now, strict=True)) > slack:
                out.append((x, y))
    return out


@pytest.mark.parametrize("size", ICON_SIZES)
def test_each_png_is_what_tools_icons_draws_from_the_svg_now(qapp: Any, size: int) -> None:
    committed = QImage(str(icon_path(size)))
    assert (committed.width(), committed.height()) == (size, size)
    differ = mismatches(committed, render(size), icon_path().read_bytes())
    assert not differ, f"{icon_path(size)} differs from the SVG at {differ[:5]}: run tools/icons"


@pytest.mark.parametrize("size", [16, 24, 48])
def test_the_comparison_fails_when_the_svg_changes(qapp: Any, size: int) -> None:
    """A colour nudged by 3 (the ready lane's orange) or a bar moved by one grid unit
    fails it; what anti-aliasing may do (each blended pixel off by 40) passes."""
    source = icon_path().read_bytes()
    committed = QImage(str(icon_path(size)))
    assert source.count(b"#f5a742") == 2
    recoloured = source.replace(b"#f5a742", b"#f5a745")
    assert mismatches(committed, render(size, recoloured), source)
    moved = source.replace(b'<rect x="64" y="112"', b'<rect x="48" y="112"')
    assert moved != source and mismatches(committed, render(size, moved), source)
    shaded = render(size).convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    pure, blends = palette(source), 0
    for y in range(size):
        for x in range(size):
            a, r, g, b = channels(shaded, x, y)
            if (a, r, g, b) not in pure:
                blends += 1
                a2 = max(a - 40, 0)  # (premultiplied: no channel above alpha)
                shaded.setPixel(x, y, a2 << 24 | min(r, a2) << 16 | min(g, a2) << 8 | min(b, a2))
    assert blends and not mismatches(committed, shaded, source)


@pytest.mark.parametrize("size", [s for s in ICON_SIZES if s % GRID])
def test_off_the_grid_the_16_px_drawing_is_centred_with_margins(qapp: Any, size: int) -> None:
    """22 and 24 px: scaled, the SVG's edges would fall between pixels and smear; the 16 px
    drawing is there whole, pixel for pixel, with transparent margins round it."""
    assert drawn_size(size) == 16
    margin = (size - 16) // 2
    image, small = QImage(str(icon_path(size))), QImage(str(icon_path(16)))
    for y in range(size):
        for x in range(size):
            if margin <= x < margin + 16 and margin <= y < margin + 16:
                assert image.pixel(x, y) == small.pixel(x - margin, y - margin), (x, y)
            else:
                assert image.pixelColor(x, y).alpha() == 0, (x, y)


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
