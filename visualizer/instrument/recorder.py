"""The run's hot state and its two hot tables: in C when the extension is built, else Python.

Every task step and every wake passes through here, so this is where the cost is
(docs/performance.md).  ``visualizer.instrument._hot`` (``_hot.c``) is an optional
compiled twin of the pure-Python code in ``tracer.py`` and ``PyRecorder`` below; the
exact-trace tests run against both (``ASYNCVIZ_PURE_PYTHON=1`` selects the Python
one), so the picture never depends on which one a machine could build.

A recorder holds:

* ``waker``: what runs now, packed like a waker (a task's step, a timer callback...);
* ``room``: rows the store can still take before it drops and counts;
* ``enabled``: False once the tracer switched itself off;
* ``step_t0``: when the task step (or callback) running now began (a streamer, on another thread,
  reports a step that holds the loop: which task, since when);
* ``step()`` / ``wake()``: append one row (or count a drop);
* ``res_thread`` and ``resource_change()``: a change of one of the run's asyncio
  primitives (issue 15, ``visualizer.instrument.resources``), written only while
  ``res_thread`` is the calling thread (0: resources not recorded) and tracing is on;
  the time and the task (the one whose step runs now, else -1) are read here;
* ``sync()``: the C recorder stages rows in blocks; ``sync`` appends the rest to the
  store, and ``TraceStore.sync()`` (called by every reader) calls it.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import weakref
from collections.abc import Callable
from threading import get_ident
from types import ModuleType
from typing import Any, Protocol

from visualizer.instrument.awaits import AwaitDescriber
from visualizer.trace.schema import CALLBACK_WAKER, WAKE_TASK
from visualizer.trace.store import TraceStore

log = logging.getLogger(__name__)

#: Set to 1 to trace with the pure-Python hot path even where the C one is built.
PURE_PYTHON_ENV = "ASYNCVIZ_PURE_PYTHON"


def _load_hot() -> ModuleType | None:
    if os.environ.get(PURE_PYTHON_ENV, "") not in ("", "0"):
        return None
    try:
        from visualizer.instrument import _hot
    except ImportError:
        log.debug("asyncviz: the C hot path is not built; tracing in pure Python")
        return None
    return _hot


#: The compiled hot path, or None (not built, or switched off by the environment).
hot: ModuleType | None = _load_hot()


class Recorder(Protocol):
    """What the tracer needs of a recorder (C ``_hot.Recorder`` or ``PyRecorder``)."""

    waker: int
    room: int
    enabled: bool
    step_t0: float
    res_thread: int

    def step(self, tid: int, t0: float, t1: float, code: int, /) -> None: ...
    def wake(self, tid: int, t: float, waker: int, /) -> None: ...
    def resource_change(self, rid: int, op: int, value: int, detail: int, /) -> None: ...
    def sync(self) -> None: ...
    def describe(self, task: Any, /) -> int: ...


class PyRecorder:
    """The pure-Python recorder: rows go straight into the store's arrays."""

    __slots__ = (
        "_change",
        "_clock",
        "_store",
        "describe",
        "enabled",
        "res_thread",
        "room",
        "step_t0",
        "waker",
    )

    def __init__(
        self, store: TraceStore, describer: AwaitDescriber, clock: Callable[[], float]
    ) -> None:
        self._store = store
        self._clock = clock
        self._change = store.resources.change
        self.describe: Callable[[Any], int] = describer.describe
        self.waker = CALLBACK_WAKER
        self.room = store.capacity - store.rows
        self.enabled = True
        self.step_t0 = 0.0
        self.res_thread = 0

    def step(self, tid: int, t0: float, t1: float, code: int) -> None:
        store = self._store
        self.room -= 1
        if self.room >= 0 or not store.full(t1):
            store.step_task.append(tid)
            store.step_start.append(t0)
            store.step_dur.append(t1 - t0)
            store.step_code.append(code)

    def wake(self, tid: int, t: float, waker: int) -> None:
        store = self._store
        self.room -= 1
        if self.room >= 0 or not store.full(t):
            store.wake_task.append(tid)
            store.wake_t.append(t)
            store.wake_waker.append(waker)

    def resource_change(self, rid: int, op: int, value: int, detail: int) -> None:
        # (rid -1: a resource not yet made, e.g. a Condition's own lock set free in its
        # ``__init__``: no row, its state until then is its first)
        if rid >= 0 and self.enabled and self.res_thread == get_ident():
            w = self.waker
            task = (w >> 3) - 1 if w & 7 == WAKE_TASK else -1
            self._change(rid, self._clock(), task, op, value, detail)

    def sync(self) -> None:
        pass


def _fast_clock(clock: Callable[[], float]) -> bool:
    """True if the C recorder may read CLOCK_MONOTONIC itself: the same value as ``clock()``."""
    return (
        clock is time.monotonic
        and sys.platform == "linux"
        and time.get_clock_info("monotonic").implementation == "clock_gettime(CLOCK_MONOTONIC)"
    )


def make_recorder(
    store: TraceStore,
    describer: AwaitDescriber,
    clock: Callable[[], float],
    *,
    ids: dict[int, Any],
    slow: float,
    fail: Callable[[BaseException], None],
    task_error: Callable[[int, BaseException], None],
    blocked: Callable[[float, float, Any], None],
) -> Recorder:
    """The C recorder if it is built (and wanted), else the Python one."""
    if hot is None:
        return PyRecorder(store, describer, clock)
    recorder: Recorder = hot.Recorder(
        store=store,
        clock=clock,
        fast_clock=_fast_clock(clock),
        fail=fail,
        task_error=task_error,
        blocked=blocked,
        describer=describer,
        ids=ids,
        slow=slow,
    )
    # Weakly: the recorder refers to the tracer (its failure handler), which refers to
    # its loops; a store kept after the run must not keep them alive.  Rows still staged
    # when the recorder goes are appended by its finalizer.
    store.add_syncer(_weak_sync(recorder))
    return recorder


def _weak_sync(recorder: Recorder) -> Callable[[], None]:
    ref = weakref.ref(recorder)

    def sync() -> None:
        alive = ref()
        if alive is not None:
            alive.sync()

    return sync
