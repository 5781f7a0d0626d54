"""Compact trace files (``.avz``): the trace model of format v1, as columns in a zip.

A JSON trace spends about 146 bytes on a span and seconds parsing a million of them
(``docs/performance.md``).  This is a second encoding of the same model, not a new
version of it: the same fields, the same rules, the same checks; JSON v1 stays the
interchange every tool reads.  Documented in ``docs/trace-format.md``, "Compact files".

The container is a zip (the standard library's ``zipfile``, deflate level 1) of
numpy's own ``.npy`` arrays (``numpy.lib.format``: documented, versioned, a
dependency already) and one JSON header, the layout of numpy's ``.npz``:

- ``mimetype``, first and stored, as EPUB and OpenDocument do: a reader tells this
  file from another zip (a shared scenario, ``.asyncviz.zip``) by its first bytes;
- ``header.json``: what is small or text (meta, suspensions, jobs, marks, resources,
  stack samples, the tasks' strings) in v1's own JSON shapes, read by the JSON
  reader's own checks, and the number of rows of each table;
- one ``.npy`` per numeric column (``COLUMNS``).  Each is stored as byte planes (the
  column's bytes, first byte of every value, then the second ...: an array of shape
  (itemsize, rows) of ``uint8``), which groups the bytes that change slowly (a time's
  sign and exponent) so that deflate finds them: it halves a time column.  A span's
  end is written only where it is not the next span's start (``spans.end_follows``),
  which the tiling makes almost never.

Floats are copied as bits, never printed: a round trip is exact.  A file is hostile
data, read as the JSON is (``fileformat``): only a regular file; nothing unpickled
(``allow_pickle`` is never true: arrays of bytes only); every member's size declared
before it is read and bounded by what the header's row counts make it, all of them
together by ``ASYNCVIZ_MAX_TRACE`` (no zip bomb: zipfile never inflates a member past
its declared size, and checks its CRC); then every field checked, and the whole trace
by ``coherence``.  Every refusal is a ``TraceFormatError`` naming the member or field.
"""

from __future__ import annotations

import dataclasses
import io
import struct
import zipfile
from pathlib import Path
from typing import IO, Any, Final

import msgspec
import numpy as np
import numpy.typing as npt

from visualizer.trace import compact_tasks, fileformat, resource_file, schema, stack_samples
from visualizer.trace.coherence import TraceFormatError, check, expect
from visualizer.trace.data import SpanColumns, Trace
from visualizer.trace.resources import ResourceChanges
from visualizer.trace.safe_read import UnsafeInput, max_trace, open_regular, zip_member
from visualizer.trace.safe_write import Saved, replace_atomically
from visualizer.trace.store import Suspension

SUFFIX: Final = ".avz"
#: the model's format and version (``fileformat``'s) and this encoding's own
ENCODING: Final = "columns"
ENCODING_VERSION: Final = 1
MIMETYPE: Final = b"application/x-asyncviz-trace+zip"
HEADER: Final = "header.json"
#: a compact trace begins so: a zip's first member, named ``mimetype``, stored
HEAD: Final = b"PK\x03\x04"
_MIME_AT: Final = 30  # (after a zip's 30-byte local header: the name, then the data)

