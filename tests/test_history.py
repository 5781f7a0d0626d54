"""A service watched for hours: the window keeps a moving window of history, and what
falls out of it is summarised, never silently gone (``visualizer.model.history``).

The rule checked: after any number of forgets, at any batch boundaries, the window's
trace is the recorded trace from the cut on (span for span, exactly), every task that
ended before the cut is counted, and every task kept says what it lost."""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tracehelp import streamed

from visualizer.session.receiver import StreamReceiver
from visualizer.session.scenarios import read_scenario
from visualizer.trace import schema
from visualizer.trace.data import Trace

SERVICE = """\
import asyncio


AUDITS: set[asyncio.Task[None]] = set()


async def audit(i: int) -> None:
    await asyncio.sleep(0.4)  # (outlives the request that made it)


async def handle(i: int, done: asyncio.Queue[int]) -> None:
    task = asyncio.create_task(audit(i), name=f"audit-{i}")
    AUDITS.add(task)
    task.add_done_callback(AUDITS.discard)
    await asyncio.sleep(0.05 + (i % 7) * 0.01)
    if i % 13 == 0:
        raise ValueError(f"bad request {i}")
    await done.put(i)


async def worker(done: asyncio.Queue[int]) -> None:
    while True:
        await done.get()
        await asyncio.sleep(0.01)
        done.task_done()


async def main(seconds: float = 12.0) -> None:
    done: asyncio.Queue[int] = asyncio.Queue()
    workers = [asyncio.create_task(worker(done), name=f"worker-{k}") for k in range(3)]
    watcher = asyncio.create_task(asyncio.sleep(3600), name="watcher")
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    requests = set()
    i = 0
    while loop.time() < end:
        task = asyncio.create_task(handle(i, done), name=f"request-{i}")
        requests.add(task)
        task.add_done_callback(requests.discard)
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        if i % 50 == 49:
            task.cancel()
        i += 1
        await asyncio.sleep(0.02)
    await asyncio.gather(*requests, return_exceptions=True)
    await asyncio.gather(*AUDITS)
    await done.join()
    watcher.cancel()
    for w in workers:
        w.cancel()
    await asyncio.gather(watcher, *workers, return_exceptions=True)
"""


def stream_of(tmp_path: Path) -> tuple[Trace, bytes]:
    """The service run on the virtual clock with a streamer beside it: its recorded
    trace, and the bytes it streamed (many batches, made while the loop wrote)."""
    path = tmp_path / "service.py"
    path.write_text(textwrap.dedent(SERVICE), encoding="utf-8")
    result, data = streamed(read_scenario(path))
    assert result.trace is not None
    return result.trace, data


def watched(data: bytes, history: float | None, chunk: int, frames: int = 7) -> StreamReceiver:
    """The stream fed to a window's receiver in ``chunk``-byte pieces, its model read
    every ``frames`` pieces as a live frame would."""
    receiver = StreamReceiver()
    receiver.history = history
    for n, i in enumerate(range(0, len(data), chunk)):
        receiver.feed(data[i : i + chunk])
        if receiver.model is not None and n % frames == 0:
            receiver.model.update()
    receiver.close()
    assert receiver.error is None
    if receiver.model is not None:  # (the last frame: everything read, however many pieces)
        receiver.model.update()
    return receiver


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> tuple[Trace, bytes]:
    return stream_of(tmp_path_factory.mktemp("service"))


def spans_by_name(trace: Trace, names: dict[int, str]) -> list[tuple[object, ...]]:
    """Every span as plain values, its tasks by name (None: no task, or one not kept)."""
    s = trace.spans
    rows = zip(
        s.task.tolist(),
        s.state.tolist(),
        s.start.tolist(),
        s.end.tolist(),
        s.awaiting.tolist(),
        s.woken_kind.tolist(),
        s.woken_task.tolist(),
        strict=True,
    )
    return sorted(
        (names[task], state, start, end, awaiting, kind, names.get(by))
        for task, state, start, end, awaiting, kind, by in rows
    )


