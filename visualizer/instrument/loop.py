"""An asyncio loop whose clock is pluggable: real, virtual (idle waits skipped), or ideal.

Why a subclass and not a patch: the clock must agree with the selector.  The
loop computes its select timeout from ``time()`` and the next timer; on a
virtual clock, when that wait would be idle, ``select`` polls once without
blocking and the clock advances by exactly the timeout, so the timer is due
at once and fires at its exact virtual time.  The wait is idle only when
nothing can arrive from outside: no executor job in flight (counted here) and no
file descriptor watched except the loop's own self-pipe.  Otherwise the loop
waits for real, and real time passes on the virtual clock too.  On the ideal clock
(``clock.IdealClock``) time passes only then: the clock runs while the loop waits for
the world and stands still while it works, and ``time.sleep`` on the loop's thread moves
it (``ideal.running_on``, for as long as the loop runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import heapq
import selectors
import sys
import threading
import warnings
from asyncio.base_events import _format_handle  # type: ignore[attr-defined]
from asyncio.log import logger as asyncio_logger
from collections.abc import Callable, Iterator
from typing import Any

from visualizer.instrument import ideal
from visualizer.instrument.clock import Clock, IdealClock, LectureClock, RealClock, VirtualClock

#: the loop's own housekeeping coroutines, run by asyncio.run() after the program
_SHUTDOWN_CODES: frozenset[Any] = frozenset(
    {
        asyncio.BaseEventLoop.shutdown_asyncgens.__code__,
        asyncio.BaseEventLoop.shutdown_default_executor.__code__,
    }
)


class TracingEventLoop(asyncio.SelectorEventLoop):
    """A selector event loop on a ``RealClock``, a ``VirtualClock`` or an ``IdealClock``."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = clock if clock is not None else RealClock()
        self._jobs_in_flight = 0
        #: threads alive before the run (a GUI's, a test runner's): not the program's
        self._old_threads = set(threading.enumerate())
        super().__init__()
        if isinstance(self.clock, VirtualClock | IdealClock):
            skip_idle_waits(self, self.clock, self._idle_wait_is_skippable)

    def time(self) -> float:
        return self.clock.time()

    def run_forever(self) -> None:
        clock = self.clock
        if not isinstance(clock, IdealClock):
            return super().run_forever()
        with ideal.running_on(clock):
            return super().run_forever()

    def run_until_complete(self, future: Any) -> Any:
        return super().run_until_complete(_housekeeping_apart(self, future))

    def run_in_executor(  # type: ignore[override]
        self, executor: Any, func: Callable[..., Any], *args: Any
    ) -> Any:
        future = super().run_in_executor(executor, func, *args)
        self._jobs_in_flight += 1
        future.add_done_callback(self._job_done)
        return future

    def _job_done(self, _future: Any) -> None:
        self._jobs_in_flight -= 1

    def _idle_wait_is_skippable(self) -> bool:
        return _nothing_in_flight(self, self._jobs_in_flight, self._old_threads)


def _housekeeping_apart(loop: asyncio.AbstractEventLoop, future: Any) -> Any:
    """asyncio.run() (and Runner.close) ends by running the loop's own shutdown
    coroutines as tasks in the caller's context; under `record` that context is the
    traced run's, but these tasks are asyncio's housekeeping, not the program's: they
    run in an empty context (so they are not traced)."""
    if getattr(future, "cr_code", None) in _SHUTDOWN_CODES:
        return loop.create_task(future, context=contextvars.Context())
    return future


def _nothing_in_flight(loop: Any, jobs: int, old_threads: set[threading.Thread]) -> bool:
    """Whether nothing can arrive from outside ``loop``: no executor job in flight, no
    file descriptor watched but its self-pipe, no thread started since (other than the
    default executor's idle workers, whose jobs are counted, and asyncviz's own) that might call
    ``call_soon_threadsafe`` at any moment."""
    if jobs:
        return False
    if len(loop._selector.get_map()) > 1:  # (the self-pipe is always registered)
        return False
    pool = getattr(loop._default_executor, "_threads", ())
    return all(
        t in old_threads or t in pool or getattr(t, "asyncviz_own", False)  # (``stacks``)
        for t in threading.enumerate()
    )


