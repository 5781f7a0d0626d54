"""The chart as one self-contained HTML page: ``write_html(trace, "run.html")``.

Why a page: a course website or a bug report wants the run itself, zoomable, not a
picture of it, and the reader has a browser, not asyncviz.  So the page needs
nothing but itself: no server, no network, no font or script from elsewhere (a page
that fetches a CDN's script breaks offline and tells a third party who opened it).
Its script and style are inlined (``html_page.js``, ``html_page.html``); it draws on
one ``<canvas>`` (a DOM node per span would sink at 100,000).

Why columns: the trace is embedded as the window holds it, columns of numbers
(base64 of compressed little-endian arrays, float bytes shuffled so that their
exponents compress together) beside tables of strings as JSON, in one
``<script type="application/json">`` (data, never code: every ``<`` escaped so that
no name in the trace can end the script).  Spans are sorted by lane then start, with
each lane's first span: a frame finds what it shows by binary search.

Why a cut: past ``EXACT_SPANS`` the exact spans of every lane would make a page of
hundreds of megabytes.  The page then carries the spans of the first lanes only (as
many whole lanes as fit), and, as soon as a trace has more than ``LEVELS_ABOVE``
spans, the overview levels of every lane (``html_levels``), which a zoomed-out frame
draws instead of spans, as the window does.  The page says where its exact spans end.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from visualizer.model.display_text import FIELD_CHARS, shown
from visualizer.model.exports.html_levels import OPACITY_STEPS, levels
from visualizer.model.lanes import lanes_of
from visualizer.model.loop_lanes import extra_rows
from visualizer.trace import schema
from visualizer.trace.data import OUTCOMES, TaskColumns, Trace
from visualizer.trace.safe_write import replace_atomically

#: spans embedded exactly at most (about 13 bytes each in the page); past them, whole
#: lanes from the top until this many, and the rest drawn from the overview levels
EXACT_SPANS = 1_000_000
#: a trace with more spans than this gets the overview levels (a frame draws from
#: them when it would show more spans than that)
LEVELS_ABOVE = 100_000
#: the loop's row and the threads' rows: past this many bars, bars closer than the
#: run's length over ``ROW_RESOLUTION`` are joined (the loop's row of a million steps)
ROW_BARS = 100_000
ROW_RESOLUTION = 1 << 16
#: marks (notes, warnings) embedded at most
MAX_MARKS = 5000
#: the version of the embedded data (``payload``); the page's script reads this one
PAYLOAD_VERSION = 1
#: the colours of the light theme, as the window draws it: ``views.gantt.LIGHT``,
#: ``views.chart.MARKERS``, ``views.timeline_marks.MARK_STYLES``, ``views.bands.BLOCKED``
#: (the model may not import the views; ``tests/test_export_html.py`` holds them equal)
COLOURS: dict[str, str] = {
    "background": "#ffffff",
    "foreground": "#202124",
    "ready": "#f29e38",
    "running": "#1f6fd1",
    "suspended": "#c9ced6",
    "label": "#1b1e23",
    "grid": "#e6e8eb",
    "wake": "#263238",
    "creation": "#8a939c",
    "done": "#2e7d32",
    "error": "#d32f2f",
    "cancelled": "#8e24aa",
    "warning": "#ef6c00",
    "note": "#1565c0",
    "blocked": "rgba(211, 47, 47, 0.235)",
}
#: the legend's words, as the window's legend says them (``views.legend``)
LEGEND = (
    ("running", "running"),
    ("ready", "ready"),
    ("suspended", "suspended"),
    ("done", "done"),
    ("error", "error"),
    ("cancelled", "cancelled"),
    ("warning", "warning"),
    ("note", "note"),
    ("blocked", "loop blocked"),
)
#: the template and the script, inlined into every page
_HERE = Path(__file__).parent
_TEMPLATE = "html_page.html"
_SCRIPT = "html_page.js"


@dataclass(frozen=True)
class Page:
    """What ``write_html`` wrote: its bytes, and how much of the trace is exact."""

    size: int
    spans: int  #: in the trace
    exact_spans: int  #: embedded one by one
    exact_lanes: int  #: the first lanes whose spans are embedded (all: ``lanes``)
    lanes: int
    levels: int  #: overview levels embedded (0: none needed)


def write_html(
    trace: Trace,
    path: str | Path,
    *,
    title: str | None = None,
    exact_spans: int = EXACT_SPANS,
    levels_above: int = LEVELS_ABOVE,
) -> Page:
    """Write ``trace`` as one page to ``path`` (whole or not at all: ``replace_atomically``);
    ``title`` by default says the scenario or program and the clock."""
    data = payload(trace, title=title, exact_spans=exact_spans, levels_above=levels_above)
    page = page_html(data)
    encoded = page.encode("utf-8")

    def write(out: BinaryIO) -> None:
        out.write(encoded)

    replace_atomically(path, write)
    return Page(
        size=len(encoded),
        spans=len(trace.spans),
        exact_spans=int(data["exact"]["spans"]),
        exact_lanes=int(data["exact"]["lanes"]),
        lanes=int(data["lanes"]),
        levels=len(data["levels"]),
    )


def default_title(trace: Trace) -> str:
    """``semaphore_workers, virtual clock``: what ran, and the kind of its seconds (a
    virtual second is not a wall's)."""
    meta = trace.meta
    name = shown(str(meta.get("source", ""))) or "asyncio program"
    clock = "lecture" if meta.get("lecture") is True else meta.get("clock")
    clock = clock if clock in (*schema.CLOCKS, "lecture") else "real"
    return f"{name}, {clock} clock"


def page_html(data: dict[str, Any]) -> str:
    """The page: the template with its script and the data (as JSON, ``<`` escaped)."""
    template = (_HERE / _TEMPLATE).read_text("utf-8")
    script = (_HERE / _SCRIPT).read_text("utf-8")
    # (no "<" at all in the data: neither "</script>" nor "<!--" can end it early)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    title = str(data["title"]).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # (one pass: a title that says "{{DATA}}" stays words)
    parts = {"TITLE": title, "SCRIPT": script, "DATA": text}
    return re.sub(r"\{\{(TITLE|SCRIPT|DATA)\}\}", lambda found: parts[found.group(1)], template)


_DATA = re.compile(r'<script type="application/json" id="asyncviz-data">(.*?)</script>', re.DOTALL)


def read_payload(page: str) -> dict[str, Any]:
    """The data a page embeds (``payload``'s), read back: for tests and tools."""
    found = _DATA.search(page)
    if found is None:
        raise ValueError("not an asyncviz page: no embedded data")
    data = json.loads(found.group(1))
    if not isinstance(data, dict) or data.get("version") != PAYLOAD_VERSION:
        raise ValueError("not an asyncviz page of a version this reader knows")
    return data


def column(packed: dict[str, Any]) -> npt.NDArray[Any]:
    """A column ``packed`` by ``_packed``, as numpy again."""
    raw = zlib.decompress(base64.b64decode(packed["data"]))
    dtype = np.dtype(packed["type"]).newbyteorder("<")
    if packed["shuffled"]:
        raw = np.frombuffer(raw, np.uint8).reshape(dtype.itemsize, -1).T.tobytes()
    values = np.frombuffer(raw, dtype)
    if len(values) != packed["n"]:
        raise ValueError("a column's length is not the one it says")
    return values


def _packed(values: npt.ArrayLike, kind: str) -> dict[str, Any]:
    """``values`` as ``kind`` (``f8``, ``i4``, ``i1``, ``u1``): little-endian bytes, a
    float's bytes grouped by place (the sign and exponent bytes of a million times are
    nearly all alike, and compress to nothing), deflated, base64."""
    array = np.ascontiguousarray(
        np.asarray(values).astype(np.dtype(kind).newbyteorder("<")).ravel()
    )
    shuffled = array.dtype.kind == "f"
    raw = array.view(np.uint8)
    if shuffled:
        raw = raw.reshape(-1, array.dtype.itemsize).T
    data = zlib.compress(np.ascontiguousarray(raw).tobytes(), 6)
    return {
        "type": kind,
        "n": len(array),
        "shuffled": shuffled,
        "data": base64.b64encode(data).decode("ascii"),
    }


class _Strings:
    """One table of the page's strings (a coroutine's name or an await site occurs
    thousands of times): each kept once, bounded and made fit to show."""

    def __init__(self) -> None:
        self.table: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, text: str | None) -> int:
        if text is None:
            return -1
        index = self._index.get(text)
        if index is None:
            index = self._index[text] = len(self.table)
            self.table.append(shown(text, FIELD_CHARS))
        return index


