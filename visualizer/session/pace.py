"""How a lecture loop is run: at a speed, paused, a step, a callback, up to a time.

One ``Pace`` turns one ``LectureEventLoop`` on its ``LectureClock``.  Two drivers use it:
``lecture.LectureSession`` (a scenario in the window's process, turned from the window's
timer between its own frames) and ``lecture_child.PacedLoop`` (a plain program in a process
of its own, whose ``asyncio.run`` turns its own loop, told what to do by the window over
the stream's connection).  The rules are the same for both:

* the program's time moves by ``wall * speed`` (timers fire when it reaches them); while
  paused, and between two turns, it stands still;
* a step's own work runs at real speed and keeps its true length;
* while something of the outside world is in flight (an executor job, I/O, another
  thread) time passes at 1x, for real: it cannot be slowed, and is not pretended to be;
* ``run_until`` runs callbacks until a condition holds (the next task step ended, one
  callback ran), jumping to the next timer when nothing is ready, for at most ``budget``
  of wall time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final, Protocol

from visualizer.instrument.clock import LectureClock
from visualizer.instrument.loop import LectureEventLoop

#: the speeds a teacher can pick between
MIN_SPEED: Final = 0.05
MAX_SPEED: Final = 20.0
#: a turn of the program gives the driver its thread back after this long (seconds)
TURN_BUDGET: Final = 0.02
#: a step looks this far ahead for the next thing to happen (program seconds)
STEP_HORIZON: Final = 3600.0
#: a Step gives the driver back after this long (wall seconds), done or not
STEP_BUDGET: Final = 0.5


def clamp_speed(value: float) -> float:
    """A speed a teacher can pick: between ``MIN_SPEED`` and ``MAX_SPEED``."""
    return min(max(float(value), MIN_SPEED), MAX_SPEED)


class Lecture(Protocol):
    """What the lecture controls drive: a scenario's ``LectureSession`` in the window's
    process, or a program's lecture in its own (``lecture_child.RemoteLecture``)."""

    speed: float
    paused: bool

    @property
    def now(self) -> float: ...

    @property
    def done(self) -> bool: ...

    def step(self) -> bool: ...

    def step_callback(self) -> bool: ...

    def run_to(self, seconds: float) -> None: ...


class Pace:
    """The lecture controls of one loop (see the module's docstring)."""

    def __init__(
        self,
        loop: LectureEventLoop,
        clock: LectureClock,
        origin: float,
        *,
        finished: Callable[[], bool],
        speed: float = 1.0,
    ) -> None:
        self.loop = loop
        self.clock = clock
        self.origin = origin  #: the clock reading at the program's start
        self._finished = finished  #: the run is over (or aborted): stop turning
        self.speed = speed
        self._paused = False
        #: pause when the program's time reaches this (``run_to``, ``--pause-at``)
        self.pause_at: float | None = None
        #: what a callback let out (``SystemExit``, ``KeyboardInterrupt``): ends the run
        self.aborted: BaseException | None = None

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        self._speed = clamp_speed(value)

    @property
    def paused(self) -> bool:
        return self._paused

    @paused.setter
    def paused(self, paused: bool) -> None:
        self._paused = paused
        if paused:
            self.clock.stop()  # (it may have been left running for the world)

    @property
    def now(self) -> float:
        """The program's time, in seconds since it started."""
        return self.clock.time() - self.origin

    def advance(self, wall: float) -> None:
        """``wall`` seconds passed on screen since the last turn: run the program on by
        ``wall * speed`` of its time (or for real, while the world is in flight), for at
        most ``TURN_BUDGET``.  Call with the loop being driven."""
        if self._paused:
            return
        world = self.loop.waits_on_the_world()
        # (in flight, the world's time has passed for real between the turns: the
        # clock was left running)
        target = self.clock.time() + (0.0 if world else wall * self.speed)
        if self.pause_at is not None:
            target = min(target, self.origin + self.pause_at)
        deadline = time.perf_counter() + TURN_BUDGET
        clock = time.perf_counter
        while clock() < deadline and not self._finished():
            if self.run_one():
                continue
            if not self.wait_until(target):
                break
        self.check_pause()

    def run_to(self, seconds: float) -> None:
        """Run on, at the chosen speed, until the program's time is ``seconds``: then
        pause (the driver keeps advancing; this sets where it stops)."""
        self.pause_at = seconds
        self.paused = self.now >= seconds

    def run_until(
        self,
        done: Callable[[], bool],
        *,
        callbacks: int | None = None,
        budget: float = STEP_BUDGET,
    ) -> None:
        """Run callbacks until ``done()`` (or ``callbacks`` of them ran), jumping to the
        next timer when none is ready; at most ``budget`` of wall time (waiting for the
        world, or a callback chain that ends no task step): then it stops where it is,
        and the next press goes on.  Call with the loop being driven."""
        ran = 0
        deadline = time.perf_counter() + budget
        while not self._finished() and time.perf_counter() < deadline:
            if self.run_one():
                ran += 1
                if done() or (callbacks is not None and ran >= callbacks):
                    break
                continue
            # nothing ready: the next thing to happen is the next timer (or the world,
            # for real)
            if not self.wait_until(self.clock.time() + STEP_HORIZON, real=True):
                break
        self.check_pause()

    def run_one(self) -> bool:
        """One callback.  What asyncio lets escape a callback (``SystemExit``,
        ``KeyboardInterrupt``) ends the run, as it would end ``asyncio.run``; it must not
        end the driver (the window)."""
        try:
            return self.loop.run_one()
        except BaseException as exc:  # (Handle._run reports every other exception)
            self.aborted = exc
            return False

    def wait_until(self, target: float, *, real: bool = False) -> bool:
        """Nothing is ready: move the clock to the next timer if it is due by ``target``
        (True: go on), else to ``target`` and stop (False).  While the world is in
        flight, time passes for real: no jump (``real``: wait a moment for it)."""
        loop, clock = self.loop, self.clock
        if self.aborted is not None:
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

    def check_pause(self) -> None:
        if self.pause_at is not None and self.now >= self.pause_at - 1e-9:
            self.paused = True
            self.pause_at = None