#: the numeric columns: member ``NAME.npy``, its table (whose row count it has), its type
COLUMNS: Final = {
    "spans.task": ("spans", "<i4"),
    "spans.state": ("spans", "<i1"),
    "spans.start": ("spans", "<f8"),
    "spans.end_follows": ("spans", "<i1"),  # 1: this span ends where the next row starts
    "spans.end": ("span_ends", "<f8"),  # the ends of the others, in order
    "spans.awaiting": ("spans", "<i4"),
    "spans.woken_kind": ("spans", "<i1"),
    "spans.woken_task": ("spans", "<i4"),
    "resource_changes.resource": ("resource_changes", "<i4"),
    "resource_changes.t": ("resource_changes", "<f8"),
    "resource_changes.task": ("resource_changes", "<i4"),
    "resource_changes.op": ("resource_changes", "<i1"),
    "resource_changes.value": ("resource_changes", "<i8"),
    "resource_changes.detail": ("resource_changes", "<i8"),
} | {f"tasks.{name}": ("tasks", kind) for name, kind in compact_tasks.column_types().items()}
#: ``ResourceChanges``' columns, in its order
_CHANGE_COLUMNS: Final = ("resource", "t", "task", "op", "value", "detail")
#: members a file may hold (ours, and a few more a tool added: ignored)
MAX_MEMBERS: Final = len(COLUMNS) + 16
#: bytes of a ``.npy`` member besides its data: the header (numpy pads it to 64 or so)
_NPY_HEADER: Final = 4096
#: the date every member carries (the file's bytes depend on the trace alone)
_DATE: Final = (1980, 1, 1, 0, 0, 0)
_DEFLATE_LEVEL: Final = 1  # (level 6 makes a file 3% smaller and the save 4 times slower)


def sniff(head: bytes) -> bool:
    """``head`` (a file's first bytes, 64 or more) is how a compact trace begins."""
    name = b"mimetype"
    at = _MIME_AT + len(name)
    return head.startswith(HEAD) and head[_MIME_AT:at] == name and head[at:].startswith(MIMETYPE)


# --- writing ------------------------------------------------------------------------------
class _Rows(msgspec.Struct):
    tasks: int
    spans: int
    span_ends: int
    resource_changes: int


class _Suspension(msgspec.Struct):
    label: str
    site: str | None
    stack: list[str]


class _Header(msgspec.Struct):
    """``header.json``: the rest as v1's JSON has it (``Any``: the JSON reader's checks
    say what is wrong), and what only this encoding has (typed: msgspec checks it)."""

    format: str
    version: int
    encoding: str
    encoding_version: int
    rows: _Rows
    meta: Any
    suspensions: list[_Suspension]
    strings: list[str]  #: the tasks' strings (``compact_tasks``)
    jobs: Any = msgspec.field(default_factory=list)
    blocked: Any = msgspec.field(default_factory=list)
    marks: Any = msgspec.field(default_factory=list)
    observed: Any = msgspec.field(default_factory=list)
    resources: Any = msgspec.field(default_factory=list)
    stack_samples: Any = msgspec.field(default_factory=list)


def _end_follows(spans: SpanColumns) -> npt.NDArray[np.bool_]:
    """Where a span's end is, bit for bit, the next row's start."""
    follows = np.zeros(len(spans), bool)
    if len(spans) > 1:
        follows[:-1] = spans.end[:-1].view(np.int64) == spans.start[1:].view(np.int64)
    return follows


def encode(trace: Trace) -> tuple[bytes, dict[str, npt.NDArray[Any]]]:
    """``trace`` as the header's JSON and the columns (``COLUMNS``' names)."""
    spans = trace.spans
    follows = _end_follows(spans)
    changes = trace.resource_changes
    tasks, strings = compact_tasks.encode_tasks(trace.tasks)
    columns: dict[str, npt.NDArray[Any]] = {
        "spans.task": spans.task,
        "spans.state": spans.state,
        "spans.start": spans.start,
        "spans.end_follows": follows,
        "spans.end": spans.end[~follows],
        "spans.awaiting": spans.awaiting,
        "spans.woken_kind": spans.woken_kind,
        "spans.woken_task": spans.woken_task,
    }
    columns.update((f"tasks.{name}", column) for name, column in tasks.items())
    for name in _CHANGE_COLUMNS:
        columns[f"resource_changes.{name}"] = getattr(changes, name)
    # v1's own shapes for the rest (the JSON writer's, without tasks: they are columns)
    doc = fileformat._document_without_spans(dataclasses.replace(trace, tasks=[]))
    header = {
        "format": fileformat.FORMAT,
        "version": fileformat.VERSION,
        "encoding": ENCODING,
        "encoding_version": ENCODING_VERSION,
        "rows": {
            "tasks": len(trace.tasks),
            "spans": len(spans),
            "span_ends": int(len(spans) - follows.sum()),
            "resource_changes": len(changes),
        },
        "meta": doc["meta"],
        "suspensions": [
            {"label": s.label, "site": s.site, "stack": list(s.stack)} for s in trace.suspensions
        ],
        "strings": strings,
    } | {key: doc[key] for key in ("jobs", "blocked", "marks", "observed") if key in doc}
    header |= {key: doc[key] for key in ("resources", "stack_samples") if key in doc}
    return fileformat._ENCODER.encode(header), columns


