"""File > Share scenario...: one scenario, its run and its picture as one file; and the
window's side of opening one (File > Open, ``asyncviz gui FILE.asyncviz.zip``).

The file (``session.shared``) carries the source as it was when shared, so the window
shows *that* in the source view (``SourceView.given``, under the name the trace's sites
use), never a file of the same name on this disk, which may differ or not be there.
Opening one runs nothing: the browser's choice is cleared (Run has nothing to run), and
the source can be kept as a ``.py`` (File > Save scenario as...) to run it, read first.

The picture inside is the chart as this window shows it (``MainWindow.export_chart``):
what the sender saw, for whoever unzips the file without the app.  ``asyncviz share``
has no window: ``chart_png`` draws the chart offscreen the same way.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from PySide6.QtCore import QDateTime, QObject
from PySide6.QtGui import QAction

from visualizer.app.lesson_text import lesson_html
from visualizer.app.render import render_chart
from visualizer.session.scenarios import Scenario
from visualizer.session.shared import (
    SUFFIX,
    SharedFormatError,
    SharedScenario,
    looks_shared,
    read_shared,
    write_shared,
)
from visualizer.session.user_folder import ensure, user_folder
from visualizer.trace.data import Trace
from visualizer.trace.safe_write import replace_atomically

if TYPE_CHECKING:
    from visualizer.app.window import MainWindow

#: ``asyncviz share``'s picture: the chart this big (the window's at ``--size 1280x800``)
PICTURE_SIZE = (1000, 620)


class Sharing(QObject):
    """The File menu's Share scenario... and Save scenario as..., and the shared file on
    screen (``opened``, while its trace is the window's)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.opened: SharedScenario | None = None
        menu = window.file_menu
        self.share_action = QAction(self)
        self.share_action.triggered.connect(self.ask_share)
        self.save_source_action = QAction(self)
        self.save_source_action.triggered.connect(self.ask_save_source)
        menu.insertAction(window.export_png_action, self.share_action)
        menu.insertAction(window.export_png_action, self.save_source_action)
        menu.insertSeparator(window.export_png_action)
        # (enabled as the menu opens: what is on screen changes in many places)
        menu.aboutToShow.connect(self.update_actions)
        self.update_actions()
        self.retranslate()

    def retranslate(self) -> None:
        self.share_action.setText(self.tr("S&hare scenario..."))
        self.share_action.setToolTip(
            self.tr(
                "Write the scenario, this run's trace and the chart's picture as one file"
                " that anyone can open here, or unzip"
            )
        )
        self.save_source_action.setText(self.tr("Save scenario &as..."))
        self.save_source_action.setToolTip(
            self.tr("Keep the shared scenario's source as a .py file, to run it")
        )
        shown = self.shown()
        if shown is not None:
            self._explain(shown)

    def update_actions(self) -> None:
        self.share_action.setEnabled(self.shareable() is not None)
        self.save_source_action.setEnabled(self.shown() is not None)

    # --- what is on screen -----------------------------------------------------------------
    def shown(self) -> SharedScenario | None:
        """The shared scenario on screen, if the chart still shows its run."""
        opened = self.opened
        if opened is not None and opened.trace is self.window.trace:
            return opened
        return None

    def shareable(self) -> tuple[Scenario, bytes | None] | None:
        """The scenario whose finished run is on screen, and its source if it is not its
        file's (a shared scenario's own); None if no scenario's run is shown."""
        window = self.window
        trace = window.trace
        if trace is None or window.running:  # (a run going: not finished)
            return None
        shown = self.shown()
        if shown is not None:  # (shared again: its source, named as its trace names it)
            return dataclasses.replace(shown.scenario, path=Path(shown.manifest.path)), (
                shown.source
            )
        source = str(trace.meta.get("source") or "")
        last = window._last_run[0] if window._last_run is not None else None
        for scenario in (window.scenarios.get(source), last):
            if (
                scenario is not None
                and source in (scenario.id, str(scenario.path))
                and scenario.kind == "scenario"
            ):
                return scenario, None
        return None

    # --- sharing ---------------------------------------------------------------------------
    def ask_share(self) -> None:
        found = self.shareable()
        if found is None:
            return
        dialog = self.window._file_dialog(
            self.tr("Share scenario"), self._filter(), True, self.share
        )
        dialog.setDefaultSuffix(SUFFIX[1:])
        dialog.selectFile(f"{found[0].path.stem}{SUFFIX}")

    def _filter(self) -> str:
        return self.tr("Shared scenarios (*{suffix});;All files (*)").format(suffix=SUFFIX)

    def share(self, path: str | Path) -> bool:
        """Write the scenario on screen, its run and the chart's picture to ``path``;
        False (and why, said) if it cannot."""
        window = self.window
        found = self.shareable()
        if found is None or window.trace is None:
            return False
        scenario, source = found
        picture = png_of(lambda png: window.export_chart(png, "png"))
        if picture is None:
            return False  # (export_chart said why)
        try:
            write_shared(path, scenario, window.trace, picture, source=source)
        except (OSError, ValueError) as exc:
            window._say(self.tr("Cannot share {scenario}").format(scenario=scenario.id), str(exc))
            return False
        window.statusBar().showMessage(
            self.tr("Shared {scenario} as {path}").format(scenario=scenario.id, path=path), 10000
        )
        return True

    # --- opening ---------------------------------------------------------------------------
    def opens(self, path: str | Path) -> bool:
        """``path`` is for ``open``, not the trace loader (a zip: told by its bytes)."""
        return looks_shared(path)

    def open(self, path: str | Path) -> bool:
        """Show the shared scenario in ``path``: its chart, its explanation, its source; a
        file that is not one changes nothing (and says why).  Runs nothing."""
        window = self.window
        try:
            shared = read_shared(path)
        except SharedFormatError as exc:
            window._cannot_open(str(path), str(exc))
            return False
        window.loading.cancel()
        window._show_opened(shared.trace)
        self.opened = shared
        window.browser.clearSelection()
        window.browser.setCurrentRow(-1)  # (Run has nothing to run: this is not run here)
        self._explain(shared)
        window.params.set_scenario(shared.scenario)
        for name, value in shared.manifest.params.items():
            with contextlib.suppress(TypeError, ValueError, OverflowError):  # (a file's)
                window.params.set_values({name: value})
        named = Path(shared.manifest.path)
        window.source.show_nothing()
        window.source.given = {named: shared.source_text()}
        window.source.show_file(named)
        self.update_actions()
        return True

    def _explain(self, shared: SharedScenario) -> None:
        """The scenario's own explanation (in the window's language, where it has one),
        under its title a word on what this is: a file, made elsewhere, not run here."""
        window = self.window
        window._explain_scenario(shared.scenario)
        note = self.tr(
            "Shared in {file} (asyncviz {version}, the {clock} clock): its own source is"
            " shown, never run here. To run it: File > Save scenario as..."
        ).format(
            file=_literal(shared.scenario.path.parent.name),
            clock=window.tr(shared.manifest.clock),
            version=_literal(shared.manifest.app_version[:40]),
        )
        title, _, text = (window._lesson or "").partition("\n\n")
        window._lesson = f"{title}\n\n*{note}*\n\n{text}".strip()
        window.about.setText(lesson_html(window._lesson, window.font_size))

    # --- keeping the source ------------------------------------------------------------------
    def ask_save_source(self) -> None:
        """Where to keep the source: the user's scenario folder first (it is listed, so
        the scenario can be chosen and run at once), under a name no listed scenario has."""
        shown = self.shown()
        if shown is None:
            return
        dialog = self.window._file_dialog(
            self.tr("Save scenario as"), self.tr("Python files (*.py)"), True, self.save_source
        )
        dialog.setDefaultSuffix("py")
        folder = user_folder()
        with contextlib.suppress(OSError):
            dialog.setDirectory(str(ensure(folder)))
        name = shown.manifest.id
        taken = self.window.scenarios.keys()
        if name in taken:  # (a built-in of that name, say: this one would be ignored)
            name = next(f"{name}_{n}" for n in range(2, 10_000) if f"{name}_{n}" not in taken)
        dialog.selectFile(f"{name}.py")

    def save_source(self, path: str | Path) -> bool:
        """The shared scenario's source, as shared, to ``path`` (whole or not at all);
        in a folder the window lists: listed and chosen, ready to run."""
        shown = self.shown()
        if shown is None:
            return False

        def write(file: BinaryIO) -> None:
            file.write(shown.source)

        window = self.window
        try:
            replace_atomically(path, write)
        except OSError as exc:
            window._say(self.tr("Cannot save {path}").format(path=path), str(exc))
            return False
        window.authoring.refresh()
        saved = window.scenarios.get(Path(path).stem)
        if saved is not None and saved.path == Path(path).resolve():
            window.select(saved.id)
        window.statusBar().showMessage(
            self.tr("Saved {path}: asyncviz gui {path} runs it").format(path=path), 10000
        )
        return True


def _literal(text: str) -> str:
    """``text`` (a file's name, a file's word) as itself in Markdown, marks escaped."""
    return re.sub(r"([\\`*_\[\]<>#~|!])", r"\\\1", text)


def png_of(write: Callable[[Path], None]) -> bytes | None:
    """The PNG that ``write(path)`` writes, as bytes (None if it wrote none)."""
    with tempfile.TemporaryDirectory(prefix="asyncviz-share-") as folder:
        path = Path(folder) / "chart.png"
        write(path)
        with contextlib.suppress(OSError):
            return path.read_bytes()
    return None


def chart_png(trace: Trace, scenario: Scenario, clock: str) -> bytes:
    """``trace``'s chart as ``asyncviz share`` puts it in the file: drawn offscreen (no
    window) by ``render_chart``, as ``asyncviz render`` draws it, with the title and legend
    an export has; needs a ``QApplication``.  (It laid a view out at Qt's default size
    once: the chart ended at 830 of 1000 pixels, its names oversized.)"""
    when = QDateTime.currentDateTime().toString("yyyy-MM-dd HH:mm")
    title = f"{scenario.id}, {clock} clock, {when}"

    def write(path: Path) -> None:
        render_chart(trace, path, size=PICTURE_SIZE, title=title)

    picture = png_of(write)
    if picture is None:
        raise OSError("the chart's picture could not be drawn")
    return picture
