"""The GUI loop (issue 3): timer precision and the cost of a task step, against qasync's
own ``QEventLoop`` and asyncio's default loop.

Run:  python bench/gui_loop.py [--runs 5] [--skip-qasync-100k]

* Timers: ``await asyncio.sleep(d)`` for d from 10 ms to 1 s, 7 times each; the error
  is measured around the ``await`` with ``time.monotonic`` (the loops' clock).  Target:
  within 2 ms of d on our loop.
* Steps: N ready tasks each doing 10 ``sleep(0)`` (N = 1,000 and 100,000); cost per
  step, median of ``--runs`` runs alternating the loops.  Target: our loop at most 2x
  the default loop's.  (qasync at 100,000 takes about a minute a run.)

Offscreen (``QT_QPA_PLATFORM=offscreen``) unless a display is set.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from PySide6.QtWidgets import QApplication

from bench.workloads import sleep0, sleep_errors
from visualizer.app.qtloop import GuiEventLoop

DELAYS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)

_app = QApplication.instance() or QApplication([])

LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "default": asyncio.new_event_loop,
    "ours": lambda: GuiEventLoop(_app),
    "qasync": lambda: qasync.QEventLoop(_app),
}


def _run(make: Callable[[], asyncio.AbstractEventLoop], coro: Any) -> Any:
    loop = make()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


def timers(repeat: int) -> None:
    print(f"sleep(d) error in ms, {repeat} sleeps each: median [min, max]")
    for name in ("default", "ours", "qasync"):
        errors = _run(LOOPS[name], sleep_errors(DELAYS, repeat))
        cells = []
        for delay in DELAYS:
            ms = [e * 1000 for e in errors[delay]]
            cells.append(f"{delay:g}s {statistics.median(ms):+.2f} [{min(ms):+.2f},{max(ms):+.2f}]")
        worst = max(abs(e) for v in errors.values() for e in v) * 1000
        print(f"  {name:<8} worst {worst:6.2f} ms | " + "  ".join(cells), flush=True)


def steps(tasks: int, runs: int, names: list[str]) -> None:
    per_step: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(runs):
        for name in names:
            gc.collect()
            t0 = time.perf_counter()
            _run(LOOPS[name], sleep0(tasks, 10))
            per_step[name].append((time.perf_counter() - t0) / (tasks * 11) * 1e6)
    base = statistics.median(per_step["default"])
    print(f"{tasks:,} ready tasks x 10 sleep(0): us per step, median of {runs}")
    for name in names:
        median = statistics.median(per_step[name])
        runs_text = "/".join(f"{v:.2f}" for v in per_step[name])
        print(
            f"  {name:<8} {median:6.2f} us  {median / base:5.2f}x  (runs {runs_text})", flush=True
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=7, help="sleeps per delay")
    parser.add_argument("--skip-qasync-100k", action="store_true")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, Qt platform {os.environ['QT_QPA_PLATFORM']}")
    timers(args.repeat)
    steps(1_000, args.runs, ["default", "ours", "qasync"])
    big = ["default", "ours"] if args.skip_qasync_100k else ["default", "ours", "qasync"]
    steps(100_000, args.runs, big)


if __name__ == "__main__":
    main()
