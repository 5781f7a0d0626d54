"""“Did you mean ...?”: the names nearest to a mistyped one, for the command line's errors.

A list of all 31 scenario ids after a typo makes the reader do the search; the two or
three nearest are what they meant nearly every time.  Near means: close in spelling
(``difflib``, on the ids and, for a scenario, on its title), or containing what was
typed (``semaphore`` finds ``semaphore_workers``).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Final

#: at most this many suggestions: more is a list again, not a suggestion
MAX_SUGGESTIONS: Final = 3
#: how alike (``difflib``'s ratio, 0 to 1) a name must be to be suggested
CUTOFF: Final = 0.6
#: what was typed must be at least this long to be looked for inside names
MIN_PART: Final = 3


def nearest(typed: str, names: Sequence[str], titles: Mapping[str, str] | None = None) -> list[str]:
    """The names (at most :data:`MAX_SUGGESTIONS`, nearest first) ``typed`` may have meant:
    close in spelling, then containing it, then whose title (``titles[name]``) is close to
    it or contains it.  Case does not matter."""
    key = typed.strip().lower()
    if not key:
        return []
    lowered = {name.lower(): name for name in names}
    found = [lowered[m] for m in difflib.get_close_matches(key, list(lowered), n=5, cutoff=CUTOFF)]
    if len(key) >= MIN_PART:
        found += [name for low, name in lowered.items() if key in low]
    if titles:
        by_title = {title.lower(): name for name, title in titles.items() if title}
        close = difflib.get_close_matches(key, list(by_title), n=5, cutoff=CUTOFF)
        found += [by_title[title] for title in close]
        if len(key) >= MIN_PART:
            found += [name for title, name in by_title.items() if key in title]
    return list(dict.fromkeys(found))[:MAX_SUGGESTIONS]


def did_you_mean(suggestions: Sequence[str]) -> str:
    """``"did you mean 'a'?"``, ``"did you mean 'a' or 'b'?"``...; "" for none."""
    quoted = [repr(name) for name in suggestions]
    if not quoted:
        return ""
    if len(quoted) == 1:
        return f"did you mean {quoted[0]}?"
    return f"did you mean {', '.join(quoted[:-1])} or {quoted[-1]}?"
