"""Compact trace files (issue 18, point 2; ``visualizer/trace/compact.py``): every field
of real runs' traces comes back exactly (floats bit for bit), the file is told from
JSON and from a shared scenario by its bytes, and a file that is not a sound one is
refused, naming the member or field, without reading more than it declares.

Every trace comes from a real traced run of a built-in scenario; the one with every
optional field is such a run given the rest by hand.  Damaged files are a real save's
zip with one member rewritten (``rezip``), so each test breaks one rule."""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import pickle
import random
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from visualizer.model.files import is_trace_file, load_any
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import find
from visualizer.session.shared import looks_shared, read_shared, write_shared
from visualizer.trace import compact, resource_file
from visualizer.trace.data import JobRecord, Mark, Trace
from visualizer.trace.fileformat import TraceFormatError, dumps, load, save
from visualizer.trace.resources import OPS, Resource, ResourceChanges

SCENARIOS = [
    "semaphore_workers",
    "cancellation",
    "task_exception",
    "blocking_call",  # (a blocked step, a stack sample)
    "queue_backpressure",  # (a queue's resource changes)
    "executor_jobs",
]
SPAN_COLUMNS = ("task", "state", "start", "end", "awaiting", "woken_kind", "woken_task")


@pytest.fixture(scope="module")
def traces() -> dict[str, Trace]:
    out = {}
    for scenario_id in SCENARIOS:
        result = run_scenario(find(scenario_id), {}, clock="virtual")
        assert result.error is None and result.trace is not None
        out[scenario_id] = result.trace
    return out


def with_every_field(trace: Trace) -> Trace:
    """``trace`` given every optional field the format has, with floats no decimal
    prints short (1/3, 0.1 + 0.2, a subnormal): what a forgetting window, a service's
    warnings and a queue leave in a trace."""
    duration = trace.duration
    first, second = trace.tasks[0], trace.tasks[1]
    tasks = list(trace.tasks)
    tasks[0] = dataclasses.replace(first, parent_gone="conn-7\x1b[2J", cancelling=2, unheld=True)
    tasks[1] = dataclasses.replace(
        second, earlier=(120, 1 / 3, 0.1 + 0.2, 5e-324), traceback="Traceback\n  ...\nß 漢字"
    )
    meta = dict(trace.meta) | {
        "params": {"n": 3, "name": "x"},
        "dropped_warnings": 2,
        "forgotten": {
            "before": 0.0,
            "tasks": 4,
            "spans": 40,
            "steps": 12,
            "outcomes": {"done": 4},
            "coros": {"worker": 4},
        },
        "x_tool_field": [1, "two", None],
    }
    return dataclasses.replace(
        trace,
        meta=meta,
        tasks=tasks,
        jobs=[JobRecord("asyncio_0", "crunch", 0, 0.01, duration / 3, 0.1 * 0.05, "Boom: x")],
        marks=[Mark(1 / 7, None, "checkpoint"), Mark(0.2, 1, "warned", "warning", "in\nfull")],
        observed=[(0.01, 0.02), (1 / 9, 1 / 8)],
        resources=[
            Resource(0, "Queue", "q", 0.05, 0, "x.py:1", 2),
            Resource(1, "Lock", "lock", 0.06, None, None, None),
        ],
        resource_changes=ResourceChanges(
            resource=np.array([0, 0, 1, 0, 1], np.int32),
            t=np.array([0.07, 0.08, 0.09, 0.1, 1 / 3]),
            task=np.array([0, 1, 1, -1, -1], np.int32),
            op=np.array([0, 9, 4, 1, 5], np.int8),
            value=np.array([1, 0, 1, 0, -1], np.int64),
            detail=np.array([1, 1, 1, 1, 0], np.int64),
        ),
    )


def assert_exactly(loaded: Trace, original: Trace) -> None:
    """Every field equal, and every span column the same type and the same bits."""
    for column in SPAN_COLUMNS:
        got, want = getattr(loaded.spans, column), getattr(original.spans, column)
        assert got.dtype == want.dtype, column
        assert got.tobytes() == want.tobytes(), column
    for field in dataclasses.fields(Trace):
        if field.name not in ("spans", "columns"):
            assert getattr(loaded, field.name) == getattr(original, field.name), field.name
    assert loaded.resource_changes.t.tobytes() == original.resource_changes.t.tobytes()
    # (and so everything the JSON holds: it writes every field)
    assert dumps(loaded) == dumps(original)


