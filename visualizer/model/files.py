"""Open any trace: a trace file (``docs/trace-format.md``: JSON, gzipped or not, or
compact) or a saved live stream (``docs/stream-format.md``), told apart by their first
bytes.

A stream holds the store's rows, not spans: opening one replays it into a
``StreamMirror`` (every row checked on the way in) and derives the spans with the same
``TraceModel`` that drew it live, so the file shows exactly what the window showed.
A stream that breaks off (the program was killed while it was being saved) opens with
what it holds; a malformed one is refused, with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from visualizer.model.spans import TraceModel
from visualizer.trace.compact import sniff
from visualizer.trace.data import Trace
from visualizer.trace.fileformat import TraceFormatError, load
from visualizer.trace.mirror import StreamMirror
from visualizer.trace.safe_read import UnsafeInput, open_regular
from visualizer.trace.wire import MAGIC, Batch, End, FrameDecoder, Hello, StreamFormatError

_CHUNK = 1 << 22
#: how a trace file (JSON, gzipped or not) or a saved stream begins; a program does not
_TRACE_STARTS = (MAGIC, b"\x1f\x8b", b"{")


def is_trace_file(path: Path) -> bool:
    """A saved trace or stream, not a program: by its name (``.py`` is a program,
    ``.json``, ``.gz`` and ``.avz`` a trace), else by its first bytes (a program does
    not begin with ``{``, a gzip's, a stream's or a compact trace's magic).  ``asyncviz
    check`` and ``asyncviz gui`` read what they are given by it."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-1:] in ([".py"], [".pyw"]):
        return False
    if suffixes[-1:] in ([".json"], [".gz"], [".asyncviz"], [".avz"]):
        return True
    try:
        with path.open("rb") as file:
            head = file.read(128).lstrip()
    except OSError:
        return False
    return head.startswith(_TRACE_STARTS) or sniff(head)


def is_stream(path: str | Path) -> bool:
    """The file begins as a saved stream does (only a regular file: ``safe_read``)."""
    try:
        with open_regular(path) as file:
            return file.read(len(MAGIC)) == MAGIC
    except (OSError, UnsafeInput):
        return False


def load_stream(path: str | Path, progress: Callable[[int, int], None] | None = None) -> Trace:
    """A saved stream as a trace (``TraceFormatError`` if it is not a valid one);
    ``progress(read, size)`` after each chunk read."""
    decoder = FrameDecoder()
    mirror: StreamMirror | None = None
    try:
        with open_regular(path) as file:
            size = os.fstat(file.fileno()).st_size
            read = 0
            while chunk := file.read(_CHUNK):
                read += len(chunk)
                if progress is not None:
                    progress(read, size)
                for message in decoder.feed(chunk):
                    if isinstance(message, Hello):
                        mirror = StreamMirror(message)
                    elif isinstance(message, Batch | End):
                        assert mirror is not None  # (the decoder: a hello comes first)
                        mirror.apply(message)
    except StreamFormatError as exc:
        raise TraceFormatError(f"{path}: {exc}") from None
    except (OSError, UnsafeInput) as exc:
        raise TraceFormatError(f"{path}: {exc}") from None
    if mirror is None:
        raise TraceFormatError(f"{path}: a stream with no hello (empty, or cut off at once)")
    ended = mirror.end is not None
    mirror.finish()
    # (how the stream ended: with the program's last word, or cut off mid-frame)
    said = {"ended": ended, "batches": mirror.batches, "cut_off": decoder.pending > 0}
    return TraceModel(mirror.store).snapshot({"stream": said})


def load_any(path: str | Path, progress: Callable[[int, int], None] | None = None) -> Trace:
    """A trace file or a saved stream, whichever ``path`` is.  ``progress(read, size)``
    as the file is read (a trace file is decoded only once all of it was read)."""
    if is_stream(path):
        return load_stream(path, progress)
    if progress is not None:
        _read_through(path, progress)
    return load(path, progress)


def _read_through(path: str | Path, progress: Callable[[int, int], None]) -> None:
    """Read a plain trace file once, saying how far: ``load`` parses it from ``mmap``,
    in one call, and this makes that call find it in memory (the page cache) rather
    than wait on the disk with nothing to say.  A gzip says how far as it inflates."""
    try:
        with open_regular(path) as file:
            if file.read(2) == b"\x1f\x8b":
                return
            size = os.fstat(file.fileno()).st_size
            read = 2
            while piece := file.read(_CHUNK):
                read += len(piece)
                progress(read, size)
    except (OSError, UnsafeInput):
        return  # (``load`` says what is wrong)
