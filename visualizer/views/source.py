"""The source view: the scenario's code, syntax coloured, with the await site marked.

A small highlighter of its own (keywords, strings, comments, numbers, decorators): the
source view needs no dependency beyond Qt, and a scenario is a short plain file.

A trace is someone else's data, and its await sites name files: ``"/home/me/.ssh/
id_rsa:1"`` would show a private file, and ``"/dev/zero:1"`` would read for ever.  So a
file a trace names (``show_site``, ``show_named``) is shown without asking only when it
is one this window was told it may show: the built-in scenarios, and the folder of the
program or scenario run here (``run_folder``); any other is shown only once the user
agreed (``asks`` is emitted, the window asks, ``agree``).  Whatever names it, only a
regular file of at most ``SOURCE_MAX`` bytes is read, never a device or a pipe.
"""

from __future__ import annotations

import keyword
import os
import re
import stat
from collections.abc import Collection
from pathlib import Path
from typing import Final

from PySide6.QtCore import QRect, QRegularExpression, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTextEdit

from visualizer.views.gantt import LIGHT, Palette

#: bytes of a file, at most, for it to be shown (a source file is some hundred kilobytes)
SOURCE_MAX: Final = 2_000_000
#: an error's colours (text, the line's background, the banner's background): light
#: themes, dark ones.  Red, whatever the theme: "this line is wrong" is what red says
ERROR_LIGHT: Final = ("#b71c1c", "#f7c6cb", "#fdecee")
ERROR_DARK: Final = ("#ff8a80", "#6e242b", "#3a1c1f")


