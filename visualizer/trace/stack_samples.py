"""Stack samples: where the loop's thread was while a step (or a callback) held the loop.

A trace's spans say *that* a step ran 0.3 s without awaiting, and where it resumed and
where it stopped (its await sites), but not *what* it did meanwhile: the blocking call is
between two awaits, and a step may run through a dozen functions.  While a step runs past
a threshold, a thread of the tracer's (``visualizer.instrument.stacks``) reads the loop
thread's stack and keeps its innermost frames of the program: that names the call
(``time.sleep(0.3)`` at ``app.py:12`` in ``handler``), which is what a learner needs to fix.

A sample belongs to its step: ``task`` (-1: a callback that held the loop) and ``step``,
when the step began, exactly as the step's start is recorded, so a reader finds a step's
samples by (task, start).  ``frames`` are outermost first, innermost last; ``call`` is
the index of the frame that names the call: the innermost of the program's own code (not
the standard library's, not an installed package's), or the innermost kept if none is.

In a trace file they are the optional key ``stack_samples`` of format v1 (as resources
are: an older reader ignores it, an older file has none): each sample an object, each
frame ``[path, line, function, source text]``.  Every field is checked when read
(``read``), and a bad one is refused with ``TraceFormatError`` naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from visualizer.trace.coherence import expect

#: frames a sample keeps, at most (the innermost: that is where the time went)
MAX_FRAMES: Final = 8
#: characters of a frame's source line kept
MAX_TEXT: Final = 200

#: one frame as the stream sends it: (path, line, function, source text)
FrameRow = tuple[str, int, str, str]
#: one sample as the stream sends it: (task or -1, step start, time, call, frames)
SampleRow = tuple[int, float, float, int, list[FrameRow]]


@dataclass(frozen=True)
class StackFrame:
    """One frame: where (``path``, ``line``), in which function, and the line's source
    text, stripped ("" where the source could not be read)."""

    path: str
    line: int
    function: str
    text: str = ""

    @property
    def site(self) -> str:
        """``path:line``, as await sites are written."""
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class StackSample:
    """The loop thread's stack at ``t`` while the step of ``task`` (-1: a callback) that
    began at ``step`` held the loop.  Times are raw clock readings in a store, seconds
    since the run started in a ``Trace``."""

    task: int
    step: float
    t: float
    frames: tuple[StackFrame, ...]  #: outermost first, innermost last
    call: int  #: index in ``frames`` of the frame that names the call

    @property
    def at(self) -> StackFrame:
        """The frame that names the call."""
        return self.frames[self.call]

    def moved(self, by: float) -> StackSample:
        """The same sample with its times ``by`` earlier (a store's raw readings as
        seconds since the run started)."""
        return StackSample(self.task, self.step - by, self.t - by, self.frames, self.call)

    def renamed(self, task: int) -> StackSample:
        return StackSample(task, self.step, self.t, self.frames, self.call)

    # --- the stream --------------------------------------------------------------------
    def row(self) -> SampleRow:
        frames = [(f.path, f.line, f.function, f.text) for f in self.frames]
        return (self.task, self.step, self.t, self.call, frames)

    @classmethod
    def of_row(cls, row: SampleRow) -> StackSample:
        task, step, t, call, frames = row
        return cls(task, step, t, tuple(StackFrame(*f) for f in frames), call)


def row_is_sane(row: SampleRow, tasks: int) -> bool:
    """A streamed sample's own promise (its types are msgspec's): a task of the run or
    -1, finite times with the sample not before its step, 1 to ``MAX_FRAMES`` frames
    with positive lines, and ``call`` one of them."""
    task, step, t, call, frames = row
    return (
        -1 <= task < tasks
        and _finite(step)
        and _finite(t)
        and t >= step
        and 0 < len(frames) <= MAX_FRAMES
        and 0 <= call < len(frames)
        and all(f[1] > 0 for f in frames)
    )


def _finite(value: float) -> bool:
    return value == value and abs(value) != float("inf")


# --- the trace file -----------------------------------------------------------------------
def document(samples: list[StackSample]) -> dict[str, Any]:
    """The key a trace with samples adds to its file (none if it has none)."""
    if not samples:
        return {}
    return {
        "stack_samples": [
            {
                "task": s.task,
                "step": s.step,
                "t": s.t,
                "call": s.call,
                "frames": [[f.path, f.line, f.function, f.text] for f in s.frames],
            }
            for s in samples
        ]
    }


def _int(value: Any) -> bool:
    return type(value) is int and -(2**31) <= value < 2**31


def _num(value: Any) -> bool:
    return type(value) in (int, float) and _finite(value)


def read(doc: dict[str, Any], tasks: int) -> list[StackSample]:
    """The samples of a file's ``doc`` (none if it has no such key), each field checked
    (times against the run: ``coherence``)."""
    items = doc.get("stack_samples", [])
    expect(isinstance(items, list), "stack_samples", "must be a list")
    return [_sample(f"stack_samples[{i}]", item, tasks) for i, item in enumerate(items)]


def _sample(where: str, item: Any, tasks: int) -> StackSample:
    expect(isinstance(item, dict), where, "must be an object")
    for key in ("task", "step", "t", "call", "frames"):
        expect(key in item, f"{where}.{key}", "missing")
    task, step, t, call, frames = (item[k] for k in ("task", "step", "t", "call", "frames"))
    expect(_int(task) and -1 <= task < tasks, f"{where}.task", "must be a task id or -1")
    expect(_num(step), f"{where}.step", "must be a number")
    expect(_num(t), f"{where}.t", "must be a number")
    expect(t >= step, f"{where}.t", "before its step began")
    expect(
        isinstance(frames, list) and 0 < len(frames) <= MAX_FRAMES,
        f"{where}.frames",
        f"must be a list of 1 to {MAX_FRAMES} frames",
    )
    expect(_int(call) and 0 <= call < len(frames), f"{where}.call", "must index its frames")
    return StackSample(
        task,
        float(step),
        float(t),
        tuple(_frame(f"{where}.frames[{j}]", f) for j, f in enumerate(frames)),
        call,
    )


def _frame(where: str, item: Any) -> StackFrame:
    expect(
        isinstance(item, list)
        and len(item) == 4
        and isinstance(item[0], str)
        and _int(item[1])
        and item[1] > 0
        and isinstance(item[2], str)
        and isinstance(item[3], str),
        where,
        "must be [path, line, function, text]: a string, a line number, two strings",
    )
    return StackFrame(item[0], item[1], item[2], item[3])
