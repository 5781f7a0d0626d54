"""The compiled hot path (``visualizer/instrument/_hot.c``) and its pure-Python twin.

The whole suite runs twice in ``tools/test``: once as built (C where the extension
compiled) and once with ``ASYNCVIZ_PURE_PYTHON=1``.  The tests here check what only
the two-implementation design can get wrong: that the C path is really the one in
use, that both record the very same trace, that rows the C recorder stages are
visible to every reader, that a full store drops and counts the same rows, that an
exception in a callback is reported exactly as asyncio reports it, and that a traced
loop and its tracer are still garbage-collected (the C hook and the loop refer to
each other).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
import time
import traceback
import weakref
from pathlib import Path
from typing import Any

import pytest
from tracehelp import run_traced

from bench.workloads import pingpong
from visualizer.instrument import recorder as recorders
from visualizer.instrument.tracer import Tracer
from visualizer.model.spans import TraceModel
from visualizer.session.runner import Recorder
from visualizer.trace.store import TraceStore

ROOT = Path(__file__).resolve().parent.parent
PURE = os.environ.get(recorders.PURE_PYTHON_ENV, "") not in ("", "0")


def test_the_c_hot_path_is_built_and_in_use() -> None:
    if PURE:
        pytest.skip(f"{recorders.PURE_PYTHON_ENV} is set: this run tests the Python path")
    assert recorders.hot is not None, (
        "visualizer.instrument._hot is not built: install a C compiler and the Python "
        "headers (Debian: gcc python3-dev) and reinstall, or set ASYNCVIZ_PURE_PYTHON=1 "
        "to test the pure-Python tracer only"
    )
    loop = asyncio.new_event_loop()
    try:
        before = dict(loop.__dict__)
        tracer = Tracer(TraceStore(), time.monotonic)
        assert tracer.compiled
        tracer.install(loop)
        assert type(loop.call_soon) is recorders.hot.Hook
        tracer.uninstall(loop)
        assert loop.__dict__ == before
    finally:
        loop.close()


def test_the_environment_variable_selects_the_python_path() -> None:
    code = (
        "import time; from visualizer.instrument.tracer import Tracer;"
        "from visualizer.trace.store import TraceStore;"
        "print(Tracer(TraceStore(), time.monotonic).compiled)"
    )
    env = {**os.environ, recorders.PURE_PYTHON_ENV: "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


# --- the same trace either way ------------------------------------------------------------------
_SHAPE_SCRIPT = """
import json, sys
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import find
result = run_scenario(find(sys.argv[1]), {}, clock="virtual")
trace = result.trace
spans = trace.spans
labels = [(s.label, s.site, s.stack) for s in trace.suspensions]
print(json.dumps({
    "tasks": [[t.name, t.coro, t.parent, t.created_at, t.outcome] for t in trace.tasks],
    "spans": [
        [int(spans.task[i]), int(spans.state[i]),
         labels[spans.awaiting[i]] if spans.awaiting[i] >= 0 else None,
         int(spans.woken_kind[i]), int(spans.woken_task[i])]
        for i in range(len(spans))
    ],
    # the steps that held the loop, as the recorder reported them and as the spans show
    # them (how long a step takes depends on the machine's load: each run is checked
    # against itself, not against the other)
    "blocked": sorted(b.task for b in trace.blocked if b.task is not None),
    "slow_spans": sorted(
        int(spans.task[i]) for i in range(len(spans))
        if spans.state[i] == 1 and spans.end[i] - spans.start[i] >= 0.1 - 1e-6
    ),
}))
"""


def _shape(scenario: str, pure: bool) -> Any:
    env = dict(os.environ)
    env.pop(recorders.PURE_PYTHON_ENV, None)
    if pure:
        env[recorders.PURE_PYTHON_ENV] = "1"
    out = subprocess.run(
        [sys.executable, "-c", _SHAPE_SCRIPT, scenario],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.splitlines()[-1])  # (scenarios print too)


@pytest.mark.parametrize(
    "scenario",
    sorted(p.stem for p in (ROOT / "scenarios").glob("*.py") if not p.stem.startswith("_")),
)
def test_c_and_python_record_the_same_trace(scenario: str) -> None:
    if recorders.hot is None and not PURE:
        pytest.skip("the C hot path is not built")  # test_the_c_hot_path_is_built says why
    compiled, python = _shape(scenario, pure=False), _shape(scenario, pure=True)
    assert compiled["tasks"] == python["tasks"]
    assert compiled["spans"] == python["spans"]
    # (a step that held the loop in one run may not have in the other, on a busy
    # machine: each path is held to its own spans)
    assert compiled["blocked"] == compiled["slow_spans"]
    assert python["blocked"] == python["slow_spans"]
    assert len(compiled["spans"]) >= 6  # (the shortest lesson: two tasks, a step or two each)


# --- staged rows -------------------------------------------------------------------------------
async def _steps_then_read(model: TraceModel, steps: int) -> int:
    for _ in range(steps):
        await asyncio.sleep(0)
    model.update()  # mid-run, on the loop: as the GUI's frame timer will read
    return model.span_count


def test_a_reader_mid_run_sees_every_row_so_far() -> None:
    rec = Recorder("virtual")
    model = TraceModel(rec.store)
    run = run_traced(_steps_then_read, model, 50, recorder=rec)
    assert run.error is None
    # closed spans at the read: created-ready, 50 x running, 49 x ready (the 50th ready
    # span is still open: the 51st step, running now, began it... and is not closed)
    assert run.result == 1 + 50 + 49


# --- a full store ----------------------------------------------------------------------------
def _rows(capacity: int) -> tuple[TraceStore, list[Any], list[Any]]:
    rec = Recorder("virtual", capacity=capacity)
    run = run_traced(pingpong, 5000, recorder=rec)
    assert run.error is None
    store = rec.store
    store.sync()
    steps = list(zip(store.step_task, store.step_code, strict=True))
    wakes = list(zip(store.wake_task, store.wake_waker, strict=True))
    return store, steps, wakes


def test_a_full_store_keeps_the_head_and_counts_every_drop() -> None:
    whole, all_steps, all_wakes = _rows(50_000_000)
    assert whole.dropped == 0
    total = len(all_steps) + len(all_wakes)
    assert total > 3 * 4096  # more than the C recorder stages at once
    capacity = total // 2 + 7
    part, steps, wakes = _rows(capacity)
    assert len(steps) + len(wakes) == capacity
    assert part.dropped == total - capacity
    assert steps == all_steps[: len(steps)]
    assert wakes == all_wakes[: len(wakes)]


# --- exceptions in callbacks ------------------------------------------------------------------
class _Boom(Exception):
    pass


def _boom() -> None:
    raise _Boom("from a callback")


async def _schedules_a_failing_callback() -> str:
    loop = asyncio.get_running_loop()
    loop.call_soon(_boom)  # scheduled by a traced step: our Handle runs it
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    return "went on"


def _reported(traced: bool) -> tuple[str, list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []

    def handler(_loop: Any, context: dict[str, Any]) -> None:
        # a handler may log with traceback.print_exc(): the exception is being handled
        seen.append({**context, "exc_info": sys.exc_info()[1]})

    loop = asyncio.new_event_loop()
    loop.set_exception_handler(handler)
    tracer = Tracer(TraceStore(), time.monotonic)
    context = None
    if traced:
        tracer.install(loop)
        context = tracer.new_context()
    try:
        result = loop.run_until_complete(
            loop.create_task(_schedules_a_failing_callback(), context=context)
        )
    finally:
        tracer.uninstall()
        loop.close()
    assert tracer.failure is None and tracer.enabled
    return result, seen


def test_an_exception_in_a_callback_is_reported_as_asyncio_reports_it() -> None:
    plain_result, plain = _reported(traced=False)
    traced_result, traced = _reported(traced=True)
    assert traced_result == plain_result == "went on"
    assert len(traced) == len(plain) == 1
    assert traced[0]["message"] == plain[0]["message"]
    assert "Exception in callback" in traced[0]["message"] and "_boom" in traced[0]["message"]
    assert type(traced[0]["exception"]) is _Boom
    assert traced[0]["exc_info"] is traced[0]["exception"]
    assert plain[0]["exc_info"] is plain[0]["exception"]
    assert str(traced[0]["exception"]) == "from a callback"
    assert type(traced[0]["handle"]).__name__ == "Handle"
    # the traceback is the program's own: no frame of the tracer in it
    frames = [f.name for f in traceback.extract_tb(traced[0]["exception"].__traceback__)]
    plain_frames = [f.name for f in traceback.extract_tb(plain[0]["exception"].__traceback__)]
    assert frames[-1] == "_boom"
    assert frames == plain_frames or frames == plain_frames[1:]  # (minus Handle._run's)


def _interrupting() -> None:
    raise KeyboardInterrupt


async def _schedules_an_interrupt() -> None:
    asyncio.get_running_loop().call_soon(_interrupting)
    await asyncio.sleep(0)
    await asyncio.sleep(1)


@pytest.mark.parametrize("traced", [False, True])
def test_keyboard_interrupt_from_a_callback_propagates(traced: bool) -> None:
    loop = asyncio.new_event_loop()
    tracer = Tracer(TraceStore(), time.monotonic)
    context = None
    if traced:
        tracer.install(loop)
        context = tracer.new_context()
    task = loop.create_task(_schedules_an_interrupt(), context=context)
    try:
        with pytest.raises(KeyboardInterrupt):
            loop.run_until_complete(task)
        assert tracer.failure is None
    finally:
        task.cancel()
        loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
        tracer.uninstall()
        loop.close()


class _CancelsItsHandle:
    """Cancels the handle running it (``Handle.cancel()`` drops its callback and args)."""

    handle: asyncio.Handle | None = None

    def __getattr__(self, name: str) -> Any:
        assert self.handle is not None
        self.handle.cancel()
        raise AttributeError(name)


async def _callback_cancels_its_own_handle(events: list[str]) -> None:
    target = _CancelsItsHandle()
    # getattr(obj, name, default) returns its default after obj.__getattr__ ran
    target.handle = asyncio.get_running_loop().call_soon(
        lambda: events.append(getattr(target, "missing", "default " + "kept"))
    )
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    events.append("done")


@pytest.mark.parametrize("traced", [False, True])
def test_a_callback_may_cancel_its_own_handle_while_it_runs(traced: bool) -> None:
    events: list[str] = []
    loop = asyncio.new_event_loop()
    tracer = Tracer(TraceStore(), time.monotonic)
    if traced:
        tracer.install(loop)
    context = tracer.new_context() if traced else None
    try:
        loop.run_until_complete(
            loop.create_task(_callback_cancels_its_own_handle(events), context=context)
        )
    finally:
        tracer.uninstall()
        loop.close()
    assert events == ["default kept", "done"]
    assert tracer.failure is None


_FAILING_STORE = """
import gc, sys
from visualizer.instrument import recorder

