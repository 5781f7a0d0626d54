"""Tracing overhead, memory per step, and trace file speed (issue 2, section 9).

Run:  python bench/overhead.py [--loop default|qasync|both] [--runs 5] [--scale 1.0]

* Overhead: traced / untraced wall time of the same workload on the same loop
  class, median of ``--runs`` alternating runs (untraced, traced, untraced, ...),
  so slow drift on a noisy machine hits both sides alike.  Workloads are in
  ``bench/workloads.py``: (a) 100,000 tasks x 10 ``sleep(0)``, (b) 100,000 Queue
  ping-pong round trips, (c) 100,000 round trips through one ``Queue(maxsize=10)``, 10
  producers and 10 consumers (issue 15: every change of the queue recorded).
  ``--scale`` shrinks them (qasync takes about a minute per run of (a) at full size,
  because qasync makes every callback a Qt timer).
* Memory: bytes the trace store holds per recorded step (all its columns,
  allocated capacity), and everything the tracer allocated (tracemalloc) per step.
* File: save + load time of a trace of about 1,000,000 recorded events.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.workloads import pingpong, queue_pool, sleep0
from visualizer.instrument.tracer import Tracer
from visualizer.model.spans import TraceModel
from visualizer.trace import fileformat
from visualizer.trace.store import TraceStore

Workload = Callable[[], Coroutine[Any, Any, None]]


def _default_loop() -> asyncio.AbstractEventLoop:
    return asyncio.new_event_loop()


_qapp: Any = None


def _qasync_loop() -> asyncio.AbstractEventLoop:
    global _qapp
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    _qapp = QApplication.instance() or QApplication([])
    return qasync.QEventLoop(_qapp)  # type: ignore[no-any-return]


def run_once(
    make_loop: Callable[[], asyncio.AbstractEventLoop], workload: Workload, traced: bool
) -> tuple[float, TraceStore | None]:
    loop = make_loop()
    store = None
    context = None
    if traced:
        # time.monotonic, what the loop's time() reads: the clock `asyncviz` records with
        store = TraceStore(origin=loop.time())
        tracer = Tracer(store, time.monotonic)
        tracer.install(loop)
        context = tracer.new_context()
    gc.collect()
    t0 = time.perf_counter()
    task = loop.create_task(workload(), context=context)
    loop.run_until_complete(task)
    elapsed = time.perf_counter() - t0
    if traced:
        tracer.finish()  # as a recording ends (outside the timing)
    loop.close()  # qasync's too: an unclosed QEventLoop complains when collected
    return elapsed, store


def overhead(
    name: str, make_loop: Callable[[], asyncio.AbstractEventLoop], workload: Workload, runs: int
) -> dict[str, float]:
    plain: list[float] = []
    traced: list[float] = []
    steps = 0
    for _ in range(runs):
        plain.append(run_once(make_loop, workload, False)[0])
        elapsed, store = run_once(make_loop, workload, True)
        traced.append(elapsed)
        assert store is not None
        steps = len(store.step_task)
    a, b = statistics.median(plain), statistics.median(traced)
    print(
        f"  {name:<10} untraced {a:7.3f} s   traced {b:7.3f} s   ratio {b / a:5.2f}x"
        f"   ({steps:,} steps; runs untraced {_fmt(plain)}, traced {_fmt(traced)})",
        flush=True,
    )
    return {"untraced": a, "traced": b, "ratio": b / a, "steps": steps}


def _fmt(values: list[float]) -> str:
    return "/".join(f"{v:.2f}" for v in values)


def _left_allocated(workload: Workload, traced: bool) -> tuple[int, TraceStore | None]:
    """Bytes still allocated (tracemalloc, every file) after a run, its store kept alive."""
    gc.collect()
    tracemalloc.start()
    _, store = run_once(_default_loop, workload, traced)
    gc.collect()
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return size, store


def memory(workload: Workload, name: str) -> None:
    """Store columns per step, and everything a traced run leaves allocated per step.

    The second is the memory still allocated after a traced run minus after an untraced
    one, from any file: the C recorder's columns grow inside asyncio's frames, so a
    filter on our own files would miss them.
    """
    _, store = run_once(_default_loop, workload, True)
    assert store is not None
    steps = len(store.step_task)
    print(f"  {name:<10} store columns {store.nbytes() / steps:5.1f} bytes/step", end="")
    del store
    plain, _ = _left_allocated(workload, False)
    traced, store = _left_allocated(workload, True)
    assert store is not None
    print(
        f"   everything the traced run holds {(traced - plain) / steps:5.1f} bytes/step"
        f"   ({steps:,} steps, {len(store.wake_task):,} wakes, {store.task_count:,} tasks)"
    )


def file_speed(round_trips: int, runs: int) -> None:
    loop = asyncio.new_event_loop()
    store = TraceStore(origin=loop.time())
    tracer = Tracer(store, time.monotonic)
    tracer.install(loop)
    loop.run_until_complete(loop.create_task(pingpong(round_trips), context=tracer.new_context()))
    tracer.finish()
    loop.close()
    events = store.rows
    t0 = time.perf_counter()
    trace = TraceModel(store).snapshot()
    model = time.perf_counter() - t0
    saves: list[float] = []
    loads: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            # a new file each time, the last one deleted outside the timing: replacing a
            # 200 MB file makes the file system free its blocks inside save()
            path = Path(tmp) / f"bench-{run}.json"
            for old in Path(tmp).glob("bench-*.json"):
                old.unlink()
            gc.collect()
            t1 = time.perf_counter()
            fileformat.save(trace, path)
            t2 = time.perf_counter()
            loaded = fileformat.load(path)
            t3 = time.perf_counter()
            saves.append(t2 - t1)
            loads.append(t3 - t2)
            assert len(loaded.spans) == len(trace.spans)
            del loaded
        size = path.stat().st_size
    save_s, load_s = statistics.median(saves), statistics.median(loads)
    print(
        f"  {events:,} events -> {len(trace.spans):,} spans, {size / 1e6:.0f} MB JSON:"
        f" model {model:.2f} s; median of {runs}: save {save_s:.2f} s, load {load_s:.2f} s,"
        f" save + load {save_s + load_s:.2f} s (runs: save {_fmt(saves)}, load {_fmt(loads)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop", choices=("default", "qasync", "both"), default="both")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0, help="shrink the workloads")
    parser.add_argument("--skip-file", action="store_true")
    args = parser.parse_args()
    n_tasks = int(100_000 * args.scale)
    n_trips = int(100_000 * args.scale)
    workloads: dict[str, Workload] = {
        "sleep0": lambda: sleep0(n_tasks, 10),
        "pingpong": lambda: pingpong(n_trips),
        "queue_pool": lambda: queue_pool(n_trips),
    }
    print(
        f"Python {sys.version.split()[0]}; {n_tasks:,} tasks x 10 sleep(0); "
        f"{n_trips:,} ping-pong round trips; median of {args.runs} alternating runs"
    )
    loops = {"default": _default_loop, "qasync": _qasync_loop}
    for loop_name in ("default", "qasync"):
        if args.loop not in (loop_name, "both"):
            continue
        print(f"overhead on the {loop_name} loop:")
        for name, workload in workloads.items():
            overhead(name, loops[loop_name], workload, args.runs)
    print("memory (default loop):")
    for name, workload in workloads.items():
        memory(workload, name)
    if not args.skip_file:
        print("trace file (pingpong, 250,000 round trips: 1,000,000 recorded events):")
        file_speed(250_000, args.runs)


if __name__ == "__main__":
    main()
