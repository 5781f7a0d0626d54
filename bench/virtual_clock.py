"""The virtual clock skips idle waits: a minute of sleeps, recorded in well under a second.

Run:  python bench/virtual_clock.py

100 tasks each sleep 10 s six times (60 s of virtual time, 600 timers); prints the
trace's duration, the wall time the recording took, and their ratio.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from visualizer.session.runner import Recorder


async def _sleeper() -> None:
    for _ in range(6):
        await asyncio.sleep(10)


async def _minute_of_sleeps(tasks: int) -> None:
    await asyncio.gather(*(_sleeper() for _ in range(tasks)))


def main() -> None:
    recorder = Recorder("virtual")
    wall = time.perf_counter()
    with asyncio.Runner(loop_factory=recorder.new_loop) as runner:
        runner.run(_minute_of_sleeps(100), context=recorder.tracer.new_context())
    trace = recorder.finish()
    wall = time.perf_counter() - wall
    print(
        f"virtual clock: {trace.duration:.3f} s recorded in {wall:.3f} s of wall time"
        f" ({trace.duration / wall:,.0f}x faster than real time; {len(trace.spans):,} spans)"
    )


if __name__ == "__main__":
    main()