def skip_idle_waits(
    loop: Any, clock: VirtualClock | IdealClock, skippable: Callable[[], bool]
) -> None:
    """On a virtual (or ideal) clock, ``loop``'s selector skips idle waits: when the wait
    would be idle (``skippable()``), it polls once without blocking and the clock advances
    to the next timer's deadline, so the timer is due at once, at its exact virtual time.
    On an ideal clock a wait that is not skipped (for the world) is the only time it runs.

    To the deadline as the clock reads now, not by the timeout: the loop reckoned the
    timeout a moment before, and a virtual clock's real time since then (the thread
    descheduled on a busy machine, or waiting for the GIL while another thread, the
    stack sampler's, looked) has passed already: advancing by the whole timeout would
    count it twice, and the timer would fire late.  (The ideal clock stands still on
    the loop's thread: by the timeout, as it was reckoned.)"""
    selector: selectors.BaseSelector = loop._selector
    real_select = selector.select
    ideal_clock = clock if isinstance(clock, IdealClock) else None

    def select(timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is not None and timeout <= 0:
            return real_select(timeout)  # (a poll: ready callbacks wait)
        if timeout is not None and skippable():
            events = real_select(0)
            if not events:
                # (the heap's first is the next due; the loop may swap the list itself)
                scheduled: list[Any] | None = getattr(loop, "_scheduled", None)
                if ideal_clock is None and scheduled:
                    clock.advance(scheduled[0].when() - clock.time())
                else:
                    clock.advance(timeout)
            return events
        if ideal_clock is None:
            return real_select(timeout)
        ideal_clock.start()
        try:
            return real_select(timeout)
        finally:
            ideal_clock.stop()

    selector.select = select  # type: ignore[method-assign]


def adopt_clock(loop: asyncio.AbstractEventLoop, clock: Clock) -> str | None:
    """Put a loop the program made itself (its own policy, ``Runner(loop_factory=...)``,
    a loop subclass) on the run's ``clock``, so its times are the trace's, with its
    housekeeping kept apart as on ours: None, or why it cannot be.  Its own ``time()``
    is ``time.monotonic``, the real clock's already; on a virtual (or ideal) clock it reads
    that one, and its selector skips idle waits as ours does (counting its executor
    jobs).  A loop without a selector (a proactor), or a lecture's (turned one callback
    at a time by its driver), cannot be."""
    if isinstance(loop, TracingEventLoop):
        return None
    inner_run_until_complete = loop.run_until_complete

    def run_until_complete(future: Any) -> Any:
        return inner_run_until_complete(_housekeeping_apart(loop, future))

    loop.run_until_complete = run_until_complete  # type: ignore[method-assign]
    if isinstance(clock, RealClock):
        return None
    name = f"{type(loop).__module__}.{type(loop).__qualname__}"
    if isinstance(clock, LectureClock):
        return f"{name}: a lecture turns only its own loops"
    if not isinstance(clock, VirtualClock | IdealClock) or not hasattr(loop, "_selector"):
        return f"{name} has no selector: its waits cannot be skipped on the {clock.kind} clock"
    jobs = [0]
    old_threads = set(threading.enumerate())
    inner_run_in_executor = loop.run_in_executor

    def job_done(_future: Any) -> None:
        jobs[0] -= 1

    def run_in_executor(executor: Any, func: Callable[..., Any], *args: Any) -> Any:
        future = inner_run_in_executor(executor, func, *args)
        jobs[0] += 1
        future.add_done_callback(job_done)
        return future

    loop.run_in_executor = run_in_executor  # type: ignore[method-assign,assignment]
    loop.time = clock.time  # type: ignore[method-assign]
    skip_idle_waits(loop, clock, lambda: _nothing_in_flight(loop, jobs[0], old_threads))
    if isinstance(clock, IdealClock):
        inner_run_forever = loop.run_forever

        def run_forever() -> None:
            with ideal.running_on(clock):
                inner_run_forever()

        loop.run_forever = run_forever  # type: ignore[method-assign]
    return None


class LectureEventLoop(TracingEventLoop):
    """A loop that is never left to run on its own: the lecture driver turns it one
    callback at a time (``run_one``), between the GUI's own turns, on the GUI's thread.

    Its turn is asyncio's ``_run_once`` cut in two: ``poll`` takes what is due now (I/O,
    without waiting; timers due on the clock) into the ready queue, ``run_one`` runs the
    first ready callback.  So a step can stop after any callback, and time moves only
    when the driver moves the clock.  While the driver runs it, it is the running loop
    of its thread (``driving``): the program's ``get_running_loop()``, its async
    generators' hooks and debug mode's thread checks see it, not the GUI's loop.
    """

    def __init__(self, clock: LectureClock) -> None:
        super().__init__(clock)
        self.lecture_clock = clock
        self._batch = 0  #: callbacks left of the batch ready at the last poll

    def poll(self) -> None:
        """What is due now into the ready queue: I/O events (no wait), then due timers."""
        events = self._selector.select(0)  # type: ignore[attr-defined]
        self._process_events(events)  # type: ignore[attr-defined]
        move_due_timers(self)

    def run_one(self) -> bool:
        """Run the first ready callback; False if none was ready.  As ``_run_once``,
        it polls once a batch: the callbacks ready at a poll run before the next poll
        (callbacks they make ready wait for it), one a call."""
        ready = self._ready  # type: ignore[attr-defined]
        while True:
            if self._batch <= 0 or not ready:
                self.poll()
                self._batch = len(ready)
                if not ready:
                    return False
            self._batch -= 1
            handle = ready.popleft()
            if handle._cancelled:
                continue
            if self._debug:  # type: ignore[attr-defined]
                # (as _run_once: debug mode times each callback)
                self._current_handle = handle
                try:
                    began = self.time()
                    handle._run()
                    took = self.time() - began
                    if took >= self.slow_callback_duration:
                        asyncio_logger.warning(
                            "Executing %s took %.3f seconds", _format_handle(handle), took
                        )
                finally:
                    self._current_handle = None
            else:
                handle._run()
            return True

    def next_timer(self) -> float | None:
        """When the next timer is due (None: no timer); cancelled ones on top are dropped
        (and, as ``_run_once`` does, the heap is rebuilt when they are half of it)."""
        scheduled = self._scheduled  # type: ignore[attr-defined]
        loop: Any = self  # (asyncio's private counters)
        if loop._timer_cancelled_count * 2 > len(scheduled) > 100:
            kept = [handle for handle in scheduled if not handle._cancelled]
            for handle in scheduled:
                if handle._cancelled:
                    handle._scheduled = False
            heapq.heapify(kept)
            scheduled[:] = kept
            loop._timer_cancelled_count = 0
        while scheduled and scheduled[0]._cancelled:
            heapq.heappop(scheduled)._scheduled = False
            loop._timer_cancelled_count -= 1
        return float(scheduled[0]._when) if scheduled else None

    def has_ready(self) -> bool:
        return bool(self._ready)  # type: ignore[attr-defined]

    def waits_on_the_world(self) -> bool:
        """An executor job, I/O or another thread is in flight: time must pass for real."""
        return not self._idle_wait_is_skippable()

    @contextlib.contextmanager
    def driving(self) -> Iterator[None]:
        """Run as this thread's running loop, time running, for the duration."""
        previous = asyncio.events._get_running_loop()
        hooks = sys.get_asyncgen_hooks()
        self._thread_id = threading.get_ident()
        asyncio.events._set_running_loop(self)
        sys.set_asyncgen_hooks(
            firstiter=self._asyncgen_firstiter_hook,  # type: ignore[attr-defined]
            finalizer=self._asyncgen_finalizer_hook,  # type: ignore[attr-defined]
        )
        # (as run_forever: debug mode tracks where coroutines are made, while it runs)
        origins = getattr(self, "_set_coroutine_origin_tracking", None)
        if origins is not None:
            origins(self._debug)  # type: ignore[attr-defined]
        self.lecture_clock.start()
        try:
            yield
        finally:
            self.lecture_clock.stop()
            if origins is not None:
                origins(False)
            sys.set_asyncgen_hooks(*hooks)
            asyncio.events._set_running_loop(previous)
            self._thread_id = None  # type: ignore[assignment]


def move_due_timers(loop: Any, *, at_end_too: bool = False) -> None:
    """The middle of asyncio's ``_run_once``, for loops that turn themselves: the timers
    due by now (``time() + clock resolution``; ``at_end_too``: one due exactly then as
    well) from the heap into the ready queue, and cancelled ones dropped on the way."""
    scheduled = loop._scheduled
    if not scheduled:
        return
    end = loop.time() + loop._clock_resolution
    ready = loop._ready
    while scheduled:
        handle = scheduled[0]
        if handle._cancelled:
            heapq.heappop(scheduled)
            handle._scheduled = False
            loop._timer_cancelled_count -= 1
            continue
        if handle._when > end or (handle._when == end and not at_end_too):
            break
        heapq.heappop(scheduled)
        handle._scheduled = False
        ready.append(handle)


class TracingPolicy(asyncio.DefaultEventLoopPolicy):
    """Makes ``asyncio.run`` and ``new_event_loop`` build our loops (for ``record``).

    ``on_new_loop`` is called with each loop made, so the recorder can install
    its tracer before the program creates its first task.
    """

    def __init__(self, make_loop: Callable[[], asyncio.AbstractEventLoop]) -> None:
        super().__init__()
        self._make_loop = make_loop

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        return self._make_loop()


def set_policy(policy: asyncio.AbstractEventLoopPolicy | None) -> Any:
    """Set the event loop policy, quietly (policies are deprecated from 3.14 on)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old = asyncio.get_event_loop_policy()
        asyncio.set_event_loop_policy(policy)
    return old
