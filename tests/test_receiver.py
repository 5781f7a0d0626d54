"""The trace as the window receives it from the loader's process (issue 18, point 1).

The loader (``visualizer.model.background``) sends a big file's trace to the window as
frames; what the window keeps of them is its memory's largest part.  These tests run
the real loader process on a real recorded file and check that what comes back is the
file's trace exactly, held once: the span columns are the very arrays their bytes were
read into (no copy beside them), and a task's repeated strings (its coroutine's name,
where it was made) are one ``str`` per text, not one per task.
"""

from __future__ import annotations

import io
import struct
import subprocess
from pathlib import Path

import msgspec
import numpy as np
import pytest

from visualizer.model.background import (
    LoaderFailed,
    Receiver,
    command_line,
    read_frames,
)
from visualizer.model.files import load_any
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import find
from visualizer.trace.fileformat import dumps, save


def _received(path: Path) -> Receiver:
    """``path`` through the real loader process, as the window's reader thread takes it."""
    process = subprocess.Popen(command_line(path), stdout=subprocess.PIPE)
    assert process.stdout is not None
    receiver = Receiver()
    with process.stdout:
        for frame in read_frames(process.stdout):
            receiver.take(frame)
    assert process.wait() == 0
    return receiver


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    trace = run_scenario(find("fetch_many"), {}, clock="virtual").trace
    assert trace is not None
    path = tmp_path_factory.mktemp("recv") / "run.json"
    save(trace, path)
    return path


def test_the_received_trace_is_the_files_and_held_once(saved: Path) -> None:
    trace = _received(saved).trace
    assert trace is not None
    assert dumps(trace) == dumps(load_any(saved))  # (saved again: the same bytes)
    assert len(trace.tasks) > 10
    for name in ("task", "state", "start", "end", "awaiting", "woken_kind", "woken_task"):
        column = getattr(trace.spans, name)
        assert column.flags.writeable  # (as a copy was: the trace's own)
        payload = column.base  # (the array its bytes were read into, nothing else)
        assert isinstance(payload, np.ndarray) and payload.dtype == np.uint8
        assert payload.nbytes == column.nbytes and payload.base is None
    for strings in (trace.tasks.coros, trace.tasks.created_at):
        assert len({id(s) for s in strings}) == len(set(strings)) < len(strings)


def _stream(*messages: object, raw: bytes = b"") -> io.BytesIO:
    out = io.BytesIO()
    for message in messages:
        frame = msgspec.msgpack.encode(message)
        out.write(struct.pack("<I", len(frame)) + frame)
    out.write(raw)
    out.seek(0)
    return out


def test_a_column_cut_short_ends_the_stream_without_a_trace() -> None:
    stream = _stream(("span", "start", "<f8", 80), raw=b"\0" * 40)
    assert list(read_frames(stream)) == []  # (the reader then says: no trace)


@pytest.mark.parametrize("size", [-1, 1 << 40, "80", None])
def test_a_column_of_no_sensible_size_is_refused_before_any_is_read(size: object) -> None:
    stream = _stream(("span", "start", "<f8", size), raw=b"\0" * 80)
    with pytest.raises(LoaderFailed, match="a column of"):
        list(read_frames(stream))


def test_a_column_that_is_not_as_long_as_it_said_is_refused() -> None:
    receiver = Receiver()
    with pytest.raises(LoaderFailed, match="bad column"):
        receiver.take(["span", "start", "<f8", 16, np.zeros(8, np.uint8)])
    with pytest.raises(LoaderFailed, match="bad column"):
        receiver.take(["span", "nonsense", "<f8", 8, np.zeros(8, np.uint8)])
