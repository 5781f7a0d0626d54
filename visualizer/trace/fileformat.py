"""Trace files, format v1: one JSON object (gzip if the name ends in ``.gz``).

Documented in ``docs/trace-format.md``.  Trace files are data: loading parses
JSON and checks every field; nothing in a file is ever executed, unpickled or
evaluated.  A file that is not a valid trace raises ``TraceFormatError`` whose
message says what is wrong and where (``spans[12].end: ...``).

Besides types, loading checks the promise the format makes: the spans of each
task tile its life from ``created`` to ``ended`` (or the run's end) with no gap
and no overlap.  A chart drawn from a file that breaks it would lie.
"""

from __future__ import annotations

import contextlib
import gc
import gzip
import itertools
import math
import mmap
import os
import zlib
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from operator import attrgetter
from pathlib import Path
from typing import Any, BinaryIO, Final, Literal

import msgspec
import numpy as np

from visualizer.trace import resource_file, schema, stack_samples
from visualizer.trace.coherence import MAX_SECONDS, check, expect, instant
from visualizer.trace.coherence import TraceFormatError as TraceFormatError
from visualizer.trace.data import (
    MARK_KINDS,
    BlockedRecord,
    JobRecord,
    Mark,
    SpanColumns,
    TaskRecord,
    Trace,
)
from visualizer.trace.safe_read import UnsafeInput, inflate, open_regular
from visualizer.trace.safe_write import Saved, replace_atomically
from visualizer.trace.store import Suspension

FORMAT: Final = "asyncviz-trace"
VERSION: Final = 1


# --- the span records, typed ---------------------------------------------------------------
# A million spans are a million JSON objects.  Decoding them straight into typed
# records (msgspec checks every type as it parses, no dict per span) is 7x faster
# than parsing to dicts and checking those; encoding from them is as fast.  Field
# order here is the order written.  ``gc=False``: they hold only str/int/float/None
# and the frozen wake records, so they can never be part of a cycle.


# Literal fields: the decoder checks the value and returns one shared string object
# (no string made and freed per span); anything else goes to the checks that name it.
_StateName = Literal["ready", "running", "suspended"]
_WakeName = Literal["created", "task", "timer", "io", "thread", "cancel", "callback"]


class _WokenBy(msgspec.Struct, frozen=True, gc=False):
    kind: _WakeName
    task: int | None = None


class _Span(msgspec.Struct, gc=False, omit_defaults=True):
    task: int
    state: _StateName
    start: float
    end: float
    awaiting: str | None
    at: str | None
    woken_by: _WokenBy | None
    stack: int | None = None  # index into "stacks": the whole await stack (extra field)


class _Doc(msgspec.Struct, gc=False):
    """A trace file whose spans are well typed; everything else is checked as for dicts."""

    format: Any = msgspec.UNSET
    version: Any = msgspec.UNSET
    meta: Any = msgspec.UNSET
    tasks: Any = msgspec.UNSET
    spans: list[_Span] | msgspec.UnsetType = msgspec.UNSET
    stacks: Any = msgspec.UNSET
    jobs: Any = msgspec.UNSET
    blocked: Any = msgspec.UNSET
    marks: Any = msgspec.UNSET
    observed: Any = msgspec.UNSET
    resources: Any = msgspec.UNSET
    resource_changes: Any = msgspec.UNSET
    stack_samples: Any = msgspec.UNSET


_DOC_DECODER: Final = msgspec.json.Decoder(_Doc)


def _plain(value: Any) -> Any:
    """numpy scalars and arrays (a trace built from numpy columns may carry some) as
    plain JSON values; anything else is not something a trace holds."""
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    raise TypeError(f"a trace cannot hold {type(value).__name__}: {value!r}")


_ENCODER: Final = msgspec.json.Encoder(enc_hook=_plain)


