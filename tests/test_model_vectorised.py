"""The span model against the rule it implements, one event at a time.

``TraceModel`` derives spans from whole blocks of store rows, in C (``_derive.c``) or,
where that is not built, with numpy; every test here runs against both.  The plainest
statement of the rule is ``model_reference.ReferenceModel`` (the model as it was first
written).  Here both read the same store as it grows, update by update, and must agree
exactly: every closed span in the same order, the open spans at each moment, and what
each task carries to its next step.  The stores come from every built-in scenario run
for real on the virtual clock, and from random event streams that keep the producer's
promises (a task's steps in order, wakes at or after the last step's end, rows written
when they happen) while hitting the corners: wakes at the very instant a step starts,
several wakes in one suspension, a task cancelling itself, wakes that no step takes.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from model_reference import ReferenceModel
from tracehelp import GrowingStore, recorded_store

from visualizer.model import derive
from visualizer.model.spans import TraceModel
from visualizer.session.scenarios import discover
from visualizer.trace import schema
from visualizer.trace.data import SpanColumns
from visualizer.trace.store import Suspension, TraceStore

FIELDS = ("task", "state", "start", "end", "awaiting", "woken_kind", "woken_task")


@pytest.fixture(autouse=True, params=["compiled", "numpy"])
def derivation(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs against both derivations: the C loop and the numpy one."""
    if request.param == "numpy":
        monkeypatch.setattr(derive, "compiled", None)
    elif derive.compiled is None:
        pytest.skip("the compiled derivation (visualizer/model/_derive.c) is not built")
    return str(request.param)


def assert_same(ours: SpanColumns, reference: SpanColumns, what: str) -> None:
    assert len(ours) == len(reference), f"{what}: {len(ours)} spans, reference {len(reference)}"
    for name in FIELDS:
        a, b = getattr(ours, name), getattr(reference, name)
        assert np.array_equal(a, b), f"{what}: {name} differs at {np.flatnonzero(a != b)[:5]}"


def assert_tasks_agree(model: TraceModel, reference: ReferenceModel, what: str) -> None:
    tasks = model._tasks
    for tid, st in enumerate(reference._states):
        got = (
            bool(tasks["ended"][tid]),
            int(tasks["last_code"][tid]),
            int(tasks["prev_code"][tid]),
            int(tasks["cancel_code"][tid]),
        )
        assert got == (st.ended, st.last_code, st.prev_code, st.cancel_code), f"{what}: task {tid}"
        assert np.array_equal(tasks["last_end"][tid], st.last_end, equal_nan=True), what


def replay(full: TraceStore, cuts: list[float]) -> None:
    """Feed ``full``'s rows into a fresh store cut by cut (as they were written, up to
    each time), updating both models after each cut and comparing them."""
    growing = GrowingStore(full)
    ours, reference = TraceModel(growing.store), ReferenceModel(growing.store)
    for cut in [*sorted(cuts), np.inf]:
        growing.up_to(cut)
        ours.update()
        reference.update()
        what = f"cut at {cut:.6f}"
        assert_same(ours.closed_spans(), reference.closed_spans(), what)
        assert_tasks_agree(ours, reference, what)
        now = min(cut, ours.now())
        assert_same(ours.open_spans(now), reference.open_spans(now), f"open, {what}")


def recorded_stores() -> list[tuple[str, TraceStore]]:
    scenarios, _ = discover()
    return [(scenario.id, recorded_store(scenario)) for scenario in scenarios]


@pytest.mark.parametrize("cuts", [0, 7, 60])
def test_every_scenario_agrees_with_the_reference(cuts: int) -> None:
    rng = random.Random(cuts)
    for name, store in recorded_stores():
        end = (store.finished_at or store.origin) - store.origin
        try:
            replay(store, [rng.uniform(0, end) for _ in range(cuts)])
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc


def random_store(rng: random.Random) -> TraceStore:
    """A plausible event stream: tasks stepping, suspending, woken (sometimes twice,
    sometimes at the instant they run, sometimes by a cancel, sometimes for nothing)."""
    store = TraceStore(origin=100.0)
    store.suspensions = [Suspension(f"s{i}", None, ()) for i in range(4)]
    rows: list[tuple[float, int, tuple[Any, ...]]] = []  # (when written, order, row)
    born = sorted(100.0 + rng.choice([0.0, rng.uniform(0, 2)]) for _ in range(rng.randint(1, 12)))
    for tid, now in enumerate(born):  # (task ids in creation order, as the store's are)
        rows.append((now, 0, ("task", tid, now)))
        code = None
        for _ in range(rng.randint(0, 15)):
            if rng.random() < 0.1:  # a wake no step will take in this suspension's place
                rows.append((now, 1, ("wake", tid, now, rng.randrange(7))))
            start = now + rng.choice([0.0, rng.uniform(0, 0.5)])
            if code is not None and code >= 0:
                for _ in range(rng.choice([0, 1, 1, 1, 2])):
                    t = rng.choice([now, start, rng.uniform(now, start)])
                    kind = rng.choice([schema.WAKE_TASK, schema.WAKE_TIMER, schema.WAKE_CANCEL])
                    rows.append((t, 1, ("wake", tid, t, schema.pack_waker(kind, rng.randrange(5)))))
            dur = rng.choice([0.0, 0.25, 0.001 * rng.randrange(1, 300)])
            end = float(np.float32(dur)) + start
            if rng.random() < 0.1:  # it cancels itself, mid-step
                t = rng.uniform(start, end)
                rows.append((t, 1, ("wake", tid, t, schema.pack_waker(schema.WAKE_CANCEL, tid))))
            code = rng.choice([schema.END_READY, 0, 1, 2, 3])
            rows.append((end, 2, ("step", tid, start, dur, code)))
            now = end
        if code is not None and rng.random() < 0.5:
            last = rows.pop()
            ending = rng.choice([schema.END_DONE, schema.END_ERROR, schema.END_CANCELLED])
            rows.append((last[0], 2, (*last[2][:4], ending)))
    rows.sort(key=lambda r: (r[0], r[1]))
    for _, _, row in rows:
        if row[0] == "task":
            store.add_task(-1, row[2], 0, -1)
        elif row[0] == "wake":
            store.wake_task.append(row[1])
            store.wake_t.append(row[2])
            store.wake_waker.append(row[3])
        else:
            store.step_task.append(row[1])
            store.step_start.append(row[2])
            store.step_dur.append(row[3])
            store.step_code.append(row[4])
    store.strings = ["coro"]
    store.finished_at = max((r[0] for r in rows), default=100.0)
    return store


