"""A trace written for other tools and readers: one self-contained HTML page (``html``),
the Trace Event Format of Perfetto and ``chrome://tracing`` (``perfetto``), and the
project's own two encodings (``avz``, ``json``: a file made smaller, or made readable).

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
from visualizer.model.exports.html import write_html
from visualizer.model.words import QT_TRANSLATE_NOOP
from visualizer.trace import fileformat
from visualizer.trace.data import Trace


@dataclass(frozen=True)
class ExportFormat:
    name: str  #: ``--format``'s word
    #: what it is, in a file dialog's filter (English; the window translates it, as
    #: context "Exports": each marked with ``QT_TRANSLATE_NOOP``)
    title: str
    suffix: str  #: the file name's end, with its dot
    write: Callable[[Trace, Path], int]  #: writes the file; returns how many ``counts``
    opens_in: str  #: where to open the file, said after a ``asyncviz export``
    counts: str = "events"  #: what ``write``'s number counts


def _html(trace: Trace, path: Path) -> int:
    """The page (``html.write_html``); the spans it holds one by one (the rest drawn from
    its overview levels: said on the page)."""
    return write_html(trace, path).exact_spans


def _saved(trace: Trace, path: Path) -> int:
    """The trace in the encoding its name asks for (``fileformat.save``: .avz compact,
    .json / .json.gz the interchange); its spans."""
    fileformat.save(trace, path)
    return len(trace.spans)


FORMATS: Final[dict[str, ExportFormat]] = {
    "perfetto": ExportFormat(
        name="perfetto",
        title=QT_TRANSLATE_NOOP("Exports", "Perfetto / Chrome trace (Trace Event Format)"),
        suffix=".json",
        write=perfetto.write,
        opens_in="https://ui.perfetto.dev (Open trace file) or chrome://tracing (Load)",
    ),
    "html": ExportFormat(
        name="html",
        title=QT_TRANSLATE_NOOP("Exports", "One-file web page (HTML)"),
        suffix=".html",
        write=_html,
        opens_in="any web browser, from disk (no server, no network)",
        counts="spans drawn one by one",
    ),
    "avz": ExportFormat(
        name="avz",
        title=QT_TRANSLATE_NOOP("Exports", "asyncviz trace, compact (.avz)"),
        suffix=".avz",
        write=_saved,
        opens_in="asyncviz gui (or File > Open)",
        counts="spans",
    ),
    "json": ExportFormat(
        name="json",
        title=QT_TRANSLATE_NOOP("Exports", "asyncviz trace, JSON (.json)"),
        suffix=".json",
        write=_saved,
        opens_in="asyncviz gui (or File > Open), or any JSON reader (docs/trace-format.md)",
        counts="spans",
    ),
}
