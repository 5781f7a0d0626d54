"""What asyncio and Python tell a program while it is recorded, kept as warning marks.

asyncio reports some mistakes only as text on stderr, often long after and far from
their cause: a task's exception that nobody retrieved (when the task is freed), a
task destroyed while still pending, a coroutine that was never awaited (when it is
garbage), a callback that held the loop too long (debug mode).  A learner watching
the chart never looks at stderr, so each report becomes a mark on the timeline, on
the lane of the task it concerns, at the moment it was made.  Nothing is swallowed:
every message still goes where it went before, whole.

Three doors:

- ``loop.call_exception_handler`` of each loop a recording is installed on: the
  structured report (which task, which exception).  Per loop; a report about a task
  that is not the run's (the GUI's own, in a live run) is left alone, whichever
  thread's garbage collection made it.
- the ``asyncio`` logger, for what is only logged (debug mode's "Executing ... took
  0.2 seconds"); not the exception handler's own log line, already a mark.
- ``warnings._showwarnmsg``, through which every warning Python shows passes
  (``RuntimeWarning: coroutine ... was never awaited``, ``ResourceWarning``); a
  warning the program catches itself (``catch_warnings(record=True)``) is not shown,
  so it is not marked either.

The logger and the warnings are process-wide, so one ``_Hub`` holds them for every
recording listening at once (a virtual run records in a worker thread while a live
one may run on the GUI's), and puts them back when the last stops.  A log record or
warning goes to the recordings whose loops run on the thread that made it.  As with
the tracer's hooks, a failing door is closed and logged once, never fatal.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import threading
import traceback
import warnings
from collections.abc import Callable
from typing import Any, Protocol

from visualizer.trace.store import MAX_MARKS, TraceStore

log = logging.getLogger(__name__)

#: at most this many warning marks a run; the rest are counted in
#: ``meta["dropped_warnings"]`` (``TraceStore.add_mark``)
MAX_WARNINGS = MAX_MARKS


class _Tasks(Protocol):
    """What notices need of the tracer: which of the run's tasks a report concerns."""

    def task_id(self, task: object, *, dying: bool = False) -> int | None: ...

    def task_of_error(self, exc: BaseException) -> int | None: ...

    def task_named(self, name: str) -> int | None: ...

    def note_name(self, task: asyncio.Task[Any]) -> None: ...

    def forget(self, task: asyncio.Task[Any]) -> None: ...


