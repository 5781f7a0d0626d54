"""Compact trace files against JSON (issue 18, point 2): bytes a span, save and load.

Run:  python bench/compact.py [--runs 5] [--trace FILE] [--tasks 100000] [--record PROGRAM]

Two traces: the 100,000-task run (``FILE`` if given, e.g. a recording of
``100,000 tasks x 10 sleep(0)``; else that workload recorded here, in this process) and
the 1,000,000-event 2-task ping-pong the "Trace files" bench makes.  For each, ``--runs``
rounds, each saving and loading both encodings in turn (JSON save, compact save, JSON
load, compact load: interleaved, so a busy spell of the machine hits both alike), each
to a new file.  Printed: the medians, the spread (fastest-slowest run), the ratio
JSON / compact of each round (median and range), and how much of a compact load is
``coherence.check``, the whole-trace rules both loaders run (per task in Python today):
each round loads the compact file a third time without it.

``--record PROGRAM [ARGS]``: also ``asyncviz record`` of the program with no file, with
``--trace out.json`` and ``--trace out.avz``, interleaved, in fresh processes (the
issue's "record --trace within 1.3x of record").
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
import unittest.mock
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scale import _recorded as scale_recorded
from bench.workloads import pingpong, sleep0
from visualizer.trace import compact, fileformat
from visualizer.trace.data import Trace

ROOT = Path(__file__).resolve().parent.parent


def recorded(workload: Callable[[], Coroutine[Any, Any, None]]) -> Trace:
    """``workload`` run traced on the default loop, in this process (as ``scale`` and
    ``overhead``'s file bench do): its trace."""
    return scale_recorded(workload)[0]


def _unchecked() -> Any:
    """``compact`` without the whole-trace rules (``coherence.check``, which both loaders
    run, and whose per-task loops another branch makes columns): what is its own."""
    return unittest.mock.patch.object(compact, "check", lambda trace: None)


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} s ({min(values):.3f}-{max(values):.3f})"


def _ratio(json: list[float], compact: list[float]) -> str:
    ratios = [a / b for a, b in zip(json, compact, strict=True)]
    return f"{statistics.median(ratios):.1f}x ({min(ratios):.1f}-{max(ratios):.1f})"


def files(name: str, trace: Trace, runs: int) -> None:
    """Save and load ``trace`` in both encodings, ``runs`` interleaved rounds."""
    times: dict[str, list[float]] = {k: [] for k in ("js", "cs", "jl", "cl", "bare")}
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            for old in Path(tmp).iterdir():
                old.unlink()  # (outside the timing: freeing a big file's blocks costs)
            paths = {"j": Path(tmp) / f"t{run}.json", "c": Path(tmp) / f"t{run}.avz"}
            for kind in ("j", "c"):
                gc.collect()
                t0 = time.perf_counter()
                fileformat.save(trace, paths[kind])
                times[f"{kind}s"].append(time.perf_counter() - t0)
                sizes[kind] = paths[kind].stat().st_size
            for kind in ("j", "c"):
                gc.collect()
                t0 = time.perf_counter()
                loaded = fileformat.load(paths[kind])
                times[f"{kind}l"].append(time.perf_counter() - t0)
                assert len(loaded.spans) == len(trace.spans)
                del loaded
            gc.collect()
            t0 = time.perf_counter()
            with _unchecked():
                fileformat.load(paths["c"])
            times["bare"].append(time.perf_counter() - t0)
    spans = len(trace.spans)
    print(f"{name}: {len(trace.tasks):,} tasks, {spans:,} spans; {runs} interleaved rounds")
    print(
        f"  size: JSON {sizes['j'] / 1e6:.1f} MB ({sizes['j'] / spans:.1f} B a span),"
        f" compact {sizes['c'] / 1e6:.2f} MB ({sizes['c'] / spans:.2f} B a span):"
        f" {sizes['j'] / sizes['c']:.0f}x smaller"
    )
    print(
        f"  save: JSON {_spread(times['js'])}, compact {_spread(times['cs'])};"
        f" JSON/compact {_ratio(times['js'], times['cs'])}"
    )
    print(
        f"  load: JSON {_spread(times['jl'])}, compact {_spread(times['cl'])};"
        f" JSON/compact {_ratio(times['jl'], times['cl'])}"
    )
    print(f"  compact load without coherence.check (both loaders run it): {_spread(times['bare'])}")


def record(program: list[str], runs: int) -> None:
    """``asyncviz record`` with no file, a JSON file and a compact one, interleaved."""
    times: dict[str, list[float]] = {"none": [], "json": [], "avz": []}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            for kind in times:
                out = [] if kind == "none" else ["--trace", str(Path(tmp) / f"r{run}.{kind}")]
                words = [sys.executable, "-m", "visualizer", "record", *out, *program]
                t0 = time.perf_counter()
                subprocess.run(words, env=env, check=True, capture_output=True)
                times[kind].append(time.perf_counter() - t0)
    base = times["none"]
    print(f"record {' '.join(program)}: {runs} interleaved rounds, fresh processes")
    print(f"  no file {_spread(base)}")
    for kind in ("json", "avz"):
        print(
            f"  --trace out.{kind} {_spread(times[kind])}; over no file {_ratio(times[kind], base)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--trace", type=Path, help="the many-task trace, from a file")
    parser.add_argument("--tasks", type=int, default=100_000, help="else: recorded here")
    parser.add_argument("--round-trips", type=int, default=250_000)
    parser.add_argument("--record", nargs=argparse.REMAINDER, help="PROGRAM [ARGS]")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}")
    if args.trace is not None:
        many = fileformat.load(args.trace)
        files(f"{args.trace.name}", many, args.runs)
    else:
        many = recorded(lambda: sleep0(args.tasks, 10))
        files(f"{args.tasks:,} tasks x 10 sleep(0)", many, args.runs)
    del many
    pingpong_trace = recorded(lambda: pingpong(args.round_trips))
    files(f"ping-pong, {args.round_trips:,} round trips (2 tasks)", pingpong_trace, args.runs)
    if args.record:
        record(args.record, args.runs)


if __name__ == "__main__":
    main()
