"""Loading a big trace in a process of its own, and taking the result back in pieces.

``python -m visualizer.model.background PATH`` (the window starts it with ``python -c``,
see ``command_line``) runs ``load_any(PATH)``: every check, every message, exactly as
in the window; and writes to its stdout what it read, as msgpack frames (a 4-byte
length, then the frame): progress while it reads, then the trace, its columns as raw
bytes and its tasks 20,000 at a time.  ``Receiver`` turns those frames back into a
``Trace``.

Why a process and not a thread (issue 13, ``bench/big_file.py``): the decoding of a
1,000,000-task file is one msgspec call of 3.7 s that holds the GIL all along, and a
window whose every paint and event is Python code cannot answer meanwhile.  In a
process of its own the window's loop is never held longer than one frame of the
result takes to decode.  And Cancel ends it at once, with all the memory it held: a
thread could only be asked to stop, and would go on decoding until it looked.

Nothing is unpickled: the frames are plain msgpack (strings, numbers, bytes), built by
this module from a trace ``load_any`` checked.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Final

import msgspec
import numpy as np

from visualizer.trace import resource_file, stack_samples
from visualizer.trace.data import BlockedRecord, JobRecord, Mark, SpanColumns, TaskTable, Trace
from visualizer.trace.store import Suspension
from visualizer.trace.tasks import SPARSE

#: tasks per frame: one frame's decode holds the window's loop (about 20 ms)
TASKS_PER_FRAME: Final = 20_000
_LENGTH: Final = struct.Struct("<I")
_SPAN_COLUMNS: Final = ("task", "state", "start", "end", "awaiting", "woken_kind", "woken_task")
#: the task table's numeric columns (sent as raw bytes), its strings (lists), and its
#: rare fields (``[id, value]`` pairs): ``TaskTable``'s own, no record per task
_TASK_NUMBERS: Final = ("parent", "created", "ended", "outcome", "cancelling", "unheld")
_TASK_STRINGS: Final = ("names", "coros", "created_at")
#: the tasks' strings whose texts repeat (a coroutine's name, where a task was made: a
#: few places in the code, 100,000 tasks): received once each, not once a task (msgpack
#: decodes every string anew: 12 MB of copies at 100,000 tasks)
_REPEATED: Final = ("coros", "created_at")
#: the most bytes a span column may say it has (the loader is ours, but a stream cut or
#: mixed up must not allocate what it likes): 2**31 rows of 8 bytes
MAX_SPAN_BYTES: Final = 8 << 31
#: the phases a loading goes through, in order (``progress`` frames name them)
READ, CHECK, SEND = "read", "check", "send"


def command_line(path: str | Path) -> list[str]:
    """The loader's command line: this package found where the window found it."""
    root = str(Path(__file__).resolve().parents[2])
    code = (
        f"import sys; root = {root!r}; root in sys.path or sys.path.insert(1, root); "
        "from visualizer.model.background import main; sys.exit(main(sys.argv[1:]))"
    )
    return [sys.executable, "-c", code, str(path)]


