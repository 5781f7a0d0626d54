"""The call that blocked (issue 16): the loop thread's stack, sampled while a step runs past
the tracer's threshold, names the call in the blocking-step insight; the samples travel
with the trace (file, loader, stream) and a malformed one is refused.

Real programs: files written to ``tmp_path`` and recorded as ``asyncviz record`` does, in
this process.  On the real clock the sampler is a thread and runs in wall time, so these
tests assert what a busy machine cannot change: the innermost frame (a loaded machine
only makes a step longer, and so samples it more often, never elsewhere), never how many
samples there are.  On the ideal clock the samples are taken at ``time.sleep`` itself,
exactly: their times and count are asserted there.
"""

from __future__ import annotations

import asyncio
import re
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest
from test_stream import replay
from tracehelp import marker_line, run_traced, streamed, trace_of

from visualizer.instrument import stacks
from visualizer.instrument.tracer import Tracer
from visualizer.model.background import Receiver, frames
from visualizer.model.insights import Insight, insights_of
from visualizer.model.insights.loop_held import _call
from visualizer.model.spans import TraceModel
from visualizer.model.words import english
from visualizer.session.runner import record_script
from visualizer.trace import fileformat
from visualizer.trace.data import Trace
from visualizer.trace.fileformat import TraceFormatError
from visualizer.trace.mirror import StreamMirror
from visualizer.trace.stack_samples import StackFrame
from visualizer.trace.store import TraceStore
from visualizer.trace.wire import Batch, Hello, StreamFormatError, TaskRows

approx = pytest.approx
EXACT = 1e-6  #: the ideal clock's times, to its ticks

PROGRAM = textwrap.dedent(
    """\
    import asyncio
    import time


    def handler():
        time.sleep(0.5)  # the blocking call


    def spin(seconds):
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            pass


    async def worker():
        await asyncio.sleep(0.01)
        handler()
        await asyncio.sleep(0.01)


    async def spinner():
        await asyncio.sleep(0.01)
        spin(0.5)


    async def main():
        await asyncio.gather(
            asyncio.create_task(worker(), name="worker"),
            asyncio.create_task(spinner(), name="spinner"),
        )


    asyncio.run(main())
    """
)


def line_of(text: str, source: str = PROGRAM) -> int:
    """The line number of the one line of ``source`` that is ``text`` (indented)."""
    [number] = [i for i, line in enumerate(source.splitlines(), 1) if line.strip() == text]
    return number


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Path, Trace]:
    path = tmp_path / "app.py"
    path.write_text(PROGRAM)
    result = record_script(path, clock="real")
    assert result.error is None
    return path, result.trace


def blocking(trace: Trace, task: str) -> Insight:
    [found] = [
        i
        for i in insights_of(trace)
        if i.kind == "blocking-step" and i.tasks[0] == trace.task_by_name(task).id
    ]
    return found


def test_a_blocking_call_in_a_helper_is_named_with_its_file_line_and_function(
    recorded: tuple[Path, Trace],
) -> None:
    path, trace = recorded
    step = blocking(trace, "worker")
    line = line_of("time.sleep(0.5)  # the blocking call")
    assert step.site == f"{path}:{line}"
    assert re.fullmatch(
        rf"'worker' held the loop for [0-9.]+ m?s in one step,"
        rf" in time\.sleep\(0\.5\) at app\.py:{line} in handler",
        step.finding,
    )
    # the stack, innermost last: the call in handler, called from worker's step
    call = {"path": str(path), "line": line, "function": "handler", "text": "time.sleep(0.5)"}
    caller = {"path": str(path), "line": line_of("handler()"), "function": "worker"}
    assert step.facts["call"] == call
    assert step.facts["stack"][-1] == call
    assert step.facts["stack"][-2] == caller | {"text": "handler()"}
    assert len(step.facts["stack"]) == 2  # (asyncio's frames and ours are not kept)
    assert f"The call was made from handler() at app.py:{caller['line']} in worker" in (
        step.explanation
    )
    # every sample of the step was taken in it, past the threshold (0.1 s)
    for sample in step.facts["samples"]:
        assert step.start + 0.1 <= sample["t"] <= step.end
        assert sample["stack"][-1] == call  # (a sleep stays on its line)


def test_a_step_spinning_in_python_is_found_on_the_spinning_line(
    recorded: tuple[Path, Trace],
) -> None:
    path, trace = recorded
    step = blocking(trace, "spinner")
    line = line_of("while time.perf_counter() < end:")
    innermost = [s["stack"][-1] for s in step.facts["samples"]]
    # (the loop's condition or its body: the two lines it runs, a busy machine or not)
    assert {(f["function"], f["line"]) for f in innermost} <= {("spin", line), ("spin", line + 1)}
    assert step.facts["call"]["function"] == "spin"
    assert step.facts["stack"][-2]["text"] == "spin(0.5)"
    assert step.site is not None and step.site.startswith(f"{path}:")


