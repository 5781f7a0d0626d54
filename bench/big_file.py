"""Big trace files (issue 13): what opening one costs, in time and in memory.

Run:  python bench/big_file.py [--tasks 100000 300000 1000000] [--runs 1] [--gap]

Files are made with the project's own ``fileformat.save`` from a trace shaped like a
real program's: a main task that makes ``N`` workers, each of which sleeps once and
ends (ready from its creation, running, suspended on ``sleep``, ready by the timer,
running: 5 spans a task), written both as ``.json`` and ``.json.gz``.

Each measurement runs in a fresh process (``--child``), so its peak RSS
(``resource.getrusage``) is its own: ``load`` is ``fileformat.load`` alone, ``show`` is
that and what the window does with it after (``GanttView.show_trace``, offscreen).
Peak memory is reported as a multiple of the file's size, compressed and inflated,
less the process's size before it began (the interpreter, numpy, Qt).

``--gap`` opens the 1,000,000-task file in the real window through its background
loader (``visualizer.app.loading``) and reports the longest gap between the ticks of
a 10 ms timer on the window's loop while it loads: how long the window did not answer.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from visualizer.trace import schema
from visualizer.trace.data import SpanColumns, TaskRecord, Trace
from visualizer.trace.fileformat import save
from visualizer.trace.store import Suspension

PER_TASK = 5


def synthetic(n: int, seed: int = 0) -> Trace:
    """Task 0 makes ``n`` workers, 2 us apart; each runs, sleeps 1-50 ms and ends."""
    rng = np.random.default_rng(seed)
    total = n + 1
    created = np.r_[0.0, np.arange(1, total) * 2e-6]
    run1 = rng.uniform(5e-6, 20e-6, total)
    sleep = rng.uniform(1e-3, 50e-3, total)
    late = rng.uniform(1e-6, 200e-6, total)
    run2 = rng.uniform(5e-6, 20e-6, total)
    t0 = created
    t1 = t0 + rng.uniform(1e-6, 1e-4, total)  # ready -> running
    t2 = t1 + run1  # running -> suspended
    t3 = t2 + sleep  # suspended -> ready (timer)
    t4 = t3 + late  # ready -> running
    t5 = t4 + run2  # ended
    # the main task: made first, ends after its last worker
    t5[0] = float(t5.max()) + 1e-4
    t4[0] = t5[0] - 1e-5
    t3[0] = t4[0] - 1e-5
    bounds = np.stack([t0, t1, t2, t3, t4, t5], axis=1)
    state = np.tile(
        np.array(
            [schema.READY, schema.RUNNING, schema.SUSPENDED, schema.READY, schema.RUNNING],
            np.int8,
        ),
        total,
    )
    awaiting = np.tile(np.array([-1, -1, 0, -1, -1], np.int32), total)
    awaiting[2] = 1  # (main awaits gather)
    kind = np.tile(np.array([schema.WAKE_CREATED, -1, -1, schema.WAKE_TIMER, -1], np.int8), total)
    waker = np.tile(np.array([0, -1, -1, -1, -1], np.int32), total)
    waker[0] = -1  # (main: made by no task)
    kind[3] = schema.WAKE_TASK
    waker[3] = n  # (its gather woken by the last worker)
    spans = SpanColumns(
        task=np.repeat(np.arange(total, dtype=np.int32), PER_TASK),
        state=state,
        start=bounds[:, :-1].ravel(),
        end=bounds[:, 1:].ravel(),
        awaiting=awaiting,
        woken_kind=kind,
        woken_task=waker,
    )
    tasks = [TaskRecord(0, "Task-1", "main", None, 0.0, "prog.py:30", float(t5[0]), "done")]
    tasks += [
        TaskRecord(k, f"Task-{k + 1}", "worker", 0, float(c), "prog.py:27", float(e), "done")
        for k, c, e in zip(range(1, total), created[1:].tolist(), t5[1:].tolist(), strict=True)
    ]
    meta = {
        "clock": "real",
        "source": "bench/big_file.py",
        "python": sys.version.split()[0],
        "loop": "asyncio",
        "duration": float(t5[0]),
        "dropped_events": 0,
    }
    suspensions = [
        Suspension("sleep(0.025)", "prog.py:22", ("worker (prog.py:22)",)),
        Suspension("gather", "prog.py:31", ("main (prog.py:31)",)),
    ]
    return Trace(meta, tasks, spans, suspensions)


def make_files(n: int, folder: Path) -> tuple[Path, Path]:
    plain = folder / f"tasks-{n}.json"
    zipped = folder / f"tasks-{n}.json.gz"
    if not plain.exists() or not zipped.exists():
        trace = synthetic(n)
        save(trace, plain)
        save(trace, zipped)
    return plain, zipped


def inflated_size(path: Path) -> int:
    if path.suffix != ".gz":
        return path.stat().st_size
    size = 0
    with gzip.open(path, "rb") as file:
        while piece := file.read(1 << 24):
            size += len(piece)
    return size


def _rss_peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # (kB on Linux)


def _rss_now() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def child(what: str, path: Path) -> None:
    """One measurement, in this (fresh) process: prints a JSON line."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from visualizer.trace.fileformat import load

    app = view = None
    if what == "show":
        from PySide6.QtWidgets import QApplication

        from visualizer.views.chart import GanttView
        from visualizer.views.gantt import THEMES

        app = QApplication.instance() or QApplication([])
        view = GanttView(THEMES["light"], 11)
        view.resize(1200, 800)
    base = _rss_now()
    t0 = time.perf_counter()
    trace = load(path)
    t1 = time.perf_counter()
    if view is not None:
        view.show_trace(trace)
    t2 = time.perf_counter()
    print(
        json.dumps(
            {
                "load": t1 - t0,
                "show": t2 - t1,
                "base": base,
                "peak": _rss_peak(),
                "after": _rss_now(),
            }
        )
    )
    del app


