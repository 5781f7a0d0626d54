"""Loops a program makes its own way are traced too, or the user is told why not.

``record`` makes ``asyncio.run`` and ``new_event_loop`` build our loops through an event
loop policy.  A program can step around it: it sets a policy of its own, passes
``asyncio.Runner(loop_factory=...)``, or builds a loop subclass itself
(``MyLoop().run_until_complete(main())``).  Measured before this module: such a run
recorded nothing, exited 0, and said nothing.

Every such loop still goes through asyncio's ``BaseEventLoop`` for what matters here:
its first task is made by ``create_task`` (``asyncio.run``, ``Runner.run`` and
``run_until_complete`` all call it) and it runs by ``run_forever``.  So, while a program
is recorded, those ``BaseEventLoop`` methods first hand a loop not seen yet to the
recorder (``adopt``), which installs the tracer on it, exactly as on ours, before its
first task exists.  Only loops of the recording thread are taken: a loop another thread
runs is that thread's business.

A loop that is not a ``BaseEventLoop`` (uvloop's, a loop written from scratch) never
passes there, but it must say it is running (``asyncio.events._set_running_loop``), and
that is where it is seen, and named in what the command says.
"""

from __future__ import annotations

import asyncio
import asyncio.events
import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any, Final

#: the ``BaseEventLoop`` methods through which a loop's first task or first turn passes
_DOORS: Final = ("create_task", "run_forever", "run_until_complete")


def loop_name(loop: object) -> str:
    kind = type(loop)
    return f"{kind.__module__}.{kind.__qualname__}"


@contextlib.contextmanager
def every_loop_adopted(
    adopt: Callable[[asyncio.AbstractEventLoop], None],
    foreign: Callable[[object], None],
) -> Iterator[None]:
    """While in this block, ``adopt(loop)`` is called once for each ``BaseEventLoop``
    this thread uses (before its first task, or its first turn), and ``foreign(loop)``
    for each other loop this thread runs."""
    thread = threading.get_ident()
    seen: dict[int, object] = {}  # (the loops themselves: an id is unique while held)
    base: Any = asyncio.BaseEventLoop
    originals = {name: base.__dict__[name] for name in _DOORS}

    def door(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def method(loop: Any, *args: Any, **kwargs: Any) -> Any:
            if id(loop) not in seen and threading.get_ident() == thread:
                seen[id(loop)] = loop
                adopt(loop)
                # (again by name: the tracer may have hooked it on the loop itself)
                return getattr(loop, name)(*args, **kwargs)
            return original(loop, *args, **kwargs)

        return method

    set_running = asyncio.events._set_running_loop

    def set_running_loop(loop: Any) -> None:
        if (
            loop is not None
            and not isinstance(loop, asyncio.BaseEventLoop)
            and threading.get_ident() == thread
            and id(loop) not in seen
        ):
            seen[id(loop)] = loop
            foreign(loop)
        set_running(loop)

    for name, original in originals.items():
        setattr(base, name, door(name, original))
    asyncio.events._set_running_loop = set_running_loop
    asyncio._set_running_loop = set_running_loop
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(base, name, original)
        asyncio.events._set_running_loop = set_running
        asyncio._set_running_loop = set_running
