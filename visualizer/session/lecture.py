"""Lecture mode: a scenario on a loop of its own, run at the pace the teacher sets.

The scenario runs on a ``LectureEventLoop`` whose clock (``LectureClock``) moves only
when this driver turns the loop.  The GUI calls ``advance(wall_seconds)`` from its own
loop, a few milliseconds at a time: the scenario's time moves by ``wall * speed``
(timers fire when that time reaches them), so at 0.25x ``sleep(1)`` takes 4 s on
screen and is still recorded as 1.0 s.  Between two turns, and while paused, the
scenario's time stands still and the window stays responsive.

What cannot be slowed is not pretended to be: a step's own work runs at real speed and
keeps its true length in the trace, and while something of the outside world is in
flight (an executor job, I/O, another thread) time passes at 1x, for real.

``step()`` runs until the next task step ends (the chart grows by exactly one running
span), ``step_callback()`` runs one callback, ``run_to(t)`` runs until the scenario's
time reaches ``t`` and pauses.  The trace is the same format as any other run's, made
by the same ``Recorder``; the same scenario with the same parameters gives the same
spans, labels and wake causes (times equal apart from the real length of busy steps).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping
from typing import Any

from visualizer.instrument.clock import LectureClock
from visualizer.instrument.loop import LectureEventLoop
from visualizer.session.pace import MAX_SPEED, MIN_SPEED, Pace
from visualizer.session.runner import MAIN_TASK, Recorder
from visualizer.trace.data import Trace

#: leftover tasks get this long (scenario seconds) to end once they are cancelled
LEFTOVER_GRACE = 1.0

__all__ = ["MAX_SPEED", "MIN_SPEED", "LectureSession", "run_lecture"]


class LectureSession:
    """One scenario run, driven by ``advance``, ``step``, ``step_callback``, ``run_to``."""

    def __init__(
        self,
        main: Callable[..., Coroutine[Any, Any, Any]],
        params: Mapping[str, object] | None = None,
        *,
        source: str = "",
        speed: float = 1.0,
    ) -> None:
        self.clock = LectureClock()
        self.recorder = Recorder(self.clock, source=source)
        self.recorder.model.clock = self.clock.time  # (the chart shows time passing)
        self.loop = LectureEventLoop(self.clock)
        self.recorder.install(self.loop)
        self._over = False  #: the program and asyncio's ending are done
        self._closing_agens: asyncio.Task[None] | None = None
        self.error: BaseException | None = None
        self.stopped = False  #: ended by ``stop``
        self.trace: Trace | None = None  #: once finished
        self._origin = self.recorder.store.origin
        #: the controls: speed, pause, step, run to (``pace.Pace``)
        self.pace = Pace(self.loop, self.clock, self._origin, finished=self._finished, speed=speed)
        context = self.recorder.tracer.new_context()
        with self.loop.driving():
            self.task = self.loop.create_task(
                main(**(params or {})), name=MAIN_TASK, context=context
            )
        self._ending: float | None = None  #: when the leftovers were cancelled
        self.recorder.store.meta.extra["params"] = dict(params or {})
        # the program's warnings, not the window's: heard while the loop is driven
        self.recorder.notices.while_running = True

    # --- what the window shows ------------------------------------------------------------
    @property
    def speed(self) -> float:
        return self.pace.speed

    @speed.setter
    def speed(self, value: float) -> None:
        self.pace.speed = value

    @property
    def pause_at(self) -> float | None:
        """Pause when the scenario's time reaches this (``run_to``, ``--pause-at``)."""
        return self.pace.pause_at

    @pause_at.setter
    def pause_at(self, seconds: float | None) -> None:
        self.pace.pause_at = seconds

    @property
    def now(self) -> float:
        """The scenario's time, in seconds since it started."""
        return self.pace.now

    @property
    def done(self) -> bool:
        return self.trace is not None

    @property
    def steps(self) -> int:
        """Task steps recorded so far."""
        store = self.recorder.store
        store.sync()
        return store.steps_recorded

    # --- driving ----------------------------------------------------------------------
    @property
    def paused(self) -> bool:
        return self.pace.paused

    @paused.setter
    def paused(self, paused: bool) -> None:
        self.pace.paused = paused

    def advance(self, wall: float) -> None:
        """The GUI's turn: ``wall`` seconds passed on screen since the last one."""
        if self.pace.paused or self.done:
            return
        with self._turn():
            self.pace.advance(wall)

    def step(self) -> bool:
        """Run until the next task step has ended; False if the run is over.  (With
        eager tasks, 3.12+, a new task's first steps run inside its creator's step: one
        Step then shows those nested steps too, as they happened.)"""
        if self.done:
            return False
        before = self.steps
        with self._turn():
            self.pace.run_until(lambda: self.steps > before)
        return not self.done

    def step_callback(self) -> bool:
        """Run the next callback (a task step, a timer, a wake-up); False if over."""
        if self.done:
            return False
        with self._turn():
            self.pace.run_until(lambda: True, callbacks=1)
        return not self.done

    def run_to(self, seconds: float) -> None:
        """Run on, at the chosen speed, until the scenario's time is ``seconds``: then
        pause (the window keeps advancing; this sets where it stops)."""
        self.pace.run_to(seconds)

    @contextlib.contextmanager
    def _turn(self) -> Iterator[None]:
        """Drive the loop; after, finish the run if it is over (outside ``driving``: a
        running loop cannot be closed) or, if the program aborted, stop it.  While the
        world is in flight the clock is left running: its time passes for real."""
        try:
            with self.loop.driving():
                yield
        finally:
            if self.pace.aborted is not None and not self.done:
                self.error = self.pace.aborted
                self.stop()
            elif self._over and not self.done:
                self._finish()
            elif not self.pace.paused and not self.done and self.loop.waits_on_the_world():
                self.clock.start()

    def _finished(self) -> bool:
        """Whether the run is over; ends it as asyncio.run does: leftover tasks are
        cancelled and given a moment, then async generators are closed.  (The trace is
        made by ``_turn``, once the loop is no longer running.)"""
        if self.done or self._over or self.pace.aborted is not None:
            return True
        if not self.task.done():
            return False
        leftovers = self.recorder.tracer.live_tasks()
        if leftovers and self._ending is None:
            self._ending = self.clock.time()
            for task in leftovers:
                task.cancel()
            return False
        if leftovers and self.clock.time() - (self._ending or 0.0) < LEFTOVER_GRACE:
            return False
        if self._closing_agens is None:
            # (asyncio's own housekeeping: not the program's, so not traced)
            self._closing_agens = self.loop.create_task(
                self.loop.shutdown_asyncgens(), context=contextvars.Context()
            )
        if not self._closing_agens.done() and (
            self.clock.time() - (self._ending or self.clock.time()) < LEFTOVER_GRACE
        ):
            self._ending = self._ending or self.clock.time()
            return False
        self._over = True
        return True

    def _finish(self) -> None:
        if self.task.done() and not self.task.cancelled() and self.error is None:
            self.error = self.task.exception()
        self.clock.stop()
        self.trace = self.recorder.finish()
        with contextlib.suppress(Exception):
            executor = self.loop._default_executor  # type: ignore[attr-defined]
            if executor is not None:
                executor.shutdown(wait=False)
        if not self.loop.is_running():
            self.loop.close()

    def stop(self) -> None:
        """End the run now: every task cancelled, the trace kept."""
        if self.done:
            return
        self.stopped = self.pace.aborted is None
        self.pace.aborted = None
        with self.loop.driving():
            if self._ending is None:  # (one cancel each: a second would cut the cleanup)
                self._ending = self.clock.time()
                for task in self.recorder.tracer.live_tasks():
                    task.cancel()
            # each task runs its cleanup, awaits included, for up to LEFTOVER_GRACE of
            # the scenario's time; one that will not end is left pending in the trace
            limit = self.clock.time() + LEFTOVER_GRACE
            while not self._finished():
                if not self.pace.run_one() and not self.pace.wait_until(limit):
                    break
            self.pace.aborted = None
        self._finish()


def run_lecture(
    main: Callable[..., Coroutine[Any, Any, Any]],
    params: Mapping[str, object] | None = None,
    *,
    speed: float = 1.0,
    tick: float = 0.005,
) -> LectureSession:
    """Drive a lecture session to its end in real time, as the window does (for tests,
    benches and the command line): ``tick`` seconds between turns."""
    session = LectureSession(main, params, speed=speed)
    last = time.perf_counter()
    while not session.done:
        time.sleep(tick)
        now = time.perf_counter()
        session.advance(now - last)
        last = now
    return session
