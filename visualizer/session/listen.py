"""A window that listens for programs started elsewhere: the window's side of *attach*.

A program run with ``python -m visualizer.attach PROGRAM.py`` (or that calls
``visualizer.stream()``) connects to ``127.0.0.1:7319`` whenever a window listens
there, and sends its trace (``docs/stream-format.md``, "Connections").  A
``Listener`` accepts those connections on the window's loop (plain asyncio: no Qt
here) and hands each one over as an ``AttachedRun``, a live source the window draws
as it draws a child process's run (``process.ChildRun``): a ``StreamReceiver``'s
mirror store and model.

Security: a listener binds loopback unless asked otherwise, and then only with a
token (``new_token()``), which the program sends as the connection's first line
(``ASYNCVIZ_TOKEN`` in its environment).  A connection whose first line is the wrong
token, longer than 200 bytes, or slower than 5 seconds, or whose stream does not
begin with a valid hello, is refused: closed, counted (``Listener.refused``) and
logged, never shown as a run.  Even the right token only lets a program send data:
a stream is checked whole before anything of it is used, and nothing in it is ever
executed.

What a window cannot have of an attached program: its stdout and stderr (they went
wherever the program was started, a terminal), its process (the window can ask it to
stop, as Ctrl-C does, but not kill it) and its exit signal (only what its ``End``
says, if it sent one).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from visualizer.session.process import STOP_GRACE, _empty_trace, describe_exit, end_error
from visualizer.session.receiver import StreamedSource, StreamReceiver
from visualizer.session.sources import RunOutcome
from visualizer.session.streaming import DEFAULT_HOST, DEFAULT_PORT, TOKEN_ENV

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "DETACHED",
    "TOKEN_ENV",
    "WENT_AWAY",
    "AttachedOutcome",
    "AttachedRun",
    "Listener",
    "is_loopback",
    "new_token",
]

log = logging.getLogger(__name__)

#: seconds a new connection has to send its token line, then again its hello
HANDSHAKE_TIMEOUT: Final = 5.0
#: bytes a token line may have, at most (``new_token()`` makes 43)
TOKEN_LINE: Final = 200
#: the reasons of the last refusals kept (``Listener.refusals``)
REFUSALS_KEPT: Final = 20
#: an attached run's error when its connection closed without the program's ``End``
WENT_AWAY: Final = "the program went away (connection closed)"
#: an attached run's error when the window let it go (``AttachedRun.close``)
DETACHED: Final = "no longer followed (the program goes on)"


def new_token() -> str:
    """A fresh token for a listener that other machines can reach (256 random bits)."""
    return secrets.token_urlsafe(32)


def is_loopback(host: str) -> bool:
    """``host`` is this machine only (``127.0.0.1``, ``::1``, ``localhost``)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a name, or "" (every interface)
        return False


@dataclass
class AttachedOutcome(RunOutcome):
    """How an attached program's stream ended (``error``: one line, what went wrong)."""

    exit_code: int | None = None  #: the program's, as its ``End`` said (None: no End came)
    stream_error: str | None = None  #: the stream was malformed (the rows before are kept)
    stopped: bool = False  #: the window asked it to stop
    detached: bool = False  #: the window let it go before it ended


