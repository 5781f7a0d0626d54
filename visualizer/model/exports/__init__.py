"""A trace written for other tools and readers: one self-contained HTML page (``html``),
the Trace Event Format of Perfetto and ``chrome://tracing`` (``perfetto``).

What a trace can be exported as: one table, read by
``asyncviz export --format`` (``cli_export``) and File > Export trace... alike, so a
format added here is offered by both.

Each entry names the module function that writes a trace to a path, all of it or
nothing (``safe_write``), and the file name filter a save dialog offers for it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from visualizer.model.exports import perfetto
from visualizer.model.words import QT_TRANSLATE_NOOP
from visualizer.trace.data import Trace


@dataclass(frozen=True)
class ExportFormat:
    name: str  #: ``--format``'s word
    #: what it is, in a file dialog's filter (English; the window translates it, as
    #: context "Exports": each marked with ``QT_TRANSLATE_NOOP``)
    title: str
    suffix: str  #: the file name's end, with its dot
    write: Callable[[Trace, Path], int]  #: writes the file; returns how many events/items
    opens_in: str  #: where to open the file, said after a ``asyncviz export``


FORMATS: Final[dict[str, ExportFormat]] = {
    "perfetto": ExportFormat(
        name="perfetto",
        title=QT_TRANSLATE_NOOP("Exports", "Perfetto / Chrome trace (Trace Event Format)"),
        suffix=".json",
        write=perfetto.write,
        opens_in="https://ui.perfetto.dev (Open trace file) or chrome://tracing (Load)",
    ),
}