# --- saving -------------------------------------------------------------------------------
def _document_without_spans(trace: Trace) -> dict[str, Any]:
    """The v1 JSON object for ``trace``, in file order, but for its spans (``_encoded``)."""
    meta = dict(trace.meta)
    meta.setdefault("python", "")
    return {
        "format": FORMAT,
        "version": VERSION,
        "meta": meta,
        "tasks": [
            {
                "id": t.id,
                "name": t.name,
                "coro": t.coro,
                "parent": t.parent,
                "created": t.created,
                "created_at": t.created_at,
                "ended": t.ended,
                "outcome": t.outcome,
                "error": t.error,
                "traceback": t.traceback,
                "cancelled_at": t.cancelled_at,
            }
            | ({} if t.earlier is None else {"earlier": list(t.earlier)})
            | ({} if t.parent_gone is None else {"parent_gone": t.parent_gone})
            | ({"cancelling": t.cancelling} if t.cancelling else {})
            | ({"unheld": True} if t.unheld else {})
            for t in trace.tasks
        ],
        "stacks": [list(s.stack) for s in trace.suspensions],
        "jobs": [
            {
                "thread": j.thread,
                "func": j.func,
                "task": j.task,
                "start": j.start,
                "end": j.end,
                "submitted": j.submitted,
                "error": j.error,
            }
            for j in trace.jobs
        ],
        "blocked": [
            {"task": b.task, "start": b.start, "end": b.end, "what": b.what} for b in trace.blocked
        ],
        "marks": [_mark_document(m) for m in trace.marks],
        **({"observed": [[a, b] for a, b in trace.observed]} if trace.observed else {}),
        **resource_file.document(trace.resources, trace.resource_changes),
        **stack_samples.document(trace.stack_samples),
    }


def _mark_document(mark: Mark) -> dict[str, Any]:
    """A mark as JSON: ``kind`` and ``detail`` only when they say something."""
    doc: dict[str, Any] = {"t": mark.t, "task": mark.task, "label": mark.label}
    if mark.kind != "note":
        doc["kind"] = mark.kind
    if mark.detail:
        doc["detail"] = mark.detail
    return doc


def _span_chunks(trace: Trace, size: int) -> Iterator[list[_Span]]:
    """The spans as ``_Span`` records, ``size`` at a time, built column-wise: each column
    is looked up in a small table of distinct values (whose last entry, index -1, is
    "none")."""
    spans = trace.spans
    suspensions = trace.suspensions

    def table(values: list[Any]) -> np.ndarray:
        out = np.empty(len(values) + 1, dtype=object)
        out[:-1] = values
        out[-1] = None
        return out

    label_of = table([s.label for s in suspensions])
    site_of = table([s.site for s in suspensions])
    stack_of = table(list(range(len(suspensions))))
    state_of = np.array(schema.STATE_NAMES, dtype=object)
    # wakes: (kind, task) pairs, one shared record per distinct pair
    base = len(trace.tasks) + 2
    pair = (spans.woken_kind.astype(np.int64) + 1) * base + (spans.woken_task.astype(np.int64) + 1)
    distinct, which = np.unique(pair, return_inverse=True)
    records = []
    for key in distinct.tolist():
        kind, task = divmod(key, base)
        records.append(
            None if kind == 0 else _WokenBy(schema.WAKE_NAMES[kind - 1], task - 1 if task else None)
        )
    woken_of = table(records)
    which = which.reshape(-1)
    for lo in range(0, len(spans), size):
        part = slice(lo, lo + size)
        awaiting = spans.awaiting[part]
        yield list(
            map(
                _Span,
                spans.task[part].tolist(),
                state_of[spans.state[part]].tolist(),
                spans.start[part].tolist(),
                spans.end[part].tolist(),
                label_of[awaiting].tolist(),
                site_of[awaiting].tolist(),
                woken_of[which[part]].tolist(),
                stack_of[awaiting].tolist(),
            )
        )


_SPANS_PER_PIECE: Final = 50_000  # about 7 MB of JSON


def _encoded(trace: Trace) -> Iterator[bytes]:
    """The file's bytes in pieces, spans a chunk at a time: a writer thread can put one
    piece on disk while the next is encoded, and the whole file is never in memory."""
    doc = _document_without_spans(trace)
    head = {key: doc.pop(key) for key in ("format", "version", "meta", "tasks")}
    yield _ENCODER.encode(head)[:-1] + b',"spans":['
    for i, records in enumerate(_span_chunks(trace, _SPANS_PER_PIECE)):
        if i:
            yield b","
        yield _ENCODER.encode(records)[1:-1]
    yield b"]," + _ENCODER.encode(doc)[1:]


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Building or parsing a million small objects makes the cyclic GC rescan every one
    of them again and again (3x the time); none of them can form a cycle."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def dumps(trace: Trace) -> bytes:
    with _gc_paused():
        return b"".join(_encoded(trace))


