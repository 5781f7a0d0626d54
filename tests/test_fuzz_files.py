"""The fuzzer of issue 13, point 1: thousands of damaged copies of a real trace, in every
encoding the window opens (JSON, gzip, a saved stream) and on the wire a program's
process writes to the window.  The rule each must hold:

* reading returns a trace or raises the documented error (``TraceFormatError``; on the
  wire ``StreamFormatError``), never anything else;
* what is accepted goes through the model (lanes, the states at an instant, the
  summary, the details, the loop's rows) without an exception, and no task of the file
  goes missing from the lanes;
* on the wire, a bad frame ends the stream but the receiver keeps what it had;
* a shared scenario (issue 17, ``session.shared``), damaged in its zip or in one of its
  members, is read whole or refused with ``SharedFormatError``, never anything else.

Seeded: the same mutants every run.  A failure names the seed and the mutant's index,
and ``value_mutant`` / ``byte_mutant`` rebuild it.  No wall-clock limit (a verdict must
not depend on the machine's load): every mutant is a few KB, so a hang shows as a test
that never ends, never as a slow one.
"""

from __future__ import annotations

import copy
import dataclasses
import gzip
import io
import json
import random
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import numpy as np
import pytest

from visualizer.model.at_time import TimeIndex, state_counts, task_rows
from visualizer.model.compare import figures
from visualizer.model.details import span_details, span_tooltip
from visualizer.model.files import load_any
from visualizer.model.lanes import lane_order, lanes_of
from visualizer.model.loop_lanes import extra_rows
from visualizer.model.summary import format_summary, summarize
from visualizer.session.receiver import StreamReceiver
from visualizer.session.runner import Recorder, run_scenario
from visualizer.session.scenarios import find
from visualizer.session.shared import (
    MANIFEST,
    SUFFIX,
    TRACE,
    SharedFormatError,
    read_shared,
    write_shared,
)
from visualizer.session.streaming import Streamer
from visualizer.trace.coherence import MAX_SECONDS, TOLERANCE
from visualizer.trace.data import Mark, TaskColumns, Trace
from visualizer.trace.fileformat import TraceFormatError, dumps, load, loads
from visualizer.trace.resources import Resource, ResourceChanges
from visualizer.trace.wire import MAGIC

#: the seeds, one per kind of damage; every run makes the same mutants
SEEDS: Final = {
    "values": 1301,
    "bytes": 1302,
    "gzip": 1303,
    "stream": 1304,
    "wire": 1305,
    "shared": 1701,
    "shared members": 1702,
}
#: mutants per kind (thousands in all, each of a trace of a few KB)
MUTANTS: Final = {
    "values": 2500,
    "bytes": 1500,
    "gzip": 400,
    "stream": 400,
    "wire": 400,
    "shared": 500,
    "shared members": 600,
}

#: what a JSON value is replaced with: wrong signs, sizes, types, and hostile text
ODD_VALUES: Final[list[Any]] = [
    -1,
    -0.5,
    -1e308,
    1e308,
    1e300,
    2**31,
    2**63,
    -(2**63),
    0,
    0.5,
    3.5e9,
    "NaN",
    "Infinity",
    "",
    "x",
    "a\x00b\x1b[2J\u202e",
    "L" * 5000,
    None,
    True,
    False,
    [],
    {},
    [1, 2],
    {"kind": "task", "task": 0},
]


# --- the real trace, recorded with the project's own API ---------------------------------
@pytest.fixture(scope="module")
def recorded() -> Trace:
    """A small real run with executor jobs (``jobs``) and two marks, so every table of
    the format has rows to damage."""
    trace = run_scenario(find("executor_jobs"), {}, clock="virtual").trace
    assert trace is not None and trace.jobs
    return dataclasses.replace(
        trace,
        marks=[Mark(0.1, None, "checkpoint"), Mark(0.2, 1, "warned", "warning", "in full")],
        observed=[(0.01, 0.02)],
        # (issue 15) a queue and a lock with a few changes, so those keys are damaged too
        resources=[
            Resource(0, "Queue", "q", 0.05, 0, "x.py:1", 2),
            Resource(1, "Lock", "lock", 0.06, None, None, None),
        ],
        resource_changes=ResourceChanges(
            resource=np.array([0, 0, 1, 0, 1], np.int32),
            t=np.array([0.07, 0.08, 0.09, 0.1, 0.11]),
            task=np.array([0, 1, 1, -1, -1], np.int32),
            op=np.array([0, 9, 4, 1, 5], np.int8),
            value=np.array([1, 0, 1, 0, -1], np.int64),
            detail=np.array([1, 1, 1, 1, 0], np.int64),
        ),
    )


@pytest.fixture(scope="module")
def document(recorded: Trace) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(dumps(recorded))
    return doc


