"""File > Listen for programs...: programs started elsewhere attach to this window.

A ``Listener`` (``visualizer.session.listen``, plain asyncio) on the window's loop takes
the programs that ``python -m visualizer.attach PROGRAM.py`` (or ``visualizer.stream()``
in the program) start elsewhere; the window shows each one live as it comes, one after
another (a program that attaches while another run is on screen waits its turn; its own
streamer never waits: the program goes on meanwhile and the window gets its whole
history).  Loopback only, unless an address is asked for, and then with a token the
program must bring (``ASYNCVIZ_TOKEN``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel

from visualizer.session.connections import DEFAULT_ADDRESS, TOKEN_ENV, parse_address
from visualizer.session.listen import AttachedRun, Listener, is_loopback, new_token
from visualizer.session.sources import RunOutcome

if TYPE_CHECKING:
    from visualizer.app.window import MainWindow

log = logging.getLogger("asyncviz.app")

#: how often a waiting program is looked at, while a run is on screen (milliseconds)
WAIT_POLL_MS = 200


class Listening(QObject):
    """The window's listener: its menu entry, its status, the programs waiting."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.listener: Listener | None = None
        self.token: str | None = None
        self.waiting: deque[AttachedRun] = deque()
        self.shown: list[RunOutcome] = []  #: what each attached run left, in order
        self.failed: list[str] = []  #: why showing one failed (a bug of ours), each time
        self.action = window.file_menu.addAction("")
        self.action.setCheckable(True)
        self.action.triggered.connect(self.toggle)
        window.file_menu.insertAction(window.quit_action, self.action)
        window.file_menu.insertSeparator(window.quit_action)
        self.status = QLabel()  #: "listening on ...", in the status bar while it does
        window.statusBar().addPermanentWidget(self.status)
        self._poll = QTimer(self)
        self._poll.setInterval(WAIT_POLL_MS)
        self._poll.timeout.connect(self._next)
        self._switching: asyncio.Future[Any] | None = None
        self.retranslate()

    def retranslate(self) -> None:
        self.action.setText(self.tr("&Listen for programs..."))
        self.action.setToolTip(
            self.tr(
                "Show programs started elsewhere with python -m visualizer.attach"
                " PROGRAM.py (or visualizer.stream() in the program), live"
            )
        )
        self._say()

    # --- on and off ----------------------------------------------------------------------
    def toggle(self, on: bool) -> None:
        self._switching = asyncio.ensure_future(self.start() if on else self.stop())

    async def start(self, address: str = DEFAULT_ADDRESS) -> bool:
        """Listen at ``address`` (``HOST:PORT``); another host than this machine's gets
        a token, which the programs must bring.  False (and why, said) if it cannot."""
        await self.stop()
        try:
            # (port 0: any free port; the status bar says which)
            host, port = (
                parse_address(address)
                if not address.endswith(":0")
                else (
                    address[:-2].strip("[]") or "127.0.0.1",
                    0,
                )
            )
            token = None if is_loopback(host) else new_token()
            listener = Listener(host, port, token, on_run=self._came)
            await listener.start()
        except (ValueError, OSError) as exc:
            self.action.setChecked(False)
            self.window._say(
                self.tr("Cannot listen on {address}").format(address=address), str(exc)
            )
            return False
        self.listener, self.token = listener, token
        self.action.setChecked(True)
        self._say()
        return True

    async def stop(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            await listener.close(runs=False)  # (the run on screen is shown to its end)
        for run in self.waiting:
            run.close()  # (the program goes on; it connects again to the next window)
        self.waiting.clear()
        self._poll.stop()
        self.action.setChecked(False)
        self._say()

    def instructions(self) -> str:
        """The command a program is started with to come here."""
        if self.listener is None or self.listener.address is None:
            return ""
        host, port = self.listener.address
        to = "" if (host, port) == parse_address(DEFAULT_ADDRESS) else f" --to {host}:{port}"
        token = f"{TOKEN_ENV}={self.token} " if self.token else ""
        return f"{token}python -m visualizer.attach{to} PROGRAM.py"

    def _say(self) -> None:
        listener = self.listener
        if listener is None or listener.address is None:
            self.status.setText("")
            self.status.setToolTip("")
            return
        host, port = listener.address
        waiting = len(self.waiting)
        text = self.tr("listening on {host}:{port}").format(host=host, port=port)
        if waiting:
            text += self.tr(", {count} waiting").format(count=waiting)
        self.status.setText(text)
        self.status.setToolTip(self.instructions())

    # --- the programs that come -----------------------------------------------------------
    def _came(self, run: AttachedRun) -> None:
        self.waiting.append(run)
        self._say()
        self._next()

    def _next(self) -> None:
        """The next program waiting, on screen if nothing else is."""
        window = self.window
        while self.waiting and not self.waiting[0].running:  # (ended while it waited)
            self._show(self.waiting.popleft())
            return
        if not self.waiting:
            self._poll.stop()
            return
        if window._task is not None:
            self._poll.start()  # (a run is on screen: look again in a moment)
            return
        self._show(self.waiting.popleft())

    def _show(self, run: AttachedRun) -> None:
        window = self.window
        if window._task is not None:
            self.waiting.appendleft(run)
            self._poll.start()
            return
        task = asyncio.ensure_future(window.show_attached(run))
        window._task = task
        task.add_done_callback(self._shown)
        self._say()

    def _shown(self, task: asyncio.Future[Any]) -> None:
        if not task.cancelled() and task.exception() is None:
            self.shown.append(task.result())
        elif not task.cancelled():
            exc = task.exception()
            self.failed.append(f"{type(exc).__name__}: {exc}")
            log.error("asyncviz: showing an attached program failed", exc_info=exc)
        self._say()
        if self.waiting:
            self._poll.start()
