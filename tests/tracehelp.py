"""Helpers for exact trace assertions: run a program traced, read a task's spans as tuples.

A span reads as ``(state, label, site, woken_by)`` ("the shape", no times) or as a
``Span`` with its times too. ``site`` is ``basename:line``; ``woken_by`` is
``(kind, task id or None)``. Expected await sites are found in the source by a
marker comment (``# AWAIT-SITE-NAME`` at the end of the line) or by the exact
text of a line, never by a hard-coded line number.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import math
import os
import re
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from visualizer.session import runner
from visualizer.session.runner import Recorder
from visualizer.session.scenarios import Scenario
from visualizer.trace import schema
from visualizer.trace.data import TaskRecord, Trace
from visualizer.trace.store import TraceStore

#: Tolerance for times under the virtual clock: busy time is real (a few hundred us).
TOL = 5e-3
#: On a loaded machine busy time grows (the loop thread waits for a core); a virtual
#: time is never off by more than the run's real wall time, so the tolerance may grow
#: to that, up to this cap (a wrong sleep length or a missed wait is still caught).
TOL_CAP = 0.05


def tolerance(wall_seconds: float) -> float:
    """Time tolerance for a virtual-clock run that took ``wall_seconds`` of real time."""
    return max(TOL, min(wall_seconds, TOL_CAP))


READY, RUNNING, SUSPENDED = schema.STATE_NAMES

Shape = tuple[str, str | None, str | None, tuple[str, int | None] | None]


# --- expected spans, readably ----------------------------------------------------------------
def ready(kind: str, task: int | None = None) -> Shape:
    """A ready span woken by ``kind`` (and ``task``)."""
    assert kind in schema.WAKE_NAMES, kind
    return (READY, None, None, (kind, task))


RUN: Shape = (RUNNING, None, None, None)


def susp(label: str, site: str | None) -> Shape:
    """A suspended span on ``label`` at ``site`` (``basename:line``)."""
    return (SUSPENDED, label, site, None)


# --- running programs ------------------------------------------------------------------------
@dataclass
class Traced:
    trace: Trace
    recorder: Recorder
    result: Any = None
    error: BaseException | None = None
    wall: float = 0.0  #: real seconds the run took

    @property
    def tol(self) -> float:
        return tolerance(self.wall)


def run_traced(
    main_fn: Callable[..., Coroutine[Any, Any, Any]],
    *args: Any,
    clock: str = "virtual",
    recorder: Recorder | None = None,
) -> Traced:
    """Run ``main_fn(*args)`` as ``asyncio.run`` would, on a traced loop; keep its outcome."""
    wall = time.perf_counter()  # before the recorder: its clock's origin is the run's zero
    rec = recorder if recorder is not None else Recorder(clock)  # type: ignore[arg-type]
    result: Any = None
    error: BaseException | None = None
    try:
        with asyncio.Runner(loop_factory=rec.new_loop) as runner:
            result = runner.run(main_fn(*args), context=rec.tracer.new_context())
    except Exception as exc:
        error = exc
    wall = time.perf_counter() - wall
    return Traced(rec.finish(), rec, result, error, wall)


def traced_until_returned(
    main_fn: Callable[[], Coroutine[Any, Any, asyncio.Task[Any]]],
    clock: str = "ideal",
    let_go: Callable[[], None] = lambda: None,
) -> Trace:
    """Run ``main_fn()`` on a traced loop until it returns a task, as
    ``run_until_complete`` does (the loop stops then: the task it left is still pending,
    or ready), and finish the recording there; then let that task end, untraced
    (``let_go()`` first, then a cancel; ``main_fn`` may stop the loop itself, before a task
    it made has its first step)."""
    recorder = Recorder(clock)  # type: ignore[arg-type]
    loop = recorder.new_loop()
    try:
        root = loop.create_task(main_fn(), context=recorder.tracer.new_context())
        task = loop.run_until_complete(root)
        trace = recorder.finish()
        let_go()
        task.cancel()
        ending = asyncio.gather(task, return_exceptions=True)
        while not ending.done():  # (a ``loop.stop()`` of the program's may still be due)
            with contextlib.suppress(RuntimeError):
                loop.run_until_complete(ending)
    finally:
        loop.close()
    return trace


def trace_of(
    main_fn: Callable[..., Coroutine[Any, Any, Any]], *args: Any, clock: str = "virtual"
) -> Trace:
    run = run_traced(main_fn, *args, clock=clock)
    if run.error is not None:
        raise run.error
    return run.trace


# --- reading a trace ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Span:
    state: str
    start: float
    end: float
    label: str | None
    site: str | None  #: basename:line
    woken_by: tuple[str, int | None] | None
    full_site: str | None = None  #: path:line as recorded

    @property
    def shape(self) -> Shape:
        return (self.state, self.label, self.site, self.woken_by)

    @property
    def duration(self) -> float:
        return self.end - self.start


def short_site(site: str | None) -> str | None:
    if site is None:
        return None
    path, _, line = site.rpartition(":")
    return f"{os.path.basename(path)}:{line}"


def task(trace: Trace, which: int | str) -> TaskRecord:
    if isinstance(which, int):
        return trace.tasks[which]
    return trace.task_by_name(which)


def spans(trace: Trace, which: int | str) -> list[Span]:
    """The task's spans in time order."""
    tid = task(trace, which).id
    cols = trace.spans.for_task(tid)
    out = []
    for i in range(len(cols)):
        awaiting = int(cols.awaiting[i])
        sus = trace.suspensions[awaiting] if awaiting >= 0 else None
        kind = int(cols.woken_kind[i])
        waker = int(cols.woken_task[i])
        out.append(
            Span(
                state=schema.STATE_NAMES[int(cols.state[i])],
                start=float(cols.start[i]),
                end=float(cols.end[i]),
                label=sus.label if sus else None,
                site=short_site(sus.site) if sus else None,
                woken_by=(schema.WAKE_NAMES[kind], waker if waker >= 0 else None)
                if kind >= 0
                else None,
                full_site=sus.site if sus else None,
            )
        )
    return out


