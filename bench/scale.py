"""Traces at 100,000 tasks (issue 18): what finishing, saving, loading and summing a
many-task run costs.

Run:  python bench/scale.py [--tasks 100000] [--runs 5] [--busy] [--ext json]
                            [--skip-record] [--skip-file] [--skip-million]

* ``record``: ``asyncviz record --clock virtual PROGRAM N`` against the same with
  ``--trace OUT.<ext>`` (``bench/programs/many_tasks.py``: N tasks x 10 ``sleep(0)``),
  each a fresh process, interleaved (plain, traced, plain, ...) so slow drift on a
  noisy machine hits both alike: medians, the ratio of the medians and the spread of
  the per-pair ratios.  ``--ext``: the file's encoding, by its name (``json``, or a
  compact one once it exists): the target is ``record --trace`` within 1.3x of ``record``.
* ``file``: the last recording's file: ``load`` and ``save`` in this process (the median
  of ``--runs``, each save to a new file), and ``asyncviz summary FILE`` as a user runs
  it (a fresh process: load and table).
* ``million``: save + load of about 1,000,000 recorded events, as ``bench/overhead.py``
  measures it (the 2-task Queue ping-pong, 250,000 round trips), and the same on a
  many-task run of about as many events (90,909 tasks x 10 ``sleep(0)``): the target is
  under 2 s, the median, on a busy machine.

``--busy``: two ``python3 -c 'while True: pass'`` beside it all (as a contributor's
machine doing other work); they are stopped at the end.  Whichever ``visualizer`` this
imports is measured (``PYTHONPATH`` wins over this checkout): the same script measures
an older checkout for the numbers before.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.append(str(HERE.parent))  # (after PYTHONPATH: an older checkout given there wins)

import visualizer  # noqa: E402
from bench.workloads import pingpong, sleep0  # noqa: E402
from visualizer.instrument.tracer import Tracer  # noqa: E402
from visualizer.model.spans import TraceModel  # noqa: E402
from visualizer.model.summary import summarize  # noqa: E402
from visualizer.trace import fileformat  # noqa: E402
from visualizer.trace.data import Trace  # noqa: E402
from visualizer.trace.store import TraceStore  # noqa: E402

PROGRAM = HERE / "programs" / "many_tasks.py"
#: the checkout whose ``visualizer`` is measured (its CLI runs in the child processes)
MEASURED = Path(visualizer.__file__).resolve().parent.parent


def _fmt(values: list[float]) -> str:
    return "/".join(f"{v:.2f}" for v in values)


def _spread(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}"


@contextmanager
def _busy(on: bool) -> Iterator[None]:
    """Two spinning processes beside the measurements, if ``on``; stopped after."""
    spinners = (
        [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
        if on
        else []
    )
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def _cli(*args: str) -> float:
    """Wall seconds of ``asyncviz ARGS`` in a fresh process (output dropped)."""
    env = dict(os.environ, PYTHONPATH=str(MEASURED))
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "visualizer", *args],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def record(tasks: int, runs: int, out: Path) -> None:
    """``record`` against ``record --trace OUT``, interleaved; leaves the last file."""
    plain: list[float] = []
    traced: list[float] = []
    for _ in range(runs):
        plain.append(_cli("record", "--clock", "virtual", str(PROGRAM), str(tasks)))
        out.unlink(missing_ok=True)
        traced.append(
            _cli("record", "--clock", "virtual", "--trace", str(out), str(PROGRAM), str(tasks))
        )
    a, b = statistics.median(plain), statistics.median(traced)
    pairs = [t / p for p, t in zip(plain, traced, strict=True)]
    print(
        f"  record {a:.2f} s, record --trace {b:.2f} s: {b / a:.2f}x (medians of {runs};"
        f" per pair {_spread(pairs)}x; runs {_fmt(plain)} / {_fmt(traced)});"
        f" {out.stat().st_size / 1e6:.0f} MB",
        flush=True,
    )


def _save(trace: Trace, path: Path) -> None:
    """Saved in the encoding its name says (``.avz``: the compact one, where it exists)."""
    if path.suffix == ".avz":
        from visualizer.trace import compact

        compact.save(trace, path)
    else:
        fileformat.save(trace, path)


def _load(path: Path) -> Trace:
    if path.suffix == ".avz":
        from visualizer.trace import compact

        return compact.load(path)
    return fileformat.load(path)


def _save_load(trace: Trace, tmp: Path, runs: int, ext: str) -> tuple[list[float], list[float]]:
    """``runs`` saves (each to a new file, the last deleted outside the timing: replacing
    a big file makes the file system free its blocks inside ``save``) and loads."""
    saves: list[float] = []
    loads: list[float] = []
    for run in range(runs):
        path = tmp / f"scale-{run}.{ext}"
        for old in tmp.glob("scale-*"):
            old.unlink()
        gc.collect()
        t0 = time.perf_counter()
        _save(trace, path)
        t1 = time.perf_counter()
        loaded = _load(path)
        t2 = time.perf_counter()
        assert len(loaded.spans) == len(trace.spans) and len(loaded.tasks) == len(trace.tasks)
        del loaded
        saves.append(t1 - t0)
        loads.append(t2 - t1)
    return saves, loads


def the_file(path: Path, runs: int, tmp: Path, ext: str, summaries: int) -> None:
    """Load, save and summary of a recorded file."""
    gc.collect()
    t0 = time.perf_counter()
    trace = _load(path)
    first = time.perf_counter() - t0
    saves, loads = _save_load(trace, tmp, runs, ext)
    t0 = time.perf_counter()
    summarize(trace)
    summed = time.perf_counter() - t0
    cli = [_cli("summary", str(path)) for _ in range(summaries)]
    print(
        f"  {len(trace.tasks):,} tasks, {len(trace.spans):,} spans:"
        f" load {statistics.median(loads):.2f} s"
        f" (first {first:.2f}; runs {_fmt(loads)}), save {statistics.median(saves):.2f} s"
        f" (runs {_fmt(saves)}); summarize {summed:.2f} s; `asyncviz summary`"
        f" {statistics.median(cli):.2f} s (runs {_fmt(cli)})",
        flush=True,
    )


def _recorded(workload: Callable[[], Coroutine[Any, Any, None]]) -> tuple[Trace, int, float]:
    """A run of ``workload`` traced on the default loop: its trace (the snapshot), the
    events recorded and the snapshot's seconds."""
    loop = asyncio.new_event_loop()
    store = TraceStore(origin=loop.time())
    tracer = Tracer(store, time.monotonic)
    tracer.install(loop)
    loop.run_until_complete(loop.create_task(workload(), context=tracer.new_context()))
    tracer.finish()
    loop.close()
    t0 = time.perf_counter()
    trace = TraceModel(store).snapshot()
    return trace, store.rows, time.perf_counter() - t0


