"""Perfetto export (issue 18, point 4): what ``asyncviz export --format perfetto`` costs on a
big trace, in time, size and memory, beside saving the same trace as asyncviz JSON.

Run:  python bench/perfetto_export.py [TRACE] [--runs 5] [--folder /tmp]

TRACE defaults to issue 18's 100,000-task recording (``/tmp/s18/many.json``, 2.2 M spans:
``asyncviz record --clock virtual --trace many.json PROGRAM`` of a program whose main
gathers 100,000 workers that each ``await asyncio.sleep(0)`` ten times).  It is loaded once (not
measured here: ``bench/big_file.py`` is about loading), then exported and saved in turns,
``--runs`` times each, alternating so that the host's drift hits both alike: the ratio
export / save of each pair and their spread say more than the seconds on a shared host.
Memory: the process's resident size sampled every 20 ms during the first export, its
most over the size before (the loaded trace's): the export's own, in pieces of 50,000
spans, never the whole file's events in one list.
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from visualizer.model.exports import perfetto
from visualizer.model.files import load_any
from visualizer.trace.fileformat import save


def rss_mb() -> float:
    """The resident size now (``/proc``: Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


class Sampler(threading.Thread):
    """The most resident size seen, every 20 ms, until stopped."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.most = rss_mb()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.02):
            self.most = max(self.most, rss_mb())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trace", nargs="?", default="/tmp/s18/many.json", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()

    began = time.perf_counter()
    trace = load_any(args.trace)
    loaded = time.perf_counter() - began
    spans, tasks = len(trace.spans), len(trace.tasks)
    print(f"{args.trace}: {tasks:,} tasks, {spans:,} spans, loaded in {loaded:.1f} s")
    gc.collect()
    before = rss_mb()

    with tempfile.TemporaryDirectory(dir=args.folder) as folder:
        out, again = Path(folder) / "out.perfetto.json", Path(folder) / "again.json"
        exports: list[float] = []
        saves: list[float] = []
        events = 0
        extra = 0.0
        for run in range(args.runs):
            sampler = Sampler()
            if run == 0:
                sampler.start()
            began = time.perf_counter()
            events = perfetto.write(trace, out)
            exports.append(time.perf_counter() - began)
            if run == 0:
                sampler.stopping.set()
                sampler.join()
                extra = sampler.most - before
            began = time.perf_counter()
            save(trace, again)
            saves.append(time.perf_counter() - began)
            print(
                f"run {run + 1}: export {exports[-1]:.2f} s, save {saves[-1]:.2f} s,"
                f" ratio {exports[-1] / saves[-1]:.2f}",
                flush=True,
            )
        size, json_size = out.stat().st_size, again.stat().st_size

    ratios = [e / s for e, s in zip(exports, saves, strict=True)]
    print(
        f"export: median {statistics.median(exports):.2f} s"
        f" (runs {min(exports):.2f}-{max(exports):.2f} s),"
        f" {spans / statistics.median(exports) / 1e6:.2f} M spans/s"
    )
    print(
        f"save (asyncviz JSON): median {statistics.median(saves):.2f} s"
        f" (runs {min(saves):.2f}-{max(saves):.2f} s)"
    )
    print(
        f"export / save: median {statistics.median(ratios):.2f}x"
        f" (runs {min(ratios):.2f}-{max(ratios):.2f}x)"
    )
    print(
        f"file: {size / 1e6:.0f} MB, {events:,} events, {size / spans:.0f} bytes a span"
        f" (asyncviz JSON {json_size / 1e6:.0f} MB, {json_size / spans:.0f} bytes a span)"
    )
    print(f"memory: at most {extra:.0f} MB over the loaded trace's {before:.0f} MB")


if __name__ == "__main__":
    main()
