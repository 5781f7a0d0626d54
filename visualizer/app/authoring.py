"""File > New scenario... and Open in editor: where an author starts and edits.

New scenario... asks for a name and a template (``session.templates``: each a whole
scenario that runs and passes its own checks) and shows the folder it goes in (the
user's scenario folder, ``session.user_folder``, which the dialog can change: the
setting is saved at once, so ``asyncviz new`` in a terminal writes there too).  The new
file is listed, selected (its explanation, parameters and source shown) and opened in
the user's editor.

Open in editor (File menu, and the scenario list's context menu) opens the selected
scenario's file.  A built-in one is the package's, read-only (an update would replace
it): the window says so and offers to copy it into the user's folder and open the copy,
which is what the user wants nearly every time.

The window never waits for an editor (``session.editor``: started on its own, a
terminal editor replaced by the desktop's); one that cannot start is said in a message.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from visualizer.app.browser import ID_ROLE
from visualizer.app.settings import save_user_folder
from visualizer.session.editor import EditorError, Launch, open_in_editor
from visualizer.session.scenarios import Scenario, ScenarioError, discover, read_scenario
from visualizer.session.templates import (
    DEFAULT_TEMPLATE,
    Template,
    copy_scenario,
    name_problem,
    templates,
    title_of,
    write_new,
)
from visualizer.session.user_folder import ENV_VAR, user_folder

if TYPE_CHECKING:
    from visualizer.app.window import MainWindow

#: the name the dialog offers first (numbered while one is taken)
FIRST_NAME = "my_lesson"
#: lines of a template's explanation the dialog has room for
ABOUT_LINES = 5


class Authoring(QObject):
    """The window's New scenario... and Open in editor: their actions, the dialog, the
    copy of a built-in, the editor."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: NewScenarioDialog | None = None  #: the last dialog opened (tests)
        self.launched: list[Launch] = []  #: the editors started, in order (tests)
        menu = window.file_menu
        self.new_action = QAction(self)
        self.new_action.setShortcut("Ctrl+N")
        self.new_action.triggered.connect(self.ask_new)
        self.edit_action = QAction(self)
        self.edit_action.setShortcut("Ctrl+E")
        self.edit_action.triggered.connect(lambda: self.edit(window.selected()))
        first = menu.actions()[0]  # (Open trace...: the new ones go above it)
        menu.insertActions(first, [self.new_action, self.edit_action])
        menu.insertSeparator(first)
        browser = window.browser
        browser.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        browser.customContextMenuRequested.connect(self._context_menu)
        self.retranslate()

    def retranslate(self) -> None:
        self.new_action.setText(self.tr("&New scenario..."))
        self.new_action.setToolTip(
            self.tr("Write a new scenario from a template into your scenario folder")
        )
        self.edit_action.setText(self.tr("Open in &editor"))
        self.edit_action.setToolTip(
            self.tr("Open the selected scenario's file in your editor ($VISUAL, $EDITOR)")
        )

    # --- new ---------------------------------------------------------------------------
    def ask_new(self) -> NewScenarioDialog:
        """The New scenario dialog, opened (never modal to the whole app: ``open()``)."""
        dialog = NewScenarioDialog(self)
        dialog.open()
        self.dialog = dialog
        return dialog

    def create(self, name: str, template: Template, folder: Path) -> Path | None:
        """Write ``name`` from ``template`` into ``folder``, list it, select it and open it
        in the editor: its path, or None (and why, said) if it could not be written."""
        try:
            path = write_new(name, template, folder, self.taken(folder))
        except ScenarioError as exc:
            self.window._say(self.tr("Cannot create {name}").format(name=name), str(exc))
            return None
        self._added(path)
        return path

    def taken(self, folder: Path) -> set[str]:
        """The ids a new scenario in ``folder`` may not have: those listed from elsewhere
        (one of the same folder is a file there: refused as one, not as an id)."""
        folder = folder.resolve()
        return {s.id for s in self.window.scenarios.values() if s.path.parent != folder}

    # --- open in editor ----------------------------------------------------------------
    def edit(self, scenario: Scenario | None) -> None:
        """Open ``scenario``'s file in the editor; a built-in one: offer a copy first."""
        if scenario is None:
            return
        if not scenario.builtin:
            self._launch(scenario.path)
            return
        window = self.window
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Copy a built-in scenario?"),
            self.tr(
                "“{title}” is built into asyncviz: its file is part of the package and"
                " read-only (an update would replace it). Copy it into your scenario"
                " folder, {folder}, and open the copy?"
            ).format(title=scenario.text(window.language)[0], folder=user_folder()),
            QMessageBox.StandardButton.Cancel,
            window,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        copy = box.addButton(self.tr("Copy and open"), QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(copy)

        def answered(_result: int) -> None:
            if box.clickedButton() is copy:
                self.copy_and_edit(scenario)

        box.finished.connect(answered)
        box.open()
        window.asked = box

    def copy_and_edit(self, scenario: Scenario) -> Path | None:
        """Copy the built-in ``scenario`` into the user's folder, list the copy, select
        it and open it in the editor: its path, or None (and why, said)."""
        folder = user_folder()
        try:
            path = copy_scenario(scenario, folder, self.taken(folder))
        except ScenarioError as exc:
            self.window._say(self.tr("Cannot copy {name}").format(name=scenario.id), str(exc))
            return None
        self._added(path)
        return path

    # --- the list and the editor -------------------------------------------------------
    def _added(self, path: Path) -> None:
        """A scenario file just written: listed (with any other new one the folders now
        hold), selected, and opened in the editor."""
        self.refresh()
        scenario_id = path.stem
        if scenario_id not in self.window.scenarios:  # (a folder not listed: --dir's)
            self.window.scenarios[scenario_id] = read_scenario(path)
            self._list()
        self.window.select(scenario_id)
        self._launch(path)

    def refresh(self) -> None:
        """The scenario list again, with the scenarios the folders hold now that it did
        not (those it had stay: a ``--scenarios`` folder's too), in order."""
        window = self.window
        found, _errors = discover()
        for scenario in found:
            window.scenarios.setdefault(scenario.id, scenario)
        self._list()

    def _list(self) -> None:
        window = self.window
        shown = sorted(window.scenarios.values(), key=lambda s: (s.order, s.id))
        window.browser.set_scenarios(shown)
        window.browser.retranslate(window.language)
        have = {window.tags.itemText(i) for i in range(1, window.tags.count())}
        new_tags = sorted({tag for s in shown for tag in s.tags} - have)
        window.tags.addItems(new_tags)  # (at the end: the chosen tag stays chosen)
        window._filter()

    def _launch(self, path: Path) -> None:
        try:
            self.launched.append(open_in_editor(path, wait=False))
        except EditorError as exc:
            self.window._say(
                self.tr("Cannot open an editor"),
                self.tr(
                    "No editor could be started for {path}. Set $VISUAL or $EDITOR to your"
                    " editor, or open the file yourself."
                ).format(path=path)
                + f"\n\n{exc}",
            )

    def _context_menu(self, at: QPoint) -> None:
        """The scenario list's menu: Open in editor for the scenario clicked."""
        item = self.window.browser.itemAt(at)
        if item is None or item.data(ID_ROLE) is None:
            return
        scenario = self.window.scenarios[item.data(ID_ROLE)]
        menu = QMenu(self.window.browser)
        menu.addAction(self.edit_action.text(), lambda: self.edit(scenario))
        menu.addAction(self.new_action.text(), self.ask_new)
        menu.popup(self.window.browser.viewport().mapToGlobal(at))


class NewScenarioDialog(QDialog):
    """A name (checked as it is typed), a template (with what it shows), the folder."""

    def __init__(self, authoring: Authoring) -> None:
        super().__init__(authoring.window)
        self.authoring = authoring
        language = authoring.window.language
        self.setWindowTitle(self.tr("New scenario"))
        self.folder = user_folder()
        self.name = QLineEdit(self._first_name())
        self.problem = QLabel(textFormat=Qt.TextFormat.PlainText, wordWrap=True)
        self.template = QComboBox()
        self.templates = templates()
        for template in self.templates:
            self.template.addItem(template.text(language), template.id)
            self.template.setItemData(
                self.template.count() - 1, template.id, Qt.ItemDataRole.ToolTipRole
            )
        self.template.setCurrentIndex(
            next(i for i, t in enumerate(self.templates) if t.id == DEFAULT_TEMPLATE)
        )
        self.about = QLabel(textFormat=Qt.TextFormat.PlainText, wordWrap=True)
        self.about.setAlignment(Qt.AlignmentFlag.AlignTop)
        # (room for the longest template's first paragraph: the dialog does not grow)
        self.about.setMinimumHeight(self.about.fontMetrics().lineSpacing() * ABOUT_LINES)
        self.folder_label = QLabel(textFormat=Qt.TextFormat.PlainText, wordWrap=True)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.change = QPushButton(self.tr("Change..."))
        self.change.clicked.connect(self._ask_folder)
        if os.environ.get(ENV_VAR):
            self.change.setEnabled(False)
            self.change.setToolTip(self.tr("Set by ${name}").format(name=ENV_VAR))
        folder_row = QWidget()
        row = QHBoxLayout(folder_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder_label, 1)
        row.addWidget(self.change)
        form = QFormLayout()
        form.addRow(self.tr("Name:"), self.name)
        form.addRow("", self.problem)
        form.addRow(self.tr("Template:"), self.template)
        form.addRow("", self.about)
        form.addRow(self.tr("Folder:"), folder_row)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        # (a button of ours: Qt names its standard OK again when the language changes)
        self.create_button = self.buttons.addButton(
            self.tr("Create and open"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.create_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(self.buttons)
        self.name.textChanged.connect(self._check)
        self.template.currentIndexChanged.connect(self._describe)
        self.name.selectAll()
        self.resize(560, self.sizeHint().height())
        self._show_folder()
        self._describe()

    def chosen(self) -> Template:
        return self.templates[self.template.currentIndex()]

    def accept(self) -> None:
        """Create the scenario; the dialog stays open (and says why) if it cannot be."""
        if not self._check():
            return
        if self.authoring.create(self.name.text().strip(), self.chosen(), self.folder):
            super().accept()

    def _first_name(self) -> str:
        name, number = FIRST_NAME, 2
        taken = self.authoring.taken(self.folder)
        while name in taken or (self.folder / f"{name}.py").exists():
            name, number = f"{FIRST_NAME}_{number}", number + 1
        return name

    def _check(self, _text: str = "") -> bool:
        """Whether the name can be the new scenario's; said under it either way."""
        name = self.name.text().strip()
        problem = name_problem(name, self.authoring.taken(self.folder))
        exists = problem is None and (self.folder / f"{name}.py").exists()
        if problem is not None:
            why, better = problem
            said = self._why(why, name).format(name=name, better=better)
        elif exists:
            said = self.tr("{file} is in the folder already: choose another name").format(
                file=f"{name}.py"
            )
        else:
            said = self.tr("{file}, titled “{title}”").format(
                file=f"{name}.py", title=title_of(name)
            )
        self.problem.setText(said)
        ok = problem is None and not exists
        self.problem.setStyleSheet("" if ok else "color: #c0392b")
        self.create_button.setEnabled(ok)
        return ok

    def _why(self, why: str, name: str) -> str:
        """What ``session.templates.NAME_PROBLEMS[why]`` says, in the window's words."""
        words = {
            "empty": self.tr("A scenario needs a name, such as {better}"),
            "py": self.tr("Give the name without .py: {better}"),
            "identifier": self.tr(
                "A name is letters, digits and _, not starting with a digit: try {better}"
            ),
            "keyword": self.tr("{name} is a Python keyword: try {better}"),
            "underscore": self.tr(
                "A file whose name starts with _ is a helper, never listed: try {better}"
            ),
            "stdlib": self.tr(
                "{name} is a module of Python's standard library (the file would import"
                " itself): try {better}"
            ),
            "taken": self.tr("There is a scenario {name} already: try {better}"),
        }
        return words.get(why, self.tr("Not a name for a scenario: try {better}"))

    def _describe(self, _index: int = 0) -> None:
        """The template's explanation (its first paragraph) under it."""
        language = self.authoring.window.language
        scenario = read_scenario(self.chosen().path)
        explanation = scenario.text(language)[1].replace("``", "")
        self.about.setText(explanation.split("\n\n")[0].replace("\n", " "))

    def _show_folder(self) -> None:
        self.folder_label.setText(str(self.folder))
        self._check()

    def _ask_folder(self) -> None:
        dialog = QFileDialog(self, self.tr("Your scenario folder"), str(self.folder))
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(self.set_folder)
        dialog.open()

    def set_folder(self, folder: str | Path) -> None:
        """The user's scenario folder from now on (saved: the terminal's commands use it
        too); its scenarios are listed."""
        self.folder = Path(folder).resolve()
        save_user_folder(str(self.folder))
        self._show_folder()
        self.authoring.refresh()