@pytest.mark.parametrize("chunk", [1 << 20, 5000, 333])
def test_the_history_kept_is_the_recording_from_the_cut_on(
    service: tuple[Trace, bytes], chunk: int
) -> None:
    full, data = service
    receiver = watched(data, history=2.0, chunk=chunk)
    assert receiver.model is not None
    kept = receiver.model.snapshot()
    assert receiver.model.generation >= 3  # (forgot again and again as the run went)
    forgotten = kept.meta["forgotten"]
    cut = forgotten["before"]
    # (the cut is 2 s before the program's time at a batch: that may pass the run's end a
    # little, as the last batches come after it)
    assert full.duration - 2.0 * 1.25 - 0.5 <= cut <= full.duration - 1.5

    # the tasks kept: every one that had not ended before the cut, in the same order
    gone = [t for t in full.tasks if t.ended is not None and t.ended < cut]
    stays = [t for t in full.tasks if not (t.ended is not None and t.ended < cut)]
    assert [t.name for t in kept.tasks] == [t.name for t in stays]
    assert [(t.coro, t.outcome, t.error, t.created) for t in kept.tasks] == [
        (t.coro, t.outcome, t.error, t.created) for t in stays
    ]
    # a parent kept is the same task; one let go is named as gone
    full_names = {t.id: t.name for t in full.tasks}
    kept_names = {t.id: t.name for t in kept.tasks}
    orphans = 0
    for mine, theirs in zip(kept.tasks, stays, strict=True):
        parent = full_names[theirs.parent] if theirs.parent is not None else None
        if parent is not None and parent not in kept_names.values():
            assert (mine.parent, mine.parent_gone) == (None, parent)
            orphans += 1
        else:
            got = kept_names[mine.parent] if mine.parent is not None else None
            assert (got, mine.parent_gone) == (parent, None)
    assert orphans  # (audits whose request had ended before the cut)

    # the spans: the recording's from the cut on, exactly (a waker let go: none known)
    recorded = Trace(full.meta, full.tasks, full.spans.take(full.spans.end >= cut), [])
    names = {t.id: t.name for t in stays}
    assert spans_by_name(kept, kept_names) == spans_by_name(recorded, names)

    # what went: the tasks dropped whole, counted, and what each task kept lost
    assert forgotten["tasks"] == len(gone) > 0
    assert forgotten["outcomes"] == dict(Counter(t.outcome for t in gone))
    assert forgotten["coros"] == dict(Counter(t.coro for t in gone))
    old = full.spans.end < cut
    assert forgotten["spans"] == int(old.sum())
    assert forgotten["steps"] == int((old & (full.spans.state == schema.RUNNING)).sum())
    by_name = {t.name: t for t in full.tasks}
    for task in kept.tasks:
        theirs = full.spans.task == by_name[task.name].id
        mine = theirs & old
        steps = int((mine & (full.spans.state == schema.RUNNING)).sum())
        if not mine.any():
            assert task.earlier is None
            continue
        assert task.earlier is not None
        assert task.earlier[0] == steps
        for column, state in ((1, schema.RUNNING), (2, schema.READY), (3, schema.SUSPENDED)):
            which = mine & (full.spans.state == state)
            length = float((full.spans.end[which] - full.spans.start[which]).sum())
            assert task.earlier[column] == pytest.approx(length, abs=1e-9)
    # the long-lived ones are among those that lost history
    assert {"worker-0", "watcher"} <= {t.name for t in kept.tasks if t.earlier}


def test_without_a_history_everything_is_kept(service: tuple[Trace, bytes]) -> None:
    full, data = service
    receiver = watched(data, history=None, chunk=1 << 16)
    assert receiver.model is not None
    trace = receiver.model.snapshot()
    assert receiver.model.generation == 0 and "forgotten" not in trace.meta
    assert [t.name for t in trace.tasks] == [t.name for t in full.tasks]
    assert np.array_equal(trace.spans.end, full.spans.end)


def test_a_long_history_changes_nothing(service: tuple[Trace, bytes]) -> None:
    _, data = service
    receiver = watched(data, history=600.0, chunk=1 << 16)
    assert receiver.model is not None and receiver.model.generation == 0


def test_the_events_count_what_was_forgotten_too(service: tuple[Trace, bytes]) -> None:
    _, data = service
    everything = watched(data, history=None, chunk=1 << 16)
    window = watched(data, history=2.0, chunk=1 << 16)
    assert window.mirror is not None and window.mirror.store.task_count < everything.events
    assert window.events == everything.events


def test_the_store_holds_only_the_history(service: tuple[Trace, bytes]) -> None:
    """What the window holds does not grow with the run: the mirror's store keeps only
    rows not read yet and the tasks kept, the model only the history's spans."""
    _, data = service
    full = watched(data, history=None, chunk=1 << 16)
    window = watched(data, history=2.0, chunk=1 << 16)
    assert full.model is not None and window.model is not None
    assert window.mirror is not None and full.mirror is not None
    assert window.mirror.store.rows < full.mirror.store.rows / 4
    assert window.model.span_count < full.model.span_count
    assert window.mirror.store.task_count < full.mirror.store.task_count / 3


