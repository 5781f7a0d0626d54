"""An asyncio loop whose clock is pluggable: real, or virtual (idle waits skipped).

Why a subclass and not a patch: the clock must agree with the selector.  The
loop computes its select timeout from ``time()`` and the next timer; on a
virtual clock, when that wait would be idle, ``select`` polls once without
blocking and the clock advances by exactly the timeout, so the timer is due
at once and fires at its exact virtual time.  The wait is idle only when
nothing can arrive from outside: no executor job in flight (counted here) and no
file descriptor watched except the loop's own self-pipe.  Otherwise the loop
waits for real, and real time passes on the virtual clock too.
"""

from __future__ import annotations

import asyncio
import contextvars
import selectors
import threading
import warnings
from collections.abc import Callable
from typing import Any

from visualizer.instrument.clock import RealClock, VirtualClock

#: the loop's own housekeeping coroutines, run by asyncio.run() after the program
_SHUTDOWN_CODES: frozenset[Any] = frozenset(
    {
        asyncio.BaseEventLoop.shutdown_asyncgens.__code__,
        asyncio.BaseEventLoop.shutdown_default_executor.__code__,
    }
)


class TracingEventLoop(asyncio.SelectorEventLoop):
    """A selector event loop on a ``RealClock`` or a ``VirtualClock``."""

    def __init__(self, clock: RealClock | VirtualClock | None = None) -> None:
        self.clock: RealClock | VirtualClock = clock if clock is not None else RealClock()
        self._jobs_in_flight = 0
        #: threads alive before the run (a GUI's, a test runner's): not the program's
        self._old_threads = set(threading.enumerate())
        super().__init__()
        if isinstance(self.clock, VirtualClock):
            self._install_virtual_select(self.clock)

    def time(self) -> float:
        return self.clock.time()

    def run_until_complete(self, future: Any) -> Any:
        # asyncio.run() (and Runner.close) ends by running the loop's own
        # shutdown coroutines as tasks in the caller's context; under `record`
        # that context is the traced run's, but these tasks are asyncio's
        # housekeeping, not the program's: run them in an empty context.
        if getattr(future, "cr_code", None) in _SHUTDOWN_CODES:
            future = self.create_task(future, context=contextvars.Context())
        return super().run_until_complete(future)

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
        if self._jobs_in_flight:
            return False
        # the self-pipe is always registered; anything more is real I/O in flight
        if len(self._selector.get_map()) > 1:  # type: ignore[attr-defined]
            return False
        # A thread started since (other than the default executor's idle workers,
        # whose jobs are counted above) may call call_soon_threadsafe at any moment.
        pool = getattr(self._default_executor, "_threads", ())  # type: ignore[attr-defined]
        old = self._old_threads
        return all(t in old or t in pool for t in threading.enumerate())

    def _install_virtual_select(self, clock: VirtualClock) -> None:
        selector: selectors.BaseSelector = self._selector  # type: ignore[attr-defined]
        real_select = selector.select

        def select(timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
            if timeout is None or timeout <= 0 or not self._idle_wait_is_skippable():
                return real_select(timeout)
            events = real_select(0)
            if not events:
                clock.advance(timeout)
            return events

        selector.select = select  # type: ignore[method-assign]


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
