"""Text from a trace, made fit to show: bounded in length, and with nothing in it that
acts instead of reading (a terminal escape, a NUL, a right-to-left override).

Why here, once: names and labels are someone else's data and kept whole in the trace
and its file, but every view that draws or measures one pays for its whole length.  A
1 MB ``awaiting`` label made the time cursor's list take 20 s a move (Qt laid out the
whole line; 10 MB: over 300 s), a 10 MB task name 16 s.  Cut to ``SHOWN_CHARS`` before
it reaches Qt, a 10 MB label costs what a 200-character one does, wherever it is shown.
Cut in the middle: both ends of a name or a label say the most (``worker-…-17``,
``Task 'fetch…(42)'``).  Control characters are shown as what they are (``␀``, ``␛``)
rather than dropped, so two names that differ only in them still read differently.
"""

from __future__ import annotations

from typing import Final

#: characters of a name or a label shown (lane names, the cursor's list, tooltips,
#: marks, the status line); the trace keeps the whole text
SHOWN_CHARS: Final = 200
#: characters of a field in the details pane (an error's message can be long)
FIELD_CHARS: Final = 1000
#: characters of a multi-line text shown whole (a traceback, a warning's full text)
LONG_TEXT_CHARS: Final = 20_000
#: a path longer than this names no file (Linux's PATH_MAX): not offered as a link
PATH_CHARS: Final = 4096

ELLIPSIS: Final = "…"
_REPLACEMENT: Final = "\ufffd"

#: C0 controls as their Unicode pictures (U+2400..), DEL as ␡; C1 controls and the
#: bidirectional overrides and isolates (which reorder what follows) as U+FFFD
_CONTROLS: Final[dict[int, str]] = {
    **{code: chr(0x2400 + code) for code in range(0x20)},
    0x7F: "\u2421",
    **{code: _REPLACEMENT for code in range(0x80, 0xA0)},
    **{code: _REPLACEMENT for code in (0x061C, 0x200E, 0x200F, 0x2028, 0x2029)},
    **{code: _REPLACEMENT for code in range(0x202A, 0x202F)},
    **{code: _REPLACEMENT for code in range(0x2066, 0x206A)},
}
_ONE_LINE: Final = _CONTROLS
_LINES: Final = {code: text for code, text in _CONTROLS.items() if chr(code) not in "\n\t"}


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    return text[:head] + ELLIPSIS + text[len(text) - (limit - head - 1) :]


def shown(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` as one line of at most ``limit`` characters: cut in the middle (with
    ``…``), control characters made visible."""
    return _cut(text, limit).translate(_ONE_LINE)


def shown_lines(text: str, limit: int = LONG_TEXT_CHARS) -> str:
    """A multi-line ``text`` (a traceback) of at most ``limit`` characters: its lines and
    tabs kept, any other control character made visible."""
    return _cut(text, limit).translate(_LINES)


def shown_site(site: str | None) -> str | None:
    """An await site (``path:line``) to offer as a link: None if no file could have
    so long a path; else as it is (the source view reads only real files)."""
    return site if site is None or len(site) <= PATH_CHARS else None
