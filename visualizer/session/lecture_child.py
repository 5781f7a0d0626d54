"""Lecture mode for any program: its own loop, turned at the teacher's pace in its process.

A plain program (``asyncio.run(main())``, as a tutorial ends) runs in a process of its
own (``child.py``).  In a lecture its loops are ``PacedLoop``s: ``run_forever`` (which
``asyncio.run`` and ``run_until_complete`` call) turns the loop itself, a callback at a
time, by the same rules as the window's lecture (``pace.Pace``): at ``speed``, paused,
one task step, one callback, up to a time.  The window says what to do over the stream's
connection (``LectureControls.command``: ``pause``, ``resume``, ``speed X``, ``step``,
``callback``, ``run_to T``, ``finish``) and sees the state in every batch
(``wire.LectureState``).  So a teacher takes a tutorial's file as it is.

The commands come from the streamer's thread; the loop's thread takes them at its next
turn (every ``TICK``), so nothing here is shared without the lock.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Final

from visualizer.instrument.clock import LectureClock
from visualizer.instrument.loop import LectureEventLoop
from visualizer.session.pace import MAX_SPEED, Pace, clamp_speed
from visualizer.trace.wire import LectureState

#: a paced loop looks at its commands and the time this often (seconds)
TICK: Final = 0.005


class LectureControls:
    """The one lecture of a process: its clock, its pace, the commands that came."""

    def __init__(
        self,
        clock: LectureClock,
        origin: float,
        *,
        steps: Callable[[], int],
        speed: float = 1.0,
        pause_at: float | None = None,
    ) -> None:
        self.clock = clock
        self.steps = steps  #: task steps recorded so far (a Step waits for one more)
        self._lock = threading.Lock()
        self._commands: deque[str] = deque()
        self._pace: Pace | None = None
        self._speed = speed
        self._pause_at = pause_at
        self._paused = pause_at is not None and pause_at <= 0
        self._origin = origin
        self._last = time.perf_counter()

    # --- from the streamer's thread ------------------------------------------------------
    def command(self, line: str) -> None:
        """A command from the window (queued: the loop's thread runs it)."""
        with self._lock:
            self._commands.append(line.strip())

    def state(self) -> LectureState:
        """What the window shows: paused or not, the speed, the program's time."""
        pace = self._pace
        paused = pace.paused if pace is not None else self._paused
        speed = pace.speed if pace is not None else self._speed
        return LectureState(paused=paused, speed=speed, now=self.clock.time())

    # --- on the loop's thread ------------------------------------------------------------
    def pace_for(self, loop: LectureEventLoop) -> Pace:
        """The pace, turning ``loop`` now (each ``asyncio.run`` makes a new loop: the
        speed, the pause and the time go on from one to the next)."""
        pace = self._pace
        if pace is None:
            pace = self._pace = Pace(
                loop, self.clock, self._origin, finished=lambda: False, speed=self._speed
            )
            pace.pause_at = self._pause_at
            pace.paused = self._paused
        pace.loop = loop
        pace._finished = lambda: bool(getattr(loop, "_stopping", False))
        return pace

    def turn(self, loop: LectureEventLoop) -> None:
        """One turn of ``loop``: the commands that came, then the program on by the wall
        time since the last turn times the speed (nothing while paused), then a tick's
        rest (the clock stands still meanwhile)."""
        pace = self.pace_for(loop)
        with self._lock:
            commands = list(self._commands)
            self._commands.clear()
        for line in commands:
            self._run(pace, line)
        now = time.perf_counter()
        wall, self._last = now - self._last, now
        self.clock.start()
        try:
            pace.advance(wall)
        finally:
            if pace.paused or not loop.waits_on_the_world():
                self.clock.stop()
        if pace.aborted is not None:
            exc, pace.aborted = pace.aborted, None
            raise exc  # (KeyboardInterrupt, SystemExit: out of asyncio.run, as ever)
        time.sleep(TICK)

    def _run(self, pace: Pace, line: str) -> None:
        word, _, argument = line.partition(" ")
        try:
            if word == "pause":
                pace.paused = True
            elif word == "resume":
                pace.paused = False
            elif word == "speed":
                pace.speed = float(argument)
            elif word == "run_to":
                pace.run_to(float(argument))
            elif word in ("step", "callback"):
                pace.paused = True
                before = self.steps()
                self.clock.start()
                try:
                    if word == "step":
                        pace.run_until(lambda: self.steps() > before)
                    else:
                        pace.run_until(lambda: True, callbacks=1)
                finally:
                    self.clock.stop()
            elif word == "finish":  # (Stop: run on at full speed, so a cancel can end it)
                pace.pause_at = None
                pace.paused = False
                pace.speed = MAX_SPEED
        except ValueError:
            pass  # (a malformed command from the window: ignored, never the program's end)


class PacedLoop(LectureEventLoop):
    """A lecture loop that turns itself at the pace of ``controls`` when it runs."""

    def __init__(self, clock: LectureClock, controls: LectureControls) -> None:
        super().__init__(clock)
        self.controls = controls

    def run_forever(self) -> None:
        """As asyncio's: until ``stop()``; but turned by the lecture's controls, a
        callback at a time, with the program's time standing still between turns."""
        if self.is_closed():
            raise RuntimeError("Event loop is closed")
        if self.is_running():
            raise RuntimeError("This event loop is already running")
        if asyncio.events._get_running_loop() is not None:
            raise RuntimeError("Cannot run the event loop while another loop is running")
        loop: Any = self  # (asyncio's private flag)
        try:
            with self.driving():
                self.lecture_clock.stop()  # (the controls start it for each turn)
                while not loop._stopping:
                    self.controls.turn(self)
        finally:
            loop._stopping = False


class RemoteLecture:
    """The window's handle on a program's lecture in its own process: the lecture bar's
    controls (``speed``, ``paused``, ``step``, ...) become commands over the connection
    (``send``), and what they show comes back in the batches (``Batch.lecture``).

    A control's effect shows at once (the window says "paused" as the key is pressed);
    the program's own word takes over from the second batch after the command."""

    def __init__(
        self,
        send: Callable[[str], object],
        state: Callable[[], tuple[LectureState | None, int, float]],
        *,
        speed: float = 1.0,
    ) -> None:
        self._send = send
        #: (the last batch's lecture state, batches received, the run's origin)
        self._state = state
        self._speed = clamp_speed(speed)
        self._paused = False
        self._said = -2  #: batches received when the window last said something
        self.done = False  #: the run is over (the window says so)
        self.pause_at: float | None = None  #: (given to the program when it starts)

    def _known(self) -> LectureState | None:
        state, batches, _ = self._state()
        return state if state is not None and batches > self._said + 1 else None

    def _say(self, line: str) -> None:
        self._send(line)
        self._said = self._state()[1]

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        self._speed = clamp_speed(value)
        self._say(f"speed {self._speed!r}")

    @property
    def paused(self) -> bool:
        known = self._known()
        return known.paused if known is not None else self._paused

    @paused.setter
    def paused(self, paused: bool) -> None:
        self._paused = paused
        self._say("pause" if paused else "resume")

    @property
    def now(self) -> float:
        """The program's time, in seconds since it started."""
        state, _, origin = self._state()
        return 0.0 if state is None else max(0.0, state.now - origin)

    def step(self) -> bool:
        self._paused = True
        self._say("step")
        return not self.done

    def step_callback(self) -> bool:
        self._paused = True
        self._say("callback")
        return not self.done

    def run_to(self, seconds: float) -> None:
        self._say(f"run_to {float(seconds)!r}")