def test_the_samples_are_the_steps_that_held_the_loop(recorded: tuple[Path, Trace]) -> None:
    _, trace = recorded
    names = {trace.tasks[s.task].name for s in trace.stack_samples}
    assert names == {"worker", "spinner"}  # (main's and the short steps: none)


# --- the ideal clock: samples at time.sleep, exactly ------------------------------------------
def two_places() -> None:
    time.sleep(0.2)  # FIRST-PLACE


def then_another() -> None:
    time.sleep(0.2)  # SECOND-PLACE


async def ideal_program() -> None:
    async def short() -> None:
        for _ in range(3):
            time.sleep(0.03)  # 0.09 s in one step: under the threshold
        await asyncio.sleep(0)

    async def long() -> None:
        await asyncio.sleep(1)
        two_places()
        then_another()

    await asyncio.gather(
        asyncio.create_task(short(), name="short"), asyncio.create_task(long(), name="long")
    )


def test_on_the_ideal_clock_a_step_is_sampled_at_its_sleeps_exactly() -> None:
    trace = trace_of(ideal_program, clock="ideal")
    # the short step (0.09 s) has none; the long one (0.4 s, from 1.09 s: the short step
    # held the loop first) two: one in each place, at 0.1 s into the step, and at the
    # first half-threshold (0.05 s) after the first place's sleep ended
    first, second = trace.stack_samples
    long = trace.task_by_name("long").id
    assert (first.task, second.task) == (long, long)
    assert first.step == second.step == approx(1.09, abs=EXACT)
    assert first.t == approx(1.19, abs=EXACT) and second.t == approx(1.34, abs=EXACT)
    assert (first.at.function, first.at.text) == ("two_places", "time.sleep(0.2)")
    assert f"{Path(first.at.path).name}:{first.at.line}" == marker_line(two_places, "FIRST-PLACE")
    assert second.at.function == "then_another"
    assert first.frames[-2].function == second.frames[-2].function == "long"
    step = blocking(trace, "long")
    assert "in time.sleep(0.2) at" in step.finding and "in two_places" in step.finding
    assert "the step was in: time.sleep(0.2) at" in step.explanation
    assert "in then_another" in step.explanation


def test_the_samples_are_the_same_in_every_ideal_run() -> None:
    assert trace_of(ideal_program, clock="ideal").stack_samples == (
        trace_of(ideal_program, clock="ideal").stack_samples
    )


def hog() -> None:
    time.sleep(0.2)  # IN-THE-CALLBACK


async def callback_program() -> None:
    asyncio.get_running_loop().call_later(0.05, hog)
    await asyncio.sleep(0.3)


def test_a_callback_that_holds_the_loop_is_named_too() -> None:
    trace = trace_of(callback_program, clock="ideal")
    [sample] = trace.stack_samples
    assert sample.task == -1 and sample.step == approx(0.05, abs=EXACT)
    [step] = [i for i in insights_of(trace) if i.kind == "blocking-step"]
    site = marker_line(hog, "IN-THE-CALLBACK")
    assert step.finding == (
        f"A callback (hog) held the loop for 200 ms, in time.sleep(0.2) at {site} in hog"
    )
    assert step.site is not None and step.site.endswith(site.partition(":")[2])


def test_a_trace_without_samples_says_what_it_said() -> None:
    trace = trace_of(ideal_program, clock="ideal")
    trace.stack_samples = []  # (an older trace)
    step = blocking(trace, "long")
    assert step.finding == "'long' held the loop for 400 ms in one step"
    assert "stack" not in step.facts


def test_the_sampler_leaves_the_virtual_clock_free_to_skip_idle_waits() -> None:
    seen: list[Any] = []

    async def main() -> None:
        await asyncio.sleep(0)
        loop: Any = asyncio.get_running_loop()
        seen.append([t.name for t in threading.enumerate()])
        seen.append(loop._idle_wait_is_skippable())

    run = run_traced(main, clock="virtual")
    assert run.error is None
    assert "asyncviz-stacks" in seen[0] and seen[1] is True
    assert stacks._WATCHER._samplers == []  # (the thread stays, and waits: no looks)


# --- where a trace goes --------------------------------------------------------------------
def test_the_samples_survive_a_file_and_the_loader(tmp_path: Path) -> None:
    trace = trace_of(ideal_program, clock="ideal")
    assert len(trace.stack_samples) == 2
    fileformat.save(trace, tmp_path / "t.json")
    assert fileformat.load(tmp_path / "t.json").stack_samples == trace.stack_samples
    receiver = Receiver()
    for part in frames(trace):
        receiver.take(list(part))
    receiver.take(["end"])
    assert receiver.trace is not None
    assert receiver.trace.stack_samples == trace.stack_samples


