"""Painting that never takes the window down.

Qt calls an item's ``paint`` from C++.  An exception raised there does not reach Python's
handlers: PySide catches it to print it, and in PySide6 6.10-6.11 that path can crash the
process (measured: a numpy ``ValueError`` in a paint, then ``SIGSEGV`` in
``Shiboken::Errors::storePythonOverrideErrorOrPrint``).  A live chart paints thirty times
a second while a program of the user's runs; one bad frame must cost one frame, not the
session and its trace.  So every ``paint`` of ours runs under ``painted``: an exception is
logged (once per item and kind) and the frame goes on without that item.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger("asyncviz.views")

Paint = TypeVar("Paint", bound=Callable[..., None])


def painted(paint: Paint) -> Paint:
    """Wrap an item's ``paint``: an exception is logged, never raised into Qt."""

    @functools.wraps(paint)
    def guarded(self: Any, painter: Any, *args: Any) -> None:
        painter.save()  # (a paint that raises mid-way leaves the painter as it found it)
        try:
            paint(self, painter, *args)
        except Exception as exc:  # (noqa: any bug in a paint; Qt must never see it)
            seen: set[str] = self.__dict__.setdefault("_paint_failures", set())
            key = type(exc).__name__
            if key not in seen:
                seen.add(key)
                log.exception("asyncviz: painting %s failed; that item skips the frame", self)
        finally:
            painter.restore()

    return guarded  # type: ignore[return-value]
