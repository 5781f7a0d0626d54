"""One scenario shared as one file: its source, its last trace and its picture together.

A teacher sends a lesson; a colleague sends "look what my program does".  The receiver
must see what the sender saw (the chart, the explanation, the code that made it), even
if their copy of the scenario differs or they have none, and without the app at all.
So a shared scenario is a zip, ``NAME.asyncviz.zip`` (``SUFFIX``), holding:

- ``manifest.json``: the format's name and version, the scenario's name (its file's), title,
  parameters and clock, the app's version (``Manifest``);
- ``NAME.py``: the scenario's source, as it was when shared;
- ``trace.json``: its run, in the trace file format (``docs/trace-format.md``);
- ``chart.png``: the chart as the sender's window drew it.

Why a zip and not a trace with the source inside: anyone can unzip it and read or run
``NAME.py`` and look at ``chart.png``; mail filters and file managers know what it is;
each part keeps its own well-known format.

Reading one (``read_shared``) treats it as hostile data, as ``safe_read`` does a trace:
only a regular file, at most ``MAX_FILE`` bytes; every member read in memory (nothing is
ever extracted to disk by a member's name: no path traversal) and only up to its limit
(``LIMITS``), whatever its header says; member names plain (``../x`` refused); JSON
parsed as data, never pickle or eval; a manifest of another version refused, saying so.
Every refusal is a ``SharedFormatError`` naming the file and what is wrong with it.
The source is read with ``ast`` only (``scenarios.read_scenario``): opening a shared
scenario never runs it.
"""

from __future__ import annotations

import io
import os
import re
import struct
import time
import warnings
import zipfile
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Final

import msgspec

from visualizer.session.scenarios import ParamValue, Scenario, ScenarioError, read_scenario
from visualizer.trace import compact, fileformat
from visualizer.trace.data import Trace
from visualizer.trace.safe_read import (
    MAX_RATIO,
    UnsafeInput,
    max_trace,
    open_regular,
    zip_member,
)
from visualizer.trace.safe_write import Saved, replace_atomically

FORMAT: Final = "asyncviz-shared-scenario"
VERSION: Final = 1
#: a shared scenario's name ends so: a zip to anyone, ours to the window
SUFFIX: Final = ".asyncviz.zip"
MANIFEST: Final = "manifest.json"
TRACE: Final = "trace.json"
CHART: Final = "chart.png"
#: bytes each member may hold (uncompressed), at most: a manifest is a few hundred, a
#: scenario's source some kilobytes, its chart a few hundred kilobytes; its trace, of a
#: lesson's run, some megabytes (this window reads it in line, as it does a small trace)
LIMITS: Final = {
    MANIFEST: 64 << 10,
    "source": 2_000_000,
    CHART: 32 << 20,
    TRACE: 64 << 20,
}
#: bytes the whole file may hold (its members could not need more)
MAX_FILE: Final = sum(LIMITS.values()) + (1 << 20)
#: members a shared scenario may hold (four; a few more are ignored, thousands refused)
MAX_MEMBERS: Final = 16
#: the clocks a shared run may name (the window's)
CLOCKS: Final = ("real", "virtual", "ideal", "lecture")
#: an id is a file's stem: it names the source member and the file "Save scenario as"
#: suggests, so nothing but letters, digits, ``_`` and ``-``
_ID: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,99}")
_PNG: Final = b"\x89PNG\r\n\x1a\n"
_ZIP: Final = b"PK\x03\x04"


class SharedFormatError(ValueError):
    """A file that is not a shared scenario this app reads; the message says why."""


@dataclass(frozen=True)
class Manifest:
    """What ``manifest.json`` says: what ran, how, and where it came from."""

    id: str
    title: str
    params: dict[str, ParamValue]
    clock: str
    #: the version of asyncio-visualizer that wrote it
    app_version: str
    #: where the source was on the sender's machine: the trace's sites name that file
    path: str

    @property
    def source_name(self) -> str:
        return f"{self.id}.py"

    def to_json(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "id": self.id,
            "title": self.title,
            "params": self.params,
            "clock": self.clock,
            "app_version": self.app_version,
            "source": self.source_name,
            "path": self.path,
        }


@dataclass(frozen=True)
class SharedScenario:
    """A shared scenario, read: every member, checked."""

    manifest: Manifest
    source: bytes
    trace: Trace
    chart: bytes
    #: the scenario described from ``source`` (its title, explanation, Chinese, params);
    #: its ``path`` is inside the zip: there is no such file to run
    scenario: Scenario

    def source_text(self) -> str:
        """The source as text (UTF-8, the only encoding the source view shows)."""
        return self.source.decode("utf-8", errors="replace")