def shape(trace: Trace, which: int | str) -> list[Shape]:
    """The task's exact event sequence without times."""
    return [s.shape for s in spans(trace, which)]


def states(trace: Trace, which: int | str) -> list[str]:
    return [s.state for s in spans(trace, which)]


def of_state(trace: Trace, which: int | str, state: str) -> list[Span]:
    return [s for s in spans(trace, which) if s.state == state]


def assert_tiles(trace: Trace) -> None:
    """Every task's spans tile its life, created to ended (or the run's end), legally ordered."""
    duration = trace.duration
    allowed = {
        READY: {RUNNING},
        RUNNING: {READY, SUSPENDED},
        SUSPENDED: {READY},
    }
    for record in trace.tasks:
        sp = spans(trace, record.id)
        assert sp, f"task {record.name} has no spans"
        assert sp[0].state == READY, (record.name, sp[0])
        assert sp[0].start == record.created, (record.name, sp[0], record.created)
        for a, b in itertools.pairwise(sp):
            assert b.start == a.end, (record.name, a, b)
            assert b.state in allowed[a.state], (record.name, a, b)
        for s in sp:
            assert s.end >= s.start, (record.name, s)
        if record.ended is not None:
            assert sp[-1].state == RUNNING, (record.name, sp[-1])
            assert math.isclose(sp[-1].end, record.ended, abs_tol=1e-9), (record.name, sp[-1])
        else:
            assert sp[-1].end <= duration + 1e-9


# --- expected sites ------------------------------------------------------------------------------
def marker_site(obj: Any, marker: str) -> str:
    """``basename:line`` of the one line of ``obj``'s source ending in ``# AWAIT-SITE-<marker>``."""
    return _unique_line(obj, re.compile(rf"#\s*AWAIT-SITE-{re.escape(marker)}\s*$"))