# --- the rule ------------------------------------------------------------------------------
def a_run_could_have_made(trace: Trace) -> None:
    """What ``docs/reliability.md`` promises of an accepted trace: every time finite, not
    before the run began, not past ``MAX_SECONDS`` (a task's and a span's, not past the
    run's end); every id naming something."""
    n, duration, slack = len(trace.tasks), trace.duration, TOLERANCE
    assert 0 <= duration <= MAX_SECONDS
    spans = trace.spans
    for column in (spans.start, spans.end):
        assert np.isfinite(column).all() and (column >= -slack).all()
        assert (column <= duration + slack).all()
    assert (spans.end >= spans.start).all()
    assert ((spans.task >= 0) & (spans.task < n)).all()
    assert ((spans.woken_task >= -1) & (spans.woken_task < n)).all()
    assert ((spans.awaiting >= -1) & (spans.awaiting < len(trace.suspensions))).all()
    for task in trace.tasks:
        assert -slack <= task.created <= duration + slack
        assert task.ended is None or task.created - slack <= task.ended <= duration + slack
        assert task.parent is None or 0 <= task.parent < task.id
    rows = [(j.task, j.start, j.end) for j in trace.jobs]
    rows += [(b.task, b.start, b.end) for b in trace.blocked]
    rows += [(m.task, m.t, m.t) for m in trace.marks]
    rows += [(None, a, b) for a, b in trace.observed]
    for r in trace.resources:
        rows.append((r.task, r.created, r.created))
    changes = trace.resource_changes
    assert ((changes.resource >= 0) & (changes.resource < len(trace.resources))).all()
    assert ((changes.task >= -1) & (changes.task < n)).all()
    rows += [(None, t, t) for t in changes.t.tolist()]
    for task_id, start, end in rows:
        assert task_id is None or 0 <= task_id < n
        assert -slack <= start <= end + slack and end <= MAX_SECONDS


