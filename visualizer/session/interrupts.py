"""Ctrl-C and SIGTERM during a traced run: the program stops as it would, and the trace
is written whatever it does.

What a user expects, and what this module makes true (``Interrupts``, entered by
``asyncviz record``/``run`` and a window's own process around the run *and* the save):

- **Ctrl-C once** stops the program as asyncio does: ``asyncio.run`` cancels its main
  task (its ``finally`` blocks and ``except CancelledError`` run), then ends with
  ``KeyboardInterrupt``; a program on ``run_until_complete`` gets ``KeyboardInterrupt``
  at once.  We do not replace asyncio's handler, we wrap it while one of our loops runs
  (``watch``), so the program sees exactly the Ctrl-C it would without us.
- **Ctrl-C twice** stops now: ``KeyboardInterrupt`` is raised wherever the program is
  (as asyncio's handler does on its second Ctrl-C), and the run's loops refuse to run
  any more of it, so ``asyncio.run``'s clean-up cannot wait for ever on a task that
  refuses to be cancelled.  The tasks left unfinished are named (``abandoned``).
- **A grace period**: a program still running ``grace`` seconds after the first Ctrl-C
  (a task that swallows its cancellation, a clean-up that hangs) is stopped the same
  way, with a warning naming the tasks.
- **SIGTERM** (a service manager, ``kill``, a window's Stop) stops now: Python's own
  default ends the process at once without running the program's code; here it stops
  the program at once, the same way as the second Ctrl-C (``Terminated``), and the trace
  is written, exit 143.  A program that handles SIGTERM itself (``signal.signal``,
  ``loop.add_signal_handler``) keeps doing so.
- **After the program ends**, while the trace is finished and saved, both signals are
  only noted (``late``): the trace is written whole, then the caller says a signal came.

Signal handlers belong to the main thread: elsewhere (a window's worker thread) this
does nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType, TracebackType
from typing import Any, Final

#: seconds a program has to stop after the first Ctrl-C before it is stopped at once
GRACE: Final = 5.0
#: exit codes that say how a run was stopped (the shell's: 128 + the signal's number)
EXIT_CTRL_C: Final = 130
EXIT_SIGTERM: Final = 143

_Handler = Callable[[int, FrameType | None], Any] | int | None


class Terminated(SystemExit):
    """SIGTERM stopped the run.  A ``SystemExit`` so that asyncio lets it through, as it
    does ``KeyboardInterrupt`` (a task keeps any other ``BaseException`` to itself), and
    a program's ``except Exception`` does not swallow it; its code is 143."""

    def __init__(self) -> None:
        super().__init__(EXIT_SIGTERM)