# --- round trips -------------------------------------------------------------------------
@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_round_trip_of_real_runs_is_exact(
    tmp_path: Path, traces: dict[str, Trace], scenario_id: str
) -> None:
    original = traces[scenario_id]
    path = tmp_path / "trace.avz"
    save(original, path)
    assert path.read_bytes()[:4] == b"PK\x03\x04"
    assert not [p.name for p in tmp_path.iterdir() if p.name != "trace.avz"]  # (atomic)
    loaded = load(path)
    assert_exactly(loaded, original)
    again = tmp_path / "again.avz"
    save(loaded, again)
    assert again.read_bytes() == path.read_bytes()  # (the same trace: the same bytes)


def test_every_optional_field_comes_back_exactly(tmp_path: Path, traces: dict[str, Trace]) -> None:
    original = with_every_field(traces["blocking_call"])
    assert original.stack_samples and original.blocked and original.suspensions
    path = tmp_path / "every.avz"
    save(original, path)
    assert_exactly(load(path), original)
    # ... and as the JSON reads it, the same trace
    json_path = tmp_path / "every.json"
    save(original, json_path)
    assert dumps(load(json_path)) == dumps(load(path))


def test_a_span_that_does_not_end_where_the_next_starts_keeps_its_end(
    tmp_path: Path, traces: dict[str, Trace]
) -> None:
    """Ends are written only where a span does not end at the next row's start: a
    trace whose ends differ from the next start by rounding (as the tiling allows)
    keeps every one of them."""
    original = traces["semaphore_workers"]
    spans = original.spans
    nudged = spans.end.copy()
    follows = np.flatnonzero(spans.task[1:] == spans.task[:-1])[::2]
    nudged[follows] = np.nextafter(nudged[follows], 0)  # (a bit under the next start)
    trace = dataclasses.replace(original, spans=dataclasses.replace(spans, end=nudged))
    path = tmp_path / "nudged.avz"
    save(trace, path)
    with zipfile.ZipFile(path) as archive:
        rows = json.loads(archive.read("header.json"))["rows"]
    assert rows["span_ends"] == len(original.tasks) + len(follows)
    assert load(path).spans.end.tobytes() == nudged.tobytes()


def test_the_zip_is_numpys_own_npz(tmp_path: Path, traces: dict[str, Trace]) -> None:
    """Anyone can look inside with numpy alone: each column is a ``.npy`` of its bytes
    as planes (byte k of every value in row k), which ``np.load`` reads."""
    original = traces["semaphore_workers"]
    path = tmp_path / "t.avz"
    save(original, path)
    with np.load(path, allow_pickle=False) as npz:
        planes = npz["spans.start"]
    assert planes.dtype == np.uint8 and planes.shape == (8, len(original.spans))
    assert np.array_equal(planes.T.copy().view("<f8").ravel(), original.spans.start)


# --- told apart by the bytes ---------------------------------------------------------------
def test_a_compact_file_is_told_by_its_bytes_not_its_name(
    tmp_path: Path, traces: dict[str, Trace]
) -> None:
    original = traces["cancellation"]
    path = tmp_path / "t.avz"
    save(original, path)
    renamed = tmp_path / "not-a-name-it-knows.data"
    renamed.write_bytes(path.read_bytes())
    assert compact.sniff(path.read_bytes()[:128])
    assert is_trace_file(path) and is_trace_file(renamed)
    assert not looks_shared(renamed)
    assert_exactly(load_any(renamed), original)
    assert_exactly(load(renamed), original)


def test_a_shared_scenario_is_not_taken_for_a_compact_trace(
    tmp_path: Path, traces: dict[str, Trace]
) -> None:
    """Both are zips: the shared scenario opens as one, and a trace reader given it says
    what it is instead of reading it."""
    shared = tmp_path / "semaphore_workers.asyncviz.zip"
    write_shared(
        shared, find("semaphore_workers"), traces["semaphore_workers"], b"\x89PNG\r\n\x1a\n"
    )
    assert looks_shared(shared) and not compact.sniff(shared.read_bytes()[:128])
    assert read_shared(shared).trace.tasks == traces["semaphore_workers"].tasks
    with pytest.raises(TraceFormatError, match="a zip, but not a compact trace"):
        load(shared)