def save(trace: Trace, path: str | Path) -> Saved:
    """Write ``trace`` to ``path`` (gzip when it ends in ``.gz``): all of it or, if the
    save fails, nothing, the previous file untouched and nothing left beside it
    (``safe_write``).  Ctrl-C and SIGTERM wait for the save to end: the result says
    which came meanwhile, for the caller to act on.  A name ending in ``.avz`` is
    written compact (``trace.compact``)."""
    path = Path(path)
    if path.suffix == ".avz":
        from visualizer.trace import compact  # (it reads with this module's checks)

        return compact.save(trace, path)

    def write(file: BinaryIO) -> None:
        with _gc_paused():
            if path.suffix == ".gz":
                with gzip.GzipFile(fileobj=file, mode="wb", compresslevel=5) as zipped:
                    _write_behind(_encoded(trace), zipped.write)
            else:
                _write_behind(_encoded(trace), file.write)

    return replace_atomically(path, write)


def _write_behind(pieces: Iterable[bytes], write: Callable[[bytes], int]) -> None:
    """Write each piece on a thread while this one encodes the next: file writes and
    zlib release the GIL, so on two cores saving costs little more than encoding."""
    with ThreadPoolExecutor(1, thread_name_prefix="asyncviz-save") as writer:
        pending: deque[Future[int]] = deque()
        for piece in pieces:
            pending.append(writer.submit(write, piece))
            if len(pending) > 4:  # bounded: a slow disk holds back the encoder
                pending.popleft().result()
        for done in pending:
            done.result()


# --- loading ------------------------------------------------------------------------------
def load(path: str | Path, progress: Callable[[int, int], None] | None = None) -> Trace:
    """Read and validate a trace file. Raises ``TraceFormatError`` (or ``OSError``):
    also for what is not a regular file, and a gzip that would inflate beyond reason
    (``safe_read``).  ``progress(read, size)``: how much of a gzip was inflated.  A
    compact file (``trace.compact``, a zip) is told by its first bytes, and read so."""
    path = Path(path)
    try:
        opened = open_regular(path)
    except UnsafeInput as exc:
        raise TraceFormatError(f"{path.name}: {exc}") from None
    with opened as file:
        if file.read(4) == b"PK\x03\x04":
            from visualizer.trace import compact

            return compact.load(path)
        file.seek(0)
        gzipped = file.read(2) == b"\x1f\x8b"
        file.seek(0)
        try:
            if gzipped:
                try:
                    raw = inflate(file.read(), progress=progress)
                except UnsafeInput as exc:
                    raise TraceFormatError(str(exc)) from None
                except (OSError, EOFError, zlib.error) as exc:
                    raise TraceFormatError(f"corrupt gzip data ({exc})") from None
                return loads(raw)
            if os.fstat(file.fileno()).st_size == 0:
                return loads(b"")
            # parsed straight from the page cache: no copy of a file of hundreds of MB
            with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                return loads(mapped)
        except TraceFormatError as exc:
            raise TraceFormatError(f"{path.name}: {exc}") from None


def loads(raw: bytes | str | mmap.mmap) -> Trace:
    """Parse and validate.  Well-typed spans take the fast path (typed records checked
    column by column); anything else is parsed to plain dicts, whose checks name
    the first field that is wrong."""
    try:
        return _loads(raw)
    except RecursionError:
        raise TraceFormatError("nested too deeply") from None
    except OverflowError as exc:  # (an id or a count past any column's range)
        raise TraceFormatError(f"a number out of range ({exc})") from None
    except MemoryError:
        raise TraceFormatError("too big to hold in memory") from None


def _loads(raw: bytes | str | mmap.mmap) -> Trace:
    with _gc_paused():
        try:
            typed = _DOC_DECODER.decode(raw)
        except msgspec.ValidationError:
            typed = None  # JSON, but not well typed: the checks below say what is wrong
        except msgspec.DecodeError as exc:
            raise TraceFormatError(f"not JSON ({exc})") from None
        if typed is not None:
            doc = {
                field: value
                for field in typed.__struct_fields__
                if (value := getattr(typed, field)) is not msgspec.UNSET
            }
            try:
                return from_json_dict(doc)
            except _NotSimple:
                pass  # well typed but off (a bad state name, say): name the span
        try:
            doc = msgspec.json.decode(raw)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise TraceFormatError(f"not JSON ({exc})") from None
        return from_json_dict(doc)