def payload(
    trace: Trace,
    *,
    title: str | None = None,
    exact_spans: int = EXACT_SPANS,
    levels_above: int = LEVELS_ABOVE,
) -> dict[str, Any]:
    """Everything the page draws, as JSON-ready data (``exact_spans``, ``levels_above``:
    see ``EXACT_SPANS``, ``LEVELS_ABOVE``)."""
    spans = trace.spans
    tasks = trace.columns or TaskColumns.of(list(trace.tasks))
    count = len(tasks.names)
    lane_of = lanes_of(np.asarray(tasks.parent, np.int64))  # (lane_of[task id])
    task_of = np.empty(count, np.int64)
    task_of[lane_of] = np.arange(count)
    span_lane = lane_of[spans.task] if len(spans) else np.zeros(0, np.int64)
    order = np.lexsort((spans.start, span_lane))
    per_lane = np.bincount(span_lane, minlength=count)
    firsts = np.concatenate([[0], np.cumsum(per_lane)])
    # whole lanes from the top, as many as fit in EXACT_SPANS
    exact_lanes = int(np.searchsorted(firsts, exact_spans, side="right")) - 1
    exact_lanes = max(0, min(exact_lanes, count))
    exact = order[: int(firsts[exact_lanes])]
    strings = _Strings()
    records = [trace.tasks[int(t)] for t in task_of]
    data: dict[str, Any] = {
        "version": PAYLOAD_VERSION,
        "title": title if title is not None else default_title(trace),
        "written": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
        "meta": _meta(trace.meta),
        "duration": trace.duration,
        "colours": COLOURS,
        "legend": [list(entry) for entry in LEGEND],
        "states": list(schema.STATE_NAMES),
        "wakes": list(schema.WAKE_NAMES),
        "outcomes": list(OUTCOMES),
        "opacity_steps": OPACITY_STEPS,
        "lanes": count,
        "exact": {"spans": len(exact), "lanes": exact_lanes},
        "tasks": {
            "id": _packed(task_of, "i4"),
            "parent": _packed(tasks.parent[task_of], "i4"),
            "created": _packed(tasks.created[task_of], "f8"),
            "ended": _packed(np.nan_to_num(tasks.ended[task_of], nan=-1.0), "f8"),
            "outcome": _packed(tasks.outcome[task_of], "i1"),
            "name": _packed([strings(r.name) for r in records], "i4"),
            "coro": _packed([strings(r.coro) for r in records], "i4"),
            "created_at": _packed([strings(r.created_at) for r in records], "i4"),
            "error": _packed([strings(r.error) for r in records], "i4"),
            "cancelled_at": _packed([strings(r.cancelled_at) for r in records], "i4"),
        },
        "spans": {
            "first": _packed(np.minimum(firsts[: exact_lanes + 1], len(exact)), "i4"),
            "state": _packed(spans.state[exact], "i1"),
            "start": _packed(spans.start[exact], "f8"),
            "end": _packed(spans.end[exact], "f8"),
            "awaiting": _packed(spans.awaiting[exact], "i4"),
            "woken_kind": _packed(spans.woken_kind[exact], "i1"),
            "woken_task": _packed(spans.woken_task[exact], "i4"),
        },
        "suspensions": [[strings(s.label), strings(s.site or None)] for s in trace.suspensions],
        "rows": _rows(trace, strings),
        "blocked": [[b.start, b.end] for b in trace.blocked],
        "marks": [
            [m.t, -1 if m.task is None else int(lane_of[m.task]), m.kind, strings(m.label)]
            for m in trace.marks[:MAX_MARKS]
            if m.task is None or 0 <= m.task < count
        ],
        "levels": [],
    }
    if len(spans) > levels_above:
        t1 = max(trace.duration, float(spans.end.max()))
        data["levels"] = [
            {
                "group": level.group,
                "width": level.width,
                "cells": _packed(level.cells, "u1"),
                "rows": level.cells.shape[0],
                "columns": level.cells.shape[1],
            }
            for level in levels(span_lane, spans.state, spans.start, spans.end, count, 0.0, t1)
        ]
    data["strings"] = strings.table
    return data