# --- refusals --------------------------------------------------------------------------------
def members_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(members: dict[str, bytes]) -> bytes:
    """``members`` zipped as ``compact.save`` zips them (``mimetype`` first, stored; a
    fixed date), so only what a test changed differs."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            kind = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compress_type=kind)
    return out.getvalue()


def rezip(path: Path, members: dict[str, bytes]) -> Path:
    path.write_bytes(zipped(members))
    return path


def npy(array: np.ndarray[Any, Any], allow_pickle: bool = False) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=allow_pickle)
    return out.getvalue()


def planes(values: np.ndarray[Any, Any]) -> bytes:
    """A column as the file holds it."""
    data = np.ascontiguousarray(values)
    return npy(np.ascontiguousarray(data.view(np.uint8).reshape(len(data), data.itemsize).T))


def values_of(data: bytes, kind: str) -> np.ndarray[Any, Any]:
    """A column's values, from its member's bytes."""
    return np.load(io.BytesIO(data), allow_pickle=False).T.copy().view(kind).ravel()


def column(members: dict[str, bytes], name: str, kind: str) -> np.ndarray[Any, Any]:
    return values_of(members[f"{name}.npy"], kind)


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory, traces: dict[str, Trace]) -> dict[str, bytes]:
    """The members of a sound compact file (queue_backpressure: every table has rows)."""
    path = tmp_path_factory.mktemp("good") / "good.avz"
    save(with_every_field(traces["queue_backpressure"]), path)
    return members_of(path)


def refused(path: Path) -> str:
    with pytest.raises(TraceFormatError) as info:
        load(path)
    message = str(info.value)
    assert message.startswith(f"{path.name}: "), message  # (says which file)
    return message


def header_with(good: dict[str, bytes], change: Any) -> dict[str, bytes]:
    header = json.loads(good["header.json"])
    change(header)
    return good | {"header.json": json.dumps(header).encode()}


def _set(*path_and_value: Any) -> Any:
    *path, value = path_and_value

    def change(doc: Any) -> None:
        for key in path[:-1]:
            doc = doc[key]
        doc[path[-1]] = value

    return change


def _retyped(name: str, kind: str, new_kind: str) -> Any:
    return lambda m: m | {f"{name}.npy": planes(column(m, name, kind).astype(new_kind))}


def _valued(name: str, kind: str, at: int, value: Any) -> Any:
    def change(m: dict[str, bytes]) -> dict[str, bytes]:
        values = column(m, name, kind).copy()
        values[at] = value
        return m | {f"{name}.npy": planes(values)}

    return change


_PICKLED = npy(np.array([print, "x"], dtype=object), allow_pickle=True)

#: what breaks a sound file: (how, the words the refusal must say)
BROKEN: dict[str, tuple[Any, str]] = {
    "no mimetype": (lambda m: {k: v for k, v in m.items() if k != "mimetype"}, "mimetype"),
    "no header": (lambda m: {k: v for k, v in m.items() if k != "header.json"}, "header.json"),
    "a column missing": (
        lambda m: {k: v for k, v in m.items() if k != "spans.start.npy"},
        "spans.start.npy: missing",
    ),
    "header not JSON": (lambda m: m | {"header.json": b"\x80\x03}"}, "header.json: not JSON"),
    "a later version": (
        lambda m: header_with(m, _set("version", 2)),
        "version: is 2; this asyncviz reads version 1",
    ),
    "a later encoding": (
        lambda m: header_with(m, _set("encoding_version", 9)),
        "encoding_version: is 9",
    ),
    "a string that is a number": (
        lambda m: header_with(m, _set("strings", 0, 7)),
        "Expected `str`, got `int` - at `$.strings[0]`",
    ),
    "rows negative": (
        lambda m: header_with(m, _set("rows", "spans", -1)),
        "rows.spans: must be a count",
    ),
    "rows lying (more)": (
        lambda m: header_with(m, _set("rows", "tasks", 10**9)),
        "uint8 byte planes of shape",
    ),
    "rows lying (fewer)": (
        lambda m: header_with(m, _set("rows", "spans", 3)),
        "byte planes of shape (4, 3) expected",
    ),
    "a column of another type": (
        _retyped("spans.start", "<f8", "<f4"),
        "spans.start.npy: holds uint8 of shape (4,",
    ),
    "a column of objects (a pickle)": (
        lambda m: m | {"spans.task.npy": _PICKLED},
        "spans.task.npy: holds object",
    ),
    "a column not .npy": (
        lambda m: m | {"spans.state.npy": b"\x93NUMPY\x01\x00{'descr': os.system}"},
        "spans.state.npy: not a .npy array",
    ),
    "a column cut short": (
        lambda m: m | {"spans.task.npy": m["spans.task.npy"][:-3]},
        "spans.task.npy: not as long as its shape",
    ),
    "meta without a clock": (lambda m: header_with(m, _set("meta", "clock", "wall")), "meta.clock"),
    "a job without a thread": (
        lambda m: header_with(m, _set("jobs", 0, "thread", None)),
        "jobs[0].thread: must be a string",
    ),
    "a mark's time a string": (
        lambda m: header_with(m, _set("marks", 0, "t", "1.0")),
        "marks[0].t: must be a number",
    ),
    "ended NaN for a task done": (
        _valued("tasks.ended", "<f8", 1, np.nan),
        "tasks[1].ended: must be null (NaN) exactly when the outcome is pending",
    ),
    "a name that is null": (
        _valued("tasks.name", "<i4", 2, -1),
        "tasks[2].name: must be a string, not null",
    ),
    "a string index out of the table": (
        _valued("tasks.coro", "<i4", 0, 10**6),
        "tasks[0].coro: names no string of the table",
    ),
    "an outcome unknown": (_valued("tasks.outcome", "<i1", 0, 7), "tasks[0].outcome"),
    "a parent cycle": (_valued("tasks.parent", "<i4", 0, 2), "tasks[0].parent"),
    "a ready span woken by nothing": (
        _valued("spans.woken_kind", "<i1", 0, -1),
        "spans[0].woken_kind: every ready span says who woke it",
    ),
    "a span state unknown": (_valued("spans.state", "<i1", 4, 3), "spans[4].state"),
    "a start infinite": (_valued("spans.start", "<f8", 5, np.inf), "spans[5].start"),
    "a span of no task": (_valued("spans.task", "<i4", 6, 99), "spans[6].task: names no task"),
    "spans not from the task's creation": (
        _valued("tasks.created", "<f8", 1, 0.0),
        "tasks[1]: spans start at",
    ),
    "the last span followed": (
        _valued("spans.end_follows", "<i1", -1, 1),
        "spans.end_follows: the last span has no next row",
    ),
    "a resource change of no resource": (
        _valued("resource_changes.resource", "<i4", 0, 5),
        "resource_changes[0].resource: must be a resource id",
    ),
    "a resource op unknown": (
        _valued("resource_changes.op", "<i1", 1, 99),
        "resource_changes[1].op",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_a_broken_file_is_refused_naming_what(
    tmp_path: Path, good: dict[str, bytes], case: str
) -> None:
    change, words = BROKEN[case]
    path = rezip(tmp_path / "broken.avz", change(dict(good)))
    assert words in refused(path)


def test_the_sound_members_rezipped_load(tmp_path: Path, good: dict[str, bytes]) -> None:
    """(what the refusals above start from is a sound file)"""
    load(rezip(tmp_path / "sound.avz", dict(good)))


def test_a_pickle_in_a_column_is_never_unpickled(
    tmp_path: Path, good: dict[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    """A column whose pickle would run ``print`` when unpickled: refused, nothing run."""
    assert pickle.loads(pickle.dumps(print)) is print  # (the pickle names a callable)
    path = rezip(tmp_path / "pickled.avz", good | {"spans.task.npy": _PICKLED})
    refused(path)
    assert capsys.readouterr().out == ""


def test_a_zip_bomb_is_refused_before_it_is_inflated(
    tmp_path: Path, good: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member declaring more than its rows take is refused from the zip's directory;
    columns whose rows add up past ``ASYNCVIZ_MAX_TRACE`` too, before any is read."""
    rows = json.loads(good["header.json"])["rows"]["spans"]
    bomb = npy(np.zeros((8, 50_000_000), np.uint8))  # (400 MB of zeros, 400 KB deflated)
    path = rezip(tmp_path / "bomb.avz", good | {"spans.start.npy": bomb})
    assert path.stat().st_size < 2_000_000
    assert f"spans.start.npy: inflates to 400,000,128 bytes; {rows:,} rows take" in refused(path)
    monkeypatch.setenv("ASYNCVIZ_MAX_TRACE", "1000")
    assert "(ASYNCVIZ_MAX_TRACE)" in refused(rezip(tmp_path / "big.avz", dict(good)))


