"""What asyncio and Python tell a program while it is recorded, kept as warning marks.

asyncio reports some mistakes only as text on stderr, often long after and far from
their cause: a task's exception that nobody retrieved (when the task is freed), a
task destroyed while still pending, a coroutine that was never awaited (when it is
garbage), a callback that held the loop too long (debug mode).  A learner watching
the chart never looks at stderr, so each report becomes a mark on the timeline, on
the lane of the task it concerns, at the moment it was made.  Nothing is swallowed:
every message still goes where it went before.

Three doors, open only while a recording listens:

- ``loop.call_exception_handler`` of each loop the recording is installed on: the
  structured report (which task, which exception);
- the ``asyncio`` logger, for what is only logged (debug mode's "Executing ... took
  0.2 seconds"); not the exception handler's own log line, already a mark;
- ``warnings.showwarning``: ``RuntimeWarning: coroutine ... was never awaited``,
  ``ResourceWarning`` for unclosed transports.

Only what happens on the recording's thread is the program's (a virtual-clock run
records in a worker thread while the GUI goes on), and a report about a task that is
not the run's (the GUI's own, in a live run) is left alone.  As with the tracer's
hooks, a failing door is closed and logged once, never fatal.
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
from typing import Any, Protocol, TextIO

from visualizer.trace.store import TraceStore

log = logging.getLogger(__name__)

#: at most this many warning marks a run (a program can warn in a loop); the rest are
#: counted in ``meta["dropped_warnings"]``
MAX_WARNINGS = 1000


class _Tasks(Protocol):
    """What notices need of the tracer: which of the run's tasks a report concerns."""

    def task_id(self, task: object) -> int | None: ...

    def task_of_error(self, exc: BaseException) -> int | None: ...

    def task_named(self, name: str) -> int | None: ...

    def note_name(self, task: asyncio.Task[Any]) -> None: ...


