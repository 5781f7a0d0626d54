"""Test-wide setup: Qt renders offscreen unless the developer asked for a real display."""

from __future__ import annotations

import os

# Before any QApplication exists (pytest-qt's ``qapp`` fixture makes it later).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


import pytest
from PySide6.QtCore import QSettings


@pytest.fixture(autouse=True, scope="session")
def _settings_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The window's settings (QSettings) go to a folder of the test run, never the user's;
    child processes (the CLI tests) find theirs through XDG_CONFIG_HOME."""
    folder = tmp_path_factory.mktemp("config")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    os.environ["XDG_CONFIG_HOME"] = str(folder)
