"""Sample the loop thread's stack while a step holds the loop: the call that blocked.

The spans show that a step ran 0.3 s without awaiting, and between which two awaits; the
learner needs the call itself (``time.sleep(0.3)`` at ``app.py:12`` in ``handler``).  A
C function has no frame of its own, so the innermost frame of the program is its caller,
stopped on that line: the line's source text names the call.

How, without moving the program:

* A thread, one for the process (``_Watcher``: no thread started or joined inside a
  recording), reads for each tracer recording now (its ``StackSampler``), a few times per
  threshold, which step is running and since when (``Tracer.running_step``: two numbers
  the hot path writes anyway, the same the window's watchdog reads).  Only once a step
  has run ``threshold`` seconds does it take ``sys._current_frames()`` for the loop's
  thread, and then again every half threshold while that step goes on, keeping what
  differs (a step may block in two places), at most ``MAX_PER_STEP`` a step and
  ``MAX_SAMPLES`` a run.  Short steps cost nothing but the polls; the polls take the GIL
  for microseconds, ``POLLS`` a threshold, and none while nothing records.
* A callback that holds the loop is sampled the same way (task -1): the hot path marks
  when it began as it does for steps.
* On the ideal clock a step takes no wall time at all, so a thread cannot catch it; but
  there time passes only by ``time.sleep`` on the loop's thread (``instrument.ideal``),
  which calls ``StackSampler.slept`` with its caller's frame: a sample is taken at the
  same moments a thread would have on an infinitely fast machine (``threshold`` into the
  step, then every half threshold), exactly, the same in every run.

The frames kept are the step's own: from the innermost outwards to where the loop runs
the step (``Tracer._dispatch_codes``), leaving out asyncio's, this package's, and the
stdlib's selectors and threading frames on top (a step may be inside ``create_task`` or
a ``Queue.put_nowait`` when sampled: the program's line that called it is what matters).
A stack with no frame of the program's is not kept.
"""

from __future__ import annotations

import asyncio
import io
import linecache
import logging
import os
import selectors
import sys
import threading
import time
import tokenize
import weakref
from types import FrameType
from typing import TYPE_CHECKING, Final

from visualizer.instrument.awaits import PROGRAMS_OF_OURS, is_user_file
from visualizer.instrument.clock import IdealClock, LectureClock, VirtualClock
from visualizer.trace.schema import WAKE_TASK, waker_task
from visualizer.trace.stack_samples import MAX_FRAMES, MAX_TEXT, StackFrame, StackSample

if TYPE_CHECKING:
    from visualizer.instrument.tracer import Tracer

log = logging.getLogger(__name__)

#: distinct stacks kept of one step (a step that moves through many lines keeps its first)
MAX_PER_STEP: Final = 8
#: samples kept in a run; past it they are counted in ``meta["dropped_stack_samples"]``
MAX_SAMPLES: Final = 10_000
#: looks per threshold at which step runs (the first sample is at most this late)
POLLS: Final = 4
#: frames walked outwards from the innermost, at most (a deep recursion stops here)
_DEPTH: Final = 500

_OURS: Final = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_ASYNCIO: Final = os.path.dirname(os.path.abspath(asyncio.__file__)) + os.sep
_PLUMBING: Final = frozenset(
    os.path.normpath(os.path.abspath(m.__file__ or "")) for m in (selectors, threading)
)


def _plumbing(filename: str) -> bool:
    """asyncio's, ours (not the built-in lessons nor the templates: they are the program),
    selectors' or threading's: left out on top of a sampled stack."""
    path = os.path.normpath(os.path.abspath(filename))
    if path.startswith(_OURS):
        return not path.startswith(PROGRAMS_OF_OURS)
    return path.startswith(_ASYNCIO) or path in _PLUMBING


def _own(filename: str) -> bool:
    """The program's own code: a person's, not the stdlib's nor an installed package's
    (the line of theirs that called into a library names the call they can change)."""
    if not is_user_file(filename):
        return False
    parts = os.path.normpath(filename).split(os.sep)
    return "site-packages" not in parts and "dist-packages" not in parts


