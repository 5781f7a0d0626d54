"""Reading a file someone else made: only a regular file, and never more than it is worth.

A trace file is data from anyone (a colleague, a bug report, a download).  ``open``
on a pipe (``mkfifo t.json``) waits for a writer for ever, and so would the window;
``/dev/zero`` never ends; an 8 MB gzip can inflate to 8 GB.  So a trace is opened
without blocking and refused unless it is a regular file (``open_regular``), and a
gzip is inflated a piece at a time, refused as soon as it passes ``max_inflated`` bytes
or inflates more than ``MAX_RATIO`` times its size (``inflate``).  Both raise
``UnsafeInput``; the loaders turn it into their own documented error.

The limit on what a gzip inflates to is a setting: ``ASYNCVIZ_MAX_INFLATED`` (bytes,
in the environment), 2 GiB unless set.

A valid trace can be too big as well: loading one costs about 4 times its JSON in
memory, and the window keeps about 2 times (``docs/performance.md``, "Big trace files").
``check_size`` refuses, before anything is decoded, a file whose JSON (a gzip's as its
trailer says) is over ``ASYNCVIZ_MAX_TRACE`` bytes, 1 GiB unless set: a 1,000,000-task
trace of 909 MB opens within about 4 GB.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Final

#: bytes a gzipped trace may inflate to, unless ``ASYNCVIZ_MAX_INFLATED`` says otherwise
DEFAULT_MAX_INFLATED: Final = 2 << 30
#: a gzip inflating more than this many times its size is a bomb, not a trace (a trace
#: of steps compresses about 10 times; of identical sleeps, at most about 100)
MAX_RATIO: Final = 1000
#: the ratio is judged from this many bytes inflated on (a tiny file may inflate a lot)
RATIO_FROM: Final = 16 << 20
_PIECE: Final = 1 << 20
#: compressed bytes handed to zlib at a time
_FEED: Final = 1 << 18


#: bytes of JSON a trace may hold, unless ``ASYNCVIZ_MAX_TRACE`` says otherwise
DEFAULT_MAX_TRACE: Final = 1 << 30


class UnsafeInput(ValueError):
    """A file this reader will not read (what it is, or what it would cost, says why)."""


class TooBig(UnsafeInput):
    """A trace over ``max_trace()``: ``size`` bytes of JSON (uncompressed), ``limit``."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size:,} bytes of trace, over {limit:,} (ASYNCVIZ_MAX_TRACE)")
        self.size = size
        self.limit = limit


def max_trace() -> int:
    """The setting: ``ASYNCVIZ_MAX_TRACE`` if it is a whole number of bytes."""
    text = os.environ.get("ASYNCVIZ_MAX_TRACE", "")
    return int(text) if text.isdigit() and int(text) > 0 else DEFAULT_MAX_TRACE


def expected_size(path: str | Path) -> int:
    """Bytes of JSON ``path`` holds: its size, or a gzip's inflated size as its trailer
    says (modulo 4 GiB, and of the last member only: ``inflate``'s limit catches the
    rest).  A trailer saying more than ``MAX_RATIO`` times the file is no trailer (a
    gzip cut short ends in whatever it was cut at): the file's size then, and inflating
    it will say what is wrong.  Raises ``UnsafeInput`` (not a regular file) or
    ``OSError``."""
    with open_regular(path) as file:
        size = os.fstat(file.fileno()).st_size
        if size < 18 or file.read(2) != b"\x1f\x8b":
            return size
        file.seek(-4, os.SEEK_END)
        said = int.from_bytes(file.read(4), "little")
        return max(said, size) if said <= MAX_RATIO * size else size


def check_size(path: str | Path, limit: int | None = None) -> int:
    """``expected_size(path)``, or ``TooBig`` if it is over ``limit`` (``max_trace()``)."""
    limit = max_trace() if limit is None else limit
    size = expected_size(path)
    if size > limit:
        raise TooBig(size, limit)
    return size


def max_inflated() -> int:
    """The setting: ``ASYNCVIZ_MAX_INFLATED`` if it is a whole number of bytes."""
    text = os.environ.get("ASYNCVIZ_MAX_INFLATED", "")
    return int(text) if text.isdigit() and int(text) > 0 else DEFAULT_MAX_INFLATED