def _planes(column: npt.NDArray[Any], kind: str) -> npt.NDArray[np.uint8]:
    """The column's bytes as planes: shape (itemsize, rows), byte ``k`` of every value
    in row ``k`` (little-endian, as ``kind`` says)."""
    data = np.ascontiguousarray(column, dtype=kind)
    return np.ascontiguousarray(data.view(np.uint8).reshape(len(data), data.itemsize).T)


def _npy(array: npt.NDArray[Any]) -> bytes:
    out = io.BytesIO()
    np.lib.format.write_array(out, array, version=(1, 0), allow_pickle=False)
    return out.getvalue()


def save(trace: Trace, path: str | Path) -> Saved:
    """Write ``trace`` to ``path``: all of it or nothing (``safe_write``), as
    ``fileformat.save`` does a JSON file; the same bytes for the same trace."""
    header, columns = encode(trace)

    def member(archive: zipfile.ZipFile, name: str, data: bytes, kind: int) -> None:
        info = zipfile.ZipInfo(name, date_time=_DATE)
        info.external_attr = 0o644 << 16
        archive.writestr(info, data, compress_type=kind, compresslevel=_DEFLATE_LEVEL)

    def write(file: IO[bytes]) -> None:
        with zipfile.ZipFile(file, "w") as archive:
            member(archive, "mimetype", MIMETYPE, zipfile.ZIP_STORED)
            member(archive, HEADER, header, zipfile.ZIP_DEFLATED)
            for name, column in columns.items():
                planes = _planes(column, COLUMNS[name][1])
                member(archive, f"{name}.npy", _npy(planes), zipfile.ZIP_DEFLATED)

    return replace_atomically(Path(path), write)


# --- reading ------------------------------------------------------------------------------
def load(path: str | Path) -> Trace:
    """Read and check a compact trace file.  Raises ``TraceFormatError`` (its message
    names the file, then the member or field) or ``OSError``."""
    path = Path(path)
    try:
        with open_regular(path) as file:
            return _read(file)
    except UnsafeInput as exc:
        raise TraceFormatError(f"{path.name}: {exc}") from None
    except TraceFormatError as exc:
        raise TraceFormatError(f"{path.name}: {exc}") from None
    except (RecursionError, MemoryError, OverflowError) as exc:
        raise TraceFormatError(f"{path.name}: cannot be read ({type(exc).__name__})") from None


def _read(file: IO[bytes]) -> Trace:
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise TraceFormatError(f"not a compact trace: not a zip file ({exc})") from None
    except (NotImplementedError, struct.error) as exc:
        raise TraceFormatError(f"a zip this reader does not read ({exc})") from None
    with archive:
        members = _members(archive)
        inflated, limit = sum(info.file_size for info in members.values()), max_trace()
        expect(
            inflated <= limit,
            "",
            f"{inflated:,} bytes inflated, over {limit:,} (ASYNCVIZ_MAX_TRACE)",
        )
        mimetype = members.get("mimetype")
        expect(
            mimetype is not None and zip_member(archive, mimetype, 256) == MIMETYPE,
            "mimetype",
            f"missing or not {MIMETYPE.decode()}: a zip, but not a compact trace",
        )
        expect(HEADER in members, HEADER, "missing")
        header = _header(zip_member(archive, members[HEADER], max_trace()))
        rows = msgspec.structs.asdict(header.rows)
        _bounded(members, rows)
        columns = {
            name: _column(archive, members.get(f"{name}.npy"), name, kind, rows[table])
            for name, (table, kind) in COLUMNS.items()
        }
    return _trace(header, columns)


