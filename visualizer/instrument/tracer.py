"""The tracer: per-loop hooks that record every task fact into a ``TraceStore``.

How it sees what happens, without touching user code or the coroutines:

* **Steps.** Futures and Tasks schedule through ``loop.call_soon`` looked up by
  name on the loop, so an instance attribute ``call_soon`` on the loop sees every
  task step (``TaskStepMethWrapper``) and every wakeup (``task_wakeup(fut)``),
  each carrying its Task as ``__self__``.  The hook reschedules them wrapped in
  ``_run_step`` (a method bound to the task, so asyncio's debug output still
  names the task), which times the *whole* ``Task.__step`` including the part
  after the coroutine yields, where asyncio schedules done-callbacks and wakes.
  A coroutine proxy would miss that part and change ``get_coro()``.
* **Ready and woken_by.** A wakeup reaching ``call_soon`` *is* the moment the
  awaited thing completed.  Whatever is running then is the waker: a task's step
  (``_running``/``_waker``), or a callback we wrapped with its kind: timers
  (``call_at``/``call_later``), selector callbacks (``_add_reader``/
  ``_add_writer``), ``call_soon_threadsafe``.  Plain callbacks scheduled from a
  traced context inherit its waker (gather's done-callback wakes the parent "by"
  the child that finished).  A wakeup by a cancelled future is a cancel.
* **Which tasks.** A ``ContextVar`` set for the run is copied into every task and
  callback it creates, so the GUI's own tasks on the same loop are never recorded.
* **Eager tasks** (3.12+) run their first step inside the task factory, so the
  tracer chains the loop's task factory (keeping any factory the program sets).

Rules (after Trio's instrumentation): tracing never changes results, exceptions
or ordering; a failure inside the tracer switches it off and is logged, never
raised into the program; ``uninstall`` restores the loop's attributes exactly.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import inspect
import logging
import os
import sys
import threading
import time
import traceback
import weakref
from asyncio import format_helpers
from collections.abc import Callable
from types import CoroutineType, FrameType, MethodType
from typing import Any, Final

from visualizer.instrument import awaits, resources, stacks
from visualizer.instrument import recorder as recorders
from visualizer.instrument.awaits import (
    AwaitDescriber,
    executor_label,
    func_name,
    generator_of,
    line_of,
)
from visualizer.instrument.task_names import DefaultNames
from visualizer.trace import schema
from visualizer.trace.schema import (
    CALLBACK_WAKER,
    END_CANCELLED,
    END_DONE,
    END_ERROR,
    END_READY,
    NO_TASK,
    WAKE_CANCEL,
    WAKE_IO,
    WAKE_THREAD,
    WAKE_TIMER,
    pack_waker,
)
from visualizer.trace.store import MAX_MARKS, Blocked, Job, TaskError, TraceStore

log = logging.getLogger(__name__)

#: Set (to a tracer's key) in the context of a traced run; copied into its tasks.
RUN: Final[contextvars.ContextVar[object]] = contextvars.ContextVar("asyncviz_run")
#: at most this many notes (``visualizer.mark``) a run: a program can mark in a loop;
#: the rest are counted in ``meta["dropped_notes"]`` (``TraceStore.add_mark``)
MAX_NOTES: Final = MAX_MARKS

_HOOKED: Final = (
    "call_soon",
    "call_at",
    "call_later",
    "call_soon_threadsafe",
    "_add_reader",
    "_add_writer",
    "run_in_executor",
    "set_task_factory",
    "get_task_factory",
)

_CANCEL_BITS: Final = ~7
#: asyncio's callback that hands a concurrent future's result (an executor job's) to the
#: loop's future (``futures._chain_future``)
_CHAINED_RESULT: Final = "_chain_future.<locals>._set_state"


#: the file of ``concurrent.futures.Future`` (its ``add_done_callback``)
_FUTURES_BASE: Final = os.path.join("concurrent", "futures", "_base.py")


def _done_when_chained() -> bool:
    """The concurrent future being handed on was done before asyncio chained it: its
    done-callback runs inside ``concurrent.futures``' ``add_done_callback`` itself (a
    few frames up from the ``call_soon_threadsafe`` hook that asks: 3 on 3.11-3.13; a
    few more are looked at, for versions that add a helper between), not from the
    ``set_result`` of whoever completed it just now (a task's step, for
    ``run_coroutine_threadsafe``)."""
    frame: FrameType | None
    try:
        frame = sys._getframe(2)
    except ValueError:
        return False
    for _ in range(4):
        if frame is None:
            return False
        code = frame.f_code
        if code.co_name == "add_done_callback" and code.co_filename.endswith(_FUTURES_BASE):
            return True
        frame = frame.f_back
    return False


#: asyncio's C Task and its pure-Python twin (not a subclass of it)
_TASK_TYPES: Final = (asyncio.Task, asyncio.tasks._PyTask)  # type: ignore[attr-defined]
#: Futures that a cancel passes through to the work they wait for: cancelling a task
#: that awaits one of these cancels that work, and the task is woken only when the
#: work has ended (a step of it wakes the task), not by the cancel.  Any other future
#: the task awaits is cancelled on the spot, and the cancel is what wakes it.
#: (gather's future is not one: cancelled, it cancels its children and ends with their
#: CancelledError set as its exception, not cancelled)
_PROPAGATING: Final = _TASK_TYPES
_LOOP_CREATE_TASK: Final = asyncio.BaseEventLoop.create_task.__code__
_HANDLE_RUN_CODE: Final = asyncio.Handle._run.__code__
#: Tasks may run their first step inside the factory (``eager_start``) from 3.12 on.
_EAGER_TASKS: Final = sys.version_info >= (3, 12)
#: ... and from 3.14 on without a task factory (``create_task(eager_start=True)``).
_FACTORY_ALWAYS: Final = sys.version_info >= (3, 14)


def _refs_of(task: object) -> int:
    return sys.getrefcount(task)


def _unheld_refs() -> int:
    """``sys.getrefcount(task)`` in ``Tracer._task_end`` for a task nothing else refers
    to: the step's callback that the loop still holds (the task's bound step or wakeup),
    the caller's local ``task``, the parameter, and the count's own argument, as the
    interpreter counts them (measured here, in the same shape, not assumed).  Anything
    more is a holder: an awaiting task, gather, wait, a TaskGroup, a set, a variable, a
    done callback's handle."""
    held_by_loop = [object()]
    task = held_by_loop[0]
    return _refs_of(task)


#: see ``_unheld_refs``
_UNHELD: Final = _unheld_refs()


class _TaskRef(weakref.ref):  # type: ignore[type-arg]
    """Weak reference from our id table to a task: never keeps a task alive."""

    __slots__ = ("code", "key", "tid")
    tid: int
    code: int  # the packed waker "woken by this task"
    key: int  # id(task)


