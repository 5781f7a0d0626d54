"""The live stream, format v1: a traced program's store, sent to a window as it grows.

Documented in ``docs/stream-format.md``; this module is its schema.  A stream carries
the same facts as a trace file (tasks, steps, wakes, suspensions, jobs, blocked steps,
marks, resources and their changes), but as the *store's rows* (``schema.py``), not
as derived spans: the window feeds them to the same ``TraceModel`` that draws an
in-process run, so a streamed run is drawn by the code that draws every other run,
and its picture cannot differ.

Layout: the 8 bytes ``MAGIC``, then frames.  A frame is a 4-byte big-endian length,
then that many bytes of MessagePack: one message, a map with a ``"kind"`` field.
The first message is a ``Hello`` (its ``version`` says which format follows), then
any number of ``Batch``es, then (if the program ended in an orderly way) one ``End``.
A stream saved to a file, byte for byte, opens as a trace.

Columns travel as raw little-endian bytes (``int32``, ``float64``, ``float32``): a
batch of 50,000 steps is four ``bytes`` objects, encoded and decoded at memory speed.
Every list and column group says the index of its first row (``first``), so a reader
knows it missed nothing and applies nothing twice.

Streams are data, like trace files: decoding never executes, unpickles or evaluates
anything, and a malformed or hostile stream raises ``StreamFormatError`` with a
message that says what is wrong (``visualizer.trace.mirror`` checks every index
before a row reaches the store, so a bad stream can never make the model index out
of range).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any, Final

import msgspec

from visualizer.trace.stack_samples import SampleRow

#: the first bytes of a stream (and of a saved stream file); the last byte is the
#: framing's version (a change to the frame layout itself, not to the messages)
MAGIC: Final = b"ASYNCVZ\x01"
#: the messages' version (``Hello.version``); a reader refuses another major version
VERSION: Final = 1
#: a frame longer than this is refused: a hostile length prefix must not make the
#: reader allocate gigabytes (a batch of 50,000 steps is about 1 MB)
MAX_FRAME: Final = 64 * 1024 * 1024
_LENGTH: Final = struct.Struct(">I")


class StreamFormatError(ValueError):
    """The bytes are not a valid asyncviz stream; the message says why and where."""


class Hello(msgspec.Struct, tag_field="kind", tag="hello", forbid_unknown_fields=False):
    """The stream's first message: who is talking, and on what clock."""

    version: int
    origin: float  #: the clock reading at which the run started (times are raw readings)
    #: "real" (``time.monotonic``, the same clock as the window's), "virtual" or "ideal"
    clock: str
    source: str  #: what runs: a scenario id or a program's path
    pid: int = 0
    argv: list[str] = msgspec.field(default_factory=list)
    loop: str = ""
    #: a step at least this long held the loop (``TraceStore.slow_threshold``)
    slow: float = 0.1
    #: the trace file's ``meta`` extras (``python``, ``params``, ...)
    extra: dict[str, Any] = msgspec.field(default_factory=dict)


class TaskRows(msgspec.Struct, forbid_unknown_fields=False):
    """New rows of the tasks table: ids ``first`` .. ``first + n - 1``."""

    first: int
    parent: bytes  #: int32, a task id or -1
    created: bytes  #: float64, raw clock readings
    coro: bytes  #: int32, string ids (the coroutine's name)
    site: bytes  #: int32, string ids or -1 (where the task was created)


class StepRows(msgspec.Struct, forbid_unknown_fields=False):
    """New rows of the steps table (``schema.py``)."""

    first: int
    task: bytes  #: int32
    start: bytes  #: float64
    dur: bytes  #: float32
    code: bytes  #: int32: a suspension id, or ``END_*``


class WakeRows(msgspec.Struct, forbid_unknown_fields=False):
    """New rows of the wakes table (``schema.py``)."""

    first: int
    task: bytes  #: int32
    t: bytes  #: float64
    waker: bytes  #: int32, ``pack_waker(kind, task)``


class NameRows(msgspec.Struct, forbid_unknown_fields=False):
    """Tasks' names as the store has them (set when a task ends): pairs, as columns."""

    task: bytes  #: int32, task ids
    name: bytes  #: int32, string ids


class ResourceRows(msgspec.Struct, forbid_unknown_fields=False):
    """New rows of the resources table (``resources.py``): ids ``first`` .. ``first + n - 1``
    (a program's resources are never let go: ids are the run's own)."""

    first: int
    kind: bytes  #: int8, a code of ``resources.KINDS``
    created: bytes  #: float64, raw clock readings
    task: bytes  #: int32, the task that made it, or -1
    site: bytes  #: int32, string id (``path:line``) or -1
    name: bytes  #: int32, string id
    capacity: bytes  #: int64: maxsize, initial permits, parties, or -1


