"""``asyncviz render`` on a big trace (issue 18, point 5): what drawing a chart with no
window costs, end to end and by phase, in time and memory.

Run:  python bench/render.py TRACE [--runs 5] [--out /tmp/render-bench]

Each run is ``asyncviz render TRACE -o chart.png`` in a fresh process, as a user runs it
(the wall time of the whole command: Python, Qt, the load and the drawing), followed by
a run of this script's ``--child``, which times the phases in one process: the load
(``model.files.load_any``), Qt's start, and the drawing (``app.render.render_chart``:
the window's chart, ``show_trace``, laid out and exported), with its peak RSS.  The
runs alternate (whole command, then phases), so a busy moment on a shared machine
falls on both; the medians are reported with the runs' spread (least to most).
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def child(trace: str, out: str) -> None:
    """One run's phases, printed as JSON (seconds, and the peak RSS in MB)."""
    began = time.perf_counter()
    from visualizer.model.files import load_any

    loaded = load_any(trace)
    t_load = time.perf_counter()
    from visualizer.app.render import offscreen_app, render_chart

    _app = offscreen_app()
    t_qt = time.perf_counter()
    picture = render_chart(loaded, Path(out), title="bench")
    t_draw = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "load": t_load - began,
                "qt": t_qt - t_load,
                "draw": t_draw - t_qt,
                "rss_mb": peak,
                "rows": picture.rows,
                "size": [picture.width, picture.height],
            }
        )
    )


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("trace")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("/tmp/render-bench"))
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.child:
        child(args.trace, str(args.out / "phases.png"))
        return
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    whole: list[float] = []
    phases: list[dict[str, float]] = []
    for _ in range(args.runs):
        began = time.perf_counter()
        command = [sys.executable, "-m", "visualizer", "render", args.trace]
        subprocess.run([*command, "-o", str(args.out / "chart.png")], env=env, check=True)
        whole.append(time.perf_counter() - began)
        done = subprocess.run(
            [sys.executable, __file__, args.trace, "--child", "--out", str(args.out)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        phases.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"{args.trace}: {phases[0]['rows']} rows, a picture of {phases[0]['size']}")
    print(f"  asyncviz render, whole: {spread(whole)}")
    for name in ("load", "qt", "draw"):
        print(f"  {name}: {spread([p[name] for p in phases])}")
    rss = [p["rss_mb"] for p in phases]
    print(f"  peak RSS: {statistics.median(rss):.0f} MB ({min(rss):.0f}-{max(rss):.0f})")


if __name__ == "__main__":
    main()
