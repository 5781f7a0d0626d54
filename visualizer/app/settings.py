"""What the window remembers between runs (QSettings, an INI file in the user's config
folder): geometry, panel sizes and which panels are shown (the Insights pane too),
theme, text size, clock, arrows, the resource rows, the history a long run keeps, the
language (if the user picked one: else the system's is used), the last scenario, the
user's scenario folder (``save_user_folder``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QSettings

from visualizer.model.history import DEFAULT_HISTORY
from visualizer.session.user_folder import SETTING as USER_FOLDER

if TYPE_CHECKING:
    from visualizer.app.window import MainWindow

ORGANIZATION = "asyncviz"
APPLICATION = "asyncio-visualizer"


def open_settings() -> QSettings:
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


def saved(name: str, default: Any, kind: type) -> Any:
    """A remembered value of type ``kind``, or ``default`` (also for a value of another
    type: a hand-edited file loses nothing but that value)."""
    value = open_settings().value(name, default)
    try:
        if kind is bool and isinstance(value, str):
            return value.lower() == "true"
        return kind(value)
    except (TypeError, ValueError):
        return default


def saved_history() -> float | None:
    """The history a long run keeps, as last chosen (seconds; None: everything)."""
    seconds = saved("history", DEFAULT_HISTORY, float)
    return seconds if seconds > 0 else None


def save_user_folder(folder: str) -> None:
    """The user's scenario folder, as chosen in File > New scenario... (at once, not at
    the window's close: ``asyncviz new`` and ``list`` in a terminal read it from the file,
    ``session.user_folder.window_setting``)."""
    settings = open_settings()
    settings.setValue(USER_FOLDER, folder)
    settings.sync()


def save_window(window: MainWindow) -> None:
    """Remember the window as the user left it.  A value a command-line flag gave
    (``window.session_only``: ``--theme``, ``--font-size``, ``--size``, ``--clock``,
    ``--history``, the scenario named) is for that session only: it is saved only if
    the user changed it in the window, so ``asyncviz gui --theme dark`` once does not
    darken every later start."""
    given = window.session_only
    values: dict[str, object] = {
        "theme": window.theme,
        "font_size": window.font_size,
        "clock": window.clock_mode(),
        "history": window.history_menu.seconds or 0.0,
        "wake_arrows": window.wake_arrows.isChecked(),
        "creation_arrows": window.creation_arrows.isChecked(),
        "resource_rows": window.resource_rows_action.isChecked(),
    }
    if window.language_chosen:
        values["language"] = window.language
    scenario = window.selected()
    if scenario is not None:
        values["scenario"] = scenario.id
    size = window.normalGeometry().size()
    if given.get("size") != (size.width(), size.height()):
        values["geometry"] = window.saveGeometry()
    settings = open_settings()
    settings.setValue("splitter", window.splitter.saveState())
    for name, shown in window.panes.state().items():  # (the side panes shown or hidden)
        settings.setValue(name, shown)
    settings.setValue("insights_pane", window.insights.action.isChecked())
    for name, value in values.items():
        if name not in given or given[name] != value:
            settings.setValue(name, value)
    settings.sync()


def restore_window(window: MainWindow, *, geometry: bool = True) -> None:
    """Geometry (unless ``geometry`` is false: a size was given), panels, arrows and the
    last scenario (theme, text size and clock are applied by the caller, which lets
    command-line flags win)."""
    settings = open_settings()
    saved_geometry = settings.value("geometry")
    if geometry and isinstance(saved_geometry, QByteArray):
        window.restoreGeometry(saved_geometry)
    splitter = settings.value("splitter")
    if isinstance(splitter, QByteArray):
        window.splitter.restoreState(splitter)
    window.panes.restore({name: saved(name, True, bool) for name in window.panes.state()})
    window.insights.restore(saved("insights_pane", True, bool))
    window.wake_arrows.setChecked(saved("wake_arrows", True, bool))
    window.creation_arrows.setChecked(saved("creation_arrows", True, bool))
    window.resource_rows_action.setChecked(saved("resource_rows", True, bool))
    language = saved("language", "", str)
    if language:
        window.set_language(language)
    scenario = saved("scenario", "", str)
    if scenario in window.scenarios:
        window.select(scenario)