def from_json_dict(doc: Any) -> Trace:
    expect(isinstance(doc, dict), "", "the top level must be a JSON object")
    expect(doc.get("format") == FORMAT, "format", f"must be {FORMAT!r} (is this a trace file?)")
    version = doc.get("version")
    expect(
        isinstance(version, int) and not isinstance(version, bool),
        "version",
        "must be an integer",
    )
    expect(version == VERSION, "version", f"is {version}; this asyncviz reads version {VERSION}")
    meta = _meta(doc.get("meta"))
    tasks = _tasks(_list(doc, "tasks"))
    suspensions, spans = _spans(_list(doc, "spans"), doc.get("stacks"))
    jobs = _jobs(_list(doc, "jobs"))
    blocked = _blocked(_list(doc, "blocked"))
    marks = _marks(doc.get("marks", []))
    observed = _observed(doc.get("observed", []))
    resources, changes = resource_file.read(doc, len(tasks), float(meta.get("duration", 0.0)))
    trace = Trace(
        meta=meta,
        tasks=tasks,
        spans=spans,
        suspensions=suspensions,
        jobs=jobs,
        blocked=blocked,
        marks=marks,
        observed=observed,
        resources=resources,
        resource_changes=changes,
        stack_samples=stack_samples.read(doc, len(tasks)),
    )
    check(trace)
    return trace


def _list(doc: dict[str, Any], key: str) -> list[Any]:
    expect(key in doc, key, "missing")
    value = doc[key]
    expect(isinstance(value, list), key, f"must be a list, not {type(value).__name__}")
    return value  # type: ignore[no-any-return]


