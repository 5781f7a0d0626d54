"""What the insights engine costs (issue 16): ``insights_of`` on a 1,000,000-event trace.

Run:  python bench/insights.py [--events 1000000] [--runs 3]

Three traces of about ``--events`` recorded events (steps and wakes), each measured as
``insights_of``'s time, best and median of ``--runs``, and as a ratio to
``fileformat.load`` of the same trace (a cost every user of such a trace pays already;
the ratio holds on a busy machine where the seconds do not):

* ``recorded``: a real program recorded on the ideal clock, a mix that gives every family
  of insights work: Queue ping-pong (most events), a pool of workers on a Lock and a
  Semaphore, tasks polling with ``sleep(0)``, a step blocked by ``time.sleep``, a task
  that fails unretrieved and one left pending;
* ``flood``: the sleep(0) workload on the virtual clock (tens of thousands of tasks ready
  at once, each waiting long for the loop: one ``long-scheduling-delay`` for them all);
* ``synthetic``: ``bench/big_file.py``'s shape (a main task and N workers that sleep once
  each: many tasks, few steps each), the shape with the most lanes per event.

The target is under a second each (issue 16).  The engine's work is in numpy over the
span columns; what remains per item in Python (insights, resources, callbacks) is
bounded by what is found, not by the trace's size.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from big_file import synthetic
from workloads import pingpong, sleep0

from visualizer.model.insights import insights_of
from visualizer.session.runner import Recorder
from visualizer.trace import schema
from visualizer.trace.data import Trace
from visualizer.trace.fileformat import load, save


async def mixed(scale: int) -> None:
    """About ``4 * scale`` events of Queue ping-pong, and the rest: a little of
    everything the engine looks for."""
    lock = asyncio.Lock()
    permits = asyncio.Semaphore(3)

    async def locked_worker() -> None:
        for _ in range(20):
            async with lock:
                await asyncio.sleep(0.01)

    async def limited_worker() -> None:
        for _ in range(20):
            async with permits:
                await asyncio.sleep(0.01)

    async def poller() -> None:
        for _ in range(300):  # (a flag set elsewhere, looked at 300 times)
            await asyncio.sleep(0)

    async def fails() -> None:
        await asyncio.sleep(0.05)
        raise ValueError("nobody hears this")

    async def forever() -> None:
        await asyncio.Event().wait()

    async def blocker() -> None:
        await asyncio.sleep(0.2)
        time.sleep(0.15)

    polling = [asyncio.create_task(poller()) for _ in range(3)]
    left = asyncio.create_task(forever())
    unretrieved = asyncio.create_task(fails())
    await asyncio.gather(
        pingpong(scale),
        blocker(),
        *(locked_worker() for _ in range(10)),
        *(limited_worker() for _ in range(10)),
    )
    await asyncio.gather(*polling)
    del unretrieved
    await asyncio.sleep(0.01)
    left.get_name()


def recorded(events: int) -> Trace:
    """``mixed`` recorded on the ideal clock, as ``asyncio.run`` would run it."""
    recorder = Recorder("ideal")
    with asyncio.Runner(loop_factory=recorder.new_loop) as runner:
        runner.run(mixed(events // 4), context=recorder.tracer.new_context())
    return recorder.finish()


def flood(events: int) -> Trace:
    """``bench/workloads.py``'s sleep(0) workload (each task 10 bare yields) recorded on
    the virtual clock: every task ready and waiting long for the loop, at once."""
    recorder = Recorder("virtual")
    with asyncio.Runner(loop_factory=recorder.new_loop) as runner:
        runner.run(sleep0(events // 20, 10), context=recorder.tracer.new_context())
    return recorder.finish()


def events_of(trace: Trace) -> int:
    """Recorded events: steps (running spans) and wakes (ready spans, a task's first
    included: its creation)."""
    return int(np.count_nonzero(trace.spans.state != schema.SUSPENDED))


def measure(name: str, trace: Trace, runs: int) -> None:
    """Print ``insights_of``'s cost on ``trace``, and ``load``'s for scale."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trace.json"
        save(trace, path)
        loads = []
        for _ in range(runs):
            t0 = time.perf_counter()
            load(path)
            loads.append(time.perf_counter() - t0)
    costs = []
    found = []
    for _ in range(runs):
        t0 = time.perf_counter()
        found = insights_of(trace)
        costs.append(time.perf_counter() - t0)
    kinds = sorted({i.kind for i in found})
    print(
        f"{name}: {len(trace.tasks):,} tasks, {trace.spans.state.size:,} spans,"
        f" ~{events_of(trace):,} events; {len(found)} insights ({', '.join(kinds)})"
    )
    print(
        f"  insights_of: best {min(costs):.3f} s, median {statistics.median(costs):.3f} s;"
        f" load: best {min(loads):.3f} s; engine/load {min(costs) / min(loads):.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    t0 = time.perf_counter()
    trace = recorded(args.events)
    print(f"(recorded in {time.perf_counter() - t0:.1f} s)", flush=True)
    measure("recorded", trace, args.runs)
    measure("flood", flood(args.events), args.runs)
    # (big_file's workers: 5 spans, 4 events each: 2 steps, the timer's wake, the creation)
    measure("synthetic", synthetic(args.events // 4), args.runs)


if __name__ == "__main__":
    main()