class Notices:
    """Listens for asyncio's and Python's warnings during one recording."""

    def __init__(self, store: TraceStore, clock: Callable[[], float], tasks: _Tasks) -> None:
        self.store = store
        self.clock = clock
        self.tasks = tasks
        #: threads whose logs and warnings are this recording's (its loops' threads)
        self.threads: set[int] = set()
        #: the end of the recording: only reports about the run's own tasks count now
        #: (the final collection frees other code's garbage too)
        self.closing = False
        #: hear logs and warnings only while one of the recording's loops is the running
        #: loop (a lecture's loop runs in the window's thread, in turns: between them
        #: the window's own warnings are not the program's)
        self.while_running = False
        self._loops: list[tuple[asyncio.AbstractEventLoop, Any]] = []  #: (loop, its own)
        self._in_handler = threading.local()  #: the exception handler runs (it logs too)
        self._listening = False
        self._failed = False
        #: how warnings were shown when this recording began: if the program changes it
        #: (``catch_warnings(record=True)``), what it catches is not shown, not marked
        self.shown_by: Any = None

    # --- opening and closing the doors ---------------------------------------------------
    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        """Hear ``loop``'s exception handler, and what this thread logs and warns."""
        self.threads.add(threading.get_ident())
        if not self._listening:
            self._listening = True
            self.shown_by = getattr(warnings, "_showwarnmsg_impl", None)
            _HUB.join(self)
        if any(each is loop for each, _ in self._loops):
            return
        own = loop.__dict__.get("call_exception_handler")  # (one set on the instance)
        handle = loop.call_exception_handler

        def call_exception_handler(context: dict[str, Any]) -> None:
            if not getattr(self._in_handler, "on", False):
                self._on_exception(context)
            self._in_handler.on = True
            try:
                handle(context)
            finally:
                self._in_handler.on = False

        # an instance attribute, as the tracer's hooks are: asyncio's Task and Future
        # look it up on the loop by name
        loop.call_exception_handler = call_exception_handler  # type: ignore[method-assign]
        self._loops.append((loop, own))

    def close(self) -> None:
        """Stop listening; everything is as it was before."""
        for loop, own in self._loops:
            if own is None:
                loop.__dict__.pop("call_exception_handler", None)
            else:
                loop.call_exception_handler = own  # type: ignore[method-assign]
        self._loops.clear()
        if self._listening:
            self._listening = False
            _HUB.leave(self)

    # --- what comes through them ---------------------------------------------------------
    def _on_exception(self, context: dict[str, Any]) -> None:
        try:
            task = context.get("task") or context.get("future")
            exc = context.get("exception")
            is_task = isinstance(task, asyncio.Task)
            tid = self.tasks.task_id(task, dying=True) if is_task else None
            if tid is None and isinstance(exc, BaseException):
                tid = self.tasks.task_of_error(exc)
            if tid is None and (is_task or self.closing):
                return  # about a task that is not the run's
            if isinstance(task, asyncio.Task) and tid is not None:
                self.tasks.note_name(task)  # (one destroyed pending is never seen to end)
                if not task.done():
                    self.tasks.forget(task)  # destroyed: its address may be reused
            message = str(context.get("message") or "Unhandled exception in event loop")
            detail = message
            if isinstance(exc, BaseException):
                text = "".join(traceback.format_exception(exc)).rstrip()
                detail += "\n" + _program_frames(text)
            self._add(tid, message, detail)
        except Exception as failure:
            self._fail(failure)

    def hears(self) -> bool:
        """Whether a log record or warning made now, on this thread, is this run's."""
        if self.closing or threading.get_ident() not in self.threads:
            return False
        if self.while_running:
            running = asyncio.events._get_running_loop()
            return any(loop is running for loop, _ in self._loops)
        return True

    def on_log(self, record: logging.LogRecord) -> None:
        if getattr(self._in_handler, "on", False):
            return  # the exception handler's own log line: already a mark
        try:
            text = record.getMessage()
            label, tid = _first_line(text), self._current_task()
            slow = _slow_step(record)
            if slow is not None:  # "Executing <Task ... name='x' ...> took 0.150 seconds"
                what, name, seconds = slow
                label = f"Executing {what} took {seconds:.3f} seconds"
                tid = self._slow_task(name)
            if tid != -1:
                self._add(tid, label, text)
        except Exception as failure:
            self._fail(failure)

    def on_warning(self, message: warnings.WarningMessage) -> None:
        try:
            tid = self._current_task()
            if tid != -1:
                category = message.category.__name__
                text = _program_frames(str(message.message))
                label = f"{category}: {_first_line(text)}"
                where = f"({message.filename}:{message.lineno})"
                self._add(tid, label, f"{category}: {text}\n{where}")
        except Exception as failure:
            self._fail(failure)

    def _slow_task(self, name: str | None) -> int | None:
        """The task whose step debug mode just called slow: asyncio logs it as the step
        returns, so it is the step the tracer recorded last, if that ended just now
        (names repeat: ``name`` only if it did not)."""
        if name is None:
            return None  # (a callback's, not a task's step)
        store = self.store
        store.sync()
        try:  # (a streamer may have let go of every row meanwhile: then none is recent)
            end = store.step_start[-1] + store.step_dur[-1]
            if end >= self.clock() - SLOW_RECORD_AGE:
                return int(store.step_task[-1])
        except IndexError:
            pass
        return self.tasks.task_named(name)

    def _current_task(self) -> int | None:
        """The run's task running now (None: none is; -1: one that is not the run's)."""
        try:
            task = asyncio.current_task()
        except RuntimeError:  # no loop running in this thread
            return None
        if task is None:
            return None
        tid = self.tasks.task_id(task)
        return -1 if tid is None else tid

    def _add(self, tid: int | None, label: str, detail: str) -> None:
        if not self._failed:
            task = -1 if tid is None else tid
            self.store.add_mark(self.clock(), task, label, "warning", detail)

    def _fail(self, failure: Exception) -> None:
        if not self._failed:
            self._failed = True
            log.error(
                "asyncviz: noting a warning failed; warnings are no longer noted", exc_info=failure
            )


#: a step that ended this recently (seconds) is the one a slow-step warning names
SLOW_RECORD_AGE = 0.005


