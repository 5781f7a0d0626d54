"""The HTML export on a big trace (issue 18, point 6): the page's size, the time to write
it, and in headless Chromium the time to open it and to draw a frame.

Run:  python bench/html_export.py TRACE.json [--runs 3]

TRACE is any saved trace (the issue's is the 100,000-task run: ``asyncviz record
--clock virtual --trace many.json many.py``, 2.2 M spans).  The trace is loaded once;
each run writes the page (``write_html``), opens it in a fresh page of one headless
Chromium (``bench/headless_chromium.py``), and times frames in the page itself
(``performance.now`` around ``asyncviz.draw()``): zoomed out (the whole run, every
lane), zoomed in (20-pixel lanes, a 500th of the run), and at the cut (the lanes below
the last exact one).  Runs are interleaved; medians with the spread (min-max) are
printed, since this machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.headless_chromium import Browser, browser
from visualizer.model.exports.html import write_html
from visualizer.trace.fileformat import load

FRAMES = 7


def _frames(page: Browser, setup: str) -> list[float]:
    page.evaluate(setup + "; 0")
    return [float(page.evaluate("asyncviz.draw()")) for _ in range(FRAMES)]


def _said(values: list[float], unit: str = "ms") -> str:
    return f"{statistics.median(values):.1f} {unit} ({min(values):.1f}-{max(values):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trace", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    trace = load(args.trace)
    print(f"{args.trace}: {len(trace.tasks):,} tasks, {len(trace.spans):,} spans")
    found: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder, browser(1280, 800) as page:
        out = Path(folder) / "run.html"
        for _ in range(args.runs):
            began = time.perf_counter()
            written = write_html(trace, out)
            found.setdefault("write s", []).append(time.perf_counter() - began)
            began = time.perf_counter()
            page.open(out)
            found.setdefault("open s", []).append(time.perf_counter() - began)
            assert not page.errors(), page.errors()
            d = trace.duration
            found.setdefault("out", []).extend(_frames(page, "asyncviz.fit()"))
            mode_out = page.evaluate("asyncviz.last.mode")
            found.setdefault("in", []).extend(
                _frames(
                    page,
                    "asyncviz.view.laneH = 20; asyncviz.view.top = 100; "
                    f"asyncviz.view.t0 = {d * 0.4}; asyncviz.view.t1 = {d * 0.4 + d / 500}",
                )
            )
            mode_in = page.evaluate("asyncviz.last.mode")
            found.setdefault("cut", []).extend(
                _frames(
                    page,
                    f"asyncviz.fit(); asyncviz.view.laneH = 0.1; "
                    f"asyncviz.view.top = {max(written.exact_lanes - 3000, 0)}",
                )
            )
            mode_cut = page.evaluate("asyncviz.last.mode")
    print(
        f"page {written.size / 1e6:.1f} MB ({written.size / max(len(trace.spans), 1):.1f} "
        f"bytes a span); exact spans {written.exact_spans:,} of {written.spans:,} "
        f"(lanes {written.exact_lanes:,} of {written.lanes:,}); {written.levels} levels"
    )
    print(f"write {_said(found['write s'], 's')}; open in Chromium {_said(found['open s'], 's')}")
    print(f"frame zoomed out ({mode_out}): {_said(found['out'])}")
    print(f"frame zoomed in ({mode_in}): {_said(found['in'])}")
    print(f"frame across the cut ({mode_cut}): {_said(found['cut'])}")


if __name__ == "__main__":
    main()