def open_regular(path: str | Path) -> BinaryIO:
    """``path`` opened for reading, if it is a regular file (not a pipe, a device, a
    socket or a folder); opened without blocking, then checked, so nothing put there
    meanwhile can make it wait.  Raises ``UnsafeInput`` (or ``OSError``)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise UnsafeInput(f"not a regular file ({_kind(mode)})")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a pipe"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a file"


def inflate(
    data: bytes,
    *,
    limit: int | None = None,
    ratio: int = MAX_RATIO,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """The gzip ``data`` inflated, a piece at a time: ``UnsafeInput`` as soon as it
    passes ``limit`` bytes (``max_inflated()`` if None) or ``ratio`` times its size
    (once ``RATIO_FROM`` bytes came out); ``zlib.error`` or ``EOFError`` if corrupt.
    ``progress(consumed, len(data))`` is told how much of ``data`` was read, now and then.

    The input goes to zlib ``_FEED`` bytes at a time: handed all of it, zlib keeps what
    it has not read as ``unconsumed_tail``, a fresh copy of the rest after every piece
    out, and a 100 MB gzip took 23 s instead of 2 (issue 13, ``bench/big_file.py``)."""
    limit = max_inflated() if limit is None else limit
    out: list[bytes] = []
    size = 0
    view = memoryview(data)
    at = 0  # (bytes of ``data`` handed to zlib so far)
    while at < len(view):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # (a gzip member)
        while True:
            tail: bytes | memoryview = inflater.unconsumed_tail
            if not tail and at < len(view):
                tail, at = view[at : at + _FEED], min(at + _FEED, len(view))
                if progress is not None:
                    progress(at, len(view))
            piece = inflater.decompress(tail, _PIECE)
            size += len(piece)
            if size > limit:
                raise UnsafeInput(
                    f"it inflates to more than {limit:,} bytes (ASYNCVIZ_MAX_INFLATED)"
                )
            if size >= RATIO_FROM and size > ratio * max(len(data), 1):
                raise UnsafeInput(f"it inflates more than {ratio} times its size: not a trace")
            out.append(piece)
            if inflater.eof or (not piece and not inflater.unconsumed_tail and at >= len(view)):
                break
        if not inflater.eof:
            raise EOFError("compressed file ended before the end-of-stream marker")
        # (a gzip may hold several members: what follows this one's end)
        rest = inflater.unused_data + bytes(view[at:])
        view, at = memoryview(rest), 0
        if rest and not rest.startswith(b"\x1f\x8b"):
            break  # (trailing garbage after the last member: as gzip.decompress ignores)
    return b"".join(out)


#: what reading a damaged zip's member raises (``zipfile`` passes on what it met: a bad
#: CRC or header, zlib's error, a stream cut short, an unknown method, "encrypted" ...)
_ZIP_DAMAGE: Final = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)


def zip_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, ratio: int | None = None
) -> bytes:
    """The bytes of one member of a zip someone else made (a shared scenario, a compact
    trace): refused (``UnsafeInput``) if its directory says it inflates past ``limit``,
    or past ``ratio`` times its deflated size (from 1 MiB on), before
    anything is inflated; or if it is damaged or not the size it says.  zipfile never
    inflates a member past its declared size, and checks the CRC at its end: the bytes
    returned are the member, whole."""
    name = info.filename
    if info.file_size > limit:
        raise UnsafeInput(
            f"{name} inflates to {info.file_size:,} bytes, over the limit of {limit:,}"
        )
    if ratio is not None and info.file_size > max(1 << 20, ratio * info.compress_size):
        raise UnsafeInput(f"{name} inflates more than {ratio} times its size")
    try:
        with archive.open(info) as opened:
            data = opened.read(info.file_size + 1)
    except _ZIP_DAMAGE as exc:
        raise UnsafeInput(f"{name} is damaged ({exc})") from None
    if len(data) != info.file_size:
        raise UnsafeInput(f"{name} holds {len(data):,} bytes, not the {info.file_size:,} it says")
    return data
