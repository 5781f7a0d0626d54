"""A lesson's text (a scenario's explanation, in Markdown) as the window shows it.

Qt's Markdown reader gives inline code the fixed font at the size the text had when it
was read, and keeps it: a lesson shown at 11 points kept its code at 11 (or at the
system's fixed-font size, often 9) when presenter mode made the text 20 (issue 14: "inline
code in the lesson at ~8 pt").  Here the Markdown is read at the size of the window's
type and written out as rich text with that size in it, code included; the window reads
it again whenever its type changes size (``MainWindow.set_font_size``).

Inline code may break after a dot, a bracket or a comma (a zero-width space there): in
the narrow pane of presenter mode ``asyncio.wait_for(aw, timeout)`` ran past the edge,
cut, where it now goes on to the next line.

HTML in a lesson is shown as the text it is, never obeyed: a scenario's docstring is
Markdown, and a shared file's (``session.shared``) or a pack's is someone else's words
(``<b style=...>`` or ``<img src=...>`` there would draw whatever it says).
"""

from __future__ import annotations

import re

from PySide6.QtGui import QFont, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QApplication

#: inline code and code blocks at this share of the text's size (the fixed font's
#: letters look as big as the text's at the same size)
CODE_SCALE = 1.0
#: inline code (one backtick each side, not a fence; it may go on to the next line)
INLINE_CODE = re.compile(r"(?<!`)`([^`]+)`(?!`)")
#: the lesson's title (bold, its first line), where code is named too
TITLE = re.compile(r"\A\*\*([^*\n]+)\*\*")
#: where inline code may break: after these, a zero-width space
BREAK_AFTER = ".(,"


def breakable(markdown: str) -> str:
    """``markdown`` with a place to break after each dot, bracket and comma of its
    inline code and its title ("asyncio.timeout()")."""

    def spaced(text: str) -> str:
        return "".join(c + "\u200b" if c in BREAK_AFTER else c for c in text)

    markdown = TITLE.sub(lambda match: f"**{spaced(match.group(1))}**", markdown)
    return INLINE_CODE.sub(lambda match: f"`{spaced(match.group(1))}`", markdown)


def lesson_html(markdown: str, points: int) -> str:
    """``markdown`` as rich text at ``points``, its code at ``CODE_SCALE`` of that."""
    font = QFont(QApplication.font())
    font.setPointSize(points)
    document = QTextDocument()
    document.setDefaultFont(font)
    features = QTextDocument.MarkdownFeature
    document.setMarkdown(
        breakable(markdown), features.MarkdownDialectGitHub | features.MarkdownNoHTML
    )
    code = points * CODE_SCALE
    block = document.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            fragment = fragments.fragment()
            if fragment.isValid() and _is_code(fragment.charFormat()):
                cursor = QTextCursor(document)
                cursor.setPosition(fragment.position())
                cursor.setPosition(
                    fragment.position() + fragment.length(), QTextCursor.MoveMode.KeepAnchor
                )
                sized = QTextCharFormat()
                sized.setFontPointSize(code)
                cursor.mergeCharFormat(sized)
            fragments += 1
        block = block.next()
    return document.toHtml()


def _is_code(char_format: QTextCharFormat) -> bool:
    families = char_format.fontFamilies() or []
    return char_format.fontFixedPitch() or "monospace" in [str(f).lower() for f in families]


def code_and_text_sizes(html: str) -> tuple[list[float], list[float]]:
    """The point sizes of a rich text's code and of its other text (for the tests, and
    for whoever wants to check what a label shows)."""
    document = QTextDocument()
    document.setHtml(html)
    code: list[float] = []
    text: list[float] = []
    block = document.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            fragment = fragments.fragment()
            if fragment.isValid() and fragment.text().strip():
                char_format = fragment.charFormat()
                size = char_format.font().pointSizeF()
                (code if _is_code(char_format) else text).append(size)
            fragments += 1
        block = block.next()
    return code, text