def stack_of(
    frame: FrameType | None, dispatch: frozenset[int]
) -> tuple[tuple[StackFrame, ...], int] | None:
    """The step's frames from ``frame`` (the innermost) outwards, as kept (outermost
    first, at most ``MAX_FRAMES``), and the index of the one that names the call; None
    if the step runs no code of the program's now.  ``dispatch``: the code ids where the
    loop runs a step or a callback (the step's frames end there).

    When the program's frame lies deeper than ``MAX_FRAMES`` (a library's many frames
    inside its call), the two innermost are kept and then the program's frame with its
    callers: where the time went, and the line that sent it there."""
    chain: list[FrameType] = []
    while frame is not None and len(chain) < _DEPTH:
        if id(frame.f_code) in dispatch:
            break
        chain.append(frame)
        frame = frame.f_back
    top = 0
    while top < len(chain) and _plumbing(chain[top].f_code.co_filename):
        top += 1
    chain = chain[top:]
    names = [f.f_code.co_filename for f in chain]
    own = next((i for i, name in enumerate(names) if _own(name)), None)
    if own is None:
        own = next((i for i, name in enumerate(names) if is_user_file(name)), None)
    if own is None:
        return None  # (asyncio's, ours, the stdlib's only: nothing of the program's)
    if own < MAX_FRAMES:
        kept, call = chain[:MAX_FRAMES], own
    else:
        kept, call = chain[:2] + chain[own : own + MAX_FRAMES - 2], 2
    frames = tuple(_frame(f) for f in reversed(kept))
    return frames, len(kept) - 1 - call


def _frame(frame: FrameType) -> StackFrame:
    """The frame as kept: its function as a person wrote it (``worker``, ``Cls.method``:
    no ``main.<locals>.`` before it) and its line's code, without a comment."""
    code = frame.f_code
    line = max(_line_of(frame), 1)
    text = _code_of(linecache.getline(code.co_filename, line))[:MAX_TEXT]
    return StackFrame(code.co_filename, line, code.co_qualname.rpartition("<locals>.")[2], text)


def _line_of(frame: FrameType) -> int:
    """The line ``frame`` is at.  Read from another thread, a frame may stand at an
    instruction of no line of its own (a loop's jump back, 3.11+: ``f_lineno`` None):
    then the line of the last instruction before it that has one, not the ``def`` line
    (a spinning loop was named by its function's first line)."""
    if frame.f_lineno:
        return frame.f_lineno
    code, lasti, line = frame.f_code, frame.f_lasti, None
    for start, _end, number in code.co_lines():
        if start > lasti:
            break
        if number is not None:
            line = number
    return line or code.co_firstlineno