# --- the loader's side --------------------------------------------------------------------
def main(argv: list[str]) -> int:
    """Load ``argv[0]`` and write it to stdout as frames; a file that is not a trace is
    an ``error`` frame with its message (exit 0: the loader did its work)."""
    from visualizer.model.files import load_any
    from visualizer.trace.fileformat import TraceFormatError

    out = sys.stdout.buffer
    encoder = msgspec.msgpack.Encoder()

    def send(*message: Any) -> None:
        frame = encoder.encode(message)
        out.write(_LENGTH.pack(len(frame)))
        out.write(frame)
        out.flush()

    last = [-1]

    def progress(done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        if percent != last[0]:  # (a frame per percent, not per chunk)
            last[0] = percent
            send("progress", READ, done, total)

    try:
        trace = load_any(argv[0], progress)
    except (TraceFormatError, OSError) as exc:
        send("error", str(exc))
        return 0
    except MemoryError:
        send("error", "too big to hold in memory")
        return 0
    send("progress", SEND, 0, len(trace.tasks))
    for part in frames(trace):
        if part[0] == "span":  # (its bytes follow the frame as they are: see read_frames)
            *head, column = part
            send(*head)
            out.write(memoryview(column).cast("B"))
            out.flush()
            continue
        send(*part)
        if part[0] == "tasks":
            send("progress", SEND, part[1] + len(part[2]["names"]), len(trace.tasks))
    send("end")
    return 0


def frames(trace: Trace) -> Iterator[tuple[Any, ...]]:
    """``trace`` as the frames ``Receiver`` takes (tuples of plain values)."""
    yield (
        "head",
        trace.meta,
        [(s.label, s.site, list(s.stack)) for s in trace.suspensions],
        [(j.thread, j.func, j.task, j.start, j.end, j.submitted, j.error) for j in trace.jobs],
        [(b.task, b.start, b.end, b.what) for b in trace.blocked],
        [(m.t, m.task, m.label, m.kind, m.detail) for m in trace.marks],
        [list(pair) for pair in trace.observed],
        len(trace.tasks),
    )
    if trace.resources:  # (issue 15: checked again as the window takes them)
        yield ("resources", resource_file.document(trace.resources, trace.resource_changes))
    if trace.stack_samples:  # (checked again as the window takes them)
        yield ("stack_samples", stack_samples.document(trace.stack_samples))
    for name in _SPAN_COLUMNS:  # (the column itself: ``main`` writes its bytes raw)
        column = np.ascontiguousarray(getattr(trace.spans, name))
        yield ("span", name, column.dtype.str, column.nbytes, column)
    tasks = trace.tasks
    for lo in range(0, len(tasks), TASKS_PER_FRAME):
        hi = min(lo + TASKS_PER_FRAME, len(tasks))
        part: dict[str, Any] = {
            name: np.ascontiguousarray(getattr(tasks, name)[lo:hi]).tobytes()
            for name in _TASK_NUMBERS
        }
        part.update({name: getattr(tasks, name)[lo:hi] for name in _TASK_STRINGS})
        for name in SPARSE:
            part[name] = [
                [tid, value] for tid, value in getattr(tasks, name).items() if lo <= tid < hi
            ]
        yield ("tasks", lo, part)


# --- the window's side --------------------------------------------------------------------
class LoaderFailed(Exception):
    """The loader said the file is not a trace (the message is its ``TraceFormatError``),
    or ended without one."""


def read_frames(stream: IO[bytes]) -> Iterator[Any]:
    """The frames on ``stream`` until it ends (a frame cut short ends it too).

    A ``span`` frame says how many bytes its column has, and they follow it raw: read
    straight into the array the trace keeps (appended to the frame).  Sent inside the
    msgpack frame, a column of 17.6 MB (100,000 tasks) was there three times at once
    (the frame, the ``bytes`` decoded from it, the copy that outlives them), and the
    window's memory kept what the two freed (issue 18: the trace as received)."""
    decoder = msgspec.msgpack.Decoder()
    while len(head := stream.read(_LENGTH.size)) == _LENGTH.size:
        (length,) = _LENGTH.unpack(head)
        frame = stream.read(length)
        if len(frame) < length:
            return
        message = decoder.decode(frame)
        if message and message[0] == "span":
            size = message[3] if len(message) == 4 else -1
            if type(size) is not int or not 0 <= size <= MAX_SPAN_BYTES:
                raise LoaderFailed(f"the loader's answer has a column of {size!r} bytes")
            payload = np.empty(size, np.uint8)
            if not _read_into(stream, payload.data):
                return
            message.append(payload)
        yield message


def _read_into(stream: IO[bytes], into: memoryview) -> bool:
    """Fill ``into`` from ``stream``; False if it ended first."""
    done = 0
    while done < len(into):
        got = stream.readinto(into[done:])  # type: ignore[attr-defined]
        if not got:
            return False
        done += got
    return True


class Receiver:
    """A trace put back together from the loader's frames, a frame at a time."""

    def __init__(self, progress: Callable[[str, int, int], None] | None = None) -> None:
        self.progress = progress
        self.trace: Trace | None = None  #: once the ``end`` frame came
        self._head: list[Any] | None = None
        self._resources: dict[str, Any] = {}
        self._stack_samples: dict[str, Any] = {}
        self._spans: dict[str, np.ndarray] = {}
        self._tasks: list[dict[str, Any]] = []  #: the ``tasks`` frames' columns, in order
        #: the tasks' strings, joined as their frames come
        self._strings: dict[str, list[Any]] = {name: [] for name in _TASK_STRINGS}
        #: one ``str`` for each text of ``_REPEATED`` (its first copy received)
        self._same: dict[str | None, str | None] = {}
        self._task_count = 0

    def take(self, frame: list[Any]) -> None:
        """One frame; ``LoaderFailed`` for an ``error`` frame."""
        kind = frame[0]
        if kind == "progress":
            if self.progress is not None:
                self.progress(frame[1], frame[2], frame[3])
        elif kind == "error":
            raise LoaderFailed(frame[1])
        elif kind == "head":
            self._head = frame
        elif kind == "resources":
            self._resources = frame[1]
        elif kind == "stack_samples":
            self._stack_samples = frame[1]
        elif kind == "span":
            _, name, dtype, size, data = frame
            column = np.frombuffer(data, np.dtype(dtype))  # (its memory: no copy)
            if column.nbytes != size or name not in _SPAN_COLUMNS:
                raise LoaderFailed(f"the loader's answer has a bad column ({name!r})")
            self._spans[name] = column if column.flags.writeable else column.copy()
        elif kind == "tasks":
            lo, columns = frame[1], frame[2]
            if lo != self._task_count:
                raise LoaderFailed("the loader's answer came out of order")
            for name in _TASK_STRINGS:  # (joined as they come: the frame's lists go)
                strings = columns.pop(name)
                if name in _REPEATED:
                    strings = map(self._same.setdefault, strings, strings)
                self._strings[name].extend(strings)
            self._tasks.append(columns)
            self._task_count = len(self._strings["names"])
        elif kind == "end":
            self.trace = self._finish()

    def _task_table(self) -> TaskTable:
        """The ``tasks`` frames' columns joined (each numeric column read as the dtype
        the table keeps it in)."""
        parts = self._tasks
        dtypes = {name: getattr(TaskTable.empty(), name).dtype for name in _TASK_NUMBERS}
        numbers: dict[str, Any] = {
            name: np.concatenate(
                [np.zeros(0, dtypes[name])]
                + [np.frombuffer(part[name], dtypes[name]) for part in parts]
            )
            for name in _TASK_NUMBERS
        }
        strings: dict[str, Any] = self._strings
        self._strings = {}
        self._same.clear()
        rare: dict[str, Any] = {
            name: {
                tid: tuple(value) if name == "earlier" else value
                for part in parts
                for tid, value in part[name]
            }
            for name in SPARSE
        }
        try:
            return TaskTable(**numbers, **strings, **rare)
        except ValueError as exc:
            raise LoaderFailed(f"the loader's answer does not hold together ({exc})") from None

    def _finish(self) -> Trace:
        if self._head is None or self._task_count != self._head[7]:
            raise LoaderFailed("the loader's answer was cut short")
        _, meta, suspensions, jobs, blocked, marks, observed, _count = self._head
        tasks = self._task_table()
        resources, changes = resource_file.read(
            self._resources, len(tasks), float(meta.get("duration", 0.0))
        )
        return Trace(
            meta=meta,
            tasks=tasks,
            spans=SpanColumns(**{name: self._spans[name] for name in _SPAN_COLUMNS}),
            suspensions=[
                Suspension(label, site, tuple(stack)) for label, site, stack in suspensions
            ],
            jobs=[JobRecord(*job) for job in jobs],
            blocked=[BlockedRecord(*b) for b in blocked],
            marks=[Mark(*m) for m in marks],
            observed=[(float(a), float(b)) for a, b in observed],
            resources=resources,
            resource_changes=changes,
            stack_samples=stack_samples.read(self._stack_samples, len(tasks)),
        )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