def _meta(meta: dict[str, Any]) -> dict[str, str]:
    """The run's facts a reader wants (what ran, which Python, which clock ...), each as
    text fit to show (a file's meta is someone else's data: any JSON)."""
    said = {}
    for key, value in meta.items():
        if key in ("forgotten",) or value is None:
            continue
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        said[shown(str(key))] = shown(text)
    return said


def _rows(trace: Trace, strings: _Strings) -> dict[str, Any]:
    """The rows under the lanes, as the window has them: the loop's (busy while a step
    runs), the window's frames, then each executor thread's jobs."""
    rows = extra_rows(trace)
    start, end, row = rows.start, rows.end, rows.row
    label = np.array([strings(text) for text in rows.label], np.int64)
    order = np.lexsort((start, row))  # (by row, then start: the page finds them so)
    start, end, row, label = start[order], end[order], row[order], label[order]
    if len(start) > ROW_BARS:
        start, end, row, label = _joined(start, end, row, label, trace.duration)
    return {
        "names": [shown(name) for name in rows.names],
        "row": _packed(row, "i4"),
        "start": _packed(start, "f8"),
        "end": _packed(end, "f8"),
        "label": _packed(label, "i4"),
    }


def _joined(
    start: npt.NDArray[np.float64],
    end: npt.NDArray[np.float64],
    row: npt.NDArray[np.int64],
    label: npt.NDArray[np.int64],
    duration: float,
) -> tuple[
    npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.int64]
]:
    """The bars of each row (sorted by row, then start), those less than ``duration /
    ROW_RESOLUTION`` apart joined (the label kept only if the joined bars all had it)."""
    gap = max(duration, 1e-12) / ROW_RESOLUTION
    reach = np.maximum.accumulate(end + row * (duration + 1.0) * 4)
    new = np.ones(len(start), bool)
    new[1:] = (row[1:] != row[:-1]) | (
        start[1:] + row[1:] * (duration + 1.0) * 4 > reach[:-1] + gap
    )
    firsts = np.flatnonzero(new)
    same = np.minimum.reduceat(label, firsts) == np.maximum.reduceat(label, firsts)
    return (
        start[firsts],
        np.maximum.reduceat(end, firsts),
        row[firsts],
        np.where(same, label[firsts], -1),
    )
