"""Lecture mode (issue 5): does the scenario's time run at the speed asked, and what does
turning the loop one callback at a time cost?

Run:  python bench/lecture.py [--runs 3]

1. Pace: ``sequential_vs_concurrent`` (2.0 s of the scenario's time, nearly all of it
   sleeping) played with ``run_lecture`` (a turn every 5 ms, as the window does) at
   several speeds; the wall time it took against 2.0 s / speed.
2. Cost: 10,000 tasks x 10 ``sleep(0)`` (110,000 task steps, every one of them ready at
   once), on the virtual clock (asyncio's own ``_run_once``) and in a lecture whose turns
   come back to back; the ratio of the two wall times.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from visualizer.session.lecture import LectureSession, run_lecture
from visualizer.session.runner import Recorder
from visualizer.session.scenarios import find, load_main


async def spin(steps: int) -> None:
    for _ in range(steps):
        await asyncio.sleep(0)


async def busy(tasks: int = 10_000, steps: int = 10) -> None:
    await asyncio.gather(*(spin(steps) for _ in range(tasks)))


def virtual_run() -> float:
    recorder = Recorder("virtual")
    began = time.perf_counter()
    with asyncio.Runner(loop_factory=recorder.new_loop) as runner:
        runner.run(busy(), context=recorder.tracer.new_context())
    took = time.perf_counter() - began
    recorder.finish()
    return took


def lecture_run() -> float:
    session = LectureSession(busy, speed=20.0)
    began = time.perf_counter()
    while not session.done:
        session.advance(0.005)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    scenario = load_main(find("sequential_vs_concurrent"))
    print("pace: sequential_vs_concurrent, 2.0 s of scenario time; wall vs 2.0 s / speed")
    for speed in (0.5, 2.0, 8.0, 20.0):
        walls = []
        for _ in range(args.runs):
            began = time.perf_counter()
            session = run_lecture(scenario, speed=speed)
            walls.append(time.perf_counter() - began)
            assert session.trace is not None
        expected = session.trace.duration / speed
        wall = statistics.median(walls)
        print(
            f"  {speed:5.1f}x  wall {wall:6.3f} s  expected {expected:6.3f} s"
            f"  ratio {wall / expected:5.2f}  (trace {session.trace.duration:.3f} s)"
        )
    virtual = [virtual_run() for _ in range(args.runs)]
    lecture = [lecture_run() for _ in range(args.runs)]
    v, lec = statistics.median(virtual), statistics.median(lecture)
    print("cost: 110,000 task steps, all ready")
    print(f"  virtual clock (asyncio's _run_once)  {v:6.3f} s")
    print(f"  lecture, one callback at a time      {lec:6.3f} s   {lec / v:4.2f}x")


if __name__ == "__main__":
    main()