class Interrupts:
    """How one traced run answers Ctrl-C and SIGTERM (see the module's docstring).

    ``with Interrupts() as interrupts:`` around the run and the save; ``watch(loop)``
    for each loop the run makes; ``program_ended()`` once the program's code is done
    (then signals are only noted, in ``late``)."""

    def __init__(self, grace: float = GRACE) -> None:
        self.grace = grace
        #: Ctrl-Cs that reached the program while one of its loops ran
        self.count = 0
        #: what stopped the run at once (``KeyboardInterrupt`` or ``Terminated``), if so
        self.stopped_now: type[BaseException] | None = None
        #: why it was stopped at once, in words ("a second Ctrl-C", ...)
        self.why = ""
        #: the names of the tasks left unfinished when it was stopped at once
        self.abandoned: list[str] = []
        #: signals that came after the program ended (held while the trace was written)
        self.late: list[signal.Signals] = []
        self._loops: list[asyncio.AbstractEventLoop] = []
        #: the unfinished tasks, kept from the garbage collector: collected, a task's
        #: coroutine would be closed, and its ``finally`` blocks run after all
        self._kept: list[asyncio.Task[Any]] = []
        self._active = False
        self._ended = False
        self._inner: _Handler = None  # the SIGINT handler the running loop would have
        self._previous: dict[signal.Signals, _Handler] = {}
        self._timer: threading.Timer | None = None
        self._grace_over = False

    # --- the run's span ---------------------------------------------------------------
    def __enter__(self) -> Interrupts:
        if threading.current_thread() is not threading.main_thread():
            return self
        self._active = True
        if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            self._previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, self._on_sigterm)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._timer is not None:
            self._timer.cancel()
        for sig, old in self._previous.items():
            current = signal.getsignal(sig)
            if current in (self._on_sigterm, self._note):
                signal.signal(sig, old if old is not None else signal.SIG_DFL)
        self._previous.clear()
        self._active = False

    def program_ended(self) -> None:
        """The program's code is done: from now on, while the trace is written, Ctrl-C
        and SIGTERM are noted (``late``), not acted on."""
        self._ended = True
        if self._timer is not None:
            self._timer.cancel()
        if not self._active:
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            current = signal.getsignal(sig)
            if current == signal.SIG_IGN:
                continue
            self._previous.setdefault(sig, current)
            signal.signal(sig, self._note)

    # --- loops ------------------------------------------------------------------------
    def watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """Answer Ctrl-C while ``loop`` runs, and refuse to run it once the run was
        stopped at once.  Wraps the loop's ``run_forever`` (which ``run_until_complete``
        calls), so it serves any loop class the program makes."""
        self._loops.append(loop)
        inner, inner_until = loop.run_forever, loop.run_until_complete

        def run_forever() -> None:
            if self.stopped_now is not None:
                raise self.stopped_now()  # (asyncio.run's clean-up would wait on them)
            with self._sigint_wrapped():
                inner()

        def run_until_complete(future: Any) -> Any:
            if self.stopped_now is not None:
                if asyncio.iscoroutine(future):
                    future.close()  # (never run: not "never awaited" either)
                raise self.stopped_now()
            return inner_until(future)

        loop.run_forever = run_forever  # type: ignore[method-assign]
        loop.run_until_complete = run_until_complete  # type: ignore[method-assign]

    @contextlib.contextmanager
    def _sigint_wrapped(self) -> Iterator[None]:
        """While a loop runs, Ctrl-C goes through ``_on_sigint`` to the handler the
        program set up (``asyncio.Runner``'s, or Python's default): restored after, so
        ``asyncio.Runner`` finds its own handler and puts the default back itself."""
        current = signal.getsignal(signal.SIGINT)
        if not self._active or self._ended or current in (self._on_sigint, signal.SIG_IGN):
            yield
            return
        self._inner = current
        signal.signal(signal.SIGINT, self._on_sigint)
        try:
            yield
        finally:
            if signal.getsignal(signal.SIGINT) == self._on_sigint:
                signal.signal(signal.SIGINT, current if current is not None else signal.SIG_DFL)
            self._inner = None

    # --- the handlers -----------------------------------------------------------------
    def _on_sigint(self, number: int, frame: FrameType | None) -> None:
        if self._grace_over:
            self._stop_now(KeyboardInterrupt, f"still running {self.grace:g} s after Ctrl-C")
        self.count += 1
        if self.count > 1:
            self._stop_now(KeyboardInterrupt, "a second Ctrl-C")
        self._start_grace()
        inner = self._inner
        if callable(inner):
            inner(number, frame)  # (asyncio.Runner's: cancel the main task; or raise)
        else:
            raise KeyboardInterrupt

    def _on_sigterm(self, _number: int, _frame: FrameType | None) -> None:
        self._stop_now(Terminated, "SIGTERM")

    def _note(self, number: int, _frame: FrameType | None) -> None:
        self.late.append(signal.Signals(number))

    def _stop_now(self, kind: type[BaseException], why: str) -> None:
        if self.stopped_now is None:
            self.stopped_now, self.why = kind, why
            self.abandoned = self._unfinished()
            # Raised here, it may be lost: a handler that runs inside a finaliser (a
            # weakref's callback, a __del__) has its exception printed and ignored.  So
            # the running loops raise it too, at their next turn (a callback that raises
            # KeyboardInterrupt or SystemExit stops ``run_forever``).
            for loop in self._loops:
                if loop.is_running() and not loop.is_closed():
                    with contextlib.suppress(RuntimeError):
                        loop.call_soon_threadsafe(self._raise)
        raise kind()

    def _raise(self) -> None:
        if self.stopped_now is not None:
            if not self.abandoned:  # (``abandon``: named here, on the loop's own thread)
                self.abandoned = self._unfinished()
            raise self.stopped_now()

    def abandon(self, why: str) -> None:
        """Stop the run at once, from any thread (a window's Stop of a run in a worker
        thread): its loops raise ``KeyboardInterrupt`` at their next turn, and refuse to
        run again.  (A step that never returns to its loop needs ``raise_in_thread``.)"""
        if self.stopped_now is None:
            self.stopped_now, self.why = KeyboardInterrupt, why
        for loop in list(self._loops):
            if not loop.is_closed():
                with contextlib.suppress(RuntimeError):  # (closed meanwhile)
                    loop.call_soon_threadsafe(self._raise)

    def _unfinished(self) -> list[str]:
        for loop in self._loops:
            if loop.is_closed():
                continue
            with contextlib.suppress(RuntimeError):  # (a set changing under us: best effort)
                self._kept += [t for t in asyncio.all_tasks(loop) if not t.done()]
        return sorted(t.get_name() for t in self._kept)

    def _start_grace(self) -> None:
        if self._timer is not None or self.grace <= 0:
            return
        main = threading.main_thread().ident

        def over() -> None:
            if self._ended or main is None:
                return
            self._grace_over = True
            # a signal, not a flag: the program may be asleep in select() or spinning
            signal.pthread_kill(main, signal.SIGINT)

        self._timer = threading.Timer(self.grace, over)
        self._timer.daemon = True
        self._timer.start()

    # --- how it ended, in words ---------------------------------------------------------
    def report(self) -> str:
        """One line on how the run was stopped at once, and what it left (or "")."""
        if self.stopped_now is None:
            return ""
        if not self.abandoned:
            return f"stopped at once ({self.why})"
        shown = ", ".join(repr(name) for name in self.abandoned[:10])
        more = f" and {len(self.abandoned) - 10} more" if len(self.abandoned) > 10 else ""
        return (
            f"stopped at once ({self.why}): {len(self.abandoned)} task(s) left"
            f" unfinished: {shown}{more}"
        )

    def exit_code(self, code: int) -> int:
        """The run's exit code, told the signals that came once the program had ended."""
        if code == 0 and self.late:
            return EXIT_SIGTERM if signal.SIGTERM in self.late else EXIT_CTRL_C
        return code

    def leave(self, code: int) -> int:
        """The run's exit code (``exit_code``), to return; or, after a run stopped at once,
        the process ends here with it (``end_process``), its last words already out."""
        code = self.exit_code(code)
        if self.stopped_now is not None:
            end_process(code)
        return code


def raise_in_thread(ident: int, kind: type[BaseException] = KeyboardInterrupt) -> bool:
    """Raise ``kind`` in the thread ``ident`` at its next bytecode (CPython's
    ``PyThreadState_SetAsyncExc``): the last resort for a run in a worker thread whose
    step never returns to its loop.  A thread blocked inside C gets it only when it
    returns to Python.  False if there is no such thread (or no way to do it)."""
    try:
        import ctypes

        set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
    except (ImportError, AttributeError):  # pragma: no cover - not CPython
        return False
    return bool(set_async_exc(ctypes.c_ulong(ident), ctypes.py_object(kind)) == 1)


def end_process(code: int) -> None:
    """Leave now, after a run that was stopped at once: its executor threads may be
    stuck in a job for ever, and Python's exit would wait for them."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
