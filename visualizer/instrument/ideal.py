"""``time.sleep`` on the ideal clock: the loop's thread does not sleep, its clock moves.

On the ideal clock (``clock.IdealClock``) a step takes no time, but a lesson on blocking
the loop must still show the block: ``time.sleep(x)`` in a step is ``x`` seconds of the
loop held.  So while a recording on that clock is going (``sleeping_ideally``), the
module's ``time.sleep`` is ours, and a call on a thread whose loop runs on an ideal clock
now (``running_on``) advances that clock by exactly ``x`` and returns at once.  Any other
thread (an executor job, a thread of the program's, the window's) sleeps for real, as
does any call that would not sleep as asked (a negative time, NaN, a type ``time.sleep``
refuses): the real one says why, as it would have.

It is ``time.sleep`` that is replaced, for the whole recording, so a program that does
``from time import sleep`` as it loads gets ours too; a module that took the real one
before the recording began keeps it (its sleeps, busy time, take no time on this clock).
"""

from __future__ import annotations

import contextlib
import math
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any, Final

from visualizer.instrument.clock import IdealClock

_real_sleep: Final = time.sleep
#: thread id -> the ideal clock of the loop running on that thread now
_running: dict[int, IdealClock] = {}
_lock = threading.Lock()
_users = 0  #: recordings on an ideal clock going now (the patch is in while any is)


def sleep(seconds: Any, /) -> None:
    """``time.sleep``, which on a thread running an ideal clock's loop moves the clock."""
    clock = _running.get(threading.get_ident())
    if (
        clock is None
        or type(seconds) not in (int, float, bool)
        or not (seconds >= 0 and math.isfinite(seconds))
    ):
        _real_sleep(seconds)
        return
    clock.advance(float(seconds))
    slept = clock.slept
    if slept is not None:  # (the stack of a step that blocks: ``instrument.stacks``)
        slept(float(seconds), sys._getframe(1))


@contextlib.contextmanager
def sleeping_ideally() -> Iterator[None]:
    """``time.sleep`` is ours for the duration (nested and concurrent uses counted); it is
    put back only if nobody replaced it meanwhile (a test's monkeypatch, say)."""
    global _users
    with _lock:
        _users += 1
        if _users == 1:
            setattr(time, "sleep", sleep)  # noqa: B010 (the module attribute itself)
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and time.sleep is sleep:
                setattr(time, "sleep", _real_sleep)  # noqa: B010


@contextlib.contextmanager
def running_on(clock: IdealClock) -> Iterator[None]:
    """This thread runs a loop on ``clock`` for the duration: its ``time.sleep`` moves it,
    and its readings tick (``IdealClock.thread``)."""
    ident = threading.get_ident()
    previous, previous_thread = _running.get(ident), clock.thread
    _running[ident] = clock
    clock.thread = ident
    try:
        yield
    finally:
        clock.thread = previous_thread
        if previous is None:
            _running.pop(ident, None)
        else:
            _running[ident] = previous
