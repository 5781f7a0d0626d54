"""The source view: the scenario's code, syntax coloured, with the await site marked.

A small highlighter of its own (keywords, strings, comments, numbers, decorators): the
source view needs no dependency beyond Qt, and a scenario is a short plain file.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Collection
from pathlib import Path

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit

from visualizer.views.gantt import LIGHT, Palette


def _format(colour: str, *, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(colour))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setFontItalic(italic)
    return fmt


class PythonHighlighter(QSyntaxHighlighter):
    """Colours Python one line at a time (a triple-quoted string spanning lines too)."""

    def __init__(self, document: QTextDocument, dark: bool = False) -> None:
        super().__init__(document)
        words = "|".join(sorted(keyword.kwlist, key=len, reverse=True))
        colours = (
            ("#c678dd", "#98c379", "#7f848e", "#d19a66", "#61afef")
            if dark
            else ("#7b1fa2", "#2e7d32", "#80868b", "#c2185b", "#1565c0")
        )
        kw, string, comment, number, deco = colours
        self._rules = [
            (QRegularExpression(rf"\b({words})\b"), _format(kw, bold=True)),
            (QRegularExpression(r"\b[0-9][0-9_]*(\.[0-9_]+)?\b"), _format(number)),
            (QRegularExpression(r"@[A-Za-z_][A-Za-z_0-9.]*"), _format(deco)),
            (QRegularExpression(r"'[^'\n]*'|\"[^\"\n]*\""), _format(string)),
            (QRegularExpression(r"#[^\n]*"), _format(comment, italic=True)),
        ]
        self._triple = _format(string)

    def highlightBlock(self, text: str) -> None:
        for pattern, fmt in self._rules:
            matches = pattern.globalMatch(text)
            while matches.hasNext():
                match = matches.next()
                self.setFormat(match.capturedStart(), match.capturedLength(), fmt)
        # triple-quoted strings (docstrings) across lines: block state 1 = inside one
        start = 0 if self.previousBlockState() == 1 else -1
        self.setCurrentBlockState(0)
        position = 0
        while True:
            if start < 0:
                found = re.search(r'"""|\'\'\'', text[position:])
                if not found:
                    break
                start = position + found.start()
                position = start + 3
            found = re.search(r'"""|\'\'\'', text[position:])
            if not found:
                self.setFormat(start, len(text) - start, self._triple)
                self.setCurrentBlockState(1)
                break
            end = position + found.end()
            self.setFormat(start, end - start, self._triple)
            position, start = end, -1


class SourceView(QPlainTextEdit):
    """Read-only code of one file; ``mark(line)`` highlights and shows a line."""

    def __init__(self, palette: Palette = LIGHT) -> None:
        super().__init__()
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.path: Path | None = None
        self.marked: int | None = None
        self.waiting: dict[int, list[str]] = {}  #: live: line -> tasks suspended there
        self._palette = palette
        self._highlighter = PythonHighlighter(self.document(), dark=palette is not LIGHT)

    def set_palette(self, palette: Palette) -> None:
        self._palette = palette
        self._highlighter.setDocument(None)
        self._highlighter = PythonHighlighter(self.document(), dark=palette is not LIGHT)
        if self.marked is not None:
            self.mark(self.marked)

    def show_file(self, path: Path) -> bool:
        """Show ``path`` (again only if it is another file); False if it cannot be read."""
        if self.path == path:
            return True
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return False
        self.path = path
        self.marked = None
        self.waiting = {}
        self.setPlainText(text)
        return True

    def show_site(self, site: str | None) -> bool:
        """``path:line``: show that file and mark that line."""
        if not site or ":" not in site:
            return False
        path, _, line = site.rpartition(":")
        if not line.isdigit() or not self.show_file(Path(path)):
            return False
        self.mark(int(line))
        return True

    def mark(self, line: int) -> None:
        """The line of the selected span: marked strongly, and scrolled to."""
        block = self.document().findBlockByLineNumber(line - 1)
        if not block.isValid():
            return
        self.marked = line
        self._apply()
        cursor = QTextCursor(block)
        self.setTextCursor(cursor)
        self.centerCursor()

    def mark_waiting(self, lines: dict[int, list[str]]) -> None:
        """While live: the lines tasks are suspended on now (``line -> task names``),
        marked lightly (the names are kept in ``waiting``)."""
        if lines == self.waiting:
            return
        self.waiting = lines
        self._apply()

    def reveal(self, lines: Collection[int]) -> None:
        """Scroll so that one of ``lines`` at least is in view (the first, a third of the
        way down, if none is); the view stays put while one is: no jumping as the time
        cursor moves."""
        if not lines:
            return
        first = self.firstVisibleBlock().blockNumber() + 1
        shown = max(1, self.viewport().height() // max(1, self.fontMetrics().lineSpacing()))
        if any(first <= line < first + shown for line in lines):
            return
        self.verticalScrollBar().setValue(max(0, min(lines) - 1 - shown // 3))

    def _apply(self) -> None:
        selections = []
        for line, strong in [(n, False) for n in sorted(self.waiting)] + (
            [(self.marked, True)] if self.marked is not None else []
        ):
            block = self.document().findBlockByLineNumber(line - 1)
            if not block.isValid():
                continue
            selection = QTextEdit.ExtraSelection()
            colour = QColor(self._palette.ready if strong else self._palette.suspended)
            selection.format.setBackground(colour.lighter(150) if strong else colour)
            selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            selection.cursor = QTextCursor(block)
            selections.append(selection)
        self.setExtraSelections(selections)
