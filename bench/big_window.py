"""The window at 100,000 tasks (issue 18): opening a big trace, its frames, its memory.

Run:  python bench/big_window.py TRACE [--runs 3] [--against OTHER_CHECKOUT] [--frames 20]

Each measurement runs in a fresh process (``--child``), so its peak RSS is its own.
The child makes the real window (``MainWindow``, offscreen, 1280x800), notes its RSS,
and opens ``TRACE`` the way File > Open does (``open_trace``: a big file is read by the
background loader's process and handed over to the window's thread).  It reports:

- ``load s``: from ``open_trace`` until the trace is in the window (the loader's part);
- ``show s``: from then until the chart's first frame is painted (``_show_opened``
  and the first paint: what the window does with a trace); ``insights s``: until the
  Insights pane lists them (worked out apart for a big trace: a file's in a child
  process, ``app.insights_child``, a thread's before issue 18's point 1), and the chart's
  frames (zoomed out, as opened) until then: what the thread costs them;
- frames of the chart, once the insights are listed (one ``grab()`` of the chart
  widget: everything Qt paints for it), median and max over ``--frames``: the whole
  run in view (zoomed out), 1% of
  the run and 40 lanes (zoomed in), and each of those moved between frames
  (panning: a page of lanes down when zoomed out, a tenth of the time when zoomed in;
  the move's own work, names and marks culled, counted with the frame);
- ``x columns``: the window process's peak RSS growth over its RSS before opening, as a
  multiple of the trace's decoded columns (the spans' columns' bytes and the tasks'
  numeric columns' bytes);
- ``children peak MB``: the largest peak RSS of the window's children (the loader's
  process or the insights' child, whichever is larger): what was moved out of it.

``--against`` runs the same children with another checkout's ``visualizer`` (the
code before a change), interleaved run by run with this one's: the machine is shared
and noisy, so only side-by-side runs compare, and the spread is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent


def _rss_now() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _rss_peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # (kB on Linux)


def _hwm() -> int:
    """The peak RSS since ``_reset_hwm`` (Linux's VmHWM; ``ru_maxrss`` never resets)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_hwm() -> None:
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # (resets VmHWM to the RSS now)


def child(path: Path, frames: int) -> None:
    """One opening, in this (fresh) process: prints a JSON line."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import numpy as np
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from visualizer.app.window import MainWindow
    from visualizer.session.scenarios import discover
    from visualizer.trace.data import TaskColumns, Trace

    app = QApplication.instance() or QApplication([])
    window = MainWindow(discover()[0])
    window.resize(1280, 800)
    window.show()
    for _ in range(20):
        app.processEvents()
    chart = window.chart
    times: dict[str, float] = {}
    shown = window._show_opened

    def show(trace: Trace, *path: str) -> None:
        times["loaded"] = time.perf_counter()
        times["rss loaded"] = _rss_now()
        _reset_hwm()
        shown(trace, *path)  # (the file's path: its insights worked out in a child)
        times["shown"] = time.perf_counter()

    window.loading._show = show
    base = _rss_now()
    t0 = time.perf_counter()
    window.open_trace(path)
    while "shown" not in times:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    painted = chart.paints
    while chart.paints == painted:  # the first frame of the trace
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    first_frame = time.perf_counter()
    drawn_peak = _hwm()  # (the chart's part: before the insights' thread is done)
    worker = getattr(window.insights, "worker", None)  # (None: in line, before issue 18)
    busy: list[float] = []  # (frames while a big trace's insights are worked out apart)
    while worker is not None and worker.busy:
        t = time.perf_counter()
        chart.grab()
        busy.append((time.perf_counter() - t) * 1000)
        app.processEvents()
    insights = time.perf_counter()
    for _ in range(20):  # (what the window queued on the way)
        app.processEvents()
    trace = window.trace
    assert trace is not None
    spans = trace.spans
    columns = trace.columns or TaskColumns.of(trace.tasks)
    decoded = sum(
        getattr(spans, name).nbytes
        for name in ("task", "state", "start", "end", "awaiting", "woken_kind", "woken_task")
    ) + sum(a.nbytes for a in (columns.created, columns.parent, columns.ended, columns.outcome))
    view = chart.getPlotItem().getViewBox()
    rows = chart.all_rows
    duration = trace.duration

    def frame_times(move: Any = None) -> list[float]:
        chart.grab()  # (warm: the first paint after a move lays things out)
        out = []
        for i in range(frames):
            t = time.perf_counter()
            if move is not None:
                move(i)
            chart.grab()
            out.append((time.perf_counter() - t) * 1000)
        return out

    result: dict[str, Any] = {
        "tasks": len(trace.tasks),
        "spans": len(spans),
        "load s": times["loaded"] - t0,
        "show s": first_frame - times["loaded"],
        "show call s": times["shown"] - times["loaded"],
        "insights s": insights - times["loaded"],
        "frames while insights": busy,
    }
    view.setRange(xRange=(0, duration), yRange=(-0.6, rows - 0.4), padding=0)
    result["out"] = frame_times()
    page = rows / 20

    def scroll(i: int) -> None:
        y0 = (i % 19) * page
        view.setRange(yRange=(y0, y0 + rows / 2), padding=0)

    view.setRange(xRange=(0, duration), yRange=(0, rows / 2), padding=0)
    result["out, scrolling"] = frame_times(scroll)
    x0, x1 = duration / 2, duration / 2 * 1.02
    view.setRange(xRange=(x0, x1), yRange=(rows / 2, rows / 2 + 40), padding=0)
    result["in"] = frame_times()

    def pan(i: int) -> None:
        shift = (x1 - x0) / 10 * (i + 1)
        view.setRange(xRange=(x0 + shift, x1 + shift), padding=0)

    result["in, panning"] = frame_times(pan)
    result["peak growth MB"] = (_rss_peak() - base) / 1e6
    result["held MB"] = (times["rss loaded"] - base) / 1e6  # (the trace, as received)
    result["show peak MB"] = (_hwm() - base) / 1e6  # (from the trace on: what the window adds)
    result["first frame peak MB"] = (drawn_peak - base) / 1e6
    result["x columns, shown"] = (_hwm() - base) / decoded
    result["columns MB"] = decoded / 1e6
    result["x columns"] = (_rss_peak() - base) / decoded
    result["frame px"] = [chart.width(), chart.height()]
    # (the largest child's peak: the loader's or the insights' process, whichever is
    # larger; the window's own memory is the point, this is what it moved out)
    result["children peak MB"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e3
    del np
    print(json.dumps(result))


def measure(code: Path, path: Path, frames: int) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(code))
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--frames", str(frames)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=code,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


FRAMES = ("out", "out, scrolling", "in", "in, panning")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trace", type=Path, nargs="?")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--against", type=Path, help="another checkout, run side by side")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.frames)
        return
    codes = {"this": HERE} | ({"other": args.against.resolve()} if args.against else {})
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in codes}
    for run in range(args.runs):
        for name, code in codes.items():
            m = measure(code, args.trace.resolve(), args.frames)
            found[name].append(m)
            said = " | ".join(
                f"{f} {statistics.median(m[f]):.1f}/{max(m[f]):.1f} ms" for f in FRAMES
            )
            busy = m["frames while insights"]
            during = (
                f" while the insights were worked out: {len(busy)} frames,"
                f" {statistics.median(busy):.1f}/{max(busy):.1f} ms;"
                if busy
                else ""
            )
            print(
                f"run {run + 1} {name}: load {m['load s']:.2f} s, show {m['show s']:.2f} s"
                f" (call {m['show call s']:.2f}; insights listed at {m['insights s']:.2f}),"
                f" frames median/max: {said};{during}"
                f" peak +{m['peak growth MB']:.0f} MB = {m['x columns']:.2f}x columns"
                f" ({m['columns MB']:.0f} MB); the trace as received +{m['held MB']:.0f} MB,"
                f" peak by the first frame +{m['first frame peak MB']:.0f} MB,"
                f" peak from then on +{m['show peak MB']:.0f} MB"
                f" = {m['x columns, shown']:.2f}x columns;"
                f" the largest child's peak {m.get('children peak MB', 0):.0f} MB",
                flush=True,
            )
    for name, runs in found.items():
        if not runs:
            continue
        print(f"# {name} ({codes[name]}), {len(runs)} runs: median [min, max]")
        for key in ("load s", "show s", "insights s", "x columns", "x columns, shown"):
            values = [r[key] for r in runs]
            print(
                f"  {key:<16} {statistics.median(values):.2f}"
                f" [{min(values):.2f}, {max(values):.2f}]"
            )
        for f in FRAMES:
            medians = [statistics.median(r[f]) for r in runs]
            worst = [max(r[f]) for r in runs]
            print(
                f"  frame {f:<15} median {statistics.median(medians):.1f} ms"
                f" [{min(medians):.1f}, {max(medians):.1f}], max {max(worst):.1f} ms"
            )


if __name__ == "__main__":
    main()
