"""Where the tracer's time goes: the per-step and per-task tables in docs/performance.md.

Run:  python bench/ablation.py [--runs 5]

Per step: 1,000 tasks x 300 ``sleep(0)`` steps (per-task costs vanish), on the default
loop, with the step Handle cut down to less and less of what it does:

* ``plain``    the hooks and our Handle, but the step runs as asyncio's own ``Handle._run``
* ``timing``   + the step timed (two clock reads, the running-task marker)
* ``state``    + how the step ended (``_fut_waiter``, ``done()``)
* ``full``     + the step recorded (the real tracer, pure Python)
* ``compiled`` the real tracer with its hot path in C (``_hot.c``), if built

Every variant but ``compiled`` runs the pure-Python tracer: the pieces measured are
its pieces.

Per task: 100,000 tasks x 1 step, GC off, with one per-task piece at a time replaced by
a stub: the creation-site walk, the task's end (outcome, final name) (pure Python),
and the compiled tracer.

Each variant is timed ``--runs`` times, interleaved with the others; medians are shown.
These are diagnostics: the variants record wrong or incomplete traces.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.workloads import sleep0
from visualizer.instrument import recorder as recorders
from visualizer.instrument import tracer as tracer_module
from visualizer.trace.schema import END_DONE, END_READY
from visualizer.trace.store import TraceStore

_REAL_HANDLES = tracer_module._handle_classes
_HOT = recorders.hot
_REAL_METHODS = {
    name: getattr(tracer_module.Tracer, name) for name in ("_creation_site", "_task_end")
}


def _cut_handles(level: str) -> Callable[..., Any]:
    """A ``_handle_classes`` whose StepHandle does only part of the real one's work."""

    def make(tracer: Any, clock: Callable[[], float]) -> Any:
        real = _REAL_HANDLES(tracer, clock)
        assert real is not None
        step_handle, waker_handle = real
        handle_run = asyncio.Handle._run

        class Cut(step_handle):  # type: ignore[misc, valid-type]
            __slots__ = ()

            def _run(self) -> None:
                if level == "plain":
                    return handle_run(self)
                ref = self._ref
                rec = tracer._rec
                prev_waker = rec.waker
                rec.waker = ref.code
                clock()
                try:
                    self._context.run(self._callback, *self._args)
                finally:
                    clock()
                    rec.waker = prev_waker
                    if level == "state":
                        task = ref()
                        if task._fut_waiter is None and task.done():
                            tracer._task_end(task, ref)
                        else:
                            _ = END_READY
                return None

        return Cut, waker_handle

    return make


def _run_once(variant: str, tasks: int, steps: int, gc_off: bool) -> float:
    tracer_module._handle_classes = _REAL_HANDLES
    for name, method in _REAL_METHODS.items():
        setattr(tracer_module.Tracer, name, method)
    recorders.hot = _HOT if variant == "compiled" else None
    if variant in ("plain", "timing", "state"):
        tracer_module._handle_classes = _cut_handles(variant)
    if variant == "no creation site":
        tracer_module.Tracer._creation_site = lambda self, program_factory=False: -1  # type: ignore[method-assign]
    if variant == "no task end":

        def task_end(self: Any, task: Any, ref: Any, *, name_now: bool = True) -> int:
            self._ids.pop(ref.key, None)
            return END_DONE

        tracer_module.Tracer._task_end = task_end  # type: ignore[method-assign]
    loop = asyncio.new_event_loop()
    context = None
    if variant != "untraced":
        tracer = tracer_module.Tracer(TraceStore(origin=loop.time()), time.monotonic)
        tracer.install(loop)
        context = tracer.new_context()
    gc.collect()
    if gc_off:
        gc.disable()
    try:
        t0 = time.perf_counter()
        loop.run_until_complete(loop.create_task(sleep0(tasks, steps), context=context))
        return time.perf_counter() - t0
    finally:
        gc.enable()
        loop.close()
        recorders.hot = _HOT
        tracer_module._handle_classes = _REAL_HANDLES
        for name, method in _REAL_METHODS.items():
            setattr(tracer_module.Tracer, name, method)


def _table(
    title: str, variants: list[str], tasks: int, steps: int, runs: int, gc_off: bool
) -> None:
    times: dict[str, list[float]] = {v: [] for v in variants}
    for _ in range(runs):
        for variant in variants:
            times[variant].append(_run_once(variant, tasks, steps, gc_off))
    base = statistics.median(times["untraced"])
    per, unit = (tasks * (steps + 1), "step") if steps > 1 else (tasks, "task")
    print(title)
    for variant in variants:
        median = statistics.median(times[variant])
        extra = (median - base) / per * 1e6
        print(f"  {variant:<18} {median:6.3f} s  {median / base:5.2f}x  +{extra:5.2f} us/{unit}")


def _compiled() -> list[str]:
    return ["compiled"] if _HOT is not None else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}; medians of {args.runs} interleaved runs")
    _table(
        "per step (1,000 tasks x 300 sleep(0)):",
        ["untraced", "plain", "timing", "state", "full", *_compiled()],
        1_000,
        300,
        args.runs,
        gc_off=False,
    )
    _table(
        "per task (100,000 tasks x 1 sleep(0), GC off):",
        ["untraced", "full", "no creation site", "no task end", *_compiled()],
        100_000,
        1,
        args.runs,
        gc_off=True,
    )


if __name__ == "__main__":
    main()