def test_the_samples_survive_the_stream() -> None:
    result, data = streamed("blocking_call", clock="ideal")
    mirror, _ = replay(data)
    mirrored = TraceModel(mirror.store).snapshot()
    assert result.trace.stack_samples  # (the worker's time.sleep(block))
    assert mirrored.stack_samples == result.trace.stack_samples
    [sample] = mirrored.stack_samples
    assert sample.at.text == "time.sleep(block)"
    assert mirrored.tasks[sample.task].name == "worker"


BAD_SAMPLES = [
    (lambda s: s.update(task=99), "stack_samples[0].task: must be a task id or -1"),
    (lambda s: s.update(t=s["step"] - 1), "stack_samples[0].t: before its step began"),
    (lambda s: s.update(call=5), "stack_samples[0].call: must index its frames"),
    (lambda s: s.update(frames=[]), "stack_samples[0].frames: must be a list of 1 to 8"),
    (lambda s: s["frames"][0].__setitem__(1, "12"), "stack_samples[0].frames[0]: must be"),
    (lambda s: s.pop("step"), "stack_samples[0].step: missing"),
    (lambda s: s.update(t=1e6), "stack_samples[0].t: 1000000.0 is after the run's end"),
]


@pytest.mark.parametrize(("spoil", "message"), BAD_SAMPLES)
def test_a_malformed_sample_in_a_file_is_refused_clearly(spoil: Any, message: str) -> None:
    doc = msgspec.json.decode(fileformat.dumps(trace_of(ideal_program, clock="ideal")))
    spoil(doc["stack_samples"][0])
    with pytest.raises(TraceFormatError) as error:
        fileformat.from_json_dict(doc)
    assert str(error.value).startswith(message)


def test_a_malformed_sample_in_a_stream_is_refused_clearly() -> None:
    mirror = StreamMirror(Hello(version=1, origin=0.0, clock="ideal", source="x"))
    one_task = TaskRows(0, b"\xff\xff\xff\xff", b"\0" * 8, b"\0" * 4, b"\xff\xff\xff\xff")
    frame = ("app.py", 6, "handler", "time.sleep(0.5)")
    mirror.apply(Batch(seq=0, now=1.0, strings=["main"], tasks=one_task))
    mirror.apply(Batch(seq=1, now=1.0, stack_samples=[(0, 0.5, 0.7, 0, [frame])]))
    assert [s.at.text for s in mirror.store.stack_samples] == ["time.sleep(0.5)"]
    for bad in [(1, 0.5, 0.7, 0, [frame]), (0, 0.5, 0.4, 0, [frame]), (0, 0.5, 0.7, 1, [frame])]:
        with pytest.raises(StreamFormatError, match="a stack sample is malformed"):
            StreamMirror(Hello(version=1, origin=0.0, clock="ideal", source="x")).apply(
                Batch(seq=0, now=1.0, strings=["main"], tasks=one_task, stack_samples=[bad])
            )
    with pytest.raises(StreamFormatError, match="stack samples do not continue"):
        mirror.apply(
            Batch(seq=2, now=1.0, stack_samples_first=5, stack_samples=[(0, 0.5, 0.7, 0, [frame])])
        )


# --- a clock not ours ---------------------------------------------------------------------------
def test_a_clock_not_ours_is_read_by_the_program_only() -> None:
    """The watcher's thread reads only our own clocks: a clock we do not know may count
    its reads (or raise at one: tests/test_interrupts.py's did, in the watcher, under
    load), so its runs are read as often with sampling on as with it off."""

    class CountingClock:
        def __init__(self) -> None:
            self.reads = 0

        def __call__(self) -> float:
            self.reads += 1
            return time.monotonic()

    async def main() -> None:
        await asyncio.sleep(0)
        time.sleep(0.3)  # (six times the threshold: a watcher would look several times)

    def reads(threshold: float) -> int:
        clock = CountingClock()
        tracer = Tracer(TraceStore(origin=time.monotonic()), clock, stack_threshold=threshold)
        loop = asyncio.new_event_loop()
        try:
            tracer.install(loop)
            loop.run_until_complete(loop.create_task(main(), context=tracer.new_context()))
        finally:
            tracer.uninstall()
            loop.close()
        assert not tracer.store.stack_samples
        return clock.reads

    assert reads(0.05) == reads(float("inf"))


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("time.sleep(0.3)", "time.sleep(0.3) at app.py:4 in f"),
        ("await fetch(url)", "await fetch(url) at app.py:4 in f"),
        ("primes += 1", "the line \u201cprimes += 1\u201d at app.py:4 in f"),
        (
            "while time.monotonic() < end:",
            "the line \u201cwhile time.monotonic() < end:\u201d at app.py:4 in f",
        ),
        ("total = sum(parts)", "the line \u201ctotal = sum(parts)\u201d at app.py:4 in f"),
    ],
)
def test_a_sampled_line_is_named_as_a_call_only_when_it_is_one(text: str, said: str) -> None:
    assert _call(StackFrame("/src/app.py", 4, "f", text), english) == said