class AttachedRun(StreamedSource):
    """A program started elsewhere, streaming to this window: a live source.

    Made by a ``Listener`` (after the connection's token and hello); reads the stream
    until its ``End``, or until the connection closes.  ``stop()`` asks the program to
    stop as Ctrl-C does; ``close()`` lets it go (the program goes on, and will connect
    again, within a second, if a window still listens).  No stdout/stderr: they are
    the program's terminal's."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        peer: str,
        grace: float = STOP_GRACE,
    ) -> None:
        self.peer = peer  #: the program's address, "host:port"
        self.grace = grace
        #: the stream's reader: its mirror store and model (the live chart's)
        self.receiver = StreamReceiver()
        self.stopping = False  #: stop() was called
        self.detached = False  #: close() was called before the stream ended
        self._reader = reader
        self._writer = writer
        self._reading: asyncio.Task[None] | None = None
        self._escalation: asyncio.Task[None] | None = None
        self._outcome_: AttachedOutcome | None = None

    def _start(self, first: bytes) -> None:
        """Read the stream (``first``: its bytes that came with the token line)."""
        self._reading = asyncio.ensure_future(self._read(first))

    async def _read(self, first: bytes) -> None:
        receiver = self.receiver
        try:
            if not first or receiver.feed(first):
                await receiver.read(self._reader)
        finally:
            receiver.ended_at = time.monotonic()  # (the stream is over: its clock stops)
            receiver.close()
            self._writer.close()

    # --- a live source -----------------------------------------------------------------
    @property
    def running(self) -> bool:
        """The stream goes on (no ``End``, connection open)."""
        return self._reading is not None and not self._reading.done()

    @property
    def pid(self) -> int | None:
        mirror = self.mirror
        return None if mirror is None else mirror.hello.pid

    @property
    def source(self) -> str:
        """What runs: the program's path (as it was started)."""
        mirror = self.mirror
        return "" if mirror is None else mirror.hello.source

    @property
    def argv(self) -> list[str]:
        mirror = self.mirror
        return [] if mirror is None else list(mirror.hello.argv)

    @property
    def dropped(self) -> int:
        """Rows the program could not keep (its store is bounded and was full), and rows
        this window could not (its copy is bounded too): the run is cut off there."""
        mirror = self.mirror
        return 0 if mirror is None else mirror.store.dropped

    # --- commands ----------------------------------------------------------------------
    def command(self, name: str) -> bool:
        """Send the program a command (an ASCII word; it ignores those it does not
        know); False if the connection is gone."""
        if not name.isascii() or not name.isprintable() or "\n" in name:
            raise ValueError(f"not a command: {name!r}")
        writer = self._writer
        if not self.running or writer.is_closing():
            return False
        try:
            writer.write(name.encode("ascii") + b"\n")
        except (OSError, RuntimeError):
            return False
        return True

    def stop(self) -> None:
        """Ask the program to stop as Ctrl-C does (``asyncio.run`` cancels its main
        task; its ``finally`` blocks run); if it has not ended a grace period later, ask
        again (Ctrl-C twice: ``KeyboardInterrupt`` wherever it is, a spinning step
        included).  The window cannot do more: the process is not its own."""
        if not self.running or self.stopping:
            return
        self.stopping = True
        self.command("stop")
        self._escalation = asyncio.ensure_future(self._escalate())

    async def _escalate(self) -> None:
        reading = self._reading
        assert reading is not None
        await asyncio.wait({reading}, timeout=self.grace)
        if not reading.done():
            self.command("stop")

    def close(self) -> None:
        """Let the program go: the connection closes, the run ends here; the program
        goes on (and connects again if a window listens)."""
        if self.running:
            self.detached = True
        self._writer.close()
        if self._reading is not None:
            self._reading.cancel()

    # --- the end -----------------------------------------------------------------------
    async def wait(self) -> AttachedOutcome:
        """Until the stream ended (its ``End``, the connection closed, or a malformed
        stream): what it left."""
        if self._reading is not None:
            await asyncio.wait({self._reading})  # (a cancelled wait() leaves it reading)
        if self._escalation is not None:
            self._escalation.cancel()
        if self._outcome_ is None:  # (once: the run's end is recorded once)
            self._outcome_ = self._outcome()
        return self._outcome_

    def _outcome(self) -> AttachedOutcome:
        receiver = self.receiver
        mirror, model = receiver.mirror, receiver.model
        malformed = (
            None if receiver.error is None else f"the stream was malformed: {receiver.error}"
        )
        if mirror is None or model is None:
            trace = _empty_trace(self.peer)
            return AttachedOutcome(
                trace, malformed or WENT_AWAY, None, None, receiver.error, self.stopping
            )
        end = mirror.end
        error: str | None
        traceback: str | None = None
        if malformed is not None:
            error = malformed
        elif end is not None:
            error, traceback = end_error(end, stopped=self.stopping, exit_code=end.exit_code)
        else:
            error = DETACHED if self.detached else WENT_AWAY
        if end is None:  # (what happened after its last news is not known: said on the chart)
            receiver.close_running(
                receiver.program_end(),
                None if self.detached else "connection lost (no last word)",
                ended="The connection to the program closed",
            )
        meta: dict[str, object] = {"attached": {"peer": self.peer, "pid": mirror.hello.pid}}
        if end is not None:
            meta["exit"] = {"returncode": end.exit_code, "how": describe_exit(end.exit_code)}
        return AttachedOutcome(
            model.snapshot(meta),
            error,
            traceback,
            None if end is None else end.exit_code,
            receiver.error,
            self.stopping,
            self.detached,
        )


class _Refused(Exception):
    """A connection that is not an attached program's (the message says why)."""