def marker_line(obj: Any, tag: str) -> str:
    """Like ``marker_site`` for any ``# <tag>`` end-of-line marker (e.g. ``CREATED-X``)."""
    return _unique_line(obj, re.compile(rf"#\s*{re.escape(tag)}\s*$"))


def _unique_line(obj: Any, pattern: re.Pattern[str]) -> str:
    lines, first = inspect.getsourcelines(obj)
    first = max(first, 1)
    hits = [first + i for i, line in enumerate(lines) if pattern.search(line.rstrip("\n"))]
    assert len(hits) == 1, f"marker {pattern.pattern!r} found on lines {hits}"
    return f"{os.path.basename(inspect.getsourcefile(obj) or '?')}:{hits[0]}"


def text_site(path: str | Path, text: str) -> str:
    """``basename:line`` of the one line of ``path`` whose stripped text is ``text``."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if line.strip() == text]
    assert len(hits) == 1, f"{text!r} found on lines {hits} of {path}"
    return f"{os.path.basename(str(path))}:{hits[0]}"


# --- semaphore holders -------------------------------------------------------------------------
def max_holders(intervals: Iterable[tuple[float, float]]) -> int:
    """Most intervals open at once; an interval ending at t closes before one starting at t."""
    events = []
    for start, end in intervals:
        events.append((start, 1))
        events.append((end, -1))
    events.sort(key=lambda e: (e[0], e[1]))
    most = now = 0
    for _, delta in events:
        now += delta
        most = max(most, now)
    return most


def semaphore_holds(
    trace: Trace, names: Iterable[str], label: str = "Semaphore.acquire"
) -> dict[str, tuple[float, float]]:
    """When each worker held the permit, derived from spans alone.

    A worker holds from its ``label`` wake (or its first step, if it never waited)
    to its end; a worker that handed the permit to a waiter (the waiter's wake is
    ``woken_by`` it) released it at that wake, inside its own last step.
    """
    names = list(names)
    ids = {task(trace, n).id: n for n in names}
    holds: dict[str, tuple[float, float]] = {}
    handed: dict[str, float] = {}
    for name in names:
        sp = spans(trace, name)
        start = next(s.start for s in sp if s.state == RUNNING)
        for a, b in itertools.pairwise(sp):
            if a.state == SUSPENDED and a.label == label:
                assert b.state == READY and b.woken_by is not None, (name, b)
                start = b.start
                kind, waker = b.woken_by
                if kind == "task" and waker in ids:
                    handed[ids[waker]] = min(handed.get(ids[waker], math.inf), b.start)
        end = task(trace, name).ended
        assert end is not None, name
        holds[name] = (start, end)
    for name, released in handed.items():
        start, end = holds[name]
        holds[name] = (start, min(end, released))
    return holds


# --- a recorded store, and the same rows again as they were written -------------------------
def recorded_store(scenario: Scenario, params: dict[str, Any] | None = None) -> TraceStore:
    """The store of ``scenario`` run on the virtual clock (``run_scenario`` keeps only
    the trace made from it)."""
    kept: list[TraceStore] = []
    runner.run_scenario(
        scenario, params, clock="virtual", started=lambda recorder: kept.append(recorder.store)
    )
    return kept[0]


class GrowingStore:
    """A fresh store that receives a finished store's rows in the order they were
    written, up to a time at each call: what a live view reads, frame by frame."""

    def __init__(self, full: TraceStore) -> None:
        self.full = full
        self.store = TraceStore(origin=full.origin)
        self.store.strings, self.store.suspensions = full.strings, full.suspensions
        self.store.meta = full.meta
        self._step_end = np.frombuffer(full.step_start, np.float64) + np.frombuffer(
            full.step_dur, np.float32
        )

    def up_to(self, cut: float) -> None:
        """Every row written by ``cut`` seconds into the run (steps: by their end)."""
        full, grow, t = self.full, self.store, cut + self.full.origin
        while grow.task_count < full.task_count and full.task_created[grow.task_count] <= t:
            i = grow.task_count
            grow.add_task(full.task_parent[i], full.task_created[i], full.task_coro[i], -1)
            grow.task_name[i] = full.task_name[i]
        while len(grow.wake_task) < len(full.wake_task) and full.wake_t[len(grow.wake_t)] <= t:
            i = len(grow.wake_task)
            grow.wake_task.append(full.wake_task[i])
            grow.wake_t.append(full.wake_t[i])
            grow.wake_waker.append(full.wake_waker[i])
        steps = len(grow.step_task)
        while steps < len(full.step_task) and self._step_end[steps] <= t:
            grow.step_task.append(full.step_task[steps])
            grow.step_start.append(full.step_start[steps])
            grow.step_dur.append(full.step_dur[steps])
            grow.step_code.append(full.step_code[steps])
            task = full.step_task[steps]
            if full.step_code[steps] == schema.END_ERROR and task in full.task_error:
                grow.task_error[task] = full.task_error[task]  # (written as the task ended)
            steps += 1
        have, kept = full.resources, grow.resources  # (issue 15: queues, locks ...)
        while len(kept) < len(have) and have.created[len(kept)] <= t:
            i = len(kept)
            kept.add(
                have.kind[i], have.created[i], have.task[i], have.site[i], have.name[i],
                have.capacity[i],
            )  # fmt: skip
        while len(kept.c_res) < len(have.c_res) and have.c_t[len(kept.c_res)] <= t:
            i = len(kept.c_res)
            kept.change(
                have.c_res[i], have.c_t[i], have.c_task[i], have.c_op[i], have.c_value[i],
                have.c_detail[i],
            )  # fmt: skip
        if cut == np.inf:
            grow.finished_at = full.finished_at


async def queue_sem_lock_event() -> None:
    """A program with one of each common resource (the resources' tests): a producer
    and a consumer over ``queue`` (maxsize 2), four workers through ``sem`` (2 permits)
    and ``lock`` in turn, then waiting for ``ev``, set at 0.5 s."""
    queue: asyncio.Queue[int] = asyncio.Queue(maxsize=2)
    sem = asyncio.Semaphore(2)
    lock = asyncio.Lock()
    ev = asyncio.Event()

    async def producer() -> None:
        for i in range(5):
            await queue.put(i)

    async def consumer() -> None:
        for _ in range(5):
            await queue.get()
            await asyncio.sleep(0.1)

    async def worker() -> None:
        async with sem, lock:
            await asyncio.sleep(0.05)
        await ev.wait()

    tasks = [
        asyncio.create_task(producer(), name="producer"),
        asyncio.create_task(consumer(), name="consumer"),
    ]
    tasks += [asyncio.create_task(worker(), name=f"w{i}") for i in range(4)]
    await asyncio.sleep(0.5)
    ev.set()
    await asyncio.gather(*tasks)


def streamed(
    scenario: str | Scenario, period: float = 0.0005, clock: str = "virtual", **params: Any
) -> tuple[runner.RunResult, bytes]:
    """Run a scenario (a built-in's name, or one read) in this process with a streamer
    beside it, sending every ``period`` seconds into memory (many small batches, made
    while the loop thread writes): its result and every byte sent."""
    from visualizer.session.scenarios import find
    from visualizer.session.streaming import Streamer

    sent: list[bytes] = []
    streamers: list[Streamer] = []

    def started(recorder: Recorder) -> None:
        streamer = Streamer(
            recorder.store, recorder.tracer, sent.append, clock=recorder.clock.time, period=period
        )
        streamer.start()
        streamers.append(streamer)

    found = find(scenario) if isinstance(scenario, str) else scenario
    result = runner.run_scenario(found, params, clock=clock, started=started)  # type: ignore[arg-type]
    (streamer,) = streamers
    streamer.close(exit_code=result.exit_code)
    return result, b"".join(sent)