class _Hub:
    """The process-wide doors, held while any recording listens (reference-counted)."""

    def __init__(self) -> None:
        self.listening: list[Notices] = []
        self._lock = threading.Lock()
        self._handler: _AsyncioLog | None = None
        self._showwarnmsg: Any = None  #: the one we replaced

    def join(self, notices: Notices) -> None:
        with self._lock:
            self.listening.append(notices)
            if len(self.listening) > 1:
                return
            self._handler = _AsyncioLog(self)
            logging.getLogger("asyncio").addHandler(self._handler)
            self._showwarnmsg = getattr(warnings, "_showwarnmsg", None)
            if self._showwarnmsg is not None:
                warnings._showwarnmsg = self._on_warning  # type: ignore[attr-defined]
            _forget_shown_warnings()

    def leave(self, notices: Notices) -> None:
        with self._lock:
            if notices in self.listening:
                self.listening.remove(notices)
            if self.listening:
                return
            if self._handler is not None:
                logging.getLogger("asyncio").removeHandler(self._handler)
                self._handler = None
            if self._showwarnmsg is not None:
                if getattr(warnings, "_showwarnmsg", None) == self._on_warning:
                    warnings._showwarnmsg = self._showwarnmsg  # type: ignore[attr-defined]
                self._showwarnmsg = None

    def _hearers(self) -> list[Notices]:
        return [each for each in list(self.listening) if each.hears()]

    def on_log(self, record: logging.LogRecord) -> None:
        for each in self._hearers():
            each.on_log(record)

    def _on_warning(self, message: warnings.WarningMessage) -> None:
        # (a program catching its warnings itself changes how they are shown: they are
        # not shown, so not marked)
        shown_by = getattr(warnings, "_showwarnmsg_impl", None)
        for each in self._hearers():
            if shown_by is each.shown_by:
                each.on_warning(message)
        shown = self._showwarnmsg or getattr(warnings, "_showwarnmsg_impl", None)
        if shown is not None:
            shown(message)


class _AsyncioLog(logging.Handler):
    """Hears the ``asyncio`` logger.  Being a handler, it would stop Python printing
    the record itself when no other handler is configured (``logging.lastResort``,
    what a plain run relies on): then it prints it as Python would have."""

    def __init__(self, hub: _Hub) -> None:
        super().__init__(logging.WARNING)
        self.hub = hub

    def emit(self, record: logging.LogRecord) -> None:
        self.hub.on_log(record)
        last = logging.lastResort
        if last is not None and record.levelno >= last.level and not self._others(record.name):
            last.handle(record)

    def _others(self, name: str) -> bool:
        """Whether a handler besides this one hears ``name`` (``Logger.hasHandlers``)."""
        logger: logging.Logger | None = logging.getLogger(name)
        while logger is not None:
            if any(handler is not self for handler in logger.handlers):
                return True
            logger = logger.parent if logger.propagate else None
        return False


_HUB = _Hub()

#: debug mode's warning about a callback or step that held the loop (base_events.py)
_SLOW_MESSAGE = "Executing %s took %.3f seconds"
_TASK_NAME = re.compile(r"^<Task \w*\s*name=(?:'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\")")


def _slow_step(record: logging.LogRecord) -> tuple[str, str | None, float] | None:
    """(what, its task's name if a task's step, seconds) of a slow-step warning: the
    label names the task (``Task 'resize'``), not its whole repr."""
    if record.msg != _SLOW_MESSAGE or not isinstance(record.args, tuple):
        return None
    if len(record.args) != 2:
        return None
    handle, seconds = record.args
    if not isinstance(seconds, float | int):
        return None
    match = _TASK_NAME.match(str(handle))
    if match is not None:
        name = match.group(1) if match.group(1) is not None else match.group(2)
        return f"Task {name!r}", name, float(seconds)
    return _first_line(str(handle))[:40], None, float(seconds)


#: frames of these are asyncio's or the visualizer's own code, not the program's (the
#: built-in scenarios, in ``visualizer/builtin_scenarios`` when installed, are the
#: program's)
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_NOT_THE_PROGRAM = (
    os.path.dirname(asyncio.__file__) + os.sep,
    *(
        os.path.join(_PACKAGE, part) + os.sep
        for part in ("app", "instrument", "model", "session", "trace", "views")
    ),
    os.path.join(_PACKAGE, "cli.py"),
    "<",
)


def _program_frames(text: str) -> str:
    """``text`` without the traceback frames that are asyncio's or the visualizer's
    (debug mode's "Coroutine created at" lists the whole stack, ours included)."""
    out: list[str] = []
    skipping = False
    for line in text.split("\n"):
        if line.startswith('  File "'):
            path = line[len('  File "') :].split('"', 1)[0]
            skipping = path.startswith(_NOT_THE_PROGRAM)
        elif not line.startswith("    "):
            skipping = False
        if not skipping:
            out.append(line)
    return "\n".join(out)


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0]


def _forget_shown_warnings() -> None:
    """Let each warning show again in this recording: Python shows a warning once per
    place by default and remembers it for the process, so a rerun would show none.
    Invalidating the filters' version makes every module forget what it showed."""
    mutated = getattr(warnings, "_filters_mutated", None)
    if mutated is not None:
        mutated()