class Notices:
    """Listens for asyncio's and Python's warnings during one recording."""

    def __init__(self, store: TraceStore, clock: Callable[[], float], tasks: _Tasks) -> None:
        self.store = store
        self.clock = clock
        self.tasks = tasks
        self.count = 0  #: warnings noted
        self.dropped = 0  #: warnings past MAX_WARNINGS
        self._thread: int | None = None
        self._loops: list[asyncio.AbstractEventLoop] = []
        self._in_handler = False  #: the exception handler is running (it logs too)
        self._log_handler: _AsyncioLog | None = None
        self._showwarning: Any = None  #: the one we replaced
        self._failed = False

    # --- opening and closing the doors ---------------------------------------------------
    def listen(self) -> None:
        """Start listening on this thread (idempotent): the logger and the warnings."""
        if self._thread is not None:
            return
        self._thread = threading.get_ident()
        self._log_handler = _AsyncioLog(self)
        logging.getLogger("asyncio").addHandler(self._log_handler)
        self._showwarning = warnings.showwarning
        warnings.showwarning = self._on_warning
        _forget_shown_warnings()

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        """Hear ``loop``'s exception handler too (an instance attribute, as the tracer's
        hooks are: asyncio's Task and Future look it up on the loop by name)."""
        if loop in self._loops:
            return
        handle = type(loop).call_exception_handler.__get__(loop)

        def call_exception_handler(context: dict[str, Any]) -> None:
            if not self._in_handler:
                self._on_exception(context)
            self._in_handler = True
            try:
                handle(context)
            finally:
                self._in_handler = False

        loop.call_exception_handler = call_exception_handler  # type: ignore[method-assign]
        self._loops.append(loop)

    def close(self) -> None:
        """Stop listening; everything is as it was before ``listen``."""
        for loop in self._loops:
            loop.__dict__.pop("call_exception_handler", None)
        self._loops.clear()
        if self._log_handler is not None:
            logging.getLogger("asyncio").removeHandler(self._log_handler)
            self._log_handler = None
        if self._showwarning is not None:
            if warnings.showwarning == self._on_warning:
                warnings.showwarning = self._showwarning
            self._showwarning = None
        if self.dropped:
            self.store.meta.extra["dropped_warnings"] = self.dropped
        self._thread = None

    # --- what comes through them ---------------------------------------------------------
    def _on_exception(self, context: dict[str, Any]) -> None:
        if threading.get_ident() != self._thread:
            return
        try:
            task = context.get("task") or context.get("future")
            exc = context.get("exception")
            tid = self.tasks.task_id(task) if isinstance(task, asyncio.Task) else None
            if tid is None and isinstance(exc, BaseException):
                tid = self.tasks.task_of_error(exc)
            if tid is None and isinstance(task, asyncio.Task):
                return  # about a task that is not the run's
            if isinstance(task, asyncio.Task):
                self.tasks.note_name(task)  # (one destroyed pending is never seen to end)
            message = str(context.get("message") or "Unhandled exception in event loop")
            detail = message
            if isinstance(exc, BaseException):
                detail += "\n" + _program_frames("".join(traceback.format_exception(exc)).rstrip())
            self._add(tid, message, detail)
        except Exception as failure:
            self._fail(failure)

    def on_log(self, record: logging.LogRecord) -> None:
        if self._in_handler or record.thread != self._thread:
            return
        try:
            text = record.getMessage()
            label, tid = _first_line(text), self._current_task()
            slow = _slow_step(record)
            if slow is not None:  # "Executing <Task ... name='x' ...> took 0.150 seconds"
                what, name, seconds = slow
                label = f"Executing {what} took {seconds:.3f} seconds"
                if name is not None:
                    tid = self.tasks.task_named(name)
            self._add(tid, label, text)
        except Exception as failure:
            self._fail(failure)

    def _on_warning(
        self,
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        try:
            if threading.get_ident() == self._thread:
                tid = self._current_task()
                if tid != -1:
                    text = _program_frames(str(message))
                    label = f"{category.__name__}: {_first_line(text)}"
                    self._add(tid, label, f"{category.__name__}: {text}\n({filename}:{lineno})")
        except Exception as failure:
            self._fail(failure)
        shown = self._showwarning or warnings._showwarning_orig  # type: ignore[attr-defined]
        shown(message, category, filename, lineno, file, line)

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
        if self._failed:
            return
        if self.count >= MAX_WARNINGS:
            self.dropped += 1
            return
        self.count += 1
        self.store.marks.append(
            (self.clock(), -1 if tid is None else tid, label, "warning", detail)
        )

    def _fail(self, failure: Exception) -> None:
        if not self._failed:
            self._failed = True
            log.error(
                "asyncviz: noting a warning failed; warnings are no longer noted", exc_info=failure
            )


class _AsyncioLog(logging.Handler):
    """Hears the ``asyncio`` logger.  Being a handler, it would stop Python printing
    the record itself when no other handler is configured (``logging.lastResort``,
    what a plain run relies on): then it prints it as Python would have."""

    def __init__(self, notices: Notices) -> None:
        super().__init__(logging.WARNING)
        self.notices = notices

    def emit(self, record: logging.LogRecord) -> None:
        self.notices.on_log(record)
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


#: debug mode's warning about a callback or step that held the loop (base_events.py)
_SLOW_MESSAGE = "Executing %s took %.3f seconds"
_TASK_NAME = re.compile(r"^<Task \w*\s*name='((?:[^'\\]|\\.)*)'")


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
        return f"Task '{match.group(1)}'", match.group(1), float(seconds)
    return _first_line(str(handle))[:40], None, float(seconds)


#: frames of these files are asyncio's or ours, not the program's
_NOT_THE_PROGRAM = (
    os.path.dirname(asyncio.__file__) + os.sep,
    os.path.dirname(os.path.dirname(__file__)) + os.sep,
    "<",
)


def _program_frames(text: str) -> str:
    """``text`` without the traceback frames that are asyncio's or the visualizer's
    (debug mode's "Coroutine created at" lists the whole stack, ours included)."""
    lines = text.split("\n")
    out: list[str] = []
    skipping = False
    for line in lines:
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
    Invalidating the filters' version makes every module forget what it showed
    (3.11-3.13 ``_filters_mutated``; where it is gone, a warning shows as Python's
    filters allow)."""
    mutated = getattr(warnings, "_filters_mutated", None)
    if mutated is not None:
        mutated()
