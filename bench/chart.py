"""The chart's frame time (issue 3): one paint of many spans, zoomed out and zoomed in.

Run:  python bench/chart.py [--spans 1000000] [--lanes 500] [--runs 5]

Synthetic spans in ``--lanes`` lanes, each lane a tiling of running / suspended / ready
steps of random lengths (like a busy program), drawn by ``GanttView`` offscreen at
1600x900; a frame is one ``grab()`` of the widget (everything Qt paints).  The third view
has lanes tall enough for the bars' labels: their cost.  Target: one
frame of 1,000,000 spans under 16 ms, zoomed out and zoomed in.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from visualizer.views.chart import GanttView


def synthetic(spans: int, lanes: int, seed: int = 1) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    per_lane = spans // lanes
    lane = np.repeat(np.arange(lanes), per_lane)
    length = rng.exponential(1e-3, lanes * per_lane)
    state = np.tile(np.array([1, 2, 0]), lanes * per_lane // 3 + 1)[: lanes * per_lane]
    ends = np.cumsum(length.reshape(lanes, per_lane), axis=1).ravel()
    starts = ends - length
    label = np.where(state == 2, 0, -1)
    return lane, state.astype(np.int8), starts, ends, label


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--lanes", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    view = GanttView()
    view.resize(1600, 900)
    lane, state, start, end, label = synthetic(args.spans, args.lanes)
    t0 = time.perf_counter()
    view.bars.set_spans(lane, state, start, end, label, ["Queue.get"])
    setup = time.perf_counter() - t0
    plot = view.getPlotItem()
    duration = float(end.max())
    print(
        f"{len(start):,} spans in {args.lanes} lanes over {duration:.1f} s; set_spans {setup:.2f} s"
    )
    for name, x, y in (
        ("zoomed out (everything)", (0, duration), (-0.6, args.lanes - 0.4)),
        ("zoomed in (1% of time, 40 lanes)", (duration / 2, duration / 2 * 1.02), (100, 140)),
        # lanes tall enough for words: the bars' labels (views/bar_labels.py) are drawn
        ("labelled (2% of time, 12 lanes)", (duration / 2, duration / 2 * 1.04), (100, 111)),
    ):
        plot.setXRange(*x, padding=0)
        plot.setYRange(*y, padding=0)
        view.grab()  # warm up: the first paint lays the widget out
        frames = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            view.grab()
            frames.append((time.perf_counter() - t0) * 1000)
        drawn = sum(view.bars.drawn.values())
        labels = len(view.bar_labels.drawn)
        print(
            f"  {name:<34} frame {statistics.median(frames):6.1f} ms (median of {args.runs};"
            f" {drawn:,} bars, {labels:,} labels drawn)"
        )
    app.quit()


if __name__ == "__main__":
    main()