def app_version() -> str:
    try:
        return version("asyncio-visualizer")
    except PackageNotFoundError:  # (a source checkout never installed)
        return "unknown"


def clock_of(trace: Trace) -> str:
    """The clock that drew ``trace``, by its name in ``CLOCKS`` (a file's word: checked;
    the window's status line says it too)."""
    if trace.meta.get("lecture") is True:
        return "lecture"
    clock = trace.meta.get("clock")
    return clock if clock in CLOCKS else "real"


# --- writing ---------------------------------------------------------------------------
def write_shared(
    path: str | Path,
    scenario: Scenario,
    trace: Trace,
    chart: bytes,
    *,
    source: bytes | None = None,
) -> Saved:
    """Write ``scenario`` (its ``source``, read from its file if not given), the run
    ``trace`` and its picture ``chart`` (PNG bytes) to ``path``: all of it or nothing
    (``safe_write``).  The parameters and the clock are the trace's own (what ran).
    Raises ``ValueError`` for what cannot be shared, ``OSError`` for the disk's word."""
    # (its file's name: a pack's scenario's id is PACK/NAME, and the id names a file)
    name = scenario.path.stem
    if not _ID.fullmatch(name):
        raise ValueError(f"{name!r}: a shared scenario's name is letters, digits, _ and - only")
    if not chart.startswith(_PNG):
        raise ValueError("the chart is not a PNG picture")
    source = scenario.path.read_bytes() if source is None else source
    params = trace.meta.get("params")
    manifest = Manifest(
        id=name,
        title=scenario.title,
        params=dict(params) if isinstance(params, dict) else {},
        clock=clock_of(trace),
        app_version=app_version(),
        path=str(scenario.path),
    )
    members = [
        (MANIFEST, msgspec.json.format(msgspec.json.encode(manifest.to_json()), indent=2)),
        (manifest.source_name, source),
        (TRACE, fileformat.dumps(trace)),
        (CHART, chart),
    ]
    for name, data in members:
        limit = LIMITS.get(name, LIMITS["source"])
        if len(data) > limit:
            raise ValueError(f"{name}: {len(data):,} bytes, over the {limit:,} a reader takes")
    when = time.localtime()[:6]

    def write(file: Any) -> None:
        with zipfile.ZipFile(file, "w") as archive:
            for name, data in members:
                info = zipfile.ZipInfo(name, date_time=when)
                # (a PNG is compressed already: stored; the text deflated)
                info.compress_type = zipfile.ZIP_STORED if name == CHART else zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)

    return replace_atomically(path, write)


# --- reading ---------------------------------------------------------------------------
def looks_shared(path: str | Path) -> bool:
    """``path`` is a zip (a shared scenario, or for ``read_shared`` to say it is not one)
    but not a compact trace (``trace.compact``, a zip too): told by its first bytes,
    whatever its name.  Only a regular file is looked into."""
    try:
        with open_regular(path) as file:
            head = file.read(128)
            return head.startswith(_ZIP) and not compact.sniff(head)
    except (OSError, UnsafeInput):
        return False


def read_shared(path: str | Path) -> SharedScenario:
    """The shared scenario in ``path``, every member checked; ``SharedFormatError``
    (its message names the file, and the member) for anything else."""
    path = Path(path)
    name = path.name
    try:
        with open_regular(path) as file:
            size = os.fstat(file.fileno()).st_size
            if size > MAX_FILE:
                raise SharedFormatError(
                    f"{name}: {size:,} bytes, more than a shared scenario holds ({MAX_FILE:,})"
                )
            data = file.read(MAX_FILE + 1)
    except (OSError, UnsafeInput) as exc:
        raise SharedFormatError(f"{name}: {exc}") from None
    try:
        return _read(path, data)
    except SharedFormatError as exc:
        raise SharedFormatError(f"{name}: {exc}") from None
    except (RecursionError, MemoryError, OverflowError) as exc:
        raise SharedFormatError(f"{name}: cannot be read ({type(exc).__name__})") from None