def read_source(path: Path) -> str | None:
    """The text of ``path`` if it is a regular file of at most ``SOURCE_MAX`` bytes in
    UTF-8; else None.  Opened without blocking (a pipe put there meanwhile would wait
    for a writer for ever) and checked again once open."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > SOURCE_MAX:
            return None
        chunks, size = [], 0
        while size <= SOURCE_MAX and (chunk := os.read(fd, SOURCE_MAX + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(data) > SOURCE_MAX:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


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

    #: a trace named this site, in a file not shown without asking (see the module)
    asks = Signal(str)

    def __init__(self, palette: Palette = LIGHT) -> None:
        super().__init__()
        #: folders whose files a trace may name and have shown: the built-in scenarios
        self.trusted: set[Path] = set()
        #: the folder of the program or scenario run here, while its trace is shown
        self.run_folder: Path | None = None
        self.agreed: set[Path] = set()  #: files the user agreed to have shown
        #: files whose text was given, not read: a shared scenario's source, shown for its
        #: name (the trace's sites) in place of whatever file has that name here
        self.given: dict[Path, str] = {}
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.path: Path | None = None
        self.marked: int | None = None
        self.waiting: dict[int, list[str]] = {}  #: live: line -> tasks suspended there
        self._palette = palette
        self._highlighter = PythonHighlighter(self.document(), dark=palette is not LIGHT)
        #: the file shown does not read as a scenario: (its line, if known; the message),
        #: the line marked, the message after it and in the banner at the pane's foot
        self.error: tuple[int | None, str] | None = None
        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)  # (a file's words, as they are)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()

    def set_palette(self, palette: Palette) -> None:
        self._palette = palette
        self._highlighter.setDocument(None)
        self._highlighter = PythonHighlighter(self.document(), dark=palette is not LIGHT)
        self._style_banner()
        if self.marked is not None:
            self.mark(self.marked)
        self._apply()

    def may_show(self, path: Path) -> bool:
        """``path``, named by a trace, may be shown without asking (see the module)."""
        if path in self.given:
            return True
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):
            return False
        folders = [*self.trusted, *([self.run_folder] if self.run_folder else [])]
        return resolved in self.agreed or any(resolved.is_relative_to(f) for f in folders)

    def agree(self, path: Path) -> None:
        """The user agreed to have ``path`` shown (for the rest of the session)."""
        self.agreed.add(path.resolve())

    def show_named(self, path: Path) -> bool:
        """Show ``path``, named by a trace, if it may be shown without asking."""
        return self.may_show(path) and self.show_file(path)

    def show_file(self, path: Path) -> bool:
        """Show ``path`` (again only if it is another file); False if it cannot be read
        (or is not a regular file of at most ``SOURCE_MAX`` bytes).  For a file this
        window chose (the program it runs); one a trace names goes through ``show_site``
        or ``show_named``."""
        if self.path == path:
            return True
        text = self.given[path] if path in self.given else read_source(path)
        if text is None:
            return False
        self.path = path
        self.marked = None
        self.waiting = {}
        self.clear_error()  # (another file's)
        self.setPlainText(text)
        return True

    def clear_given(self) -> None:
        """No text given any more (another trace is shown): a name shows its file again."""
        if self.path in self.given:
            self.show_nothing()
        self.given = {}

    def refresh(self) -> bool:
        """The file shown read again (it was saved): the view stays where it was
        scrolled to, the marks on lines that are still there stay.  False if it can no
        longer be read (the text shown stays)."""
        if self.path is None or self.path in self.given:  # (a shared file's: not the disk's)
            return False
        text = read_source(self.path)
        if text is None:
            return False
        if text != self.toPlainText():
            scroll = self.verticalScrollBar().value(), self.horizontalScrollBar().value()
            self.setPlainText(text)
            self.verticalScrollBar().setValue(scroll[0])
            self.horizontalScrollBar().setValue(scroll[1])
            self._apply()
        return True

    def show_error(self, line: int | None, message: str, banner: str) -> None:
        """The file shown does not read as a scenario: ``line`` (1-based; None: not
        known) marked in red and scrolled into view, ``message`` written after it, and
        ``banner`` (the whole of it, with the line's number) at the pane's foot, where it
        is read whatever is scrolled into view."""
        block = self.document().findBlockByLineNumber(line - 1) if line else None
        self.error = (line if block is not None and block.isValid() else None, message)
        self.banner.setText(banner)
        self._style_banner()
        self.banner.show()
        self._place_banner()
        self._apply()
        if block is not None and block.isValid():
            self.setTextCursor(QTextCursor(block))
            self.centerCursor()
        self.viewport().update()

    def clear_error(self) -> None:
        """The file reads well again: its error goes."""
        if self.error is None:
            return
        self.error = None
        self.banner.hide()
        self._place_banner()
        self._apply()
        self.viewport().update()

    def _style_banner(self) -> None:
        text, _, background = ERROR_DARK if self._palette is not LIGHT else ERROR_LIGHT
        self.banner.setStyleSheet(
            f"QLabel {{ color: {text}; background: {background}; padding: 4px 6px;"
            f" border-top: 2px solid {text}; }}"
        )

    def _place_banner(self) -> None:
        """The banner in a margin at the foot of the text's area (over the horizontal
        scroll bar, beside the vertical one), as tall as its words need.  (A margin set
        resizes the text's area, which calls this again: set only when it changes.)"""
        height = 0
        if not self.banner.isHidden():
            area = self.viewport().geometry()
            whole = area.height() + self.viewportMargins().bottom()
            height = min(self.banner.heightForWidth(area.width()), whole // 2)
        if self.viewportMargins().bottom() != height:
            self.setViewportMargins(0, 0, 0, height)
        if height:
            area = self.viewport().geometry()
            self.banner.setGeometry(QRect(area.left(), area.bottom() + 1, area.width(), height))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_banner()

    def paintEvent(self, event: QPaintEvent) -> None:
        """The text, then the error's message after the end of its line (where the eye
        already is), in the error's colour."""
        super().paintEvent(event)
        line, message = self.error or (None, "")
        if line is None or not message:
            return
        block = self.document().findBlockByLineNumber(line - 1)
        if not block.isValid() or not block.isVisible():
            return
        geometry = self.blockBoundingGeometry(block).translated(self.contentOffset())
        if geometry.bottom() < 0 or geometry.top() > self.viewport().height():
            return
        metrics = self.fontMetrics()
        x = geometry.left() + self.document().documentMargin()
        x += metrics.horizontalAdvance(block.text().expandtabs(8)) + 3 * metrics.averageCharWidth()
        painter = QPainter(self.viewport())
        font = QFont(self.font())
        font.setItalic(True)
        painter.setFont(font)
        painter.setPen(QColor((ERROR_DARK if self._palette is not LIGHT else ERROR_LIGHT)[0]))
        baseline = geometry.top() + metrics.ascent() + (geometry.height() - metrics.height()) / 2
        painter.drawText(int(x), int(baseline), f"\u2190 {message}")
        painter.end()

    def show_nothing(self) -> None:
        """No file (a trace that names none this window may show): an empty view, not
        the last one's, which would pass for the trace's."""
        self.path = None
        self.marked = None
        self.waiting = {}
        self.clear_error()
        self.setPlainText("")

    def show_site(self, site: str | None) -> bool:
        """``path:line``, named by a trace: show that file and mark that line; a file
        not to be shown without asking emits ``asks`` instead (and False)."""
        if not site or ":" not in site:
            return False
        path, _, line = site.rpartition(":")
        if not line.isdigit():
            return False
        if not self.may_show(Path(path)):
            self.asks.emit(site)
            return False
        if not self.show_file(Path(path)):
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
        if self.error is not None and self.error[0] is not None:
            block = self.document().findBlockByLineNumber(self.error[0] - 1)
            if block.isValid():
                selection = QTextEdit.ExtraSelection()
                _, background, _ = ERROR_DARK if self._palette is not LIGHT else ERROR_LIGHT
                selection.format.setBackground(QColor(background))
                selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
                selection.cursor = QTextCursor(block)
                selections.append(selection)
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
