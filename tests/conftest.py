"""Test-wide setup: Qt renders offscreen unless the developer asked for a real display."""

from __future__ import annotations

import os
import signal

# Before any QApplication exists (pytest-qt's ``qapp`` fixture makes it later).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Ctrl-C as a terminal gives it. A suite a non-interactive shell starts in the background
# (tools/test-versions runs two side by side) inherits SIGINT ignored, and Python then
# raises no KeyboardInterrupt, nor do the programs the tests start (an ignored signal stays
# ignored across exec; a handled one does not): the tests of what a run does with Ctrl-C
# would see nothing to do.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


import logging
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from visualizer.app.translations import use_language
from visualizer.app.window import MainWindow
from visualizer.session.scenarios import discover


@pytest.fixture(autouse=True, scope="session")
def _settings_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The window's settings (QSettings) go to a folder of the test run, never the user's;
    child processes (the CLI tests) find theirs through XDG_CONFIG_HOME.  So does the
    user's scenario folder (``session.user_folder``), which every listing searches."""
    folder = tmp_path_factory.mktemp("config")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    os.environ["XDG_CONFIG_HOME"] = str(folder)
    # (and the user's scenario folder is none of the user's: a folder not there yet)
    os.environ["ASYNCVIZ_USER_SCENARIOS"] = str(folder / "user-scenarios")


@pytest.fixture
def window(qtbot: Any) -> Iterator[MainWindow]:
    """The main window with every scenario, shown at 1200x700, in English afterwards."""
    scenarios, _ = discover()
    main_window = MainWindow(scenarios)
    qtbot.addWidget(main_window)
    main_window.resize(1200, 700)
    main_window.show()
    yield main_window
    use_language("en")  # (a test may have switched it: English for the tests after it)


class _PaintFailures(logging.Handler):
    """The paints that failed during a test (``views/guard.py`` logs each, once)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.failed: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "painting" in record.getMessage():
            self.failed.append(record.getMessage())


@pytest.fixture(autouse=True)
def _no_paint_fails_unseen(request: pytest.FixtureRequest) -> Iterator[None]:
    """A paint that raises is logged and skipped, so the window never goes down; in a
    test it must fail instead.  Quietly skipped, it hid a regression for a whole session:
    every bar label raised a TypeError (a local name hid a function) and none was drawn.
    A test that breaks a paint on purpose says so: ``@pytest.mark.paint_fails``."""
    handler = _PaintFailures()
    logger = logging.getLogger("asyncviz.views")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if handler.failed and request.node.get_closest_marker("paint_fails") is None:
        pytest.fail(f"a paint failed (and was skipped): {handler.failed[0]}")