class _KindCallback:
    """A loop callback that runs with a known waker (timer, io, thread, or inherited).

    To asyncio it passes for the callback it wraps: its attributes, its repr and its
    class (``__class__``, which ``isinstance`` consults), so "Exception in callback
    f(1)() at file:line", a slow-callback warning and debug mode's checks read the
    same as without the tracer (a ``functools.partial`` is formatted as one, a
    function's source line is found).  ``type()`` still tells it apart: the hooks use
    that.  Only what asyncio accepts is wrapped (``_wrappable``).
    """

    __slots__ = ("_callback", "_tracer", "_waker")

    def __init__(self, callback: Callable[..., Any], waker: int, tracer: Tracer) -> None:
        self._callback = callback
        self._waker = waker
        self._tracer = tracer

    def __call__(self, *args: Any) -> Any:
        tracer = self._tracer
        if not tracer.enabled:
            return self._callback(*args)
        rec = tracer._rec
        prev_waker, prev_t0 = rec.waker, rec.step_t0
        rec.step_t0 = t0 = tracer.clock()  # (before the waker: a sampler reads them so)
        rec.waker = self._waker
        try:
            return self._callback(*args)
        finally:
            rec.waker, rec.step_t0 = prev_waker, prev_t0  # (first: the clock may raise)
            t1 = tracer.clock()
            if t1 - t0 >= tracer.slow_callback_duration:
                tracer._blocked(NO_TASK, t0, t1, func_name(self._callback))

    def __getattr__(self, name: str) -> Any:  # __qualname__ etc. for asyncio's reprs
        return getattr(self._callback, name)

    def __repr__(self) -> str:
        return repr(self._callback)

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # (see the class's docstring)
        return type(self._callback)


def _wrappable(callback: Any) -> bool:
    """Whether ``callback`` may be wrapped in a ``_KindCallback``: what asyncio's debug
    mode refuses (``_check_callback``: a coroutine or a coroutine function, anything not
    callable) is handed on as it is, so debug mode still raises its TypeError, and
    outside debug mode it fails later exactly as it would untraced."""
    return callable(callback) and not (
        inspect.iscoroutine(callback)
        or inspect.iscoroutinefunction(callback)
        or getattr(callback, "_is_coroutine", None) is _IS_COROUTINE
    )


#: the mark asyncio's ``iscoroutinefunction`` also accepts (set by ``unittest.mock``)
_IS_COROUTINE: Final = getattr(asyncio.coroutines, "_is_coroutine", object())


#: Internal wake kind: "inside a callback scheduled by task N's step".  Recorded as
#: ``WAKE_TASK`` (the task caused the wake), but N is not *running*: a task created
#: here has no parent.
_INHERITED: Final = 7


def _inherit(waker: int) -> int:
    """The waker a plain callback scheduled now runs with."""
    return (waker & _CANCEL_BITS) | _INHERITED if waker & 7 == schema.WAKE_TASK else waker


class RunKey:
    """What ``RUN`` holds in a traced run's context: its tracer, weakly.

    Code that runs in the context (``visualizer.mark``) finds its own recording through
    it, never through a process-wide "current recording": a virtual run may record in a
    worker thread while a live one records on the GUI's loop.  Weakly: a context can
    outlive its recording (a callback left behind), and must not keep it alive.
    """

    __slots__ = ("_tracer",)

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = weakref.ref(tracer)

    def tracer(self) -> Tracer | None:
        return self._tracer()


def current_tracer() -> Tracer | None:
    """The tracer recording the code running now (None: that code is not traced)."""
    key = RUN.get(None)
    return key.tracer() if type(key) is RunKey else None


