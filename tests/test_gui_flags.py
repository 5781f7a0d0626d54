"""``asyncviz gui``'s flags together: what they imply, what they refuse, that they are for
one session only (the saved settings are the user's), and that a picture is exactly the
size asked for, run after run, on any screen."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage

from visualizer import cli
from visualizer.app.main import PICTURE_SIZE, THEME_FLAGS
from visualizer.app.settings import open_settings, save_window
from visualizer.app.window import MainWindow
from visualizer.cli_gui import THEMES, check_flags
from visualizer.session.scenarios import discover

ROOT = Path(__file__).resolve().parent.parent


def _args(*words: str) -> Any:
    return cli._parser().parse_args(["gui", *words])


# --- what the flags mean together (no window: checked before Qt loads) --------------------
@pytest.mark.parametrize(
    "flag",
    [
        ["--screenshot", "x.png"],
        ["--exit-when-done"],
        ["--pause-at", "1.5"],
        ["--stop-after", "1"],
        ["--save-trace", "t.json"],
        ["--cursor-at", "0.5"],
    ],
)
def test_a_flag_about_a_run_implies_autorun(flag: list[str]) -> None:
    args = _args("semaphore_workers", *flag)
    assert not args.autorun
    assert check_flags(args) == "" and args.autorun


def test_pause_at_makes_it_a_lecture_unless_another_clock_was_asked_for() -> None:
    args = _args("semaphore_workers", "--presenter", "--pause-at", "1.5")  # (the README's)
    assert check_flags(args) == "" and args.lecture and args.autorun
    refused = check_flags(_args("semaphore_workers", "--pause-at", "1", "--clock", "real"))
    assert "only a lecture pauses" in refused
    assert "choose one clock" in check_flags(_args("x", "--lecture", "--clock", "virtual"))
    assert "never pauses" in check_flags(_args("x", "--compare", "n=1", "--pause-at", "1"))


def test_nothing_to_run_is_an_error_not_a_silent_exit(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["gui", "--screenshot", "x.png", "--exit-when-done"]) == 2
    err = capsys.readouterr().err
    assert "--screenshot and --exit-when-done: nothing to run" in err
    assert "asyncviz gui SCENARIO --screenshot" in err
    assert not Path("x.png").exists()
    # a window that listens: the first program that attaches is the run
    assert check_flags(_args("--listen", "--screenshot", "x.png", "--exit-when-done")) == ""
    assert "add --exit-when-done" in check_flags(_args("--listen", "--save-trace", "t.json"))
    assert "not --listen" in check_flags(_args("--listen", "--pause-at", "1"))
    # no flag about a run: the window, as ever
    assert check_flags(_args()) == "" and check_flags(_args("--theme", "dark")) == ""


def test_size_is_width_x_height(capsys: pytest.CaptureFixture[str]) -> None:
    assert _args("--size", "1280x720").size == (1280, 720)
    for wrong in ("1280", "0x10", "axb", "-1x5"):
        with pytest.raises(SystemExit):
            _args("--size", wrong)
    assert "expected WIDTHxHEIGHT" in capsys.readouterr().err


def test_every_theme_of_the_view_menu_has_its_flag(window: MainWindow) -> None:
    assert {THEME_FLAGS.get(name, name) for name in THEMES} == set(window.theme_actions)


# --- flags are for one session ---------------------------------------------------------------
def _settings(folder: Path) -> QSettings:
    return QSettings(
        str(folder / "asyncviz" / "asyncio-visualizer.ini"), QSettings.Format.IniFormat
    )


def _gui(
    config: Path, *words: str, platform: str = "offscreen", prefix: tuple[str, ...] = ()
) -> str:
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(XDG_CONFIG_HOME=str(config), QT_QPA_PLATFORM=platform)
    command = [*prefix, sys.executable, "-m", "visualizer", "gui", *words]
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stderr


def test_flags_leave_the_saved_settings_as_they_were(tmp_path: Path) -> None:
    config = tmp_path / "config"
    saved = _settings(config)
    mine = {
        "theme": "light",
        "font_size": 13,
        "clock": "real",
        "history": 60,
        "scenario": "cancellation",
    }
    for name, value in mine.items():
        saved.setValue(name, value)
    saved.sync()
    shot = tmp_path / "shot.png"
    words = ["gather_basics", "--theme", "dark", "--font-size", "17", "--clock", "virtual"]
    words += ["--history", "5", "--size", "1100x700", "--screenshot", str(shot)]
    _gui(config, *words, "--exit-when-done")
    assert (QImage(str(shot)).width(), QImage(str(shot)).height()) == (1100, 700)
    after = _settings(config)
    assert {name: after.value(name) for name in mine} == {
        name: str(value) for name, value in mine.items()
    }  # (QSettings reads an INI file's values back as text)
    assert after.value("geometry") is None  # (--size: this session's)
    # presenter mode (its own theme and type) and a picture: still the user's settings
    _gui(config, "gather_basics", "--presenter", "--exit-when-done")
    _gui(config, "gather_basics", "--exit-when-done", "--screenshot", str(shot))
    again = _settings(config)
    assert {name: again.value(name) for name in mine} == {
        name: str(value) for name, value in mine.items()
    }


def test_what_the_user_changes_in_the_window_is_saved(qtbot: Any) -> None:
    """The other half: a flag's value is not saved, unless the user changed it."""
    window = MainWindow(discover()[0])
    qtbot.addWidget(window)
    stored = open_settings()
    stored.setValue("theme", "light")
    stored.setValue("font_size", 11)
    stored.sync()
    window.set_theme("dark")
    window.set_font_size(15)
    window.session_only.update(theme="dark", font_size=15)  # (as --theme dark --font-size 15)
    window.set_font_size(16)  # the user, in the window: Bigger text
    save_window(window)
    stored = open_settings()
    assert stored.value("theme") == "light"  # the flag's: kept out
    assert int(stored.value("font_size")) == 16  # the user's: saved
    window.set_theme("light")  # (the app's palette and font, for the tests after this one)
    window.set_font_size(11)