def test_a_damaged_member_is_refused_by_its_crc(tmp_path: Path, good: dict[str, bytes]) -> None:
    path = rezip(tmp_path / "crc.avz", dict(good))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("spans.start.npy")
    # (a byte of the deflated data, after the member's local header)
    at = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))
    assert "spans.start.npy is damaged" in refused(path)


@pytest.mark.parametrize("cut", [10, 100, 0.5, 0.9])
def test_a_truncated_file_is_refused(tmp_path: Path, good: dict[str, bytes], cut: float) -> None:
    data = rezip(tmp_path / "whole.avz", dict(good)).read_bytes()
    path = tmp_path / "cut.avz"
    path.write_bytes(data[: int(cut if cut > 1 else len(data) * cut)])
    refused(path)


# --- resource changes checked a column at a time --------------------------------------------
def test_resource_changes_checked_by_column_accept_exactly_what_the_row_checks_accept(
    good: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A million queue changes (a ping-pong) took 6 s checked one by one: they are
    checked a column at a time, and the rows only when something is wrong, to name it.
    The two must agree: on 3,000 single-value changes of a sound file's changes, each
    is accepted by both or refused by both, and what is accepted is the same."""
    header = json.loads(good["header.json"])
    doc = {"resources": header["resources"], "resource_changes": {}}
    for name, kind in (("resource", "<i4"), ("t", "<f8"), ("task", "<i4")):
        doc["resource_changes"][name] = column(good, f"resource_changes.{name}", kind).tolist()
    for name in ("value", "detail"):
        doc["resource_changes"][name] = column(good, f"resource_changes.{name}", "<i8").tolist()
    ops = column(good, "resource_changes.op", "<i1").tolist()
    doc["resource_changes"]["op"] = [OPS[op] for op in ops]
    tasks, duration = header["rows"]["tasks"], header["meta"]["duration"]
    odd: list[Any] = [-2, -1, 0, 1, 2, 3, 5, 99, 2**62 + 1, 2**63, -(2**63), 2**31, 0.5, -1e-3]
    odd += [1e9, True, "get"]
    odd += ["wait", "put", "set", "notify", "nap", float("nan"), None, 1e308]
    rng = random.Random(1803)

    def by_rows(d: dict[str, Any]) -> Any:
        with monkeypatch.context() as patch:
            patch.setattr(resource_file, "_all_sane", lambda *args: None)
            return resource_file.read(d, tasks, duration)

    agreed = {True: 0, False: 0}
    for _ in range(3000):
        damaged = copy.deepcopy(doc)
        name = rng.choice(sorted(damaged["resource_changes"]))
        values = damaged["resource_changes"][name]
        values[rng.randrange(len(values))] = rng.choice(odd)
        try:
            fast = resource_file.read(damaged, tasks, duration)
        except TraceFormatError as exc:
            fast = exc
        try:
            slow = by_rows(damaged)
        except TraceFormatError as exc:
            slow = exc
        assert type(fast) is type(slow), damaged["resource_changes"][name]
        if isinstance(fast, tuple):
            assert fast[1] == slow[1]
        else:
            assert str(fast) == str(slow)
        agreed[isinstance(fast, tuple)] += 1
    assert agreed[True] > 100 and agreed[False] > 1000