class Tracer:
    """Records one run's tasks into ``store`` from any number of loops it is installed on.

    ``clock`` gives the times written to the store; it should be the loop's own
    clock (``time.monotonic`` for the stock loops, a ``VirtualClock``'s ``time``
    on a virtual-time loop).  A step or callback that holds the loop for at least
    ``slow_callback_duration`` seconds is also written to ``store.blocked``, and while
    one runs ``stack_threshold`` seconds or longer (by default the same) the loop
    thread's stack is sampled into ``store.stack_samples`` (``instrument.stacks``; not
    positive or infinite: never).
    """

    __slots__ = (
        "__weakref__",
        "_coro_sids",
        "_describer",
        "_dispatch_codes",
        "_eager_done",
        "_errors",
        "_failure",
        "_ids",
        "_inner_factories",
        "_installed",
        "_names",
        "_pending",
        "_rec",
        "_resources",
        "_sampler",
        "_sites",
        "_threads_before",
        "clock",
        "default_executor",
        "enabled",
        "key",
        "slow_callback_duration",
        "store",
    )

    def __init__(
        self,
        store: TraceStore,
        clock: Callable[[], float] = time.monotonic,
        *,
        slow_callback_duration: float = 0.1,
        stack_threshold: float | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.slow_callback_duration = slow_callback_duration
        store.slow_threshold = slow_callback_duration
        self.key = RunKey(self)
        self.enabled = True
        self._failure: BaseException | None = None
        self._ids: dict[int, _TaskRef] = {}
        self._sites: dict[tuple[int, int], int] = {}
        self._coro_sids: dict[int, int] = {}  #: id(code) -> string id of its qualname
        #: ids of the code that runs loop callbacks (asyncio's and our Handle._run ...)
        self._dispatch_codes: frozenset[int] = frozenset({id(_HANDLE_RUN_CODE)})
        self._describer = AwaitDescriber(store)
        #: the hot state (recorder.py, in C where built): ``waker`` is what is running
        #: now, packed like a waker: a task's step (WAKE_TASK), a timer/io/thread
        #: callback, or a callback a task scheduled (_INHERITED); ``room`` is the rows
        #: left before the store is full
        self._rec: recorders.Recorder = recorders.make_recorder(
            store,
            self._describer,
            clock,
            ids=self._ids,
            slow=slow_callback_duration,
            fail=self._fail,
            task_error=self._task_error,
            blocked=self._blocked_callback,
        )
        self._pending: list[int] = []  # task ids allocated by the factory, not yet bound
        self._installed: dict[int, tuple[asyncio.AbstractEventLoop, dict[str, Any]]] = {}
        self._inner_factories: dict[int, Any] = {}
        self._eager_done: list[tuple[Any, int]] = []  #: finished eagerly, name not read yet
        #: id(exception) -> the task it ended: a task's unretrieved exception is reported
        #: (loop.call_exception_handler) when the task is freed, long after it ended
        self._errors: dict[int, int] = {}
        #: threads alive before the run (a GUI's, a test runner's): not the program's
        self._threads_before: frozenset[threading.Thread] = frozenset(threading.enumerate())
        #: the executor the run's ``run_in_executor(None, ...)`` (``to_thread``) uses, when
        #: the run shares a loop whose default one is not asyncio's (the window's: qasync's
        #: QThreads, rows named "Dummy-N"): a pool as ``asyncio.run`` would make (None: the
        #: loop's own default)
        self.default_executor: concurrent.futures.Executor | None = None
        #: asyncio's default task names, numbered by the run (``task_names``)
        self._names = DefaultNames()
        #: the run's queues, locks ... (``resources``): recorded from ``install`` to ``finish``
        self._resources = resources.ResourceRecorder(self)
        #: the loop thread's stack while a step holds the loop (from ``install`` on)
        self._sampler = stacks.StackSampler(
            self, slow_callback_duration if stack_threshold is None else stack_threshold
        )

    # --- which tasks belong to the run --------------------------------------------
    def bind_current_context(self) -> contextvars.Token[object]:
        """Mark the current context (and every task created from it) as the run's."""
        return RUN.set(self.key)

    def new_context(self) -> contextvars.Context:
        """A fresh context for a run's root task (``loop.create_task(..., context=)``)."""
        ctx = contextvars.copy_context()
        ctx.run(RUN.set, self.key)
        return ctx

    def in_run(self, context: contextvars.Context | None = None) -> bool:
        if context is not None:
            return context.get(RUN) is self.key
        return RUN.get(None) is self.key

    @property
    def _running(self) -> int:
        """The task whose step is running now, or NO_TASK (a callback, or nothing)."""
        waker = self._rec.waker
        return schema.waker_task(waker) if waker & 7 == schema.WAKE_TASK else NO_TASK

    def running_step(self) -> tuple[int, float] | None:
        """(packed waker, start) of the run's step or callback running now, or None:
        for another thread (a streamer, a watchdog, the stack sampler), which reads the
        two numbers the hot path writes (the start first; the waker read twice, so a
        step that ends in between gives None, not the next one's start)."""
        if not self.enabled:
            return None
        rec = self._rec
        waker, t0 = rec.waker, rec.step_t0
        if waker == CALLBACK_WAKER or waker != rec.waker:
            return None
        return waker, t0

    def live_tasks(self) -> list[asyncio.Task[Any]]:
        """The run's tasks that have not finished (what a Stop button cancels)."""
        tasks = (ref() for ref in list(self._ids.values()))
        return [task for task in tasks if task is not None and not task.done()]

    @property
    def compiled(self) -> bool:
        """True if the hot path runs in C (``visualizer.instrument._hot``)."""
        return not isinstance(self._rec, recorders.PyRecorder)

    @property
    def failure(self) -> BaseException | None:
        """The error that switched the tracer off, if one did."""
        return self._failure

    # --- install / uninstall --------------------------------------------------------
    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        """Hook ``loop`` (idempotent). Works on any loop whose methods are looked up by name."""
        if id(loop) in self._installed:
            return
        if not self._resources.on and self.store.finished_at is None:
            self._resources.on = True
            resources.attach()
        saved: dict[str, Any] = {n: loop.__dict__[n] for n in _HOOKED if n in loop.__dict__}
        hooks = self._make_hooks(loop)
        if _EAGER_TASKS:
            # Eager tasks run their first step inside the task factory, so chain it:
            # ours wraps whatever factory the loop has now or the program sets later.
            self._inner_factories[id(loop)] = loop.get_task_factory()
        for name, hook in hooks.items():
            setattr(loop, name, hook)
        self._installed[id(loop)] = (loop, saved)
        self._dispatch_codes |= _dispatch_codes_of(type(loop))
        if _EAGER_TASKS:
            self._place_task_factory(loop)
        self._sampler.watch(threading.get_ident(), self.clock)  # (this thread runs it)

    def _place_task_factory(self, loop: asyncio.AbstractEventLoop) -> None:
        """Put our chaining factory on ``loop`` where eager starts can happen.

        On 3.12 and 3.13 a task starts eagerly only through a task factory the
        program sets, so ours goes in only then: any factory at all makes 3.13.0-3.13.2
        name unnamed tasks "None" (CPython gh-130033).  From 3.14 on,
        ``create_task(..., eager_start=True)`` needs no factory, so ours is always there.
        """
        inner = self._inner_factories.get(id(loop))
        if _FACTORY_ALWAYS or inner is not None:
            type(loop).set_task_factory(loop, self._make_task_factory(loop))
        else:
            type(loop).set_task_factory(loop, None)

    def uninstall(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Restore ``loop`` (or every hooked loop) exactly as it was before ``install``."""
        loops = [loop] if loop is not None else [entry[0] for entry in self._installed.values()]
        for each in loops:
            entry = self._installed.pop(id(each), None)
            if entry is None:
                continue
            _, saved = entry
            for name in _HOOKED:
                each.__dict__.pop(name, None)
            each.__dict__.update(saved)
            if id(each) in self._inner_factories:
                factory = self._inner_factories.pop(id(each))
                each.set_task_factory(factory)  # closed too: else it keeps the tracer alive
        if not self._installed and self._resources.on:  # (a run left without ``finish``)
            self._resources.on = False
            resources.detach()
        if not self._installed:
            self._sampler.stop()

    def _fail(self, exc: BaseException) -> None:
        """A hook failed: switch tracing off (keep what was recorded) and log it once.

        Only for an ``Exception``: a ``KeyboardInterrupt`` or ``SystemExit`` passing
        through a hook (a second Ctrl-C lands wherever the loop is, our code included)
        is the program's, not a failure of ours; it goes on up, tracing stays on, and
        ``_interrupted`` mends the row it may have torn."""
        self._rec.enabled = False
        if self._failure is None:
            self._failure = exc
            log.error("asyncviz tracer failed and was switched off", exc_info=exc)
            store = self.store
            if store.truncated_at is None:  # nothing after this moment is known
                store.truncated_at = self.clock()
            self.record_live_names()
        self.enabled = False
        try:
            self.uninstall()
        except Exception:  # pragma: no cover - restoring must not raise either
            log.exception("asyncviz: restoring the loop after a tracer failure failed")

    def _interrupted(self) -> None:
        """A KeyboardInterrupt or SystemExit is passing through a hook: it may have landed
        between two columns of one row (a task's, a step's, a wake's); cut that row, so
        the rows after it line up and the trace can still be written."""
        self.store.mend()

    # --- registration ---------------------------------------------------------------
    def _register(self, task: asyncio.Task[Any], tid: int | None = None) -> _TaskRef:
        if tid is None:
            # once per task: inlined (see docs/performance.md, per-task costs)
            store = self.store
            loop = task.get_loop()
            factory = (
                self._inner_factories.get(id(loop)) if _EAGER_TASKS else loop.get_task_factory()
            )
            waker = self._rec.waker
            tid = len(store.task_parent)
            store.task_parent.append((waker >> 3) - 1 if waker & 7 == schema.WAKE_TASK else NO_TASK)
            store.task_created.append(self.clock())
            store.task_coro.append(self._coro_sid(task.get_coro()))
            store.task_site.append(self._creation_site(factory is not None))
            store.task_name.append(-1)
        self._names.renumber(task)
        # No weakref callback (a Python call at every task's death): call_soon checks
        # ref() is owner, so an entry left by a task that died pending is never
        # mistaken for a new object at the same address.
        ref = _TaskRef(task)
        ref.tid = tid
        ref.code = pack_waker(schema.WAKE_TASK, tid)
        ref.key = id(task)
        self._ids[ref.key] = ref
        return ref

    def _coro_sid(self, coro: Any) -> int:
        """String id of a coroutine's qualname, cached per code object (pinned)."""
        code = getattr(coro, "cr_code", None)
        if code is None:
            return self.store.intern(_coro_name_of(coro))
        sid = self._coro_sids.get(id(code))
        if sid is None:
            self._describer.pin(code)
            sid = self._coro_sids[id(code)] = self.store.intern(_coro_name_of(coro))
        return sid

    def _creation_site(self, program_factory: bool = False) -> int:
        """String id of the innermost user-code frame creating a task now (or -1).

        With a task factory of the program's, the innermost user frames may be that
        factory's (inside ``loop.create_task``): then the site is the first user
        frame above ``create_task``.  Without one, the first user frame is the site
        and the walk stops there.  It also stops where the loop runs a callback: a task
        a callback creates with no user code of its own (asyncio closing an abandoned
        async generator) has no site, not the line that started the loop.  Cached by
        ``(code, f_lasti)``.
        """
        frame: FrameType | None = sys._getframe(2)
        dispatch = self._dispatch_codes
        known = self._describer._user_code
        is_user = self._describer._is_user
        site: FrameType | None = None
        while frame is not None:
            code = frame.f_code
            if code is _LOOP_CREATE_TASK:
                site = None  # the user frames so far ran inside create_task: a task factory
            else:
                user = known.get(id(code))
                if user is None:
                    user = is_user(code)  # pins code, so its id is a safe key
                if user:
                    if site is not None or not program_factory:
                        site = site or frame
                        break  # (a second user frame: `site` was not inside a factory)
                    site = frame
                elif id(code) in dispatch:
                    break  # the loop running a callback: whatever is above did not create it
            frame = frame.f_back
        if site is None:
            return -1
        code = site.f_code
        key = (id(code), site.f_lasti)
        sid = self._sites.get(key)
        if sid is None:
            sid = self.store.intern(f"{code.co_filename}:{line_of(code, site.f_lasti)}")
            self._sites[key] = sid
        return sid

    def _blocked(self, task: int, t0: float, t1: float, what: str) -> None:
        self.store.blocked.append(Blocked(task, t0, t1, what))

    def _blocked_callback(self, t0: float, t1: float, callback: Any) -> None:
        self._blocked(NO_TASK, t0, t1, func_name(callback))

    # --- the hooks ------------------------------------------------------------------
    def _make_hooks(self, loop: asyncio.AbstractEventLoop) -> dict[str, Callable[..., Any]]:
        # The hot path: every task step passes through call_soon and run_step.  Keep it
        # to local variables, a few attribute reads and array appends (see
        # docs/performance.md for what each piece costs).
        tracer = self
        store = self.store
        ids = self._ids
        key = self.key
        clock = self.clock
        describer = self._describer
        rec = self._rec
        describe, record_step, record_wake = rec.describe, rec.step, rec.wake
        Task = _TASK_TYPES
        orig_call_soon = loop.call_soon
        orig_call_at = loop.call_at
        orig_call_later = loop.call_later
        orig_threadsafe = loop.call_soon_threadsafe
        orig_add_reader = getattr(loop, "_add_reader", None)
        orig_add_writer = getattr(loop, "_add_writer", None)
        orig_run_in_executor = loop.run_in_executor
        timer_waker = pack_waker(WAKE_TIMER)
        io_waker = pack_waker(WAKE_IO)
        thread_waker = pack_waker(WAKE_THREAD)
        # On asyncio's own loops, schedule exactly as BaseEventLoop.call_soon does (it
        # is four lines) instead of stacking two more Python frames on every step.
        stock = type(loop).call_soon is asyncio.BaseEventLoop.call_soon and (
            type(loop)._call_soon is asyncio.BaseEventLoop._call_soon  # type: ignore[attr-defined]
        )
        ready_append = loop._ready.append if stock else None  # type: ignore[attr-defined]

        def finish_step(ref: _TaskRef, t0: float, t1: float) -> None:
            """Record the step that just ran: how it ended, and what the task now awaits."""
            try:
                task: Any = ref()
                tid = ref.tid
                if task._fut_waiter is not None:
                    code = describe(task)
                elif not task.done():
                    code = END_READY
                else:
                    code = tracer._task_end(task, ref)
                record_step(tid, t0, t1, code)
                # (steps that held the loop too long are found in the steps table)
            except Exception as exc:
                tracer._fail(exc)
            except BaseException:
                tracer._interrupted()
                raise

        def run_step(ref: _TaskRef, callback: Any, *args: Any) -> Any:
            """A task step scheduled through a loop we cannot hand our own Handle to."""
            if not tracer.enabled:
                return callback(*args)
            prev_waker, prev_t0 = rec.waker, rec.step_t0
            rec.step_t0 = t0 = clock()  # (before the waker: a streamer reads them so)
            rec.waker = ref.code
            try:
                return callback(*args)
            finally:
                rec.waker, rec.step_t0 = prev_waker, prev_t0  # (first: the clock may raise)
                finish_step(ref, t0, clock())

        # On asyncio's own loops the hook builds the Handle itself, as a subclass
        # whose _run times the step: no wrapper callable, no extra frame, and the
        # handle's callback stays the task's own (asyncio's debug output unchanged).
        classes = _handle_classes(tracer, clock)
        if classes is None:  # pragma: no cover - a future asyncio: wrap callbacks instead
            ready_append = None
            classes = (None, None)
        step_handle: Any
        waker_handle: Any
        step_handle, waker_handle = classes
        # where the loop runs callbacks: the creation-site walk stops there
        dispatch = [cls._run for cls in classes if cls is not None]
        dispatch += [_KindCallback.__call__, run_step]
        tracer._dispatch_codes |= {id(func.__code__) for func in dispatch}

        def run_step_named(task: Any, ref: _TaskRef, callback: Any, *args: Any) -> Any:
            """run_step bound to the task, so asyncio's debug messages name the task."""
            return run_step(ref, callback, *args)

        probed = _task_callbacks()
        trust_self = probed is None
        step_type, wakeup_type, wakeup_name, task_funcs = probed or (None, None, "", frozenset())

        def call_soon(callback: Any, *args: Any, context: Any = None) -> Any:
            debug = ready_append is not None and loop._debug  # type: ignore[attr-defined]
            if debug:
                # asyncio's own checks first (BaseEventLoop.call_soon makes them in debug
                # mode): a call it refuses is the program's error, raised as it raises
                # it, before anything is recorded
                loop._check_closed()  # type: ignore[attr-defined]
                loop._check_thread()  # type: ignore[attr-defined]
                loop._check_callback(callback, "call_soon")  # type: ignore[attr-defined]
            # A task's own step or wakeup, or any other callback?  (A bound method of a
            # task the program schedules, `call_soon(task.cancel)`, is not a step.)
            callback_type = type(callback)
            if (
                callback_type is step_type
                or (callback_type is wakeup_type and callback.__name__ == wakeup_name)
                or (callback_type is MethodType and callback.__func__ in task_funcs)
                or trust_self
            ):
                owner: Any = getattr(callback, "__self__", None)
                ref = ids.get(id(owner))
            else:
                owner = ref = None
            plain: int | None = None  # the waker of a plain callback we run, if we do
            try:
                if ref is None or ref() is not owner:
                    if not tracer.enabled:
                        ref = None
                    elif isinstance(owner, Task) and (
                        context.get(RUN) is key if context is not None else tracer.in_run()
                    ):
                        pending = tracer._pending
                        ref = tracer._register(owner, pending.pop() if pending else None)
                    else:
                        ref = None
                        waker = rec.waker
                        # (a task outside the run must not act as whoever woke it)
                        if waker != CALLBACK_WAKER and not isinstance(owner, Task):
                            plain = _inherit(waker)
                if ref is not None and args and not isinstance(args[0], BaseException):
                    # a wakeup: what the task awaited has completed, now
                    waker = rec.waker
                    kind = waker & 7
                    if (
                        args[0].cancelled()
                        and not isinstance(args[0], _PROPAGATING)
                        and owner.cancelling()
                    ):
                        # cancel() was called on this task; one that merely awaited
                        # something that ended cancelled is woken as usual
                        waker = (waker & _CANCEL_BITS) | WAKE_CANCEL
                    elif kind == _INHERITED:
                        waker = (waker & _CANCEL_BITS) | schema.WAKE_TASK
                    record_wake(ref.tid, clock(), waker)
            except Exception as exc:
                tracer._fail(exc)
                ref = plain = None
            except BaseException:
                tracer._interrupted()
                raise
            # Schedule it.  On asyncio's own loops, as BaseEventLoop.call_soon does, with
            # our Handle (in debug mode too: the same Handle, with asyncio's checks above
            # and the stack it notes); on other loops through their call_soon, wrapped.
            if ref is None:
                if plain is None:
                    return orig_call_soon(callback, *args, context=context)
                if ready_append is None:
                    if _wrappable(callback):
                        callback = _KindCallback(callback, plain, tracer)
                    return orig_call_soon(callback, *args, context=context)
                if loop._closed:  # type: ignore[attr-defined]
                    raise RuntimeError("Event loop is closed")
                handle = waker_handle(callback, args, loop, context)
                handle._waker = plain
                handle._rec = rec
            else:
                if ready_append is None:
                    if loop.get_debug():
                        callback_ = MethodType(run_step_named, owner)
                        return orig_call_soon(callback_, ref, callback, *args, context=context)
                    return orig_call_soon(run_step, ref, callback, *args, context=context)
                if loop._closed:  # type: ignore[attr-defined]
                    raise RuntimeError("Event loop is closed")
                handle = step_handle(callback, args, loop, context)
                handle._ref = ref
                handle._rec = rec
            if debug:
                # where it was scheduled from (Handle.__init__ notes it in debug mode):
                # the caller's stack, without this hook
                handle._source_traceback = format_helpers.extract_stack(sys._getframe(1))
            ready_append(handle)
            return handle

        def wrap_kind(callback: Any, waker: int, context: Any) -> Any:
            if not tracer.enabled or type(callback) is _KindCallback:
                return callback
            if not tracer.in_run(context) or not _wrappable(callback):
                return callback
            return _KindCallback(callback, waker, tracer)

        def call_at(when: float, callback: Any, *args: Any, context: Any = None) -> Any:
            callback = wrap_kind(callback, timer_waker, context)
            return orig_call_at(when, callback, *args, context=context)

        def call_later(delay: float, callback: Any, *args: Any, context: Any = None) -> Any:
            if delay > 0:  # qasync's call_soon is call_later(0, ...): not a timer
                callback = wrap_kind(callback, timer_waker, context)
            return orig_call_later(delay, callback, *args, context=context)

        def call_soon_threadsafe(callback: Any, *args: Any, context: Any = None) -> Any:
            # runs in another thread: its context is not the run's, so always wrap
            if tracer.enabled and type(callback) is not _KindCallback and _wrappable(callback):
                if getattr(loop, "_thread_id", None) == threading.get_ident():
                    # called on the loop's own thread, inside a step or a callback: the
                    # same as call_soon; but a job's result handed on as its future is
                    # chained (its thread finished before: a busy machine) was the
                    # thread's doing, not the step's that chained it
                    waker = (
                        thread_waker
                        if getattr(callback, "__qualname__", "") == _CHAINED_RESULT
                        and _done_when_chained()
                        else _inherit(rec.waker)
                    )
                    callback = _KindCallback(callback, waker, tracer)
                    return orig_threadsafe(callback, *args, context=context)
                callback = _KindCallback(callback, thread_waker, tracer)
                if context is None and threading.current_thread() not in tracer._threads_before:
                    # A thread the program started (its context is empty, not a copy of
                    # the run's): what it hands the loop is the program's, e.g. the task
                    # run_coroutine_threadsafe makes.
                    context = tracer.new_context()
            return orig_threadsafe(callback, *args, context=context)

        def add_reader(fd: Any, callback: Any, *args: Any) -> Any:
            assert orig_add_reader is not None
            return orig_add_reader(fd, wrap_kind(callback, io_waker, None), *args)

        def add_writer(fd: Any, callback: Any, *args: Any) -> Any:
            assert orig_add_writer is not None
            return orig_add_writer(fd, wrap_kind(callback, io_waker, None), *args)

        def run_in_executor(executor: Any, func: Any, *args: Any) -> asyncio.Future[Any]:
            if executor is None and tracer.default_executor is not None and tracer.in_run():
                executor = tracer.default_executor
            if not tracer.enabled or not tracer.in_run() or not _wrappable(func):
                # (a coroutine function: debug mode refuses it; ours would hide it)
                return orig_run_in_executor(executor, func, *args)
            job = Job(len(store.jobs), func_name(func), tracer._running, clock())
            if _runs_in_threads(executor):
                with store.lock:
                    store.jobs.append(job)
                future = orig_run_in_executor(executor, _job_runner(job, func, clock), *args)
            else:
                # It runs elsewhere (another process), or the executor pickles what it is
                # given: the job cannot be wrapped.  Its end is when the result reaches
                # this process (the executor's future completes, from its thread), before
                # the loop hears of it and wakes the task; the loop's run_in_executor
                # is kept (its checks, its count of jobs in flight).
                job.thread = executor_row(executor)
                noting: Any = _Noting(executor, job, clock)
                future = orig_run_in_executor(noting, func, *args)
                with store.lock:
                    store.jobs.append(job)
            describer.future_labels[future] = executor_label(func)
            return future

        def set_task_factory(factory: Any) -> None:
            if factory is not None and not callable(factory):
                raise TypeError("task factory must be a callable or None")
            tracer._inner_factories[id(loop)] = factory
            tracer._place_task_factory(loop)

        def get_task_factory() -> Any:
            return tracer._inner_factories.get(id(loop))

        hooks: dict[str, Callable[..., Any]] = {
            "call_soon": _compiled_call_soon(
                tracer, loop, call_soon, orig_call_soon, ready_append, classes, probed
            )
            or call_soon,
            "call_at": call_at,
            "call_later": call_later,
            "call_soon_threadsafe": call_soon_threadsafe,
            "run_in_executor": run_in_executor,
        }
        if _EAGER_TASKS:
            hooks["set_task_factory"] = set_task_factory
            hooks["get_task_factory"] = get_task_factory
        if orig_add_reader is not None:
            hooks["_add_reader"] = add_reader
        if orig_add_writer is not None:
            hooks["_add_writer"] = add_writer
        return hooks

    def _make_task_factory(self, loop: asyncio.AbstractEventLoop) -> Callable[..., Any]:
        """Chain the program's factory; catch eager tasks (3.12+) whose first step runs here."""
        tracer = self
        store = self.store

        def task_factory(loop_: Any, coro: Any, **kwargs: Any) -> Any:
            inner = tracer._inner_factories.get(id(loop))
            if not tracer.enabled or not tracer.in_run(kwargs.get("context")):
                return _make_task(inner, loop_, coro, kwargs)
            clock = tracer.clock
            try:
                tid = store.add_task(
                    tracer._running,
                    clock(),
                    store.intern(_coro_name_of(coro)),
                    tracer._creation_site(inner is not None),
                )
            except BaseException:
                tracer._interrupted()
                raise
            tracer._pending.append(tid)
            rec = tracer._rec
            prev_waker, prev_t0 = rec.waker, rec.step_t0
            rec.step_t0 = t0 = clock()
            rec.waker = pack_waker(schema.WAKE_TASK, tid)
            try:
                task = _make_task(inner, loop_, coro, kwargs)
            finally:
                t1 = clock()
                rec.waker, rec.step_t0 = prev_waker, prev_t0
                if tracer._pending and tracer._pending[-1] == tid:
                    tracer._pending.pop()
            try:
                tracer._after_create(task, tid, t0, t1)
            except Exception as exc:
                tracer._fail(exc)
            except BaseException:
                tracer._interrupted()
                raise
            return task

        return task_factory

    def _after_create(self, task: Any, tid: int, t0: float, t1: float) -> None:
        if not isinstance(task, _TASK_TYPES):
            return
        ref = self._ids.get(id(task))
        if ref is None or ref() is not task:
            ref = self._register(task, tid)
        if task.done():  # finished in the factory: get_coro() is None (crashes 3.12.0-3.12.4)
            eager = True
        else:
            coro = task.get_coro()
            eager = type(coro) is CoroutineType and (coro.cr_frame is None or coro.cr_suspended)
        if eager:
            # eager start (3.12+): the first step ran inside the factory
            self.store.task_created[ref.tid] = t0
            self._record_eager_step(task, ref.tid, t0, t1)

    def _record_eager_step(self, task: asyncio.Task[Any], tid: int, t0: float, t1: float) -> None:
        if task._fut_waiter is not None:  # type: ignore[attr-defined]
            code = self._rec.describe(task)
        elif not task.done():
            code = END_READY
        else:
            ref = self._ids.get(id(task))
            assert ref is not None
            # create_task names the task after the factory returns: read the name later
            code = self._task_end(task, ref, name_now=False)
            self._eager_done.append((task, tid))
        self._rec.step(tid, t0, t1, code)

    def _task_end(self, task: Any, ref: _TaskRef, *, name_now: bool = True) -> int:
        """The task has just finished: note its outcome and final name; its end code.
        ``name_now`` False: it finished eagerly, inside ``create_task`` (which holds it)."""
        tid = ref.tid
        store = self.store
        if task.cancelled():
            code = END_CANCELLED
        else:
            if task._exception is not None:
                code = END_ERROR
                self._task_error(tid, task._exception)
            else:
                code = END_DONE
            # (what only this moment shows: store.TaskEnd; the count as _UNHELD's)
            unheld = name_now and sys.getrefcount(task) <= _UNHELD
            cancelling = task.cancelling()
            if cancelling or unheld:
                store.note_end(tid, cancelling, unheld)
        if name_now:
            store.set_name(tid, task.get_name())
        self._ids.pop(ref.key, None)
        return code

    def _task_error(self, tid: int, exc: BaseException) -> None:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.store.task_error[tid] = TaskError(type(exc).__qualname__, str(exc), text)
        self._errors[id(exc)] = tid

    def task_id(self, task: object, *, dying: bool = False) -> int | None:
        """Our id of one of the run's tasks (None if it is not the run's).  ``dying``:
        the task is being finalized (a report asyncio makes as it frees it), and a
        cyclic collection clears its weak reference first; the object at that address
        is still this task, so the key is enough then, and only then."""
        ref = self._ids.get(id(task))
        if ref is not None:
            alive = ref()
            if alive is task or (dying and alive is None):
                return ref.tid
        return None

    def forget(self, task: asyncio.Task[Any]) -> None:
        """A task destroyed while pending: its address may be reused by another object,
        which must not pass for it."""
        if self.task_id(task, dying=True) is not None:
            del self._ids[id(task)]

    def note_name(self, task: asyncio.Task[Any]) -> None:
        """Note the name of one of the run's tasks now: one destroyed while pending
        (reported as it is freed) is never seen to end, so its name would be lost."""
        tid = self.task_id(task, dying=True)
        if tid is not None:
            self.store.set_name(tid, task.get_name())

    def task_named(self, name: str) -> int | None:
        """The run's task called ``name``: a live one, else the last one made (for a
        report that names a task only in its text, as debug mode's slow-step warning
        does)."""
        for ref in list(self._ids.values()):
            task = ref()
            if task is not None and task.get_name() == name:
                return ref.tid
        names, strings = self.store.task_name, self.store.strings
        for tid in range(len(names) - 1, -1, -1):  # (rare: only for such a report)
            if names[tid] >= 0 and strings[names[tid]] == name:
                return tid
        return None

    def task_of_error(self, exc: BaseException) -> int | None:
        """The run's task that ended by raising ``exc`` (None if none did)."""
        tid = self._errors.get(id(exc))
        error = None if tid is None else self.store.task_error.get(tid)
        if error is None or error.type != type(exc).__qualname__ or error.message != str(exc):
            return None  # (an id reused by another exception)
        return tid

    # --- the program's own notes --------------------------------------------------------
    def note(self, label: str) -> None:
        """A labelled instant of the program's own (``visualizer.mark``): now, on the lane
        of the run's task running now, or on the loop's row (a callback, a thread)."""
        store = self.store
        if not self.enabled or store.finished_at is not None:
            return  # (nothing after the tracer stopped is known: no note either)
        try:
            task = asyncio.current_task()
        except RuntimeError:  # no loop running in this thread (``asyncio.to_thread``)
            task = None
        tid = NO_TASK
        if task is not None:
            known = self.task_id(task)
            # (an eager task's first step runs before the task is registered)
            tid = self._running if known is None else known
        store.add_mark(self.clock(), tid, str(label), "note")

    # --- end of run -----------------------------------------------------------------
    def finish(self) -> None:
        """Record the final names of tasks still alive; note when the run ended."""
        self._sampler.stop()  # (no sample after the end)
        if self._resources.on:
            self._resources.on = False
            resources.detach()
        self.record_live_names()
        self._note_cancels_pending()
        self.store.sync()
        self.store.mend()  # (a row torn by an interrupt no hook saw)
        self.store.finished_at = self.clock()
        # A dict keeps its largest table after deletions: 100,000 tasks alive at once
        # leave 5 MB behind.  Compact it in place (the C recorder holds this object).
        live = dict(self._ids)
        self._ids.clear()
        self._ids.update(live)

    def _note_cancels_pending(self) -> None:
        """The cancel requests still pending on the tasks alive as the run ends (as
        ``_task_end`` notes them at a task's end): a task asked to stop long ago and
        still going caught the ``CancelledError`` and went on."""
        for ref in list(self._ids.values()):
            task = ref()
            if task is not None and not task.done() and (cancelling := task.cancelling()):
                self.store.note_end(ref.tid, cancelling, False)

    def record_live_names(self) -> None:
        """Note the current names of the run's live tasks (a live view calls this each
        frame: ``asyncio.create_task(name=...)`` names a task only after making it)."""
        store = self.store
        for task, tid in self._eager_done:
            store.set_name(tid, task.get_name())
        self._eager_done.clear()
        for ref in list(self._ids.values()):
            task = ref()
            if task is not None:
                store.set_name(ref.tid, task.get_name())


@functools.cache
def _task_callbacks() -> tuple[type, type, str, frozenset[Any]] | None:
    """How a Task schedules its own steps and wakeups with ``loop.call_soon``.

    Found by watching a real C Task on a stand-in loop (nothing runs on a real loop,
    so this works inside a running one), not by names that differ between versions:
    on 3.11-3.13 a step is a ``TaskStepMethWrapper`` and a wakeup the builtin method
    ``task_wakeup``; the pure-Python Task passes its bound ``__step`` / ``__wakeup``.
    Returns (step wrapper type, wakeup type, wakeup name, Python Task functions), or
    None if the probe fails on some future asyncio: then every bound method of a
    traced task is taken for its own (the behaviour before the probe existed).
    """
    try:
        probe_loop = _ProbeLoop()
        future: asyncio.Future[None] = asyncio.Future(loop=probe_loop)  # type: ignore[arg-type]
        # named: an unnamed task would take a number from asyncio's "Task-N" counter,
        # and the program's own tasks would be named differently
        task = asyncio.Task(_await(future), loop=probe_loop, name="asyncviz-probe")  # type: ignore[arg-type]
        ((step, _),) = probe_loop.scheduled
        step()  # the first step: the task now waits on the future, with its wakeup
        ((wakeup, _),) = future._callbacks
        future.set_result(None)
        for callback, args in probe_loop.scheduled[1:]:
            callback(*args)  # the wakeup: the task ends
        if not task.done():
            raise RuntimeError("the probe task did not finish")
        python_task = vars(asyncio.tasks._PyTask)  # type: ignore[attr-defined]
        funcs = frozenset(python_task[name] for name in ("_Task__step", "_Task__wakeup"))
        return type(step), type(wakeup), wakeup.__name__, funcs
    except Exception:  # pragma: no cover - a future asyncio
        log.warning("asyncviz: cannot tell a task's own callbacks apart", exc_info=True)
        return None


class _ProbeLoop:
    """Just enough of a loop for a Task to be made and stepped by hand."""

    def __init__(self) -> None:
        self.scheduled: list[tuple[Any, tuple[Any, ...]]] = []

    def get_debug(self) -> bool:
        return False

    def call_soon(self, callback: Any, *args: Any, context: Any = None) -> None:
        self.scheduled.append((callback, args))

    def call_exception_handler(self, context: dict[str, Any]) -> None:
        pass


async def _await(future: asyncio.Future[Any]) -> None:
    await future


#: the slots asyncio's Handle.__init__ sets (3.11-3.14); see _handle_classes
_HANDLE_SLOTS: Final = frozenset(
    ("_callback", "_args", "_cancelled", "_loop", "_source_traceback", "_repr", "_context")
)


class _QuickHandle(asyncio.Handle):
    """asyncio's Handle, made the way Handle.__init__ makes it outside debug mode,
    without its debug check (in debug mode the hook notes the stack itself)."""

    __slots__ = ()

    def __init__(self, callback: Any, args: Any, loop: Any, context: Any) -> None:
        self._context = context if context is not None else contextvars.copy_context()
        self._loop = loop
        self._callback = callback
        self._args = args
        self._cancelled = False
        self._repr = None
        self._source_traceback = None


#: the methods with which a loop runs its ready callbacks: asyncio's ``_run_once``, and
#: any a loop class names in ``_asyncviz_dispatch`` (the GUI loop's own iteration)
_DISPATCH_METHODS: Final = ("_run_once",)


def _dispatch_codes_of(loop_type: type) -> frozenset[int]:
    """Code ids of where ``loop_type`` runs callbacks: the creation-site walk stops there.
    (The compiled hot path runs a handle with no Python frame of its own, so the walk
    meets the loop's method next: a task a callback made with no user code of its own
    would otherwise be credited to the line that started the loop.)  Every class of
    the loop's: a subclass's ``_run_once`` may call its base's."""
    names = (*_DISPATCH_METHODS, *getattr(loop_type, "_asyncviz_dispatch", ()))
    codes = (
        getattr(cls.__dict__.get(name), "__code__", None)
        for cls in loop_type.__mro__
        for name in names
    )
    return frozenset(id(code) for code in codes if code is not None)


def _handle_classes(tracer: Tracer, clock: Callable[[], float]) -> tuple[Any, Any] | None:
    """Handle subclasses whose ``_run`` records what runs (made per install: closures).

    Only for stock loops (the hook checks): their ``__init__`` sets asyncio's slots
    directly, skipping the debug-mode check Handle.__init__ makes (in debug mode the
    hook makes asyncio's checks and notes the stack itself: the same Handles, so the
    same recording, as outside it), and StepHandle runs the step itself instead of
    through Handle._run, one Python call less on every step.  (None if asyncio's Handle has other
    slots than the ones known here: then the hooks wrap callbacks instead.)  An
    exception from a step (Task.__step catches everything, so only a broken
    asyncio raises) is reported by ``_report`` exactly as Handle._run reports it.
    """
    handle_run = asyncio.Handle._run
    handle_slots = set(asyncio.Handle.__slots__) - {"__weakref__"}
    if handle_slots != _HANDLE_SLOTS:  # pragma: no cover - a future asyncio
        return None
    store = tracer.store
    rec = tracer._rec
    describe = rec.describe
    step_task, step_start = store.step_task, store.step_start
    step_dur, step_code = store.step_dur, store.step_code
    # The C recorder stages its rows in blocks.  With it, this Python _run is in use
    # only where the C one does not fit (_compiled_call_soon), and its steps must go
    # through the recorder too: appended straight to the store, they would come before
    # rows staged earlier (an eager task's first step, recorded in the task factory).
    staged = not isinstance(rec, recorders.PyRecorder)
    record_step = rec.step

    class StepHandle(_QuickHandle):
        """A traced task's step or wakeup.  (``_run`` is replaced by the C one where
        the hot path is compiled: ``_compiled_call_soon``.)"""

        __slots__ = ("_rec", "_ref")
        _ref: _TaskRef
        _rec: Any

        def _run(self) -> None:
            # finish_step's body, inlined: this runs once per task step (docs/performance.md)
            ref = self._ref
            if not tracer.enabled:
                return handle_run(self)
            prev_waker, prev_t0 = rec.waker, rec.step_t0
            rec.step_t0 = t0 = clock()  # (before the waker: a streamer reads them so)
            rec.waker = ref.code
            try:
                self._context.run(self._callback, *self._args)
            except (SystemExit, KeyboardInterrupt):
                raise
            except BaseException as exc:
                _report(self, exc)  # asyncio reports it, as it would have
            finally:
                rec.waker, rec.step_t0 = prev_waker, prev_t0  # (first: the clock may raise)
                t1 = clock()
                try:
                    task: Any = ref()
                    waiter = task._fut_waiter
                    if waiter is not None:
                        code = describe(task)
                    elif not task.done():
                        code = END_READY
                    else:
                        code = tracer._task_end(task, ref)
                    if staged:
                        record_step(ref.tid, t0, t1, code)
                    else:
                        rec.room -= 1
                        if rec.room >= 0 or not store.full(t1):
                            step_task.append(ref.tid)
                            step_start.append(t0)
                            step_dur.append(t1 - t0)
                            step_code.append(code)
                except Exception as exc:
                    tracer._fail(exc)
                except BaseException:
                    tracer._interrupted()
                    raise
                # (this frame outlives the step when the step raised: the coroutine's
                # frame in the task's exception links back to it; what it holds would be
                # held with it, the task in a cycle that only the collector breaks, and
                # asyncio's "never retrieved" said late: asyncio's Handle._run does so too)
                task = self = None  # type: ignore[assignment]
            return None

    class WakerHandle(_QuickHandle):
        """A plain callback scheduled from a traced step: it wakes tasks on its behalf."""

        __slots__ = ("_rec", "_waker")
        _waker: int
        _rec: Any

        def _run(self) -> None:
            if not tracer.enabled:
                return handle_run(self)
            prev_waker, prev_t0 = rec.waker, rec.step_t0
            rec.step_t0 = t0 = clock()  # (before the waker: a sampler reads them so)
            rec.waker = self._waker
            try:
                handle_run(self)
            finally:
                rec.waker, rec.step_t0 = prev_waker, prev_t0  # (first: the clock may raise)
                t1 = clock()
                if t1 - t0 >= tracer.slow_callback_duration:
                    tracer._blocked(NO_TASK, t0, t1, func_name(self._callback))
            return None

    # A program (or asyncio's reprs: "<Handle ...>") sees asyncio's own name.
    for cls in (StepHandle, WakerHandle):
        cls.__name__ = cls.__qualname__ = "Handle"
    return StepHandle, WakerHandle


def _report(handle: asyncio.Handle, exc: BaseException) -> None:
    """Report ``exc``, which ``handle``'s callback raised, as asyncio's ``Handle._run``
    does (3.11-3.14: same message, same context keys, the traceback untouched); our
    ``_run`` ran the callback itself, so it caught the exception instead."""
    loop: Any = handle._loop  # type: ignore[attr-defined]
    callback, args = handle._callback, handle._args  # type: ignore[attr-defined]
    if _FORMAT_TAKES_DEBUG:
        source = _format_callback_source(callback, args, debug=loop.get_debug())
    else:
        source = _format_callback_source(callback, args)
    context: dict[str, Any] = {
        "message": f"Exception in callback {source}",
        "exception": exc,
        "handle": handle,
    }
    if handle._source_traceback:  # type: ignore[attr-defined]
        context["source_traceback"] = handle._source_traceback  # type: ignore[attr-defined]
    loop.call_exception_handler(context)


_format_callback_source: Final[Callable[..., str]] = format_helpers._format_callback_source
#: 3.13 added ``debug=`` (Handle._run passes the loop's debug flag)
_FORMAT_TAKES_DEBUG: Final = "debug" in inspect.signature(_format_callback_source).parameters


def _compiled_call_soon(
    tracer: Tracer,
    loop: asyncio.AbstractEventLoop,
    python_hook: Callable[..., Any],
    orig_call_soon: Callable[..., Any],
    ready_append: Callable[[Any], None] | None,
    classes: tuple[Any, Any],
    probed: tuple[type, type, str, frozenset[Any]] | None,
) -> Callable[..., Any] | None:
    """The C ``call_soon`` hook for ``loop``, and the C ``_run`` on our Handle classes.

    Only where everything the C code relies on was found: the C recorder, a stock loop
    (``ready_append``), our Handle classes, and the probe's step and wakeup types.
    Otherwise None: the Python hook is used as it is.
    """
    hot = recorders.hot
    step_cls, waker_cls = classes
    if not tracer.compiled or hot is None or ready_append is None or step_cls is None:
        return None
    if probed is None:  # pragma: no cover - a future asyncio
        return None
    step_type, wakeup_type, wakeup_name, _ = probed
    try:
        step_run, waker_run = hot.bind_handles(
            asyncio.Handle,
            step_cls,
            waker_cls,
            _TaskRef,
            _report,
            *awaits.agen_awaitable_types,
            _PROPAGATING,
        )
        step_cls._run = step_run
        waker_cls._run = waker_run
        hook: Callable[..., Any] = hot.Hook(
            recorder=tracer._rec,
            loop=loop,
            fallback=python_hook,
            orig=orig_call_soon,
            ready=ready_append,
            step_cls=step_cls,
            waker_cls=waker_cls,
            step_type=step_type,
            wakeup_type=wakeup_type,
            wakeup_name=wakeup_name,
        )
    except (TypeError, ValueError, RuntimeError):  # pragma: no cover - a future asyncio
        log.warning("asyncviz: the C hot path does not fit this asyncio", exc_info=True)
        return None
    return hook


def _make_task(inner: Any, loop: Any, coro: Any, kwargs: dict[str, Any]) -> Any:
    if inner is not None:
        return inner(loop, coro, **kwargs)
    return asyncio.Task(coro, loop=loop, **kwargs)


def _coro_name_of(coro: Any) -> str:
    name = getattr(coro, "__qualname__", None)
    if name is None:
        # asyncio closes an abandoned async generator in a task of its own, whose
        # "coroutine" is the generator's aclose(): name the generator
        agen = generator_of(coro)
        name = f"{agen.__qualname__}.aclose" if agen is not None else type(coro).__qualname__
    return str(name)


def _coro_name(task: asyncio.Task[Any]) -> str:
    return _coro_name_of(task.get_coro())


def _job_runner(job: Job, func: Any, clock: Callable[[], float]) -> Callable[..., Any]:
    def run(*args: Any) -> Any:
        job.thread = threading.current_thread().name
        job.start = clock()
        try:
            return func(*args)
        except BaseException as exc:
            job.error = f"{type(exc).__qualname__}: {exc}"
            raise
        finally:
            job.end = clock()

    return run


def _end_job(job: Job, clock: Callable[[], float]) -> None:
    job.end = clock()


def _runs_in_threads(executor: Any) -> bool:
    """Whether a job for ``executor`` runs in a thread of this interpreter, wrapped (None:
    the loop's default executor, a thread pool).  3.14's InterpreterPoolExecutor is a
    thread pool's subclass that pickles what it runs: not one."""
    if executor is None:
        return True
    return isinstance(executor, concurrent.futures.ThreadPoolExecutor) and not any(
        cls.__name__ == "InterpreterPoolExecutor" for cls in type(executor).__mro__
    )


def executor_row(executor: Any) -> str:
    """The name of the rows of an executor whose jobs run elsewhere (several at once)."""
    if isinstance(executor, concurrent.futures.ProcessPoolExecutor):
        return "process pool"
    return f"executor {type(executor).__name__}"


class _Noting:
    """An executor to asyncio, which only calls ``submit``: the real one's, noting when
    the job's result has come (its future's first callback: before asyncio's own)."""

    def __init__(self, executor: Any, job: Job, clock: Callable[[], float]) -> None:
        self.executor = executor
        self.job = job
        self.clock = clock

    def submit(self, func: Callable[..., Any], /, *args: Any) -> concurrent.futures.Future[Any]:
        job, clock = self.job, self.clock
        done: concurrent.futures.Future[Any] = self.executor.submit(func, *args)
        done.add_done_callback(lambda _f: _end_job(job, clock))
        return done
