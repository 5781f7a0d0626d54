"""Hot reload: edit a scenario, save it, see the chart again (issue 17, point 1).

An author iterates dozens of times an hour: change a sleep, save, look.  So the window
watches (``QFileSystemWatcher``) the selected scenario's file and the scenario folders:

* **A save of the selected file** reads it again (``read_scenario``: its docstring,
  parameters, tags; the source pane), and, with *Rerun on save* on, runs the last run
  again, on the same clock with the same parameters (:func:`carried`).  A run still
  going is stopped first, and gone (its task ended, its frames stopped), before the new
  one starts: one run on screen, never two filling one chart.
* **A file that does not read** (a syntax error, a ``TAGS`` that is not a tuple of
  strings: a ``ScenarioError``) is shown in the source pane at its line, the chart keeps
  the last run that read well, and the list marks the file (it is not taken away).  Saved
  fixed, the error goes and the rerun comes.
* **A folder's files** listed again when they change: a file dropped in appears, a
  deleted one goes (the selected one stays, noted as gone, until another is chosen);
  the selection and the filter stay as the user left them.

Editors save in two ways, and both are seen: in place (one or two writes to the file)
or atomically (a new file renamed over the old one).  The watch is on the old file's
inode, which a rename drops (Qt then forgets the path): so every path is watched again
after each change, and the folders are watched too.  An editor may write twice for one
save, and a rename touches both the file and its folder: the changes are gathered for
``SETTLE_MS`` after the last one (at most ``SETTLE_MAX_S`` after the first), and a file
whose bytes did not change is not read again, so one save is one reload.

A scenario's code is the user's, and may be hostile: it is never imported here (reading
is ``read_scenario``'s syntax tree); only a run runs it, as any run does.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from visualizer.app.settings import open_settings, saved
from visualizer.session.scenarios import (
    Scenario,
    ScenarioError,
    builtin_scenario_dir,
    discover,
    read_scenario,
    scenario_dirs,
)

if TYPE_CHECKING:
    from visualizer.app.window import MainWindow

#: changes are gathered this long after the last one before the files are read again
#: (an editor's two writes for one save, a rename's file and folder changes: one reload)
SETTLE_MS: Final = 200
#: ... but never longer than this after the first (a folder written to all the time)
SETTLE_MAX_S: Final = 1.0
#: the settings: rerun on save, for the user's files and for the built-in lessons
SETTING: Final = "rerun_on_save"
SETTING_BUILTIN: Final = "rerun_on_save_builtin"


def carried(before: Scenario, after: Scenario, values: Mapping[str, object]) -> dict[str, object]:
    """The last run's parameters (``values``, of ``before``) for the file as saved now
    (``after``): a parameter it no longer has is dropped, a new one takes its default,
    and one the run left at its old default takes the new default (the author changed
    the default: that is the edit to see).  A value the user chose is kept, if the
    parameter's type, as it is now, takes it; else the default."""
    old = {param.name: param for param in before.params}
    result: dict[str, object] = {}
    for param in after.params:
        result[param.name] = param.default
        was = old.get(param.name)
        if was is None or param.name not in values or values[param.name] == was.default:
            continue
        with contextlib.suppress(ValueError):  # (a type it no longer fits: the default)
            result[param.name] = param.convert(_text(values[param.name]))
    return result


