"""What streaming a run to the window costs, against ``record`` (issue 12, point 10).

Run:  python bench/stream.py [--runs 5] [--scale 1.0] [--workload sleep0|pingpong|both]

For each workload of ``bench/workloads.py`` ((a) ``sleep0``: 100,000 tasks x 10
``sleep(0)``; (b) ``pingpong``: 100,000 Queue round trips; ``--scale`` shrinks both), a
small program file is written that runs it with ``asyncio.run`` and prints its own wall
time (``time.perf_counter`` around the ``asyncio.run`` call: interpreter start-up, imports
and the recording's end are not in it).  Each run is a fresh process, in turn:

* (C) ``python PROG.py``: untraced, for reference;
* (A) ``python -m visualizer.cli record PROG.py``: traced in its process, no stream;
* (B) the same program streamed: ``ChildRun(PROG)`` (``visualizer.session.child``,
  a ``Streamer`` thread sending the store's rows every 50 ms), driven by ``asyncio.run``
  in this process, which reads the stream into the ``StreamMirror`` as the window does
  (without Qt, and without deriving spans while it runs).

The program's time is the median of ``--runs`` runs of each, alternating C, A, B, so
slow drift on a noisy host hits all three alike.  Reports B/A (target: at most 1.3),
A/C and B/C; the stream's size (the bytes this process received, saved with
``keep_stream``) per step row and per row of any table (steps + wakes + tasks); the
reader's lag (from the program's end, ``time.monotonic`` printed by the program, to this
process having the stream's ``End``: the child's recording end, its last batches, and
this process's decoding of them); and this process's own time decoding and applying the
stream.  Also, from inside the child (patched in by the program file only, for B): the
streamer thread's time making batches, encoding and sending them, its CPU time, and the
child's ``Recorder.finish`` (which runs before the ``End`` is sent).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from visualizer.session.process import ChildRun

ROOT = Path(__file__).resolve().parent.parent

#: the first word of the line the program prints (its wall time, and when it ended)
MARK = "ASYNCVIZ-BENCH"
#: the first word of the child's streamer figures (stderr, at exit)
DETAIL = "ASYNCVIZ-STREAMER"
#: set in B's environment: the program file then times the streamer's parts
DETAIL_ENV = "ASYNCVIZ_BENCH_STREAMER"

PROGRAM = '''"""bench/stream.py: {title}, timed around asyncio.run"""
import asyncio
import gc
import os
import sys
import time

sys.path.insert(0, {root!r})
from bench.workloads import {func}

if os.environ.get({detail_env!r}):  # (only when streamed: time the streamer's parts)
    import atexit

    from visualizer.session import runner, streaming
    from visualizer.trace import batches

    spent = {{"batch": 0.0, "frame": 0.0, "send": 0.0, "flush": 0.0, "flush_cpu": 0.0,
             "names": 0.0, "finish": 0.0, "batches": 0}}

    def timed(owner, name, key, cpu=None):
        inner = getattr(owner, name, None)
        if inner is None:  # (renamed since: that part goes untimed)
            return

        def wrapper(*args, **kwargs):
            t0, c0 = time.perf_counter(), time.thread_time()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - t0
                if cpu:
                    spent[cpu] += time.thread_time() - c0
                if key == "batch":
                    spent["batches"] += 1

        setattr(owner, name, wrapper)

    timed(batches.BatchMaker, "batch", "batch")
    timed(streaming, "frame", "frame")
    timed(streaming, "live_names", "names")
    timed(streaming.Streamer, "_send", "send")
    timed(streaming.Streamer, "_flush", "flush", "flush_cpu")
    timed(runner.Recorder, "finish", "finish")
    atexit.register(
        lambda: print({detail!r}, *(f"{{k}}={{v:.6f}}" for k, v in spent.items()),
                      file=sys.stderr, flush=True)
    )

full = [0, 0.0, 0.0]  # full collections (generation 2) during the run: count, seconds


def collected(phase, info):
    if info["generation"] == 2:
        if phase == "start":
            full[2] = time.perf_counter()
        else:
            full[0] += 1
            full[1] += time.perf_counter() - full[2]


gc.callbacks.append(collected)
t0 = time.perf_counter()
asyncio.run({call})
t1 = time.perf_counter()
gc.callbacks.remove(collected)
print({mark!r}, f"{{t1 - t0:.6f}}", f"{{time.monotonic():.6f}}", full[0], f"{{full[1]:.6f}}",
      flush=True)
'''


def write_program(folder: Path, name: str, call: str, title: str) -> Path:
    path = folder / f"stream_{name}.py"
    func = call.split("(")[0]
    path.write_text(
        PROGRAM.format(
            title=title,
            root=str(ROOT),
            func=func,
            call=call,
            mark=MARK,
            detail=DETAIL,
            detail_env=DETAIL_ENV,
        ),
        encoding="utf-8",
    )
    return path


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"  # (as ChildRun sets it: all three alike)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.pop(DETAIL_ENV, None)
    return env


@dataclass(frozen=True)
class Timed:
    """What the program printed: its time, when it ended, its full collections."""

    seconds: float  #: around asyncio.run
    ended: float  #: time.monotonic when asyncio.run returned
    full_gcs: int  #: generation-2 collections during the run
    full_gc_seconds: float


def _program_time(stdout: str) -> Timed:
    for line in stdout.splitlines():
        words = line.split()
        if words[:1] == [MARK]:
            return Timed(float(words[1]), float(words[2]), int(words[3]), float(words[4]))
    raise RuntimeError(f"the program printed no time: {stdout[-2000:]!r}")


def run_plain(path: Path) -> Timed:
    """(C): ``python PROG.py``."""
    done = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, env=_env(), check=True
    )
    return _program_time(done.stdout)


def run_record(path: Path) -> Timed:
    """(A): ``python -m visualizer.cli record PROG.py``."""
    done = subprocess.run(
        [sys.executable, "-m", "visualizer.cli", "record", str(path)],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=ROOT,
        check=True,
    )
    if done.stderr.strip():
        print(f"    (record said: {done.stderr.strip()[:300]})")
    return _program_time(done.stdout)


@dataclass
class Streamed:
    timed: Timed  #: what the program printed
    lag: float  #: from the program's end to this process having the End
    stream_bytes: int
    steps: int
    wakes: int
    tasks: int
    feed: float  #: this process's time decoding and applying the stream
    total: float  #: ChildRun.start to its outcome (the outcome's snapshot included)
    detail: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return self.steps + self.wakes + self.tasks


def run_streamed(path: Path, keep: Path) -> Streamed:
    """(B): ``ChildRun(PROG)``, read here as the window reads it."""

    async def drive() -> Streamed:
        os.environ[DETAIL_ENV] = "1"  # (ChildRun copies this process's environment)
        try:
            run = ChildRun(path, keep_stream=keep)
            began = time.perf_counter()
            await run.start()
        finally:
            del os.environ[DETAIL_ENV]
        # (start made the receiver, and its reader has not run yet)
        receiver = run.receiver
        feed = receiver.feed
        ended: list[float] = []
        feeding = [0.0]

        def timed_feed(data: bytes) -> bool:
            t0 = time.perf_counter()
            more = feed(data)
            feeding[0] += time.perf_counter() - t0
            if not more:
                ended.append(time.monotonic())
            return more

        receiver.feed = timed_feed  # type: ignore[method-assign]
        outcome = await run.wait()
        total = time.perf_counter() - began
        if outcome.error or outcome.returncode != 0:
            words = "\n".join(line.text for line in run.output)
            raise RuntimeError(f"the streamed run failed: {outcome.error}\n{words[-2000:]}")
        timed = _program_time("\n".join(line.text for line in run.output))
        detail: dict[str, float] = {}
        for line in run.output:
            words = line.text.split()
            if line.stream == "stderr" and words[:1] == [DETAIL]:
                detail = {k: float(v) for k, v in (w.split("=") for w in words[1:])}
        mirror = run.mirror
        assert mirror is not None and ended, "no End came"
        store = mirror.store
        return Streamed(
            timed,
            ended[0] - timed.ended,
            keep.stat().st_size,
            len(store.step_task),
            len(store.wake_task),
            store.task_count,
            feeding[0],
            total,
            detail,
        )

    return asyncio.run(drive())


def _fmt(values: list[float]) -> str:
    return "/".join(f"{v:.2f}" for v in values)


def _gcs(runs: list[Timed]) -> str:
    """Full collections during the program, median count and seconds."""
    count = statistics.median(t.full_gcs for t in runs)
    seconds = statistics.median(t.full_gc_seconds for t in runs)
    return f"{count:g} full GCs, {seconds:.2f} s"


def measure(name: str, path: Path, runs: int, folder: Path) -> dict[str, float]:
    plain: list[Timed] = []
    record: list[Timed] = []
    streamed: list[Streamed] = []
    for i in range(runs):
        keep = folder / f"{name}-{i}.stream"
        plain.append(run_plain(path))
        record.append(run_record(path))
        streamed.append(run_streamed(path, keep))
        keep.unlink()
        c, a, b = plain[-1].seconds, record[-1].seconds, streamed[-1].timed.seconds
        print(
            f"    run {i + 1}: C {c:.3f} s, A {a:.3f} s, B {b:.3f} s (B/A {b / a:.2f})", flush=True
        )
    streamed_timed = [s.timed for s in streamed]
    c = statistics.median(t.seconds for t in plain)
    a = statistics.median(t.seconds for t in record)
    b = statistics.median(t.seconds for t in streamed_timed)
    ratios = [s.timed.seconds / r.seconds for s, r in zip(streamed, record, strict=True)]
    last = streamed[-1]
    per_row = statistics.median(s.stream_bytes / s.rows for s in streamed)
    per_step = statistics.median(s.stream_bytes / s.steps for s in streamed)
    lag = statistics.median(s.lag for s in streamed)
    feed = statistics.median(s.feed for s in streamed)
    total = statistics.median(s.total for s in streamed)
    print(f"  {name}: {last.steps:,} steps, {last.wakes:,} wakes, {last.tasks:,} tasks")
    for label, timed in (
        ("(C) untraced", plain),
        ("(A) record", record),
        ("(B) streamed", streamed_timed),
    ):
        seconds = [t.seconds for t in timed]
        print(
            f"    {label:<13} {statistics.median(seconds):7.3f} s   runs {_fmt(seconds)}"
            f"   ({_gcs(timed)})"
        )
    print(
        f"    B/A {b / a:.2f}x (target <= 1.3; per run {_fmt(ratios)})   A/C {a / c:.2f}x"
        f"   B/C {b / c:.2f}x"
    )
    print(
        f"    stream: {last.stream_bytes / 1e6:.1f} MB, {per_step:.1f} bytes/step,"
        f" {per_row:.1f} bytes/row (steps + wakes + tasks)"
    )
    print(
        f"    reader's lag (program's end -> End here): {lag * 1000:.0f} ms median"
        f" (runs {'/'.join(f'{s.lag * 1000:.0f}' for s in streamed)} ms);"
        f" decoding + applying here {feed:.3f} s; ChildRun start -> outcome {total:.2f} s"
    )
    details = [s.detail for s in streamed if s.detail]
    if details:

        def med(key: str) -> float:
            return statistics.median(d.get(key, 0.0) for d in details)

        print(
            f"    in the child (medians): {med('batches'):.0f} batches; streamer thread"
            f" {med('flush'):.3f} s in _flush ({med('flush_cpu'):.3f} s CPU): live names"
            f" {med('names'):.3f} s, making batches {med('batch'):.3f} s, encoding"
            f" {med('frame'):.3f} s, sending {med('send'):.3f} s;"
            f" Recorder.finish {med('finish'):.3f} s (before the End)"
        )
    return {"C": c, "A": a, "B": b, "B/A": b / a, "bytes/step": per_step, "lag": lag}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0, help="shrink the workloads")
    parser.add_argument("--workload", choices=("sleep0", "pingpong", "both"), default="both")
    args = parser.parse_args()
    n_tasks = int(100_000 * args.scale)
    n_trips = int(100_000 * args.scale)
    workloads = {
        "sleep0": (f"sleep0({n_tasks}, 10)", f"{n_tasks:,} tasks x 10 sleep(0)"),
        "pingpong": (f"pingpong({n_trips})", f"{n_trips:,} Queue ping-pong round trips"),
    }
    print(
        f"Python {sys.version.split()[0]}; median of {args.runs} alternating runs"
        f" (C untraced, A record, B streamed), each a fresh process; times are the"
        f" program's own, around asyncio.run"
    )
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, (call, title) in workloads.items():
            if args.workload not in (name, "both"):
                continue
            print(f"{name}: {title}", flush=True)
            path = write_program(folder, name, call, title)
            results[name] = measure(name, path, args.runs, folder)
    print()
    print(
        "| workload | (C) untraced | (A) record | (B) streamed | B/A | A/C | B/C | bytes/step |",
        end="",
    )
    print(" lag |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['C']:.3f} s | {r['A']:.3f} s | {r['B']:.3f} s | {r['B/A']:.2f}x"
            f" | {r['A'] / r['C']:.2f}x | {r['B'] / r['C']:.2f}x | {r['bytes/step']:.1f}"
            f" | {r['lag'] * 1000:.0f} ms |"
        )


if __name__ == "__main__":
    main()