# --- sizes, exactly ----------------------------------------------------------------------------
def _size(path: Path) -> tuple[int, int]:
    image = QImage(str(path))
    assert not image.isNull(), path
    return image.width(), image.height()


def _sizes_run_after_run(tmp_path: Path, platform: str, prefix: tuple[str, ...] = ()) -> None:
    """A window left at its size (saved), then pictures: the default size each time,
    and a --size bigger than the screen exactly."""
    config, shots = tmp_path / "config", [tmp_path / f"{k}.png" for k in range(3)]
    common = ("gather_basics", "--clock", "virtual", "--exit-when-done")
    run = {"platform": platform, "prefix": prefix}
    _gui(config, *common, **run)  # (saves the window's geometry)
    assert _settings(config).value("geometry") is not None
    _gui(config, *common, "--screenshot", str(shots[0]), **run)  # (--autorun implied)
    _gui(config, *common, "--screenshot", str(shots[1]), "--size", "1500x1000", **run)
    _gui(config, *common, "--screenshot", str(shots[2]), **run)
    assert [_size(shot) for shot in shots] == [PICTURE_SIZE, (1500, 1000), PICTURE_SIZE]


def test_picture_sizes_are_exact_run_after_run_offscreen(tmp_path: Path) -> None:
    _sizes_run_after_run(tmp_path, "offscreen")  # (its screen: 800x800)


def test_picture_sizes_are_exact_on_a_small_x_screen(tmp_path: Path) -> None:
    """A real X server with no window manager, smaller than the pictures: restoring a
    saved geometry used to fit the window to it, less a frame (1278x774)."""
    xvfb_run = shutil.which("xvfb-run")
    if xvfb_run is None:
        if os.environ.get("CI"):
            pytest.fail("xvfb-run is missing: tools/setup-env installs xvfb")
        pytest.skip("no xvfb-run here")
    _sizes_run_after_run(tmp_path, "xcb", (xvfb_run, "-a", "-s", "-screen 0 1280x800x24"))


def test_a_size_the_window_cannot_take_is_said(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    shot = tmp_path / "small.png"
    command = [sys.executable, "-m", "visualizer", "gui", "gather_basics", "--size", "300x200"]
    command += ["--screenshot", str(shot)]
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 2
    assert "the window cannot be 300x200: it needs at least" in out.stderr
    assert not shot.exists()