class ChangeRows(msgspec.Struct, forbid_unknown_fields=False):
    """New rows of the resources' changes table (``resources.py``), ``first`` counted
    from the run's first change (rows a program let go of count)."""

    first: int
    resource: bytes  #: int32, a resource id
    t: bytes  #: float64, raw clock readings
    task: bytes  #: int32, the task that made the change, or -1
    op: bytes  #: int8, a code of ``resources.OPS``
    value: bytes  #: int64 (a lock's: its holder, a task id or -1)
    detail: bytes  #: int64


class JobRow(msgspec.Struct, array_like=True, forbid_unknown_fields=False):
    """An executor job, whole, each time it is new or has changed."""

    id: int
    func: str
    task: int
    submitted: float
    thread: str
    start: float  #: NaN until it starts
    end: float  #: NaN until it ends
    error: str | None


class LectureState(msgspec.Struct, forbid_unknown_fields=False):
    """A program run as a lecture (slowed, paused, stepped from the window): where it is."""

    paused: bool
    speed: float
    now: float  #: the program's clock (it stands still while paused)


class Batch(
    msgspec.Struct,
    tag_field="kind",
    tag="batch",
    forbid_unknown_fields=False,
    omit_defaults=True,
):
    """What the store gained since the last batch (an empty one is a heartbeat).

    A field at its default is left out of the frame (a reader takes the default for a
    field that is missing): a heartbeat is a few bytes, and a run that makes no resources
    sends no word of them."""

    seq: int  #: 0, 1, 2, ...: a gap means frames were lost
    now: float  #: the program's clock when the batch was made
    strings_first: int = 0
    strings: list[str] = msgspec.field(default_factory=list)
    suspensions_first: int = 0
    #: (label, await site or None, await stack outermost first)
    suspensions: list[tuple[str, str | None, list[str]]] = msgspec.field(default_factory=list)
    tasks: TaskRows | None = None
    steps: StepRows | None = None
    wakes: WakeRows | None = None
    #: tasks' names as the store has them (set when they end): columns, for a run's
    #: 100,000 tasks may end at once
    names: NameRows | None = None
    #: (task id, name): a live task's name as it is now (``create_task(name=...)``
    #: names a task only after the store saw it made)
    live_names: list[tuple[int, str]] = msgspec.field(default_factory=list)
    #: (task id, exception type, message, traceback) of tasks that ended in error
    errors: list[tuple[int, str, str, str]] = msgspec.field(default_factory=list)
    #: (task id, cancel requests pending, nobody held it): what a task's end showed
    #: beyond its outcome (``store.TaskEnd``; the pending tasks' when the run ends)
    ends: list[tuple[int, int, bool]] = msgspec.field(default_factory=list)
    jobs: list[JobRow] = msgspec.field(default_factory=list)
    blocked_first: int = 0
    #: (task id or -1, start, end, what): callbacks that held the loop
    blocked: list[tuple[int, float, float, str]] = msgspec.field(default_factory=list)
    marks_first: int = 0
    #: (t, task id or -1, label, kind, detail)
    marks: list[tuple[float, int, str, str, str]] = msgspec.field(default_factory=list)
    dropped: int = 0  #: rows the program's store could not take (it was full)
    truncated_at: float | None = None
    #: meta extras that changed (``dropped_warnings``, ...)
    extra: dict[str, Any] = msgspec.field(default_factory=dict)
    #: the class of the loop the program runs on, when it changed (made after the hello)
    loop: str | None = None
    #: the task whose step is running as the batch is made, or -1: a step that has
    #: held the loop since ``running_since`` is drawn running up to ``now``
    running: int = -1
    running_since: float | None = None
    #: in a lecture: paused or not, the speed, the program's time (None: not a lecture)
    lecture: LectureState | None = None
    #: the program's ``time.monotonic()`` when the batch was made: with ``now``, how its
    #: clock (a virtual or a lecture's) stood against the machine's, to time its output
    mono: float | None = None
    #: new resources (queues, locks, ...: issue 15) and new changes of their state; an
    #: optional part of version 1: a reader that does not know them ignores them
    resources: ResourceRows | None = None
    resource_changes: ChangeRows | None = None
    #: new stack samples (``trace.stack_samples``: where the loop's thread was while a
    #: step held the loop), as (task or -1, step start, time, call, frames), each frame
    #: (path, line, function, text), innermost last; optional, like the resources
    stack_samples_first: int = 0
    stack_samples: list[SampleRow] = msgspec.field(default_factory=list)


