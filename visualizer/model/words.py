"""How the model's words reach the user's language without Qt: every phrase is written
as ``translate(context, text)``, the window passing Qt's ``QCoreApplication.translate``
and everyone else ``english``; words looked up by value are marked with
``QT_TRANSLATE_NOOP`` so that Qt's ``lupdate`` finds them.  (Its own module: the
details, the time cursor and the resources' words all use it, and each other.)"""

from __future__ import annotations

from collections.abc import Callable

#: ``translate(context, text)``: ``text`` in the user's language (``QCoreApplication.translate``)
Translate = Callable[[str, str], str]


def english(context: str, text: str) -> str:
    """The words as written: English."""
    return text


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # (Qt's name: the one lupdate reads)
    """``text`` as it is, marked for ``lupdate``: the words looked up by value."""
    return text