class Listener:
    """Accepts programs' connections on ``host:port`` (see the module's docstring).

    Each accepted program is handed over as an ``AttachedRun``: to ``on_run(run)`` if
    given (called on the listener's loop, once the run's hello came, so its ``model``
    is there), else put in the queue ``runs``.  ``on_refused(reason)`` hears each
    refusal."""

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        token: str | None = None,
        *,
        on_run: Callable[[AttachedRun], None] | None = None,
        on_refused: Callable[[str], None] | None = None,
        handshake_timeout: float = HANDSHAKE_TIMEOUT,
    ) -> None:
        if not is_loopback(host) and not token:
            where = host or "every interface"
            raise ValueError(
                f"listening on {where} lets other machines connect: give a token"
                f" (new_token()), and give it to the program in {TOKEN_ENV}"
            )
        self.host = "127.0.0.1" if host.lower() == "localhost" else host
        self.port = port
        self.token = token or None
        self.on_run = on_run
        self.on_refused = on_refused
        self.handshake_timeout = handshake_timeout
        self.runs: asyncio.Queue[AttachedRun] = asyncio.Queue()
        self.accepted = 0  #: runs handed over
        self.refused = 0  #: connections refused
        self.refusals: deque[str] = deque(maxlen=REFUSALS_KEPT)  #: why, the latest last
        self.address: tuple[str, int] | None = None  #: where it listens, once started
        self._server: asyncio.Server | None = None
        self._handshakes: set[asyncio.Task[None]] = set()
        self._open: set[AttachedRun] = set()

    async def start(self) -> tuple[str, int]:
        """Listen; the (host, port) bound (``port=0`` picks a free port)."""
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        host, port = self._server.sockets[0].getsockname()[:2]
        self.address = (str(host), int(port))
        return self.address

    @property
    def listening(self) -> bool:
        return self._server is not None and self._server.is_serving()

    async def close(self, *, runs: bool = True) -> None:
        """Stop listening; with ``runs``, let go of the runs still streaming too (the
        window is closing: the programs go on, and connect again to the next one)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for task in list(self._handshakes):
            task.cancel()
        await asyncio.gather(*self._handshakes, return_exceptions=True)
        if runs:
            for run in list(self._open):
                run.close()
            await server.wait_closed()  # (3.12 waits for every connection here)

    # --- a new connection ----------------------------------------------------------------
    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handshakes.add(task)
        peer = _peer(writer)
        run: AttachedRun | None = None
        try:
            try:
                first = await asyncio.wait_for(self._token_line(reader), self.handshake_timeout)
            except TimeoutError:
                raise _Refused(f"no token line within {self.handshake_timeout:g} seconds") from None
            run = AttachedRun(reader, writer, peer=peer)
            run._start(first)
            try:
                await asyncio.wait_for(run.hello.wait(), self.handshake_timeout)
            except TimeoutError:
                raise _Refused(f"no hello within {self.handshake_timeout:g} seconds") from None
            if run.mirror is None:
                raise _Refused(f"not an asyncviz stream ({run.stream_error or 'it closed'})")
        except _Refused as exc:
            self._refuse(peer, str(exc), writer, run)
            return
        except asyncio.CancelledError:  # (the listener is closing)
            self._drop(writer, run)
            raise
        except Exception:  # a bug of ours: this connection is lost, the listener goes on
            log.exception("asyncviz: a connection from %s failed", peer)
            self._drop(writer, run)
            return
        finally:
            if task is not None:
                self._handshakes.discard(task)
        self._hand_over(run)

    async def _token_line(self, reader: asyncio.StreamReader) -> bytes:
        """Read the first line and check its token: the bytes that came after it."""
        data = b""
        while b"\n" not in data:
            if len(data) > TOKEN_LINE:
                raise _Refused(f"a first line longer than {TOKEN_LINE} bytes")
            chunk = await reader.read(TOKEN_LINE + 1 - len(data))
            if not chunk:
                raise _Refused("closed before its token line")
            data += chunk
        line, _, rest = data.partition(b"\n")
        if len(line) > TOKEN_LINE:
            raise _Refused(f"a first line longer than {TOKEN_LINE} bytes")
        if self.token is not None and not hmac.compare_digest(
            line.rstrip(b"\r"), self.token.encode()
        ):
            raise _Refused("a wrong token")
        return rest

    def _hand_over(self, run: AttachedRun) -> None:
        self.accepted += 1
        self._open.add(run)
        reading = run._reading
        if reading is not None:
            reading.add_done_callback(lambda _: self._open.discard(run))
        log.info("asyncviz: %s attached from %s (pid %s)", run.source, run.peer, run.pid)
        if self.on_run is None:
            self.runs.put_nowait(run)
            return
        try:
            self.on_run(run)
        except Exception:
            log.exception("asyncviz: on_run failed for a program from %s", run.peer)

    def _refuse(
        self, peer: str, reason: str, writer: asyncio.StreamWriter, run: AttachedRun | None
    ) -> None:
        self.refused += 1
        self.refusals.append(f"{peer}: {reason}")
        log.warning("asyncviz: refused a connection from %s: %s", peer, reason)
        self._drop(writer, run)
        if self.on_refused is not None:
            try:
                self.on_refused(f"{peer}: {reason}")
            except Exception:
                log.exception("asyncviz: on_refused failed")

    @staticmethod
    def _drop(writer: asyncio.StreamWriter, run: AttachedRun | None) -> None:
        if run is not None:
            run.close()
        with contextlib.suppress(Exception):
            writer.close()


def _peer(writer: asyncio.StreamWriter) -> str:
    name = writer.get_extra_info("peername")
    if isinstance(name, tuple) and len(name) >= 2:
        host, port = str(name[0]), name[1]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return str(name or "?")