class End(msgspec.Struct, tag_field="kind", tag="end", forbid_unknown_fields=False):
    """The program's last word: the run ended (on its own, or stopped), and how."""

    finished_at: float  #: the clock reading at which the recording ended
    exit_code: int = 0
    #: "exception", "exit", "interrupted", "load" (``RunError.kind``), or None
    error_kind: str | None = None
    message: str | None = None
    traceback: str = ""
    tracer_failure: str | None = None


Message = Hello | Batch | End

_encoder: Final = msgspec.msgpack.Encoder()
_decoder: Final = msgspec.msgpack.Decoder(Message)


def frame(message: Message) -> bytes:
    """One message as a frame: its length, then its MessagePack."""
    body = _encoder.encode(message)
    if len(body) > MAX_FRAME:  # (a batch maker keeps batches far below this)
        raise ValueError(f"a stream frame of {len(body):,} bytes is over {MAX_FRAME:,}")
    return _LENGTH.pack(len(body)) + body


class FrameDecoder:
    """Bytes in, messages out, in any chunks: ``feed`` as they arrive.

    It checks the framing and each message's types (msgspec, at C speed); the order
    (a ``Hello`` first, then batches, ``End`` last) and the version too.  What the
    messages *say* (indices in range, times finite) is checked where they are applied
    (``mirror.StreamMirror``).  After an error the decoder refuses everything: a
    stream that went wrong once cannot be trusted to find its frames again.
    """

    def __init__(self, *, magic: bool = True) -> None:
        self._buffer = bytearray()
        self._need_magic = magic
        self.offset = 0  #: bytes consumed so far (for the messages that say where)
        self.hello: Hello | None = None
        self.ended = False
        self.failed: StreamFormatError | None = None
        self._seq = 0

    def feed(self, data: bytes) -> list[Message]:
        if self.failed is not None:
            raise self.failed
        self._buffer += data
        try:
            return list(self._messages())
        except StreamFormatError as exc:
            self.failed = exc
            self._buffer.clear()
            raise

    @property
    def pending(self) -> int:
        """Bytes received that do not yet make a whole frame."""
        return len(self._buffer)

    def _messages(self) -> Iterator[Message]:
        buffer = self._buffer
        if self._need_magic:
            if len(buffer) < len(MAGIC):
                if MAGIC.startswith(bytes(buffer)):
                    return
                raise StreamFormatError("not an asyncviz stream (its first bytes are wrong)")
            if buffer[: len(MAGIC)] != MAGIC:
                if buffer[: len(MAGIC) - 1] == MAGIC[:-1]:
                    raise StreamFormatError(
                        f"an asyncviz stream of framing version {buffer[len(MAGIC) - 1]},"
                        f" this reader knows version {MAGIC[-1]}"
                    )
                raise StreamFormatError("not an asyncviz stream (its first bytes are wrong)")
            del buffer[: len(MAGIC)]
            self.offset += len(MAGIC)
            self._need_magic = False
        while len(buffer) >= _LENGTH.size:
            (length,) = _LENGTH.unpack_from(buffer)
            if length > MAX_FRAME:
                raise StreamFormatError(
                    f"byte {self.offset}: a frame of {length:,} bytes (at most {MAX_FRAME:,})"
                )
            end = _LENGTH.size + length
            if len(buffer) < end:
                return
            body = bytes(buffer[_LENGTH.size : end])
            del buffer[:end]
            at = self.offset
            self.offset += end
            yield self._check(at, body)

    def _check(self, at: int, body: bytes) -> Message:
        try:
            message = _decoder.decode(body)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise StreamFormatError(f"byte {at}: a malformed message: {exc}") from None
        if self.ended:
            raise StreamFormatError(f"byte {at}: a message after the stream's end")
        if isinstance(message, Hello):
            if self.hello is not None:
                raise StreamFormatError(f"byte {at}: a second hello")
            if message.version != VERSION:
                raise StreamFormatError(
                    f"stream version {message.version}; this reader knows version {VERSION}"
                )
            self.hello = message
            return message
        if self.hello is None:
            raise StreamFormatError(f"byte {at}: the stream does not begin with a hello")
        if isinstance(message, Batch):
            if message.seq != self._seq:
                raise StreamFormatError(
                    f"byte {at}: batch {message.seq} where batch {self._seq} was due"
                    " (frames lost or reordered)"
                )
            self._seq += 1
        else:
            self.ended = True
        return message