class Column(list):
    def frombytes(self, data):
        raise MemoryError("no room for the staged rows")

class Store:
    capacity, rows = 100, 0
    def __init__(self):
        for name, size in (("step_task", 4), ("step_start", 8), ("step_dur", 4),
                           ("step_code", 4), ("wake_task", 4), ("wake_t", 8),
                           ("wake_waker", 4)):
            column = Column(); column.itemsize = size
            setattr(self, name, column)
    def full(self, now): return False
    def set_name(self, tid, name): pass
    def note_end(self, tid, cancelling, unheld): pass

class Describer:
    _cache, _user_code, _valued = {}, {}, {}
    def describe(self, task): return 0
    def _leaf_key(self, future): return "?"

seen = []
sys.unraisablehook = lambda hook: seen.append(hook.exc_type.__name__)
rec = recorder.hot.Recorder(store=Store(), clock=lambda: 0.0, fast_clock=False, fail=print,
                            task_error=print, blocked=print, describer=Describer(), ids={},
                            slow=0.1)
rec.step(1, 0.0, 1.0, -1)
del rec
gc.collect()
print("survived", seen)
"""


def test_a_recorder_whose_last_rows_cannot_be_appended_goes_quietly() -> None:
    if recorders.hot is None:
        pytest.skip("the C hot path is not built (or not wanted)")
    out = subprocess.run(
        [sys.executable, "-c", _FAILING_STORE], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "survived ['MemoryError']"


# --- nothing kept alive --------------------------------------------------------------------
def test_a_traced_loop_and_its_tracer_are_collected() -> None:
    loop = asyncio.new_event_loop()
    tracer = Tracer(TraceStore(), time.monotonic)
    tracer.install(loop)
    loop.run_until_complete(loop.create_task(pingpong(10), context=tracer.new_context()))
    loop.close()
    refs = [weakref.ref(loop), weakref.ref(tracer), weakref.ref(tracer.store)]
    del loop, tracer
    gc.collect()
    assert [ref() for ref in refs] == [None, None, None]


def test_a_store_kept_after_the_run_keeps_every_row_and_nothing_else() -> None:
    finished = TraceStore()
    loop = asyncio.new_event_loop()
    tracer = Tracer(finished, time.monotonic)
    tracer.install(loop)
    loop.run_until_complete(loop.create_task(pingpong(100), context=tracer.new_context()))
    tracer.finish()
    loop.close()
    # the same run, with no finish(): rows may still be staged when the tracer goes
    kept = TraceStore()
    loop = asyncio.new_event_loop()
    tracer = Tracer(kept, time.monotonic)
    tracer.install(loop)
    loop.run_until_complete(loop.create_task(pingpong(100), context=tracer.new_context()))
    loop.close()
    refs = [weakref.ref(loop), weakref.ref(tracer)]
    del loop, tracer
    gc.collect()
    assert [ref() for ref in refs] == [None, None]
    assert len(kept.step_task) == len(finished.step_task) > 150
    assert len(kept.wake_task) == len(finished.wake_task) > 150
