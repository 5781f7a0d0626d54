"""Where a streamer's frames go: a connection made before the run, or one to a window
that listens, tried again whenever it is not connected (``streaming.Streamer`` uses
them; ``docs/stream-format.md``, "Connections").

A connection is used by the streamer's thread only (and by ``Streamer.close`` once that
thread ended); ``abort`` alone may be called from another thread.  Sends block (only the
streamer's thread waits); reads never do.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import time
from typing import Final, Protocol

#: the port a window listens on unless told otherwise (``asyncviz gui --listen``): no
#: common service's (it is not in the usual ``/etc/services``), above the ports that
#: need privileges, and below the ephemeral ranges Linux and macOS hand out for outgoing
#: connections (32768 and up, 49152 and up), so a client's port never takes it
DEFAULT_PORT: Final = 7319
DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_ADDRESS: Final = f"{DEFAULT_HOST}:{DEFAULT_PORT}"
#: the environment variable that carries an attach token (never on the command line,
#: where ``ps`` shows it to every user)
TOKEN_ENV: Final = "ASYNCVIZ_TOKEN"
_NOSIGNAL: Final = getattr(socket, "MSG_NOSIGNAL", 0)


class Sink(Protocol):
    """Where the frames go: a socket's ``sendall``, a file's ``write``."""

    def __call__(self, data: bytes, /) -> object: ...


def parse_address(where: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:7319``, ``:7319`` for this machine) as (host, port)."""
    host, colon, port = where.rpartition(":")
    if not colon or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{where!r} is not HOST:PORT (for example {DEFAULT_ADDRESS})")
    return host.strip("[]") or DEFAULT_HOST, int(port)


def take_token() -> str:
    """The attach token from the environment, removed from it (the program must not
    see it, nor pass it on to the processes it starts)."""
    return os.environ.pop(TOKEN_ENV, "")


class Connection:
    """Where a streamer's frames go.  Used by the streamer's thread (and by ``close``
    after that thread ended); ``abort`` alone may be called from another thread."""

    reconnects = False  #: it can connect again after it failed

    @property
    def connected(self) -> bool:
        raise NotImplementedError

    def connect(self, timeout: float) -> bool:
        """Try once to connect; True if a new connection was made."""
        return False

    def send(self, data: bytes) -> None:
        """Send all of ``data`` (raises ``OSError`` if it cannot)."""
        raise NotImplementedError

    def receive(self) -> bytes | None:
        """What the window sent, without waiting: b"" if nothing, None if it closed."""
        return b""

    def disconnect(self) -> None:
        """The connection failed, or the stream is over: let it go."""

    def deadline(self, seconds: float | None) -> None:
        """From now on, a send that takes longer than ``seconds`` fails."""

    def abort(self) -> None:
        """From another thread: make a send that is stuck fail now."""


class _Socket:
    """A connected socket's side of a stream: blocking sends (only the streamer's
    thread waits), reads that never wait."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(True)
        self.sock = sock
        self._poll = None
        if hasattr(select, "poll"):  # (select.select refuses a descriptor over 1023)
            self._poll = select.poll()
            self._poll.register(sock, select.POLLIN)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data, _NOSIGNAL)  # (EPIPE as an error, never a SIGPIPE)

    def receive(self) -> bytes | None:
        if self._poll is not None:
            ready = bool(self._poll.poll(0))
        else:  # pragma: no cover - Windows
            ready = bool(select.select([self.sock], [], [], 0)[0])
        if not ready:
            return b""
        return self.sock.recv(4096) or None

    def goodbye(self, timeout: float) -> None:
        """The stream is over: say so (FIN), and wait a little for the window to close
        its side.  Closing at once with a command unread would reset the connection,
        and a reset can lose what the window has not read yet: the ``End``."""
        sock = self.sock
        try:
            sock.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + timeout
            while (left := deadline - time.monotonic()) > 0:
                sock.settimeout(left)
                if not sock.recv(4096):
                    break
        except OSError:
            pass
        finally:
            sock.close()


class FixedConnection(Connection):
    """A connection made before the run (see the module's docstring)."""

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._socket: _Socket | None = None
        self._connected = True

    @classmethod
    def of_socket(cls, sock: socket.socket) -> FixedConnection:
        """A connected socket (left open when the stream ends: its owner closes it)."""
        ours = _Socket(sock)
        connection = cls(ours.send)
        connection._socket = ours
        return connection

    @property
    def connected(self) -> bool:
        return self._connected

    def send(self, data: bytes) -> None:
        self._sink(data)

    def receive(self) -> bytes | None:
        return b"" if self._socket is None else self._socket.receive()

    def disconnect(self) -> None:
        self._connected = False

    def abort(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.sock.shutdown(socket.SHUT_RDWR)


class ReconnectingConnection(Connection):
    """``host:port`` of a listening window, tried again whenever it is not connected."""

    reconnects = True

    def __init__(self, host: str, port: int, token: str = "") -> None:
        self.host = host
        self.port = port
        self._token = token
        self._socket: _Socket | None = None

    def __repr__(self) -> str:
        return f"ReconnectingConnection({self.host!r}, {self.port})"

    @property
    def connected(self) -> bool:
        return self._socket is not None

    def connect(self, timeout: float) -> bool:
        self.disconnect()
        try:
            sock = socket.create_connection((self.host, self.port), timeout=timeout)
        except (OSError, ValueError):
            return False
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(timeout)
            sock.sendall(self._token.encode() + b"\n")
            ours = _Socket(sock)
        except (OSError, ValueError):
            sock.close()
            return False
        self._socket = ours
        return True

    def send(self, data: bytes) -> None:
        if self._socket is None:
            raise ConnectionError("not connected")
        self._socket.send(data)

    def receive(self) -> bytes | None:
        return b"" if self._socket is None else self._socket.receive()

    def deadline(self, seconds: float | None) -> None:
        if self._socket is not None:
            self._socket.sock.settimeout(seconds)

    def disconnect(self, goodbye: float = 0.0) -> None:
        ours, self._socket = self._socket, None
        if ours is not None:
            ours.goodbye(goodbye)

    def abort(self) -> None:
        ours = self._socket
        if ours is not None:
            with contextlib.suppress(OSError):
                ours.sock.shutdown(socket.SHUT_RDWR)