def holds_up(trace: Trace, tasks_in_file: int | None) -> None:
    """An accepted trace is one a run could have made, goes through what the window
    derives from it, and every task of the file has a lane."""
    a_run_could_have_made(trace)
    n = len(trace.tasks)
    if tasks_in_file is not None:
        assert n == tasks_in_file, "a task of the file was lost"
    lanes = lane_order(trace.tasks)
    assert sorted(lanes.tolist()) == list(range(n)), "a task has no lane"
    columns = TaskColumns.of(trace.tasks)
    assert np.array_equal(lanes_of(columns.parent), lanes)
    index = TimeIndex(trace)
    for t in (-1.0, 0.0, trace.duration / 3, trace.duration, trace.duration + 1):
        states = index.at(t)
        task_rows(trace, states, order=index.by_lane, limit=50)
        state_counts(states)
    format_summary(trace)
    assert len(summarize(trace)) == n
    extra_rows(trace)
    figures(trace)
    for i in range(0, len(trace.spans), max(1, len(trace.spans) // 5)):
        span_details(trace, i)
        span_tooltip(trace, i)


def read_or_refuse(
    read: Callable[[], Trace],
    tasks_in_file: Callable[[], int | None],
    what: str,
    refusal: type[Exception] = TraceFormatError,
) -> bool:
    """The rule for one mutant: True if accepted (and it held up), False if refused
    (with ``refusal``, the reader's documented error, and a message)."""
    try:
        trace = read()
    except refusal as exc:
        assert str(exc), what
        return False
    except Exception as exc:  # (the rule broken: say which mutant, to rebuild it)
        raise AssertionError(f"{what}: {type(exc).__name__}: {exc}") from exc
    try:
        holds_up(trace, tasks_in_file())
    except Exception as exc:
        raise AssertionError(f"{what} was accepted, then: {type(exc).__name__}: {exc}") from exc
    return True


# --- damage at the level of JSON values -----------------------------------------------------
def _places(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (the top level itself excluded)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*path, key)
            yield from _places(inner, (*path, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield (*path, i)
            yield from _places(inner, (*path, i))


def _mutate_value(doc: dict[str, Any], rng: random.Random) -> None:
    """One change at a random place: a value replaced by an odd one or by another type,
    a key or an item deleted, an item duplicated, a number's sign flipped."""
    places = list(_places(doc))
    path = rng.choice(places)
    parent: Any = doc
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    old = parent[key]
    action = rng.random()
    if action < 0.45:
        parent[key] = copy.deepcopy(rng.choice(ODD_VALUES))
    elif action < 0.6:
        del parent[key]
    elif action < 0.72 and isinstance(parent, list):
        parent.insert(key, copy.deepcopy(old))  # (a duplicated row)
    elif action < 0.84 and type(old) in (int, float):
        parent[key] = rng.choice([-old, old * 1e12, str(old), float(old) + 0.5])
    else:
        parent[key] = str(old) if not isinstance(old, str) else len(old)  # (types swapped)


def value_mutant(document: dict[str, Any], seed: int, index: int) -> bytes:
    rng = random.Random(seed * 1_000_003 + index)
    doc = copy.deepcopy(document)
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        _mutate_value(doc, rng)
    text = json.dumps(doc).encode()
    if rng.random() < 0.05:
        text = text[: rng.randrange(len(text))]  # (truncated)
    return text


def _tasks_of(raw: bytes) -> Callable[[], int | None]:
    """How many tasks the file lists (for the "no task lost" check), by another parser."""

    def count() -> int | None:
        try:
            return len(json.loads(raw)["tasks"])
        except ValueError:  # (what Python's json reads differently: not counted)
            return None

    return count


def test_damaged_json_values_are_refused_or_read_whole(document: dict[str, Any]) -> None:
    seed = SEEDS["values"]
    accepted = 0
    for index in range(MUTANTS["values"]):
        raw = value_mutant(document, seed, index)
        what = f"value mutant seed={seed} index={index}"
        accepted += read_or_refuse(lambda raw=raw: loads(raw), _tasks_of(raw), what)  # type: ignore[misc]
    # (the damage is real: most is refused; some lands in a label or a name and is read)
    assert 0 < accepted < MUTANTS["values"] * 0.6


# --- damage at the level of bytes ---------------------------------------------------------
def byte_mutant(good: bytes, seed: int, index: int) -> bytes:
    """Bytes flipped, cut out or put in (one to four changes)."""
    rng = random.Random(seed * 1_000_003 + index)
    data = bytearray(good)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(data))
        action = rng.random()
        if action < 0.5:
            data[at] = rng.randrange(256)
        elif action < 0.75:
            del data[at : at + rng.randint(1, 30)]
        else:
            data[at:at] = rng.choice(
                [rng.randbytes(rng.randint(1, 30)), b"-", b"e308", b"[", b"\\u0000", b"9" * 25]
            )
    return bytes(data)


def test_damaged_bytes_are_refused_or_read_whole(recorded: Trace) -> None:
    good = dumps(recorded)
    seed = SEEDS["bytes"]
    accepted = 0
    for index in range(MUTANTS["bytes"]):
        raw = byte_mutant(good, seed, index)
        what = f"byte mutant seed={seed} index={index}"
        accepted += read_or_refuse(lambda raw=raw: loads(raw), _tasks_of(raw), what)  # type: ignore[misc]
    assert accepted < MUTANTS["bytes"]


def test_damaged_gzip_files_are_refused_or_read_whole(recorded: Trace, tmp_path: Path) -> None:
    """Half the mutants damage the JSON inside a sound gzip, half the gzip itself."""
    good = dumps(recorded)
    zipped = gzip.compress(good, mtime=0)
    seed = SEEDS["gzip"]
    path = tmp_path / "mutant.json.gz"
    for index in range(MUTANTS["gzip"]):
        if index % 2:
            data = byte_mutant(zipped, seed, index)
            inside: Callable[[], int | None] = _unzipped_tasks(data)
        else:
            raw = byte_mutant(good, seed, index)
            data = gzip.compress(raw, mtime=0)
            inside = _tasks_of(raw)
        path.write_bytes(data)
        what = f"gzip mutant seed={seed} index={index}"
        read_or_refuse(lambda: load(path), inside, what)


def _unzipped_tasks(data: bytes) -> Callable[[], int | None]:
    return lambda: _tasks_of(gzip.decompress(data))()


# --- a saved stream, and the wire ---------------------------------------------------------
@pytest.fixture(scope="module", params=["executor_jobs", "queue_backpressure"])
def stream(request: pytest.FixtureRequest) -> bytes:
    """A real run's stream, as a program's process sends it (and a saved stream holds):
    one with executor jobs, one with a queue's resource rows and changes (issue 15)."""
    sent: list[bytes] = []
    streamers: list[Streamer] = []

    def started(recorder: Recorder) -> None:
        streamer = Streamer(
            recorder.store, recorder.tracer, sent.append, clock=recorder.clock.time, period=0.001
        )
        streamer.start()
        streamers.append(streamer)

    result = run_scenario(find(request.param), {}, clock="virtual", started=started)
    (streamer,) = streamers
    streamer.close(exit_code=result.exit_code)
    data = b"".join(sent)
    assert data.startswith(MAGIC)
    assert result.trace is not None
    assert bool(result.trace.resource_changes) == (request.param == "queue_backpressure")
    return data


def test_damaged_saved_streams_are_refused_or_read(stream: bytes, tmp_path: Path) -> None:
    """A saved stream opens through ``load_any`` (the window's open): the same rule.
    (A stream cut short opens with what it holds, so tasks are not counted here.)"""
    seed = SEEDS["stream"]
    path = tmp_path / "mutant.stream"
    for index in range(MUTANTS["stream"]):
        path.write_bytes(byte_mutant(stream, seed, index))
        what = f"stream mutant seed={seed} index={index}"
        read_or_refuse(lambda: load_any(path), lambda: None, what)


def _kept(data: bytes, what: str) -> str:
    """``what``, and where its bytes were kept: a stream is a real run's, never twice the
    same (its batches fall where the streamer's thread happened to cut), so a failing
    mutant is rebuilt from the file, not from its seed."""
    path = Path(tempfile.gettempdir()) / f"asyncviz-{what.split(' in ')[0].replace(' ', '-')}.bin"
    path.write_bytes(data)
    return f"{what} (its bytes: {path})"


def test_garbage_on_the_wire_ends_the_stream_and_the_window_keeps_what_it_had(
    stream: bytes,
) -> None:
    """A program's process is someone else's code: it may write anything.  The receiver
    says why it stopped (``error``, never an exception), keeps every task it had, and
    its model still draws."""
    seed = SEEDS["wire"]
    rng = random.Random(seed)
    for index in range(MUTANTS["wire"]):
        data = byte_mutant(stream, seed, index)
        receiver = StreamReceiver()
        receiver.history = None
        chunk = rng.choice((1 << 10, 1 << 14, 1 << 20))
        tasks_before = 0
        what = f"wire mutant seed={seed} index={index} in {chunk}-byte pieces"
        try:
            for at in range(0, len(data), chunk):
                tasks_before = receiver.mirror.store.task_count if receiver.mirror else 0
                if not receiver.feed(data[at : at + chunk]):
                    break
            receiver.close()
        except Exception as exc:
            raise AssertionError(f"{_kept(data, what)}: {type(exc).__name__}: {exc}") from exc
        if receiver.model is None:
            continue  # (no hello came: nothing to keep)
        assert receiver.mirror is not None
        assert receiver.mirror.store.task_count >= tasks_before, what
        try:
            trace = receiver.model.snapshot()
            holds_up(trace, None)
        except Exception as exc:
            raise AssertionError(
                f"{_kept(data, what)}, what it kept: {type(exc).__name__}: {exc}"
            ) from exc


# --- a shared scenario (issue 17) ---------------------------------------------------------
@pytest.fixture(scope="module")
def shared(recorded: Trace, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The members of a real shared scenario (executor_jobs, its run above, a picture)."""
    path = tmp_path_factory.mktemp("shared") / f"executor_jobs{SUFFIX}"
    write_shared(path, find("executor_jobs"), recorded, b"\x89PNG\r\n\x1a\n" + bytes(64))
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zipped(members: dict[str, bytes]) -> bytes:
    """The members zipped, the same bytes every run (a fixed date: the seeds must make the
    same mutants)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _shared_trace(path: Path) -> Trace:
    return read_shared(path).trace


def test_damaged_shared_scenarios_are_refused_or_read_whole(
    shared: dict[str, bytes], tmp_path: Path
) -> None:
    """Bytes damaged anywhere in the zip (its headers, its directory, its members)."""
    good = _zipped(shared)
    seed = SEEDS["shared"]
    path = tmp_path / f"mutant{SUFFIX}"
    for index in range(MUTANTS["shared"]):
        path.write_bytes(byte_mutant(good, seed, index))
        what = f"shared mutant seed={seed} index={index}"
        read_or_refuse(lambda: _shared_trace(path), lambda: None, what, SharedFormatError)


def test_shared_scenarios_with_a_damaged_member_are_refused_or_read_whole(
    shared: dict[str, bytes], document: dict[str, Any], tmp_path: Path
) -> None:
    """A sound zip, one member damaged: the trace (as the trace fuzzer damages it), the
    manifest (its values), or the source's bytes."""
    seed = SEEDS["shared members"]
    manifest = json.loads(shared[MANIFEST])
    path = tmp_path / f"mutant{SUFFIX}"
    accepted = 0
    for index in range(MUTANTS["shared members"]):
        rng = random.Random(seed * 1_000_003 + index)
        members = dict(shared)
        tasks: Callable[[], int | None] = lambda: None  # noqa: E731
        kind = index % 3
        if kind == 0:
            raw = value_mutant(document, seed, index)
            members[TRACE], tasks = raw, _tasks_of(raw)
        elif kind == 1:
            doc = copy.deepcopy(manifest)
            _mutate_value(doc, rng)
            members[MANIFEST] = json.dumps(doc).encode()
        else:
            members["executor_jobs.py"] = byte_mutant(shared["executor_jobs.py"], seed, index)
        path.write_bytes(_zipped(members))
        what = f"shared member mutant seed={seed} index={index}"
        accepted += read_or_refuse(lambda: _shared_trace(path), tasks, what, SharedFormatError)
    assert 0 < accepted < MUTANTS["shared members"]
