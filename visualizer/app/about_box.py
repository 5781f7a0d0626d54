"""Help > About: which program this is, and what it runs on, for a bug report.

A drawing bug depends on the Qt the window really runs on (its version, its platform
plugin, the screen's pixel ratio, the font), a slow chart on whether the compiled hot
paths are in use: the box shows those beside ``visualizer.about.facts`` (the versions of
Python and the libraries), and "Copy for a bug report" puts the same table on the
clipboard as a fenced block (``about.report_text``) that pastes well in an issue.

The facts' names and values stay English in both languages: they are what is pasted into
a report the maintainers read, and the box shows exactly what is copied.  The box's own
words (its title, the sentence, the buttons, the warning) are the user's language.

The box is not modal and never runs a nested event loop (``show()``, not ``exec()``): the
window runs on the asyncio loop, and a run going on must go on drawing meanwhile.  One
box, made on first use, shown again after that (with its facts read again: the screen or
the font may have changed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, qVersion
from PySide6.QtGui import QAction, QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProxyStyle,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from visualizer import __version__, about
from visualizer.app.app_icon import app_icon

if TYPE_CHECKING:
    from visualizer.app.window import MainWindow

#: how long the copy button says "Copied" before it says what it does again (milliseconds)
COPIED_MS = 2000
#: the icon's size in the box, in the font's line heights (it grows with big type)
ICON_LINES = 4


def qt_facts(widget: QWidget | None = None) -> tuple[tuple[str, str], ...]:
    """What only the running window knows: the Qt it really runs on (PySide6's version is
    the binding's, from pip's metadata), the platform plugin, the screen ``widget`` is on
    (its size and device pixel ratio), the style and the font."""
    screen = widget.screen() if widget is not None else QGuiApplication.primaryScreen()
    if screen is not None:
        size = screen.size()
        shown = f"{size.width()}x{size.height()}, device pixel ratio {screen.devicePixelRatio():g}"
    else:
        shown = "none"
    font = QApplication.font()
    style = QApplication.style()
    style_name = style.name() if style is not None else "none"
    if isinstance(style, QProxyStyle) and style.baseStyle() is not None:  # (the dark theme's)
        style_name = f"{style.baseStyle().name()} ({type(style).__name__})"
    return (
        ("Qt", qVersion()),
        ("Qt platform", QGuiApplication.platformName()),
        ("screen", shown),
        ("Qt style", style_name),
        ("font", f"{font.family()} {font.pointSize()} pt"),
    )


class AboutBox(QDialog):
    """The About box: icon, name, version, what it is, the facts, the copy button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModal(False)
        #: the window's facts, read when the box is shown (``refresh``)
        self.extra: tuple[tuple[str, str], ...] = ()
        self.rows: list[tuple[str, str]] = []  #: the facts shown
        icon = app_icon()  # (every size; none where the files are missing)
        self.icon: QIcon | None = None if icon.isNull() else icon
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.what = QLabel(wordWrap=True)
        #: "the asyncviz on the PATH is another program", when it is
        self.warning = QLabel(wordWrap=True)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warning.setStyleSheet(
            "QLabel { color: palette(bright-text); background: #b3261e; padding: 6px; }"
        )
        self.table = QTableWidget(0, 2)
        self.table.horizontalHeader().hide()
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        # one line a fact; a value wider than the screen allows loses its middle (the
        # whole in its tooltip, and in what is copied)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.copy_button = QPushButton()
        self.copy_button.clicked.connect(self.copy_report)
        self._copied = QTimer(self)
        self._copied.setSingleShot(True)
        self._copied.setInterval(COPIED_MS)
        self._copied.timeout.connect(self.retranslate)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        # (no stock icon on Close: the style's dark cross all but vanished on the dark theme)
        buttons.button(QDialogButtonBox.StandardButton.Close).setIcon(QIcon())
        self.copy_button.setDefault(True)
        heading = QHBoxLayout()
        heading.addWidget(self.picture)
        words = QVBoxLayout()
        words.addWidget(self.title)
        words.addWidget(self.what)
        words.addStretch(1)
        heading.addLayout(words, 1)
        self.column = column = QVBoxLayout(self)
        column.addLayout(heading)
        column.addWidget(self.warning)
        column.addWidget(self.table, 1)
        column.addWidget(buttons)
        self.refresh()
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("About asyncio-visualizer"))
        name = about.DISTRIBUTION  # (a name: the same in every language)
        version = self.tr("version {version}").format(version=__version__)
        self.title.setText(f"<h2>{name}</h2><p>{version}</p>")
        self.what.setText(
            self.tr(
                "Traces asyncio programs and shows what every task did, when, and why:"
                " live while they run, or from a saved trace."
            )
        )
        self.copy_button.setText(self.tr("&Copy for a bug report"))
        self.copy_button.setToolTip(
            self.tr("Put these facts on the clipboard, as text to paste into a bug report")
        )
        self._show_warning()

    def _show_warning(self) -> None:
        found = about.foreign_asyncviz()
        self.warning.setVisible(found is not None)
        if found is None:
            return
        self.warning.setText(
            self.tr(
                "The 'asyncviz' command on the PATH ({path}) is another program, most likely"
                " the unrelated PyPI package 'asyncviz'. Start this one as '{own}' or"
                " 'python -m visualizer'."
            ).format(path=found, own=about.OWN_COMMAND)
        )
        self.warning.setToolTip(about.clash_said(found))

    def refresh(self) -> None:
        """Read the facts again (the window may have moved to another screen, the font
        may have grown) and show them."""
        self.extra = qt_facts(self.parentWidget() or self)
        self.rows = rows = about.facts(self.extra)
        self.table.setRowCount(len(rows))
        for row, (name, value) in enumerate(rows):
            for column, text in enumerate((name, value)):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                item.setToolTip(value)
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        self._size_icon()

    def fit(self) -> None:
        """As big as the facts need (a table asks for little by itself): every value on
        one line, the whole table without scrolling, where the screen has room.  The
        warning's row does not widen the box: the banner above says it whole."""
        metrics = self.table.fontMetrics()
        pad = 3 * metrics.averageCharWidth()  # (a cell's margins, both columns)
        shown = [(n, v) for n, v in self.rows if n != "warning"]
        names = max((metrics.horizontalAdvance(n) for n, _ in shown), default=0)
        values = max((metrics.horizontalAdvance(v) for _, v in shown), default=0)
        frame = 2 * self.table.frameWidth()
        scroll_bar = self.table.verticalScrollBar().sizeHint().width()
        margins = self.column.contentsMargins()
        width = names + values + 2 * pad + frame + scroll_bar + margins.left() + margins.right()
        screen = self.screen().availableGeometry()
        width = min(max(width, self.minimumSizeHint().width()), screen.width() * 9 // 10)
        rows = sum(self.table.rowHeight(r) for r in range(self.table.rowCount()))
        self.table.setMinimumHeight(rows + frame)  # (for the layout's height, a moment)
        height = self.column.totalHeightForWidth(width)
        self.table.setMinimumHeight(0)
        self.resize(width, min(height, screen.height() * 9 // 10))

    def _size_icon(self) -> None:
        if self.icon is None:
            self.picture.hide()
            return
        side = self.fontMetrics().height() * ICON_LINES
        self.picture.setPixmap(self.icon.pixmap(side, side))

    def report(self) -> str:
        """What "Copy for a bug report" copies: the facts shown, as a fenced block."""
        return about.report_text(self.extra)

    def copy_report(self) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self.report())
        self.copy_button.setText(self.tr("Copied"))
        self._copied.start()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        elif event.type() == QEvent.Type.FontChange:  # (bigger text: a bigger icon, rows)
            self.table.resizeRowsToContents()
            self._size_icon()
            if self.isVisible():  # (presenter mode with the box open: no value cut off)
                self.fit()
        super().changeEvent(event)


class About(QObject):
    """The window's Help menu and its About box (one, made on first use)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.box: AboutBox | None = None
        self.menu = window.menuBar().addMenu("")
        self.action = QAction(self)
        self.action.setMenuRole(QAction.MenuRole.AboutRole)
        self.action.triggered.connect(self.show_box)
        self.menu.addAction(self.action)
        self.retranslate()

    def retranslate(self) -> None:
        self.menu.setTitle(self.tr("&Help"))
        self.action.setText(self.tr("&About asyncio-visualizer"))

    def show_box(self) -> AboutBox:
        """Show the About box (made once; its facts read again each time), not modal."""
        if self.box is None:
            self.box = AboutBox(self.window)
        else:
            self.box.refresh()
        self.box.fit()
        self.box.show()
        self.box.raise_()
        self.box.activateWindow()
        return self.box