def _is_num(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


_INT32: Final = 2**31


def _is_int(value: Any) -> bool:
    """An int that fits the int32 columns ids are kept in."""
    return type(value) is int and -_INT32 <= value < _INT32


def _forgotten(forgotten: Any, duration: float) -> None:
    """``meta.forgotten``: what a window let go of a long run (``model.history``)."""
    where = "meta.forgotten"
    expect(isinstance(forgotten, dict), where, "must be an object")
    before = forgotten.get("before")
    expect(
        _is_num(before) and 0 <= before <= duration,
        f"{where}.before",
        "must be a number from 0 to the duration",
    )
    for key in ("tasks", "spans", "steps"):
        value = forgotten.get(key)
        expect(type(value) is int and value >= 0, f"{where}.{key}", "must be an integer >= 0")
    for key in ("outcomes", "coros"):
        counts = forgotten.get(key)
        expect(
            isinstance(counts, dict)
            and all(isinstance(k, str) and type(v) is int and v >= 0 for k, v in counts.items()),
            f"{where}.{key}",
            "must map names to integers >= 0",
        )


def _meta(meta: Any) -> dict[str, Any]:
    expect(isinstance(meta, dict), "meta", "missing or not an object")
    clock = meta.get("clock")
    expect(
        clock in schema.CLOCKS and type(clock) is str,
        "meta.clock",
        "must be " + " or ".join(f'"{name}"' for name in schema.CLOCKS),
    )
    for key in ("source", "python", "loop"):
        expect(isinstance(meta.get(key), str), f"meta.{key}", "must be a string")
    expect(_is_num(meta.get("duration")), "meta.duration", "must be a number")
    expect(meta["duration"] >= 0, "meta.duration", "must not be negative")
    expect(
        meta["duration"] <= MAX_SECONDS,
        "meta.duration",
        f"{meta['duration']!r} s is longer than any run (at most {MAX_SECONDS:.0f} s)",
    )
    if meta.get("truncated_at") is not None:
        expect(_is_num(meta["truncated_at"]), "meta.truncated_at", "must be a number")
        instant(meta["truncated_at"], "meta.truncated_at")
    dropped = meta.get("dropped_events")
    expect(_is_int(dropped) and dropped >= 0, "meta.dropped_events", "must be an integer >= 0")
    if "forgotten" in meta:
        _forgotten(meta["forgotten"], meta["duration"])
    return dict(meta)


def _check_fields(
    item: Any, where: str, checks: Iterable[tuple[str, Callable[[Any], bool], str]]
) -> None:
    expect(isinstance(item, dict), where, "must be an object")
    for key, ok, what in checks:
        expect(key in item, f"{where}.{key}", "missing")
        expect(ok(item[key]), f"{where}.{key}", f"must be {what}, not {item[key]!r}")


def _check_optional(
    item: dict[str, Any], where: str, checks: Iterable[tuple[str, Callable[[Any], bool], str]]
) -> None:
    """Optional fields: absent is fine, present means well typed (a mistyped one was
    once read as absent, and what it said was lost without a word)."""
    for key, ok, what in checks:
        if key in item:
            expect(ok(item[key]), f"{where}.{key}", f"must be {what}, not {item[key]!r}")


def _opt(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: v is None or check(v)


def _str(v: Any) -> bool:
    return isinstance(v, str)


_TASK_CHECKS: Final = (
    ("id", _is_int, "an integer"),
    ("name", _str, "a string"),
    ("coro", _str, "a string"),
    ("parent", _opt(_is_int), "an integer or null"),
    ("created", _is_num, "a number"),
    ("created_at", _opt(_str), "a string or null"),
    ("ended", _opt(_is_num), "a number or null"),
    (
        "outcome",
        lambda v: type(v) is str and v in schema.OUTCOMES,
        "one of " + "/".join(schema.OUTCOMES),
    ),
    ("error", _opt(_str), "a string or null"),
)


def _tasks(items: list[Any]) -> list[TaskRecord]:
    tasks = []
    for i, item in enumerate(items):
        where = f"tasks[{i}]"
        _check_fields(item, where, _TASK_CHECKS)
        expect(item["id"] == i, f"{where}.id", f"must be {i} (ids are dense, in order)")
        expect(
            (item["ended"] is None) == (item["outcome"] == "pending"),
            f"{where}.ended",
            "must be null exactly when the outcome is pending",
        )
        _check_optional(item, where, _TASK_OPTIONAL)
        traceback = item.get("traceback")
        cancelled_at = item.get("cancelled_at")
        earlier = item.get("earlier")
        parent_gone = item.get("parent_gone")
        cancelling = item.get("cancelling", 0)
        if earlier is not None:
            expect(
                isinstance(earlier, list)
                and len(earlier) == 4
                and _is_int(earlier[0])
                and all(_is_num(v) and v >= 0 for v in earlier),
                f"{where}.earlier",
                "must be [steps, running, ready, suspended]: numbers >= 0",
            )
        tasks.append(
            TaskRecord(
                id=i,
                name=item["name"],
                coro=item["coro"],
                parent=item["parent"],
                created=float(item["created"]),
                created_at=item["created_at"],
                ended=None if item["ended"] is None else float(item["ended"]),
                outcome=item["outcome"],
                error=item["error"],
                traceback=traceback if isinstance(traceback, str) else None,
                cancelled_at=cancelled_at if isinstance(cancelled_at, str) else None,
                earlier=None
                if earlier is None
                else (int(earlier[0]), float(earlier[1]), float(earlier[2]), float(earlier[3])),
                parent_gone=parent_gone if isinstance(parent_gone, str) else None,
                cancelling=int(cancelling) if cancelling is not None else 0,
                unheld=item.get("unheld") is True,
            )
        )
    return tasks


_TASK_OPTIONAL: Final = (
    ("traceback", _opt(_str), "a string or null"),
    ("cancelled_at", _opt(_str), "a string or null"),
    ("parent_gone", _opt(_str), "a string or null"),
    ("cancelling", lambda v: v is None or (_is_int(v) and v >= 0), "a count (0 or more)"),
    ("unheld", lambda v: v is None or type(v) is bool, "true or false"),
)

_STATES: Final = {name: i for i, name in enumerate(schema.STATE_NAMES)}


class _NotSimple(Exception):
    """The fast column-wise check found something off: let the per-span check name it."""


def _spans(items: list[Any], stacks: Any) -> tuple[list[Suspension], SpanColumns]:
    if items and type(items[0]) is _Span:
        return _spans_from_records(items, stacks)  # (raises _NotSimple to loads)
    try:
        return _spans_by_column(items, stacks)
    except _NotSimple:
        return _spans_one_by_one(items, stacks)  # raises with the exact span and field


def _spans_from_records(items: list[_Span], stacks: Any) -> tuple[list[Suspension], SpanColumns]:
    """Columns from typed records (types already checked by the decoder), in C-speed
    passes: ``map`` over attribute getters, distinct values found with ``dict``."""
    n = len(items)
    task64 = np.fromiter(map(attrgetter("task"), items), np.int64, n)
    if task64.min() < -_INT32 or task64.max() >= _INT32:
        raise _NotSimple
    start = np.fromiter(map(attrgetter("start"), items), np.float64, n)
    end = np.fromiter(map(attrgetter("end"), items), np.float64, n)
    if not (np.isfinite(start).all() and np.isfinite(end).all() and (end >= start).all()):
        raise _NotSimple
    # Everything else comes in a few distinct "shapes" (state, label, site, stack,
    # woken_by): find them with one dict, then give each span its shape's columns.
    # (a defaultdict numbering new keys as it meets them: one C-level pass, one hash each)
    shapes: defaultdict[tuple[Any, ...], int] = defaultdict(itertools.count().__next__)
    keys = map(attrgetter("state", "awaiting", "at", "stack", "woken_by"), items)
    shape = np.fromiter(map(shapes.__getitem__, keys), np.int64, n)
    stack_list = stacks if isinstance(stacks, list) else []
    suspensions: list[Suspension] = []
    numbering: dict[tuple[str, str | None, int | None], int] = {}
    rows = []  # per shape: state, suspension id, wake kind, waker task
    for key in shapes:  # in order of number
        state_name, label, site, stack_ref, woken = key
        if label is None:
            sid = -1
        elif (sid := numbering.get((label, site, stack_ref), -1)) < 0:
            sid = numbering[label, site, stack_ref] = len(suspensions)
            suspensions.append(Suspension(label, site, _stack(stack_list, stack_ref)))
        if woken is None:
            if state_name == "ready":
                raise _NotSimple  # every ready span says who woke it
            rows.append((_STATES[state_name], sid, -1, -1))
            continue
        waker = woken.task
        if not (waker is None or (_is_int(waker) and waker >= 0)):
            raise _NotSimple  # (the dict path names the task id that is out of range)
        rows.append(
            (
                _STATES[state_name],
                sid,
                schema.WAKE_KINDS[woken.kind],
                -1 if waker is None else waker,
            )
        )
    table = np.array(rows, np.int64).reshape(-1, 4)
    state = table[shape, 0].astype(np.int8)
    awaiting = table[shape, 1].astype(np.int32)
    wkind = table[shape, 2].astype(np.int8)
    wtask = table[shape, 3].astype(np.int32)
    return suspensions, SpanColumns(
        task64.astype(np.int32), state, start, end, awaiting, wkind, wtask
    )


def _column(items: list[Any], key: str) -> list[Any]:
    try:
        return [item[key] for item in items]
    except (KeyError, TypeError):
        raise _NotSimple from None


def _types_within(values: list[Any], allowed: set[type]) -> None:
    if not set(map(type, values)) <= allowed:
        raise _NotSimple


def _spans_by_column(items: list[Any], stacks: Any) -> tuple[list[Suspension], SpanColumns]:
    """Validate and convert spans a column at a time (a million spans in about a second)."""
    n = len(items)
    _types_within(items, {dict})
    tasks = _column(items, "task")
    states = _column(items, "state")
    starts = _column(items, "start")
    ends = _column(items, "end")
    labels = _column(items, "awaiting")
    sites = _column(items, "at")
    wokens = _column(items, "woken_by")
    _types_within(tasks, {int})
    _types_within(states, {str})
    _types_within(starts, {int, float})
    _types_within(ends, {int, float})
    _types_within(labels, {str, type(None)})
    _types_within(sites, {str, type(None)})
    _types_within(wokens, {dict, type(None)})
    task64 = np.array(tasks, np.int64) if n else np.zeros(0, np.int64)
    if n and (task64.min() < -_INT32 or task64.max() >= _INT32):
        raise _NotSimple
    start = np.array(starts, np.float64) if n else np.zeros(0)
    end = np.array(ends, np.float64) if n else np.zeros(0)
    if n and not (np.isfinite(start).all() and np.isfinite(end).all() and (end >= start).all()):
        raise _NotSimple
    try:
        state = np.array([_STATES[name] for name in states], np.int8)
    except KeyError:
        raise _NotSimple from None
    awaiting = np.full(n, -1, np.int32)
    wkind = np.full(n, -1, np.int8)
    wtask = np.full(n, -1, np.int32)
    stack_list = stacks if isinstance(stacks, list) else []
    suspensions: list[Suspension] = []
    interned: dict[tuple[str, str | None, int], int] = {}
    for i, label in enumerate(labels):
        if label is None:
            continue
        stack_ref = items[i].get("stack")
        key = (label, sites[i], stack_ref if type(stack_ref) is int else -1)
        sid = interned.get(key)
        if sid is None:
            sid = interned[key] = len(suspensions)
            suspensions.append(Suspension(label, sites[i], _stack(stack_list, stack_ref)))
        awaiting[i] = sid
    kinds = schema.WAKE_KINDS
    for i, woken in enumerate(wokens):
        if woken is None:
            if state[i] == schema.READY:
                raise _NotSimple
            continue
        kind_name = woken.get("kind")
        waker = woken.get("task")
        if type(kind_name) is not str or kind_name not in kinds:
            raise _NotSimple
        if waker is not None and not _is_int(waker):
            raise _NotSimple
        wkind[i] = kinds[kind_name]
        wtask[i] = -1 if waker is None else waker
    return suspensions, SpanColumns(
        task64.astype(np.int32), state, start, end, awaiting, wkind, wtask
    )


def _stack(stack_list: list[Any], ref: Any) -> tuple[str, ...]:
    if type(ref) is int and 0 <= ref < len(stack_list):
        entry = stack_list[ref]
        if isinstance(entry, list) and all(isinstance(x, str) for x in entry):
            return tuple(entry)
    return ()


def _spans_one_by_one(items: list[Any], stacks: Any) -> tuple[list[Suspension], SpanColumns]:
    n = len(items)
    task = np.empty(n, np.int32)
    state = np.empty(n, np.int8)
    start = np.empty(n, np.float64)
    end = np.empty(n, np.float64)
    awaiting = np.full(n, -1, np.int32)
    wkind = np.full(n, -1, np.int8)
    wtask = np.full(n, -1, np.int32)
    stack_list = stacks if isinstance(stacks, list) else []
    suspensions: list[Suspension] = []
    interned: dict[tuple[str, str | None, int], int] = {}
    for i, span in enumerate(items):
        try:
            t = span["task"]
            state_name = span["state"]
            s = _STATES[state_name] if type(state_name) is str else _STATES[""]
            a = span["start"]
            b = span["end"]
            label = span["awaiting"]
            site = span["at"]
            woken = span["woken_by"]
        except (KeyError, TypeError):
            _check_fields(span, f"spans[{i}]", _SPAN_CHECKS)  # raises with the detail
            raise  # pragma: no cover
        if not (
            _is_int(t)
            and _is_num(a)
            and _is_num(b)
            and (label is None or type(label) is str)
            and (site is None or type(site) is str)
        ):
            _check_fields(span, f"spans[{i}]", _SPAN_CHECKS)
        expect(b >= a, f"spans[{i}]", f"ends ({b}) before it starts ({a})")
        task[i] = t
        state[i] = s
        start[i] = a
        end[i] = b
        if label is not None:
            stack_ref = span.get("stack")
            key = (label, site, stack_ref if type(stack_ref) is int else -1)
            sid = interned.get(key)
            if sid is None:
                stack: tuple[str, ...] = ()
                if type(stack_ref) is int and 0 <= stack_ref < len(stack_list):
                    entry = stack_list[stack_ref]
                    if isinstance(entry, list) and all(isinstance(x, str) for x in entry):
                        stack = tuple(entry)
                sid = interned[key] = len(suspensions)
                suspensions.append(Suspension(label, site, stack))
            awaiting[i] = sid
        if woken is not None:
            where = f"spans[{i}].woken_by"
            expect(isinstance(woken, dict), where, "must be an object or null")
            kind_name = woken.get("kind")
            kind = schema.WAKE_KINDS.get(kind_name) if type(kind_name) is str else None
            expect(
                kind is not None, f"{where}.kind", "must be one of " + "/".join(schema.WAKE_NAMES)
            )
            waker = woken.get("task")
            expect(waker is None or _is_int(waker), f"{where}.task", "must be an integer or null")
            wkind[i] = kind  # type: ignore[assignment]
            wtask[i] = -1 if waker is None else waker
        if s == schema.READY:
            expect(woken is not None, f"spans[{i}].woken_by", "every ready span says who woke it")
    return suspensions, SpanColumns(task, state, start, end, awaiting, wkind, wtask)


_SPAN_CHECKS: Final = (
    ("task", _is_int, "an integer"),
    ("state", lambda v: type(v) is str and v in _STATES, "ready/running/suspended"),
    ("start", _is_num, "a number"),
    ("end", _is_num, "a number"),
    ("awaiting", _opt(_str), "a string or null"),
    ("at", _opt(_str), "a string or null"),
    ("woken_by", lambda v: v is None or isinstance(v, dict), "an object or null"),
)

_JOB_CHECKS: Final = (
    ("thread", _str, "a string"),
    ("func", _str, "a string"),
    ("task", _opt(_is_int), "an integer or null"),
    ("start", _is_num, "a number"),
    ("end", _is_num, "a number"),
)


def _jobs(items: list[Any]) -> list[JobRecord]:
    jobs = []
    for i, item in enumerate(items):
        _check_fields(item, f"jobs[{i}]", _JOB_CHECKS)
        _check_optional(item, f"jobs[{i}]", _JOB_OPTIONAL)
        submitted = item.get("submitted")
        error = item.get("error")
        jobs.append(
            JobRecord(
                thread=item["thread"],
                func=item["func"],
                task=item["task"],
                start=float(item["start"]),
                end=float(item["end"]),
                submitted=float(submitted) if _is_num(submitted) else None,
                error=error if isinstance(error, str) else None,
            )
        )
    return jobs


_JOB_OPTIONAL: Final = (
    ("submitted", _opt(_is_num), "a number or null"),
    ("error", _opt(_str), "a string or null"),
)

_BLOCKED_CHECKS: Final = (
    ("task", _opt(_is_int), "an integer or null"),
    ("start", _is_num, "a number"),
    ("end", _is_num, "a number"),
)


def _blocked(items: list[Any]) -> list[BlockedRecord]:
    out = []
    for i, item in enumerate(items):
        _check_fields(item, f"blocked[{i}]", _BLOCKED_CHECKS)
        _check_optional(item, f"blocked[{i}]", (("what", _str, "a string"),))
        what = item.get("what")
        out.append(
            BlockedRecord(
                item["task"],
                float(item["start"]),
                float(item["end"]),
                what if isinstance(what, str) else "",
            )
        )
    return out


_MARK_OPTIONAL: Final = (
    ("task", _opt(_is_int), "an integer or null"),
    ("kind", _str, "a string"),  # (an unknown one: a plain note, as the format says)
    ("detail", _str, "a string"),
)


def _marks(items: Any) -> list[Mark]:
    expect(isinstance(items, list), "marks", "must be a list")
    out = []
    for i, item in enumerate(items):
        _check_fields(
            item,
            f"marks[{i}]",
            (("t", _is_num, "a number"), ("label", _str, "a string")),
        )
        _check_optional(item, f"marks[{i}]", _MARK_OPTIONAL)
        task, kind, detail = item.get("task"), item.get("kind"), item.get("detail")
        out.append(
            Mark(
                float(item["t"]),
                task if _is_int(task) else None,
                item["label"],
                kind if kind in MARK_KINDS else "note",  # (an unknown kind: a plain note)
                detail if isinstance(detail, str) else "",
            )
        )
    return out


def _observed(items: Any) -> list[tuple[float, float]]:
    """``observed``: [start, end] pairs, each a number, start <= end."""
    expect(isinstance(items, list), "observed", "must be a list")
    out = []
    for i, item in enumerate(items):
        expect(
            isinstance(item, list) and len(item) == 2 and all(_is_num(x) for x in item),
            f"observed[{i}]",
            "must be [start, end], two numbers",
        )
        start, end = float(item[0]), float(item[1])
        expect(
            math.isfinite(start) and math.isfinite(end) and start <= end,
            f"observed[{i}]",
            "must be finite, start <= end",
        )
        out.append((start, end))
    return out