def window_child(path: Path, shots: Path | None) -> None:
    """The window opens ``path`` (its background loader); a 10 ms timer on its thread
    records when it ticks: the longest gap while loading, and while drawing the result
    (``show_trace``, which is Qt's and runs on the window's thread)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from visualizer.app.window import MainWindow
    from visualizer.session.scenarios import discover

    app = QApplication.instance() or QApplication([])
    window = MainWindow(discover()[0])
    window.resize(1600, 900)
    window.show()
    ticks: list[float] = []
    drawn: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    shown = window._show_opened

    def show(trace: Trace) -> None:
        drawn.append(time.perf_counter())
        shown(trace)
        drawn.append(time.perf_counter())

    window.loading._show = show
    wait = QEventLoop()
    QTimer.singleShot(300, wait.quit)
    wait.exec()
    t0 = time.perf_counter()
    window.open_trace(path)
    if shots is not None:
        # (the whole screen: the progress dialog is a window of its own)
        QTimer.singleShot(
            4000,
            lambda: app.primaryScreen().grabWindow(0).save(str(shots / f"loading-{path.name}.png")),
        )
    while len(drawn) < 2 and (window.loading.busy or window.loading.dialog is not None):
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    t1 = time.perf_counter()
    for _ in range(20):
        app.processEvents()
    if shots is not None:
        window.screenshot(shots / f"loaded-{path.name}.png")
    loading = [b - a for a, b in itertools.pairwise(ticks) if a >= t0 and b <= drawn[0]]
    gaps = sorted(loading)
    print(
        json.dumps(
            {
                "tasks": len(window.trace.tasks) if window.trace else None,
                "until shown s": round(t1 - t0, 2),
                "loading s": round(drawn[0] - t0, 2),
                "drawing s": round(drawn[1] - drawn[0], 2),
                "longest gap while loading ms": round(gaps[-1] * 1000, 1),
                "gaps over 100 ms": sum(g > 0.1 for g in gaps),
                "ticks while loading": len(gaps),
                "window peak MB": round(_rss_peak() / 1e6),
                "loader peak MB": round(
                    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / 1e6
                ),
            }
        )
    )


def measure(what: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", what, str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, nargs="*", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "asyncviz-big")
    parser.add_argument("--only", choices=("load", "show"), default=None)
    parser.add_argument("--gap", action="store_true", help="the window's loop while loading")
    parser.add_argument("--screenshots", type=Path, help="with --gap: PNGs into this folder")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child[0] == "window":
            window_child(Path(args.child[1]), Path(args.child[2]) if args.child[2:] else None)
        else:
            child(args.child[0], Path(args.child[1]))
        return
    args.folder.mkdir(exist_ok=True)
    if args.gap:
        plain, zipped = make_files(max(args.tasks), args.folder)
        for path in (plain, zipped):
            out = subprocess.run(
                [sys.executable, __file__, "--child", "window", str(path)]
                + ([str(args.screenshots)] if args.screenshots else []),
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            print(path.name, out.strip().splitlines()[-1], flush=True)
        return
    print(
        "tasks | file | MB on disk | MB JSON | what | load s | show s | peak MB | "
        "x disk | x JSON | kept MB"
    )
    for n in args.tasks:
        t0 = time.perf_counter()
        files = make_files(n, args.folder)
        made = time.perf_counter() - t0
        print(f"# {n:,} tasks: files made in {made:.1f} s", flush=True)
        for path in files:
            disk = path.stat().st_size
            inflated = inflated_size(path)
            for what in ("load", "show") if args.only is None else (args.only,):
                for _ in range(args.runs):
                    m = measure(what, path)
                    grown = m["peak"] - m["base"]
                    print(
                        f"{n:,} | {path.name.split('.', 1)[1]} | {disk / 1e6:.0f} | "
                        f"{inflated / 1e6:.0f} | {what} | {m['load']:.2f} | {m['show']:.2f} | "
                        f"{grown / 1e6:.0f} | {grown / disk:.1f} | {grown / inflated:.2f} | "
                        f"{(m['after'] - m['base']) / 1e6:.0f}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