def _members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The members by name, each once, not encrypted, stored or deflated."""
    infos = archive.infolist()
    expect(len(infos) <= MAX_MEMBERS, "", f"{len(infos):,} members, more than a trace holds")
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.filename
        expect(name not in members, name, "two members of this name")
        expect(not info.flag_bits & 0x1, name, "encrypted")
        expect(
            info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED),
            name,
            f"compressed with method {info.compress_type} (stored or deflated only)",
        )
        members[name] = info
    return members


def _bounded(members: dict[str, zipfile.ZipInfo], rows: dict[str, int]) -> None:
    """Every column's member no bigger than its rows make it: checked from the zip's
    directory, before any is read."""
    for table, count in rows.items():
        expect(count >= 0, f"{HEADER}: rows.{table}", "must be a count (0 or more)")
    for name, (table, kind) in COLUMNS.items():
        info = members.get(f"{name}.npy")
        need = rows[table] * np.dtype(kind).itemsize
        expect(
            info is None or info.file_size <= need + _NPY_HEADER,
            f"{name}.npy",
            f"inflates to {0 if info is None else info.file_size:,} bytes;"
            f" {rows[table]:,} rows take {need:,}",
        )


def _header(data: bytes) -> _Header:
    """``header.json``: a v1 trace's format and version, this encoding's, then typed."""
    try:
        doc = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise TraceFormatError(f"{HEADER}: not JSON ({exc})") from None
    expect(isinstance(doc, dict), HEADER, "must be a JSON object")
    expect(
        doc.get("format") == fileformat.FORMAT,
        f"{HEADER}: format",
        f"must be {fileformat.FORMAT!r}",
    )
    for key, known in (("version", fileformat.VERSION), ("encoding_version", ENCODING_VERSION)):
        said = doc.get(key)
        expect(
            type(said) is int and said == known,
            f"{HEADER}: {key}",
            f"is {said!r}; this asyncviz reads {key.replace('_', ' ')} {known}",
        )
    expect(doc.get("encoding") == ENCODING, f"{HEADER}: encoding", f"must be {ENCODING!r}")
    try:
        return msgspec.convert(doc, _Header)
    except msgspec.ValidationError as exc:
        raise TraceFormatError(f"{HEADER}: {exc}") from None


def _column(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo | None, name: str, kind: str, rows: int
) -> npt.NDArray[Any]:
    """Column ``name``: its ``.npy`` member, which must be ``uint8`` byte planes of
    shape (itemsize, ``rows``), read back into values of ``kind`` (native order)."""
    where = f"{name}.npy"
    expect(info is not None, where, f"missing ({rows:,} rows)")
    assert info is not None
    dtype = np.dtype(kind)
    data = zip_member(archive, info, rows * dtype.itemsize + _NPY_HEADER)
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        expect(version == (1, 0), where, f"a .npy of version {version}; 1.0 expected")
        shape, fortran, stored = np.lib.format.read_array_header_1_0(stream)
    except TraceFormatError:
        raise
    except Exception as exc:  # (numpy's parser of the header's text raises what it met:
        # ValueError, SyntaxError, tokenize's TokenError ...; the fuzzer finds them all)
        raise TraceFormatError(f"{where}: not a .npy array ({exc})") from None
    want = (dtype.itemsize, rows)
    expect(
        stored == np.dtype(np.uint8) and not fortran and shape == want,
        where,
        f"holds {stored} of shape {shape}; uint8 byte planes of shape {want} expected",
    )
    expect(len(data) - stream.tell() == rows * dtype.itemsize, where, "not as long as its shape")
    planes = np.frombuffer(data, np.uint8, rows * dtype.itemsize, stream.tell())
    values = planes.reshape(want).T.copy().view(dtype).reshape(rows)
    return values.astype(dtype.newbyteorder("="), copy=False)


def _spans(columns: dict[str, npt.NDArray[Any]], suspensions: int) -> SpanColumns:
    """The span columns, checked as the JSON reader checks its typed spans."""
    n = len(columns["spans.task"])
    start = columns["spans.start"]
    follows = columns["spans.end_follows"]
    expect(bool(((follows == 0) | (follows == 1)).all()), "spans.end_follows", "must be 0 or 1")
    expect(not n or follows[-1] == 0, "spans.end_follows", "the last span has no next row")
    given = columns["spans.end"]
    expect(
        len(given) == n - int(follows.sum()),
        "spans.end",
        f"{len(given):,} ends for {n - int(follows.sum()):,} spans not followed",
    )
    end = np.empty(n, np.float64)
    flag = follows.astype(bool)
    end[flag] = start[1:][flag[:-1]]
    end[~flag] = given
    state = columns["spans.state"]
    awaiting = columns["spans.awaiting"]
    kind = columns["spans.woken_kind"]
    waker = columns["spans.woken_task"]
    for field, bad, message in (
        ("start", ~np.isfinite(start), "must be a finite number"),
        ("end", ~np.isfinite(end) | (end < start), "must be a finite number, not before start"),
        ("state", (state < 0) | (state >= len(schema.STATE_NAMES)), "must be 0, 1 or 2"),
        ("awaiting", (awaiting < -1) | (awaiting >= suspensions), "names no suspension"),
        ("woken_kind", (kind < -1) | (kind >= len(schema.WAKE_NAMES)), "names no wake kind"),
        ("woken_kind", (state == schema.READY) & (kind < 0), "every ready span says who woke it"),
        ("woken_task", (waker < -1) | ((kind < 0) & (waker != -1)), "must be a task id or -1"),
    ):
        if bad.any():
            expect(False, f"spans[{int(np.flatnonzero(bad)[0])}].{field}", message)
    return SpanColumns(columns["spans.task"], state, start, end, awaiting, kind, waker)


def _trace(header: _Header, columns: dict[str, npt.NDArray[Any]]) -> Trace:
    """The trace: each part checked by the JSON reader's own checks, then the whole."""
    meta = fileformat._meta(header.meta)
    tasks = compact_tasks.decode_tasks(
        {name.removeprefix("tasks."): c for name, c in columns.items() if name[:6] == "tasks."},
        header.strings,
    )
    suspensions = [Suspension(s.label, s.site, tuple(s.stack)) for s in header.suspensions]
    spans = _spans(columns, len(suspensions))
    changes = ResourceChanges(*(columns[f"resource_changes.{name}"] for name in _CHANGE_COLUMNS))
    resources, changes = resource_file.read_columns(
        header.resources, changes, len(tasks), float(meta["duration"])
    )
    trace = Trace(
        meta=meta,
        tasks=tasks,
        spans=spans,
        suspensions=suspensions,
        jobs=fileformat._jobs(_list(header.jobs, "jobs")),
        blocked=fileformat._blocked(_list(header.blocked, "blocked")),
        marks=fileformat._marks(header.marks),
        observed=fileformat._observed(header.observed),
        resources=resources,
        resource_changes=changes,
        stack_samples=stack_samples.read({"stack_samples": header.stack_samples}, len(tasks)),
    )
    check(trace)
    return trace


def _list(value: Any, key: str) -> list[Any]:
    expect(isinstance(value, list), f"{HEADER}: {key}", "must be a list")
    return value  # type: ignore[no-any-return]