def _code_of(line: str) -> str:
    """``line`` stripped, without its comment (a ``#`` in a string stays)."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(line).readline):
            if token.type == tokenize.COMMENT:
                return line[: token.start[1]].strip()
    except (tokenize.TokenError, SyntaxError):  # (a line of a longer statement)
        pass
    return line.strip()


class StackSampler:
    """Samples the stack of the steps of ``tracer`` that run ``threshold`` seconds or
    longer (``threshold`` not positive or infinite: none).  ``watch`` starts it for the
    thread a loop was installed on; ``stop`` ends it (the tracer calls both)."""

    def __init__(self, tracer: Tracer, threshold: float) -> None:
        self._tracer = weakref.ref(tracer)  # (a tracer never finished is still let go)
        self.threshold = threshold
        self.on = 0 < threshold < float("inf")
        self.thread_id: int | None = None  #: the loop thread sampled
        self._ideal: IdealClock | None = None
        self._step: tuple[int, float] | None = None  #: (waker, start) being sampled
        self._next = 0.0  #: when to sample it next (a clock reading)
        self._kept: set[tuple[StackFrame, ...]] = set()

    def watch(self, thread_id: int, clock: object) -> None:
        """Sample the steps run on ``thread_id`` (the latest loop installed), read on
        ``clock`` (the tracer's: an ideal clock's ``time`` is sampled at its sleeps)."""
        if not self.on:
            return
        self.thread_id = thread_id
        owner = getattr(clock, "__self__", None)
        if isinstance(owner, IdealClock):
            self._ideal = owner
            owner.slept = self.slept
            return
        # The watcher's thread reads the clock too: only a clock of ours, whose reading
        # from another thread is a monotonic read plus a float.  A clock we do not know
        # may count its reads, or not be safe to read from a thread, and a read the
        # program did not make would move it (a test's clock that raises at its Nth read
        # raised in the watcher instead, under load).  Its steps are not sampled.
        if clock is not time.monotonic and not isinstance(owner, (VirtualClock, LectureClock)):
            return
        _WATCHER.add(self)

    def stop(self) -> None:
        """No more samples (one being taken just now is not kept: the store's run has
        ended first, ``Tracer.finish``).  Nothing is waited for."""
        if self._ideal is not None:
            if self._ideal.slept == self.slept:
                self._ideal.slept = None
            self._ideal = None
        _WATCHER.remove(self)

    def look(self) -> float:
        """Sample the running step if it is due; the seconds until the next look (inf:
        this sampler is done, its tracer gone)."""
        tracer = self._tracer()
        if tracer is None:
            return float("inf")
        poll = self.threshold / POLLS
        step = tracer.running_step()
        if step is None:
            return poll
        now = tracer.clock()
        self._begin(step)
        if now < self._next:
            return max(min(poll, self._next - now), 0.001)
        frame = sys._current_frames().get(self.thread_id or -1)
        found = None if frame is None else stack_of(frame, tracer._dispatch_codes)
        del frame
        # (the same step still: else the frames were the next one's, or the loop's)
        if found is not None and tracer.running_step() == step:
            self._keep(tracer, step, now, found)
        self._next = now + self.threshold / 2
        return poll

    def _begin(self, step: tuple[int, float]) -> None:
        if step != self._step:
            self._step, self._kept = step, set()
            self._next = step[1] + self.threshold

    def _keep(
        self,
        tracer: Tracer,
        step: tuple[int, float],
        at: float,
        found: tuple[tuple[StackFrame, ...], int],
    ) -> None:
        frames, call = found
        store = tracer.store
        over = store.finished_at is not None
        if over or frames in self._kept or len(self._kept) >= MAX_PER_STEP:
            return  # (the run is over, the same again, or enough of this step)
        self._kept.add(frames)
        if len(store.stack_samples) >= MAX_SAMPLES:
            dropped = store.meta.extra.get("dropped_stack_samples", 0)
            store.meta.extra["dropped_stack_samples"] = (
                dropped if isinstance(dropped, int) else 0
            ) + 1
            return
        waker, start = step
        task = waker_task(waker) if waker & 7 == WAKE_TASK else -1
        store.stack_samples.append(StackSample(task, start, at, frames, call))

    # --- the ideal clock --------------------------------------------------------------
    def slept(self, seconds: float, frame: FrameType | None) -> None:
        """``time.sleep(seconds)`` just moved the ideal clock, called from ``frame``:
        sample at the moments of the sleep a thread would have sampled at."""
        tracer, clock = self._tracer(), self._ideal
        if tracer is None or clock is None or frame is None:
            return
        try:
            step = tracer.running_step()
            if step is None:
                return
            now = clock.peek()
            self._begin(step)
            if now < self._next:
                return
            at = max(self._next, now - seconds)
            found = stack_of(frame, tracer._dispatch_codes)
            if found is not None:
                self._keep(tracer, step, at, found)
            half = self.threshold / 2
            self._next = at + half * ((now - at) // half + 1)
        except Exception:  # (never into the program)
            log.exception("asyncviz: sampling the loop's stack failed; stopped")
            self.stop()


class _Watcher:
    """The one thread that looks for every tracer recording in the process.

    One, started at the first recording and kept: starting a thread (and joining it at
    the end) waits for the system to schedule it, which on a busy machine is
    milliseconds inside every recording; and a look costs the loop's thread a hand-over
    of the GIL, so fewer threads looking is better.  While no tracer records it waits,
    without looking.  In a child made by ``fork`` it is started again if needed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._samplers: list[StackSampler] = []
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, sampler: StackSampler) -> None:
        with self._lock:
            if sampler not in self._samplers:
                self._samplers.append(sampler)
            if self._thread is None or not self._thread.is_alive():
                thread = threading.Thread(target=self._run, name="asyncviz-stacks", daemon=True)
                # (not the program's: a virtual clock still skips idle waits, ``loop.py``)
                thread.asyncviz_own = True  # type: ignore[attr-defined]
                self._thread = thread
                thread.start()
        self._wake.set()

    def remove(self, sampler: StackSampler) -> None:
        with self._lock:
            if sampler in self._samplers:
                self._samplers.remove(sampler)

    def _run(self) -> None:
        wait: float | None = None
        while True:
            self._wake.wait(wait)
            self._wake.clear()
            with self._lock:
                samplers = list(self._samplers)
            wait = None  # (none: until one is added)
            for sampler in samplers:
                try:
                    due = sampler.look()
                except Exception:  # (never into the program: it stops, tracing goes on)
                    log.exception("asyncviz: sampling the loop's stack failed; stopped")
                    due = float("inf")
                if due == float("inf"):
                    self.remove(sampler)
                else:
                    wait = due if wait is None else min(wait, due)
            del samplers

    def forked(self) -> None:
        """In a child made by ``fork``: only the forking thread goes on (the lock may
        have been held by this one's thread)."""
        self._lock = threading.Lock()
        self._samplers = []
        self._wake = threading.Event()
        self._thread = None


_WATCHER: Final = _Watcher()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_WATCHER.forked)