def million(runs: int, tmp: Path, ext: str) -> None:
    """Save + load of about 1,000,000 events: 2 tasks, and 90,909."""
    shapes = {
        "2 tasks (pingpong 250,000)": lambda: pingpong(250_000),
        "90,909 tasks (x 10 sleep(0))": lambda: sleep0(90_909, 10),
    }
    for name, workload in shapes.items():
        trace, events, snapshot = _recorded(workload)
        saves, loads = _save_load(trace, tmp, runs, ext)
        both = [s + load for s, load in zip(saves, loads, strict=True)]
        print(
            f"  {name}: {events:,} events, {len(trace.spans):,} spans; snapshot {snapshot:.2f} s;"
            f" save + load {statistics.median(both):.2f} s (median of {runs}; runs {_fmt(both)};"
            f" save {statistics.median(saves):.2f}, load {statistics.median(loads):.2f})",
            flush=True,
        )
        del trace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--busy", action="store_true", help="two spinning processes beside")
    parser.add_argument("--ext", default="json", help="the trace file's encoding, by its name")
    parser.add_argument(
        "--summary-runs", type=int, help="runs of `asyncviz summary` (default: --runs)"
    )
    parser.add_argument("--skip-record", action="store_true")
    parser.add_argument("--skip-file", action="store_true")
    parser.add_argument("--skip-million", action="store_true")
    args = parser.parse_args()
    print(
        f"Python {sys.version.split()[0]}; measuring {MEASURED}; {args.runs} runs;"
        f" {'beside two busy processes' if args.busy else 'no busy processes added'};"
        f" load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as folder, _busy(args.busy):
        tmp = Path(folder)
        out = tmp / f"recorded.{args.ext}"
        if not args.skip_record:
            print(f"record, {args.tasks:,} tasks x 10 sleep(0):", flush=True)
            record(args.tasks, args.runs, out)
        if not args.skip_file:
            if not out.exists():  # (no recording asked for: one, untimed)
                _cli(
                    "record",
                    "--clock",
                    "virtual",
                    "--trace",
                    str(out),
                    str(PROGRAM),
                    str(args.tasks),
                )
            print(f"the recorded file ({args.ext}):", flush=True)
            the_file(out, args.runs, tmp, args.ext, args.summary_runs or args.runs)
        if not args.skip_million:
            print(f"save + load of 1,000,000 events ({args.ext}):", flush=True)
            million(args.runs, tmp, args.ext)


if __name__ == "__main__":
    main()
