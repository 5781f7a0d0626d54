"""The scenario browser: the scenarios in sections, from the basics on.

The sections are ``visualizer.session.scenarios.grouped``'s: the built-ins' bands of
``ORDER`` (``SECTIONS``), each installed pack's (headed by its name and version, which are
not translated), the user's scenarios, the plain programs; each under a header that cannot be
selected: a click on it does nothing and the keys pass over it. The filter (search
text, tag) hides the scenarios that do not match and the headers of sections left empty.

A title longer than the pane is wide wraps onto a second line (issue 14: the narrow
pane cut "Limiting concurrency with a Semaph"); its tooltip has it whole, with its id.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from visualizer.session.packs import Pack
from visualizer.session.scenarios import SECTION_TITLES, Scenario, grouped

#: a scenario's item holds its id here; a header holds None
ID_ROLE = Qt.ItemDataRole.UserRole


def plain(title: str) -> str:
    """A docstring's title as a list shows it: reStructuredText's inline code marks
    (````cancel()````) taken away (the lesson's pane draws them as code)."""
    return title.replace("``", "")


def pack_tooltip(pack: Pack) -> str:
    """A pack's header's tooltip: the course's own words (its summary), and where the
    pack came from (``pip show`` and ``pip uninstall`` know it by that name)."""
    installed = QCoreApplication.translate(
        "ScenarioBrowser", "Scenario pack installed from {distribution} {version}"
    ).format(distribution=pack.distribution, version=pack.version)
    return f"{pack.summary}\n{installed}" if pack.summary else installed


#: a header's section title, in English (shown translated; a pack's: its name)
SECTION_ROLE = Qt.ItemDataRole.UserRole + 1
#: pixels a scenario stands in from its section's header
INDENT = 12
#: before the title of a scenario with a note (a file that does not read, or is gone)
NOTE_MARK = "\u26a0"


class _Delegate(QStyledItemDelegate):
    """Headers drawn bold in the normal text colour (a disabled item would be grey),
    scenarios indented under them; every title wrapped to the list's width."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """As tall as the title needs, wrapped to the list's width (Qt's list gives the
        delegate no width to wrap to: the title would be one long line)."""
        view = self.parent()
        if not isinstance(view, QListWidget):
            return super().sizeHint(option, index)
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)  # (indented: a scenario's width is less)
        width = view.viewport().width() - (0 if index.data(SECTION_ROLE) is not None else INDENT)
        item.rect = QRect(0, 0, max(width, 1), 1)
        item.features |= QStyleOptionViewItem.ViewItemFeature.WrapText
        style = view.style()
        return style.sizeFromContents(QStyle.ContentsType.CT_ItemViewItem, item, QSize(), view)

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        if index.data(SECTION_ROLE) is not None:
            option.state |= QStyle.StateFlag.State_Enabled
            option.font.setBold(True)
        else:
            option.rect.adjust(INDENT, 0, 0, 0)


class ScenarioBrowser(QListWidget):
    def __init__(self, scenarios: Sequence[Scenario], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setItemDelegate(_Delegate(self))
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)  # (wrapped again when resized)
        self.scenarios: dict[str, Scenario] = {}
        #: a scenario's note (translated), by its id: its file does not read as a scenario,
        #: or is gone (``hot_reload``); marked in the list, said in its tooltip
        self.notes: dict[str, str] = {}
        #: a scenario's mark and its words (translated), by its id: its lesson checks' last
        #: verdict (``lesson_checks``); shown as a note is, but a note's mark wins
        self.marks: dict[str, tuple[str, str]] = {}
        self._language = ""  #: the language of the scenarios' titles (``retranslate``)
        self.set_scenarios(scenarios)

    def set_scenarios(
        self, scenarios: Sequence[Scenario], notes: dict[str, str] | None = None
    ) -> None:
        """The list made again of ``scenarios`` (a scenario folder changed): the one
        that was current stays current, without a signal (it is the same scenario);
        the caller filters the list again."""
        current = self.selected_id()
        self.scenarios = {s.id: s for s in scenarios}
        #: the installed packs listed, by name (their sections' titles)
        self.packs = {s.pack.name: s.pack for s in scenarios if s.pack is not None}
        self.notes = dict(notes or {})
        blocked = self.blockSignals(True)
        try:
            self.clear()
            for title, members in grouped(scenarios):  # (the plain programs' last)
                pack = members[0].pack
                header = QListWidgetItem(title if pack is None else pack.title)
                header.setFlags(Qt.ItemFlag.NoItemFlags)  # not selectable, skipped by the keys
                header.setData(SECTION_ROLE, title)
                if pack is not None:
                    header.setToolTip(pack_tooltip(pack))
                self.addItem(header)
                for scenario in members:
                    item = QListWidgetItem(plain(scenario.title))
                    item.setData(ID_ROLE, scenario.id)
                    self.addItem(item)
            self.retranslate(self._language)
            if current is not None and current in self.scenarios:
                self.setCurrentRow(self.row_of(current))
        finally:
            self.blockSignals(blocked)

    # --- what is in it ------------------------------------------------------------------
    def scenario_rows(self) -> list[int]:
        """The rows of the scenarios (not the headers), shown or hidden."""
        return [row for row in range(self.count()) if self.item(row).data(ID_ROLE) is not None]

    def row_of(self, scenario_id: str) -> int:
        for row in range(self.count()):
            if self.item(row).data(ID_ROLE) == scenario_id:
                return row
        raise KeyError(scenario_id)

    def selected_id(self) -> str | None:
        item = self.currentItem()
        return None if item is None else item.data(ID_ROLE)

    def select_first(self) -> None:
        """The first scenario shown (not a header) becomes the current one."""
        for row in self.scenario_rows():
            if not self.item(row).isHidden():
                self.setCurrentRow(row)
                return

    # --- words --------------------------------------------------------------------------
    def retranslate(self, language: str) -> None:
        """Section titles in the application's language, scenario titles in ``language``
        (a scenario's own Chinese title, ``EXPLAIN_ZH``'s first line, where it has one);
        a scenario with a note (or a mark) is marked, its note in its tooltip."""
        self._language = language
        for row in range(self.count()):
            item = self.item(row)
            title = item.data(SECTION_ROLE)
            if title in SECTION_TITLES:
                item.setText(QCoreApplication.translate("Sections", title))
            elif title is not None:  # a pack's: its name is its name, in any language
                item.setToolTip(pack_tooltip(self.packs[title]))
            else:
                scenario = self.scenarios[item.data(ID_ROLE)]
                title = plain(scenario.text(language)[0])
                note = self.notes.get(scenario.id)
                mark, said = (
                    (NOTE_MARK, note) if note is not None else self.marks.get(scenario.id, ("", ""))
                )
                item.setText(f"{mark} {title}" if mark else title)
                tip = f"{title} ({scenario.id})"
                item.setToolTip(f"{tip}\n{said}" if said else tip)

    def set_mark(self, scenario_id: str, mark: str = "", words: str = "") -> None:
        """``scenario_id``'s mark before its title and its words in the tooltip (no mark:
        none), as long as the list lasts and when it is made again."""
        if mark:
            self.marks[scenario_id] = (mark, words)
        else:
            self.marks.pop(scenario_id, None)
        self.retranslate(self._language)

    # --- the filter ---------------------------------------------------------------------
    def filter(self, text: str, tag: str | None) -> None:
        """Show the scenarios whose id, titles or tags contain ``text`` (any case) and
        that carry ``tag`` (None: any), and the headers of their sections only."""
        needle = text.casefold()
        header: QListWidgetItem | None = None
        shown = 0
        for row in range(self.count()):
            item = self.item(row)
            scenario_id = item.data(ID_ROLE)
            if scenario_id is None:
                if header is not None:
                    header.setHidden(shown == 0)
                header, shown = item, 0
                continue
            scenario = self.scenarios[scenario_id]
            words = (scenario.id, scenario.title, scenario.title_zh, *scenario.tags)
            hidden = needle not in " ".join(words).casefold() or (
                tag is not None and tag not in scenario.tags
            )
            item.setHidden(hidden)
            shown += not hidden
        if header is not None:
            header.setHidden(shown == 0)

    # --- the keys -----------------------------------------------------------------------
    def moveCursor(
        self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        """As Qt moves (the arrow keys pass over headers already), but Page Up / Down,
        Home and End landing on a header go on to the scenario nearest it."""
        index = super().moveCursor(cursorAction, modifiers)
        if not index.isValid() or index.data(SECTION_ROLE) is None:
            return index
        row = index.row()
        after = [r for r in range(row + 1, self.count()) if self._selectable(r)]
        before = [r for r in range(row - 1, -1, -1) if self._selectable(r)]
        target = after[0] if after else before[0] if before else None
        return index if target is None else self.model().index(target, 0)

    def _selectable(self, row: int) -> bool:
        item = self.item(row)
        return item.data(ID_ROLE) is not None and not item.isHidden()