@pytest.mark.parametrize("seed", range(200))
def test_random_streams_agree_with_the_reference(seed: int) -> None:
    rng = random.Random(seed)
    store = random_store(rng)
    end = (store.finished_at or 100.0) - 100.0
    replay(store, [rng.uniform(0, end) for _ in range(rng.choice([0, 1, 5, 20]))])


def test_recent_skips_only_what_ends_before_the_view() -> None:
    """``recent(since)`` keeps every span ending at or after ``since`` (and the open ones),
    whatever block of updates it came from."""
    rng = random.Random(7)
    store = random_store(rng)
    while len(store.step_task) < 40:
        store = random_store(rng)
    model = TraceModel(store)
    model.update()
    closed = model.closed_spans()
    for since in (-1.0, 0.3, 1.0, 2.0, 50.0):
        spans = model.recent(since).spans
        expect = int((closed.end >= since).sum()) + len(model.open_spans(model.now()))
        assert len(spans) == expect


def test_a_wake_stamped_with_the_start_of_a_step_before_it_waits_for_the_next() -> None:
    """A wake recorded after a step, at the same clock reading as that step's start (a
    zero-length step, a coarse clock), and read in a later update: the next step takes
    it, as the rule says, whatever the updates' boundaries (found by review: it was
    dropped as if that earlier step had taken it)."""
    store = TraceStore(origin=0.0)
    store.strings, store.suspensions = ["coro"], [Suspension("s0", None, ())]
    store.add_task(-1, 0.0, 0, -1)
    ours, reference = TraceModel(store), ReferenceModel(store)

    def step(start: float, dur: float) -> None:
        store.step_task.append(0)
        store.step_start.append(start)
        store.step_dur.append(dur)
        store.step_code.append(0)

    def wake(t: float, kind: int) -> None:
        store.wake_task.append(0)
        store.wake_t.append(t)
        store.wake_waker.append(schema.pack_waker(kind, 0 if kind == schema.WAKE_TASK else -1))

    step(0.1, 0.1)
    wake(0.3, schema.WAKE_TASK)
    step(0.4, 0.0)
    for model in (ours, reference):
        model.update()
    wake(0.4, schema.WAKE_TIMER)  # after the step at 0.4, at 0.4
    for model in (ours, reference):
        model.update()
    step(0.6, 0.1)
    for model in (ours, reference):
        model.update()
    assert_same(ours.closed_spans(), reference.closed_spans(), "after the late wake")
    assert ours.closed_spans().woken_kind[-2] == schema.WAKE_TIMER


def test_the_compiled_loop_refuses_columns_of_the_wrong_kind() -> None:
    """Same item size, other kind (int64 for float64): refused, never read as garbage."""
    if derive.compiled is None:
        pytest.skip("the compiled derivation is not built")
    one_task = (
        np.zeros(1),
        np.full(1, -1, np.int32),
        np.zeros(1),
        np.full(1, np.nan),
        np.full(1, -1, np.int32),
        np.full(1, -100, np.int32),
        np.full(1, -1, np.int32),
        np.zeros(1, np.bool_),
    )
    out = (
        np.zeros(3, np.int32),
        np.zeros(3, np.int8),
        np.zeros(3),
        np.zeros(3),
        np.zeros(3, np.int32),
        np.zeros(3, np.int8),
        np.zeros(3, np.int32),
    )
    steps = (np.zeros(1, np.int32), np.zeros(1), np.ones(1), np.full(1, -2, np.int32))
    wakes = (np.zeros(0, np.int32), np.zeros(0), np.zeros(0, np.int32))
    taken = np.zeros(0, np.bool_)
    assert derive.compiled.derive(steps, wakes, one_task, out, taken) == 2  # ready, running
    wrong = (steps[0], np.zeros(1, np.int64), steps[2], steps[3])  # start as int64
    with pytest.raises(TypeError, match="format"):
        derive.compiled.derive(wrong, wakes, one_task, out, taken)