def _text(value: object) -> str:
    """A parameter's value as the command line (and ``ScenarioParam.convert``) writes it."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def short_error(error: ScenarioError) -> str:
    """A file's error without its path and line in front (the pane shows the file, and
    the error at its line)."""
    text = str(error)
    if error.path is not None:
        for prefix in (f"{error.path}, line {error.line}: ", f"{error.path}: "):
            if text.startswith(prefix):
                text = text[len(prefix) :]
                break
    return text.replace(f" at line {error.line}: ", ": ", 1)


class HotReload(QObject):
    """The window's watch on the scenario files: its *Rerun on save* action (View menu),
    the watcher, and what a change does (see the module)."""

    #: the selected scenario's file was read again: its id, and whether it read well
    reloaded = Signal(str, bool)
    #: the scenario list was made again (a scenario folder changed)
    relisted = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        #: made by ``watch_folders`` (the app calls it): each watcher holds an inotify
        #: instance of the user's few (128 on Linux), and a window made for a test, or
        #: for a picture, has no file to watch
        self.watcher: QFileSystemWatcher | None = None
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.settle)
        self._first_change: float | None = None  #: when the changes gathered began
        #: the folders listed (``watch_folders``): the built-ins and ``$ASYNCVIZ_SCENARIOS``
        self.extra: tuple[Path, ...] = ()
        self.folders: list[Path] = scenario_dirs()
        #: the bytes of the selected file as last read (a write of the same bytes: nothing)
        self._bytes: tuple[Path, bytes | None] | None = None
        #: the files that do not read as scenarios now, with why
        self.errors: dict[Path, ScenarioError] = {}
        self.gone: set[str] = set()  #: the ids of listed scenarios whose file is gone
        self.shown: Scenario | None = None  #: the scenario the panes were last set for
        #: the rerun going (it waits for the run it stops: a reference, so it is kept)
        self.rerunning: asyncio.Task[None] | None = None
        self.action = window.view_menu.addAction("")
        self.action.setCheckable(True)
        self.action.setChecked(saved(SETTING, True, bool))
        self.action.triggered.connect(self._toggled)
        window.view_menu.insertAction(window.resource_rows_action, self.action)
        window.browser.currentItemChanged.connect(self._selected)
        self.retranslate()

    def retranslate(self) -> None:
        self.action.setText(self.tr("Rerun on &save"))
        self.action.setToolTip(
            self.tr(
                "When the selected scenario's file is saved, read it again and run the last"
                " run again: same clock, same parameters (remembered apart for the built-in"
                " lessons and for your own files)"
            )
        )
        self._show_notes()
        if self.shown is not None:
            self._show_problem(self.shown)

    # --- what is watched -----------------------------------------------------------------
    def watch_folders(self, extra: Sequence[Path] = ()) -> None:
        """Watch the scenario folders (the built-ins, ``$ASYNCVIZ_SCENARIOS``, ``extra``:
        ``--scenarios``) and list them again now (the files in them that do not read as
        scenarios too, marked)."""
        self.extra = tuple(extra)
        self.folders = scenario_dirs(self.extra)
        if self.watcher is None:
            self.watcher = QFileSystemWatcher(self)
            self.watcher.fileChanged.connect(self._changed)
            self.watcher.directoryChanged.connect(self._changed)
        self._relist()
        self._watch()

    def adopt(self, error: ScenarioError) -> Scenario | None:
        """A file named on the command line (``asyncviz gui my_lesson.py``) that does not
        read as a scenario: listed (marked), selected, its error shown at its line and
        watched, as if it had broken while the window watched it; fixed and saved, it is
        read and shown.  An author starts the window on the file they are writing,
        broken or not.  None (nothing done) for what is not such a file, or for a file
        whose name another listed scenario has (that one is not to be hidden)."""
        path = error.path
        if path is None or path.suffix != ".py" or not path.is_file():
            return None
        path = path.resolve()
        window = self.window
        if path.stem in window.scenarios:
            return None
        scenario = _untitled(path, builtin=False)
        self.errors[path] = error
        window.scenarios[scenario.id] = scenario
        self._show_list(self._notes(window.scenarios.values()))
        window.select(scenario.id)  # (``_selected``: watched, its error at its line)
        return scenario

    def _watch(self) -> None:
        """The selected file and the folders watched, each again if a change dropped it
        (a rename over a file ends the watch on it), the others no more."""
        watcher = self.watcher
        if watcher is None:
            return
        scenario = self.window.selected()
        files = {str(scenario.path)} if scenario is not None and scenario.path.is_file() else set()
        folders = {str(folder) for folder in self.folders if folder.is_dir()}
        if scenario is not None and scenario.path.parent.is_dir():
            folders.add(str(scenario.path.parent))  # (to see it come back, or be renamed in)
        for watched, wanted in (
            (watcher.files(), files),
            (watcher.directories(), folders),
        ):
            stale = [path for path in watched if path not in wanted]
            if stale:
                watcher.removePaths(stale)
        present = {*watcher.files(), *watcher.directories()}
        missing = sorted((files | folders) - present)
        if missing:
            watcher.addPaths(missing)  # (one that cannot be watched: left out, said by Qt)

    def _changed(self, _path: str) -> None:
        """A file or folder changed: read again once the changes settle."""
        now = time.monotonic()
        if self._first_change is None:
            self._first_change = now
        if now - self._first_change < SETTLE_MAX_S or not self._settle.isActive():
            self._settle.start()

    # --- reading again -------------------------------------------------------------------
    def settle(self) -> None:
        """The changes settled: the folders listed again, the selected file read again
        (and rerun), every path watched again."""
        self._first_change = None
        self._relist()
        self._reread()
        self._watch()

    def _relist(self) -> None:
        """The scenario list made again from the folders, if it changed: a file dropped
        in appears; a deleted one goes, but the selected one stays, noted as gone; a file
        that does not read stays (or appears), marked, with its last good description."""
        window = self.window
        found, errors = discover(self.extra)
        listing = {s.id: s for s in found}
        known = {s.path: s for s in window.scenarios.values()}
        folders = set(self.folders)
        # (a file named by its path, outside the folders, is read again only when it
        # changes, ``_reread``: its error stays until then)
        self.errors = {p: e for p, e in self.errors.items() if p.parent not in folders}
        builtins = builtin_scenario_dir().resolve()
        for error in errors:
            path = error.path
            if path is None or path.suffix != ".py" or not path.is_file():
                continue
            if path.stem in listing:  # (a duplicate id: the first file's is listed)
                continue
            self.errors[path] = error
            listing[path.stem] = known.get(path) or _untitled(path, path.parent == builtins)
        for scenario in window.scenarios.values():  # (files named by their path: kept)
            if scenario.id not in listing and scenario.path.parent not in folders:
                listing[scenario.id] = scenario
        selected = window.selected()
        if selected is not None and selected.id not in listing:
            listing[selected.id] = selected
        self.gone = {s.id for s in listing.values() if not s.path.is_file()}
        ordered = sorted(listing.values(), key=lambda s: (s.order, s.id))
        notes = self._notes(ordered)
        if ordered == list(window.scenarios.values()) and notes == window.browser.notes:
            return
        window.scenarios.clear()
        window.scenarios.update((s.id, s) for s in ordered)
        self._show_list(notes)

    def _notes(self, scenarios: Iterable[Scenario]) -> dict[str, str]:
        """The list's note on each scenario that has one (its file broken, or gone)."""
        notes: dict[str, str] = {}
        for scenario in scenarios:
            error = self.errors.get(scenario.path)
            if scenario.id in self.gone:
                notes[scenario.id] = self.tr("Its file is gone: {path}").format(path=scenario.path)
            elif error is not None:
                notes[scenario.id] = self.tr("Does not read as a scenario: {error}").format(
                    error=short_error(error)
                )
        return notes

    def _show_notes(self) -> None:
        browser = self.window.browser
        notes = self._notes(browser.scenarios.values())
        if notes != browser.notes:
            browser.notes = notes
            browser.retranslate(self.window.language)

    def _retag(self, scenarios: Sequence[Scenario]) -> None:
        """The tag filter's choices: every tag the scenarios carry now (the one chosen
        stays chosen while a scenario carries it)."""
        combo = self.window.tags
        chosen = combo.currentText() if combo.currentIndex() > 0 else ""
        tags = sorted({tag for s in scenarios for tag in s.tags})
        if [combo.itemText(i) for i in range(1, combo.count())] == tags:
            return
        blocked = combo.blockSignals(True)
        try:
            while combo.count() > 1:
                combo.removeItem(1)
            combo.addItems(tags)
            combo.setCurrentIndex(tags.index(chosen) + 1 if chosen in tags else 0)
        finally:
            combo.blockSignals(blocked)

    def _reread(self) -> None:
        """The selected file read again if its bytes changed: its panes made again and,
        with *Rerun on save*, its last run run again; if it does not read, its error
        shown at its line and the chart left as it is."""
        window = self.window
        scenario = window.selected()
        if scenario is None:
            return
        path = scenario.path
        data = _bytes_of(path)
        if self._bytes == (path, data):
            return
        self._bytes = (path, data)
        if data is None:  # gone: the list notes it; the pane too
            self._show_problem(scenario)
            return
        try:
            fresh = read_scenario(path, builtin=scenario.builtin)
        except ScenarioError as error:
            self.errors[path] = error
            self._show_notes()
            if window.source.path != path:
                window.source.show_file(path)
            self._show_problem(scenario)
            self.reloaded.emit(scenario.id, False)
            return
        self.errors.pop(path, None)
        self._use(fresh)
        last = window._last_run
        if last is not None and last[0].path == path:  # (Rerun, by hand too: the file now)
            before, params, clock, own, args = last
            window._last_run = (fresh, carried(before, fresh, params), clock, own, args)
        self.reloaded.emit(fresh.id, True)
        if self.action.isChecked():
            self.rerun_soon(fresh)

    def _use(self, fresh: Scenario) -> None:
        """``fresh`` (the selected scenario read again) in the list and the panes; the
        form keeps what the user set, of what the file still has."""
        window = self.window
        before = self.shown or window.scenarios.get(fresh.id) or fresh
        form = window.params.values()
        if window.scenarios.get(fresh.id) != fresh:  # (its title, tags, section in the list)
            window.scenarios[fresh.id] = fresh
            self._show_list(window.browser.notes)
        self._show_notes()
        window._explain_scenario(fresh)
        window.params.set_scenario(fresh)
        defaults = {p.name: _text(p.default) for p in before.params}
        kept: dict[str, object] = {}
        for param in fresh.params:
            text = form.get(param.name)
            if text is None or defaults.get(param.name, text) == text:
                continue  # (new, or left at its default: the file's default now)
            with contextlib.suppress(ValueError):
                kept[param.name] = param.convert(text)
        window.params.set_values(kept)
        if window.source.path != fresh.path:
            window.source.show_file(fresh.path)
        window.source.refresh()
        window.source.clear_error()
        self.shown = fresh

    def _show_list(self, notes: dict[str, str]) -> None:
        """The list made again of the window's scenarios (the selection stays), with
        ``notes``, and the tags and the user's filter applied to it."""
        window = self.window
        ordered = sorted(window.scenarios.values(), key=lambda s: (s.order, s.id))
        window.browser.set_scenarios(ordered, notes)
        self._retag(ordered)
        window._filter()  # (the user's search and tag, on the new list)
        self.relisted.emit()

    def _show_problem(self, scenario: Scenario) -> None:
        """The selected file's problem in the source pane: its error at its line (the
        text as saved), or that it is gone (the text as last read)."""
        source = self.window.source
        if source.path != scenario.path:
            return  # (the pane shows another file: a site the user clicked)
        if scenario.id in self.gone or not scenario.path.is_file():
            source.show_error(
                None,
                "",
                self.tr(
                    "The file {path} is gone (deleted or moved). Saved again, it is read again."
                ).format(path=scenario.path),
            )
            return
        error = self.errors.get(scenario.path)
        if error is None:
            source.clear_error()
            return
        source.refresh()
        said = short_error(error)
        where = (
            self.tr("Line {line}: {error}").format(line=error.line, error=said)
            if error.line is not None
            else said
        )
        last = self.window._last_run
        if last is None or last[0].path != scenario.path:  # (never run: nothing kept)
            then = self.tr("Fixed and saved, the file is read again.")
        elif self.action.isChecked():
            then = self.tr("The chart keeps the last run; fixed and saved, the file runs again.")
        else:
            then = self.tr("The chart keeps the last run.")
        source.show_error(error.line, said, f"{where}\n{then}")

    # --- the selection, the toggle ---------------------------------------------------------
    def _selected(self, *_args: Any) -> None:
        """Another scenario selected: its file watched, its bytes noted, its problem (if
        it has one) shown, the toggle as remembered for its kind (built-in or not)."""
        scenario = self.window.selected()
        self.shown = scenario
        self._watch()
        if scenario is None:
            return
        self._bytes = (scenario.path, _bytes_of(scenario.path))
        builtin = scenario.builtin
        self.action.setChecked(saved(SETTING_BUILTIN if builtin else SETTING, not builtin, bool))
        self._show_problem(scenario)

    def _toggled(self, on: bool) -> None:
        """The user turned *Rerun on save* on or off: remembered for the selected
        scenario's kind (the built-in lessons apart: off unless turned on)."""
        scenario = self.window.selected()
        builtin = scenario is not None and scenario.builtin
        settings = open_settings()
        settings.setValue(SETTING_BUILTIN if builtin else SETTING, on)
        settings.sync()
        if scenario is not None:
            self._show_problem(scenario)  # (the banner says what a fix will do)

    # --- running again -------------------------------------------------------------------
    def rerun_soon(self, fresh: Scenario) -> None:
        """Run the last run again with ``fresh`` (the file as saved now) if the last run
        was of that file; a run going is stopped first.  A save while a rerun waits for
        the run it stops changes nothing more: that rerun takes the file as it is then."""
        last = self.window._last_run
        if last is None or last[0].path != fresh.path:
            return
        if self.rerunning is not None and not self.rerunning.done():
            return
        self.rerunning = asyncio.ensure_future(self._rerun(fresh.path))

    async def _rerun(self, path: Path) -> None:
        window = self.window
        old = window._task
        if old is not None:
            window.stop()
            await asyncio.wait([old])  # (its task ended: its frames stopped, its source gone)
        last = window._last_run  # (the file as last read: ``_reread`` keeps it so)
        if last is None or last[0].path != path or path in self.errors:
            return
        window.rerun()


def _bytes_of(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _untitled(path: Path, builtin: bool) -> Scenario:
    """A file that never read as a scenario, listed (marked) under its file's name."""
    return Scenario(
        id=path.stem,
        title=path.stem,
        explanation="",
        tags=(),
        path=path,
        params=(),
        builtin=builtin,
    )