def _read(path: Path, data: bytes) -> SharedScenario:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise SharedFormatError(f"not a shared scenario: not a zip file ({exc})") from None
    except (NotImplementedError, struct.error) as exc:  # ("zip file version 15.9": fuzzed)
        raise SharedFormatError(f"a zip this reader does not read ({exc})") from None
    with archive:
        members = _members(archive)
        if MANIFEST not in members:
            raise SharedFormatError(
                f"not a shared scenario: a zip without {MANIFEST} (the file"
                f" 'File > Share scenario...' writes ends in {SUFFIX})"
            )
        manifest = _manifest(_member(archive, members[MANIFEST], LIMITS[MANIFEST]))
        for member in (manifest.source_name, TRACE, CHART):
            if member not in members:
                raise SharedFormatError(f"{member} is missing")
        source = _member(archive, members[manifest.source_name], LIMITS["source"])
        trace_json = _member(archive, members[TRACE], min(LIMITS[TRACE], max_trace()))
        chart = _member(archive, members[CHART], LIMITS[CHART])
    if not chart.startswith(_PNG):
        raise SharedFormatError(f"{CHART} is not a PNG picture")
    try:
        trace = fileformat.loads(trace_json)
    except fileformat.TraceFormatError as exc:
        raise SharedFormatError(f"{TRACE}: {exc}") from None
    inside = (path / manifest.source_name).resolve()  # (no such file: a name for it)
    try:
        # (described from its syntax tree only: never run; a stranger's source's
        # SyntaxWarnings are not this program's to print)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            scenario = read_scenario(inside, source=source)
    except ScenarioError as exc:
        said = str(exc).replace(f"{inside}: ", "").replace(f"{inside}, ", "")
        raise SharedFormatError(f"{manifest.source_name}: {said}") from None
    return SharedScenario(manifest, source, trace, chart, scenario)


def _members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The members by name: plain names only, each once, not encrypted, compressed in a
    way this reader reads."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise SharedFormatError(f"{len(infos):,} members, more than a shared scenario holds")
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        member = info.filename
        if not _plain(member):
            raise SharedFormatError(
                f"a member named {member!r}: a shared scenario's members are plain file names"
            )
        if member in members:
            raise SharedFormatError(f"two members named {member!r}")
        if info.flag_bits & 0x1:
            raise SharedFormatError(f"{member} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise SharedFormatError(
                f"{member} is compressed with method {info.compress_type}, which this"
                " reader does not read (stored or deflated only)"
            )
        members[member] = info
    return members


def _plain(member: str) -> bool:
    """A file name and nothing else: no folder, no parent, no drive, no hidden control."""
    return (
        bool(member)
        and member not in (".", "..")
        and not any(c in member for c in "/\\:\0")
        and member.isprintable()
    )


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The bytes of one member, refused once past ``limit`` (its header's size first;
    then what it inflates to, which zipfile bounds by the header's size and checks
    against its CRC) or if it inflates more than ``MAX_RATIO`` times (a bomb)."""
    try:
        return zip_member(archive, info, limit, MAX_RATIO)
    except UnsafeInput as exc:
        raise SharedFormatError(str(exc)) from None


def _manifest(raw: bytes) -> Manifest:
    try:
        doc = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise SharedFormatError(f"{MANIFEST} is not JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise SharedFormatError(f"{MANIFEST} is not a JSON object")
    if doc.get("format") != FORMAT:
        raise SharedFormatError(
            f"not a shared scenario: {MANIFEST} says format {doc.get('format')!r}, not {FORMAT!r}"
        )
    said = doc.get("version")
    if said != VERSION or isinstance(said, bool):
        newer = isinstance(said, int) and not isinstance(said, bool) and said > VERSION
        raise SharedFormatError(
            f"version {said!r} of the shared-scenario format; this asyncviz reads version"
            f" {VERSION}" + (" (a newer asyncviz wrote it: update to open it)" if newer else "")
        )
    scenario_id = _field(doc, "id", str)
    if not _ID.fullmatch(scenario_id):
        raise SharedFormatError(
            f"{MANIFEST}: id {scenario_id[:100]!r} is not a scenario's name"
            " (letters, digits, _ and - only)"
        )
    if doc.get("source", f"{scenario_id}.py") != f"{scenario_id}.py":
        raise SharedFormatError(f"{MANIFEST}: source must be {scenario_id}.py")
    params = _field(doc, "params", dict)
    for key, value in params.items():
        if not isinstance(value, bool | int | float | str):
            raise SharedFormatError(
                f"{MANIFEST}: params.{str(key)[:100]}: {type(value).__name__}, not a"
                " number, a string or true/false"
            )
    clock = _field(doc, "clock", str)
    if clock not in CLOCKS:
        raise SharedFormatError(
            f"{MANIFEST}: clock {clock[:100]!r} is not one of {', '.join(CLOCKS)}"
        )
    return Manifest(
        id=scenario_id,
        title=_field(doc, "title", str),
        params=params,
        clock=clock,
        app_version=_field(doc, "app_version", str),
        path=_field(doc, "path", str),
    )


def _field(doc: dict[str, Any], key: str, kind: type[Any]) -> Any:
    value = doc.get(key)
    if not isinstance(value, kind):
        what = "missing" if key not in doc else f"a {type(value).__name__}"
        raise SharedFormatError(f"{MANIFEST}: {key} is {what}, not a {kind.__name__}")
    return value