def test_a_trace_saved_after_forgetting_says_what_went(
    service: tuple[Trace, bytes], tmp_path: Path
) -> None:
    from visualizer.trace.fileformat import load, save

    _, data = service
    window = watched(data, history=2.0, chunk=1 << 16)
    assert window.model is not None
    trace = window.model.snapshot()
    save(trace, tmp_path / "kept.json")
    again = load(tmp_path / "kept.json")
    assert again.meta["forgotten"] == trace.meta["forgotten"]
    assert [(t.earlier, t.parent_gone) for t in again.tasks] == [
        (t.earlier, t.parent_gone) for t in trace.tasks
    ]
    assert any(t.parent_gone for t in again.tasks)


def test_a_history_is_never_more_than_its_tasks_cap(
    service: tuple[Trace, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A service that makes many tasks is kept to fewer seconds than asked: the tasks
    kept stay near the cap, and the ones dropped are those that ended first."""
    from visualizer.model import history

    full, data = service
    monkeypatch.setattr(history, "MAX_TASKS", 60)
    monkeypatch.setattr(history, "MIN_KEPT", 0.5)
    receiver = watched(data, history=600.0, chunk=1 << 12)
    assert receiver.model is not None
    kept = receiver.model.snapshot()
    assert receiver.model.generation >= 2
    alive = sum(1 for t in kept.tasks if t.ended is None)
    assert len(kept.tasks) <= max(60 * 1.25, alive) + 1
    cut = kept.meta["forgotten"]["before"]
    assert [t.name for t in kept.tasks] == [
        t.name for t in full.tasks if not (t.ended is not None and t.ended < cut)
    ]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda m: m.update(forgotten=[1]), "meta.forgotten: must be an object"),
        (lambda m: m["forgotten"].update(before=1e300), "meta.forgotten.before"),
        (lambda m: m["forgotten"].update(tasks=[1]), "meta.forgotten.tasks"),
        (lambda m: m["forgotten"].update(coros={"handle": -1}), "meta.forgotten.coros"),
        (lambda m: m.pop("forgotten"), "spans start at"),  # (a late start, unexplained)
    ],
)
def test_a_file_that_lies_about_what_was_forgotten_is_refused(
    service: tuple[Trace, bytes], tmp_path: Path, change: Any, says: str
) -> None:
    import json

    from visualizer.trace.fileformat import TraceFormatError, load, save

    _, data = service
    window = watched(data, history=2.0, chunk=1 << 16)
    assert window.model is not None
    save(window.model.snapshot(), tmp_path / "kept.json")
    doc = json.loads((tmp_path / "kept.json").read_text())
    change(doc["meta"])
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    with pytest.raises(TraceFormatError, match=says.replace("(", r"\(")):
        load(tmp_path / "bad.json")


def test_a_task_that_lost_history_must_say_so(service: tuple[Trace, bytes], tmp_path: Path) -> None:
    import json

    from visualizer.trace.fileformat import TraceFormatError, load, save

    _, data = service
    window = watched(data, history=2.0, chunk=1 << 16)
    assert window.model is not None
    save(window.model.snapshot(), tmp_path / "kept.json")
    doc = json.loads((tmp_path / "kept.json").read_text())
    lost = next(t for t in doc["tasks"] if "earlier" in t)
    del lost["earlier"]
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    with pytest.raises(TraceFormatError, match="spans start at"):
        load(tmp_path / "bad.json")


def test_a_dropped_tasks_marks_stay_and_name_it() -> None:
    """A warning of a task the window let go stays, on the loop's row, naming the task."""
    from visualizer.trace.store import TraceStore

    store = TraceStore()
    coro = store.intern("handle")
    for _ in range(3):
        store.add_task(-1, 0.0, coro, -1)
    store.set_name(0, "request-7")
    store.set_name(2, "worker")
    store.add_mark(0.5, 0, "Task exception was never retrieved", "warning")
    store.add_mark(0.6, 2, "a note", "note")
    new_of = store.keep_tasks([1, 2], cut=1.0)
    assert new_of.tolist() == [-1, 0, 1]
    assert store.marks == [
        (0.5, -1, "Task exception was never retrieved (request-7)", "warning", ""),
        (0.6, 1, "a note", "note", ""),
    ]
    assert store.task_name[0] == -1 and store.strings[store.task_name[1]] == "worker"


def test_a_short_run_is_kept_whole_however_many_tasks_it_makes(
    service: tuple[Trace, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caps never cut into the last ``MIN_KEPT`` seconds: a run of 100,000 tasks in
    three seconds keeps every one (its trace is what the user saves)."""
    from visualizer.model import history

    full, data = service
    monkeypatch.setattr(history, "MAX_TASKS", 60)  # (the 12 s run is within MIN_KEPT)
    receiver = watched(data, history=600.0, chunk=1 << 12)
    assert receiver.model is not None and receiver.model.generation == 0
    assert len(receiver.model.snapshot().tasks) == len(full.tasks) > 60
