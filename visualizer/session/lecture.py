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
from visualizer.session.runner import MAIN_TASK, Recorder
from visualizer.trace.data import Trace

#: the speeds a teacher can pick between
MIN_SPEED = 0.05
MAX_SPEED = 20.0
#: a turn of the scenario gives the GUI its loop back after this long (seconds)
TURN_BUDGET = 0.02
#: a step looks this far ahead for the next thing to happen (scenario seconds)
STEP_HORIZON = 3600.0
#: leftover tasks get this long (scenario seconds) to end once they are cancelled
LEFTOVER_GRACE = 1.0
#: a Step gives the window back after this long (wall seconds), done or not
STEP_BUDGET = 0.5


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
        self.speed = speed
        self._paused = False
        self._over = False  #: the program and asyncio's ending are done
        self._aborted = False  #: a callback let SystemExit or KeyboardInterrupt out
        self._closing_agens: asyncio.Task[None] | None = None
        #: pause when the scenario's time reaches this (``run_to``, ``--pause-at``)
        self.pause_at: float | None = None
        self.error: BaseException | None = None
        self.stopped = False  #: ended by ``stop``
        self.trace: Trace | None = None  #: once finished
        self._origin = self.recorder.store.origin
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
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        self._speed = min(max(float(value), MIN_SPEED), MAX_SPEED)

    @property
    def now(self) -> float:
        """The scenario's time, in seconds since it started."""
        return self.clock.time() - self._origin

    @property
    def done(self) -> bool:
        return self.trace is not None

    @property
    def steps(self) -> int:
        """Task steps recorded so far."""
        store = self.recorder.store
        store.sync()
        return len(store.step_task)

    # --- driving ----------------------------------------------------------------------
    @property
    def paused(self) -> bool:
        return self._paused

    @paused.setter
    def paused(self, paused: bool) -> None:
        self._paused = paused
        if paused:
            self.clock.stop()  # (it may have been left running for the world: see _turn)

    def advance(self, wall: float) -> None:
        """The GUI's turn: ``wall`` seconds passed on screen since the last one."""
        if self._paused or self.done:
            return
        with self._turn():
            world = self.loop.waits_on_the_world()
            # (in flight, the world's time has passed for real between the turns: the
            # clock was left running)
            target = self.clock.time() + (0.0 if world else wall * self.speed)
            if self.pause_at is not None:
                target = min(target, self._origin + self.pause_at)
            deadline = time.perf_counter() + TURN_BUDGET
            run_one, clock = self.loop.run_one, time.perf_counter
            try:
                while clock() < deadline and not self._finished():
                    if run_one():
                        continue
                    if not self._wait_until(target):
                        break
            except BaseException as exc:  # (see _run_one)
                self._abort(exc)
        self._check_pause()

    def step(self) -> bool:
        """Run until the next task step has ended; False if the run is over.  (With
        eager tasks, 3.12+, a new task's first steps run inside its creator's step: one
        Step then shows those nested steps too, as they happened.)"""
        return self._run_until(lambda before: self.steps > before)

    def step_callback(self) -> bool:
        """Run the next callback (a task step, a timer, a wake-up); False if over."""
        return self._run_until(lambda _: True, callbacks=1)

    def run_to(self, seconds: float) -> None:
        """Run on, at the chosen speed, until the scenario's time is ``seconds``: then
        pause (the window keeps advancing; this sets where it stops)."""
        self.pause_at = seconds
        self.paused = self.now >= seconds

    def _run_until(self, done: Callable[[int], bool], callbacks: int | None = None) -> bool:
        """Run callbacks until ``done``, jumping to the next timer when none is ready; at
        most STEP_BUDGET of wall time (waiting for the world, or a callback chain that
        ends no task step): then it stops where it is, and the next press goes on."""
        if self.done:
            return False
        before = self.steps
        ran = 0
        deadline = time.perf_counter() + STEP_BUDGET
        with self._turn():
            while not self._finished() and time.perf_counter() < deadline:
                if self._run_one():
                    ran += 1
                    if done(before) or (callbacks is not None and ran >= callbacks):
                        break
                    continue
                # nothing ready: the next thing to happen is the next timer (or the
                # world, for real)
                if not self._wait_until(self.clock.time() + STEP_HORIZON, real=True):
                    break
        self._check_pause()
        return not self.done

    def _run_one(self) -> bool:
        """One callback.  What asyncio lets escape a callback (``SystemExit``,
        ``KeyboardInterrupt``) ends the run, as it would end ``asyncio.run``; it must
        not end the window."""
        try:
            return self.loop.run_one()
        except BaseException as exc:  # (Handle._run reports every other exception)
            self._abort(exc)
            return False

    def _abort(self, exc: BaseException) -> None:
        self.error = exc
        self._aborted = True

    @contextlib.contextmanager
    def _turn(self) -> Iterator[None]:
        """Drive the loop; after, finish the run if it is over (outside ``driving``: a
        running loop cannot be closed) or, if the program aborted, stop it.  While the
        world is in flight the clock is left running: its time passes for real."""
        try:
            with self.loop.driving():
                yield
        finally:
            if self._aborted and not self.done:
                self.stop()
            elif self._over and not self.done:
                self._finish()
            elif not self._paused and not self.done and self.loop.waits_on_the_world():
                self.clock.start()

    def _wait_until(self, target: float, *, real: bool = False) -> bool:
        """Nothing is ready: move the clock to the next timer if it is due by ``target``
        (True: go on), else to ``target`` and stop (False).  While the world is in
        flight, time passes for real: no jump (``real``: wait a moment for it)."""
        loop, clock = self.loop, self.clock
        if self._aborted:
            return False
        if loop.waits_on_the_world():
            if real:
                time.sleep(0.001)  # (a step waits for the job or the I/O to come)
                return True
            return False
        due = loop.next_timer()
        now = clock.time()
        if due is not None and due <= target:
            clock.advance(due - now)
            return True
        if due is None and not loop.has_ready():
            return False  # nothing will ever happen by itself: the run is stuck or over
        clock.advance(target - now)
        return False

    def _check_pause(self) -> None:
        if self.pause_at is not None and self.now >= self.pause_at - 1e-9:
            self.paused = True
            self.pause_at = None

    def _finished(self) -> bool:
        """Whether the run is over; ends it as asyncio.run does: leftover tasks are
        cancelled and given a moment, then async generators are closed.  (The trace is
        made by ``_turn``, once the loop is no longer running.)"""
        if self.done or self._over or self._aborted:
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
        self.stopped = not self._aborted
        self._aborted = False
        with self.loop.driving():
            if self._ending is None:  # (one cancel each: a second would cut the cleanup)
                self._ending = self.clock.time()
                for task in self.recorder.tracer.live_tasks():
                    task.cancel()
            # each task runs its cleanup, awaits included, for up to LEFTOVER_GRACE of
            # the scenario's time; one that will not end is left pending in the trace
            limit = self.clock.time() + LEFTOVER_GRACE
            while not self._finished():
                if not self._run_one() and not self._wait_until(limit):
                    break
            self._aborted = False
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
