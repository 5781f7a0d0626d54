"""An hour of a service at 10,000 events a second, watched live (issue 12, point 4).

Run:  python bench/service_hour.py [--seconds 3600] [--tail 20] [--history 300]

1. *Record.*  ``bench/programs/service.py`` (a burst of requests every 10 ms, each read
   for 5 to 50 ms, queued, and handled by a pool of 20 workers: about 10,000 events a
   second of its time, a new task every 0.8 ms) runs for ``--seconds`` plus ``--tail``
   seconds of its time on the virtual clock, traced, in a process of its own, streaming
   to a file as it would to a window (over a fixed connection: it lets go of the rows it
   sent).  An hour takes a few minutes.
2. *Watch.*  A window (``MainWindow``, offscreen, 1600x900) listens, keeping
   ``--history`` seconds (View > History kept); a replayer process attaches and sends
   the recorded stream over the socket: the first ``--seconds`` as fast as the window
   takes them (the window draws live meanwhile), the last ``--tail`` at the program's
   own pace, 10,000 events a second.

Reports the window process's memory (its resident set: peak, and at the end; what it
was before the stream came), what the window holds at the end (tasks, spans, rows), how
long the hour took to take in, and over the tail the frames a second the window drew
(a frame: the chart brought up to date from the stream, then painted) and what a frame
cost.  Targets: at most 1 GB, and at least 30 frames a second.

Offscreen by default (``QT_QPA_PLATFORM=offscreen``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "bench" / "programs" / "service.py"


def record(path: Path, seconds: float, out: Path) -> None:
    """(In a process of its own) the program on the virtual clock, streamed to ``out``."""
    from visualizer.session.runner import Recorder, run_scenario
    from visualizer.session.scenarios import read_scenario
    from visualizer.session.streaming import Streamer

    with out.open("wb") as sink:  # (the streamer writes the magic, then the hello)
        streamers: list[Streamer] = []

        def started(recorder: Recorder) -> None:
            streamer = Streamer(
                recorder.store,
                recorder.tracer,
                sink.write,
                clock=recorder.clock.time,
                period=0.002,
                let_go=True,  # (as the window's child does)
            )
            streamer.start()
            streamers.append(streamer)

        result = run_scenario(
            read_scenario(path),
            {"seconds": seconds},
            clock="virtual",
            started=started,
            snapshot=False,
        )
        streamers[0].close(exit_code=result.exit_code)
        store = streamers[0].store
        rss, peak = memory()
        print(
            f"recorded: {store.task_count:,} tasks, {store.steps_recorded:,} steps,"
            f" {store.wakes_forgotten + len(store.wake_task):,} wakes;"
            f" kept in the program at the end: {store.rows:,} rows; the program's memory"
            f" (its resident set) at the end {rss / 2**20:,.0f} MiB, peak {peak / 2**20:,.0f} MiB",
            flush=True,
        )


def replay(stream: Path, port: int, hour: float) -> None:
    """(In a process of its own) attach to the window and send ``stream``: up to ``hour``
    seconds of the program's time at once, the rest at the program's own pace."""
    from visualizer.trace.wire import MAGIC, Batch, FrameDecoder, Hello, frame

    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"\n" + MAGIC)  # (no token: a window on this machine)
    decoder = FrameDecoder()
    origin = 0.0
    paced_from: float | None = None
    with stream.open("rb") as source:
        while data := source.read(1 << 20):
            for message in decoder.feed(data):
                if isinstance(message, Hello):
                    origin = message.origin
                elif isinstance(message, Batch) and message.now - origin >= hour:
                    if paced_from is None:
                        paced_from = time.monotonic() - (message.now - origin - hour)
                    due = paced_from + (message.now - origin - hour)
                    wait = due - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                sock.sendall(frame(message))
    sock.shutdown(socket.SHUT_WR)
    sock.recv(1)  # (until the window closes it)


def memory() -> tuple[int, int]:
    """(resident now, peak resident) of this process, bytes."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024


def watch(stream: Path, hour: float, history: float) -> None:
    from PySide6.QtWidgets import QApplication

    from visualizer.app.qtloop import GuiEventLoop
    from visualizer.app.window import MainWindow
    from visualizer.session.listen import AttachedRun

    app = QApplication.instance() or QApplication([])
    window = MainWindow([])
    window.resize(1600, 900)
    window.show()
    window.history_menu.set(history)
    # (when, cost, the program's time, bringing the chart up to date, painting it)
    frames: list[tuple[float, float, float, float, float]] = []
    draw_live = window.frames._draw

    def timed(source: object) -> None:
        t0 = time.monotonic()
        draw_live(source)  # type: ignore[arg-type]
        model = getattr(source, "model", None)
        now = model.now() if model is not None else 0.0
        update = time.monotonic() - t0
        paint = window.chart.paint_seconds
        frames.append((t0, update + paint, now, update, paint))

    window.frames._draw = timed  # type: ignore[method-assign]
    loop = GuiEventLoop(app)
    samples: list[tuple[float, int]] = []
    report: dict[str, object] = {}

    async def go() -> None:
        await asyncio.sleep(0.5)
        assert await window.listening.start("127.0.0.1:0")
        port = window.listening.listener.address[1]  # type: ignore[union-attr,index]
        before = memory()[0]
        began = time.monotonic()
        replayer = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--replay",
                str(stream),
                "--port",
                str(port),
                "--seconds",
                str(hour),
            ],
        )
        run: AttachedRun | None = None
        while True:
            samples.append((time.monotonic(), memory()[0]))
            source = window.frames.source
            if isinstance(source, AttachedRun):
                run = source
            if run is not None and not run.running:
                break
            if replayer.poll() is not None and run is None:
                raise SystemExit("the replayer ended before it attached")
            await asyncio.sleep(0.25)
        ended = time.monotonic()
        assert run is not None and run.model is not None
        model = run.model
        report.update(
            before=before,
            took=ended - began,
            events=run.events,
            tasks=len(model.snapshot().tasks),
            spans=model.span_count,
            forgotten=model.forgotten.as_meta(),
            rows=run.mirror.store.rows if run.mirror is not None else 0,
        )
        await asyncio.sleep(1.0)  # (the window shows the run's end)
        report["end"] = memory()
        replayer.wait(timeout=30)

    try:
        loop.run_until_complete(go())
    finally:
        loop.close()
    rss, peak = report["end"]  # type: ignore[misc]
    forgotten = report["forgotten"]
    print(f"window before the stream: {report['before'] / 2**20:,.0f} MiB resident")
    print(f"took in {hour:g} s + tail of the program's time in {report['took']:.1f} s (wall)")
    print(
        f"events received {report['events']:,}; held at the end: {report['tasks']:,} tasks,"
        f" {report['spans']:,} spans, {report['rows']:,} rows not yet read;"
        f" forgotten: {forgotten}"  # type: ignore[index]
    )
    top = max(m for _, m in samples)
    print(
        f"resident: peak {peak / 2**20:,.0f} MiB (sampled max {top / 2**20:,.0f}),"
        f" at the end {rss / 2**20:,.0f} MiB  [target <= 1024 MiB]"
    )
    tail = [f for f in frames if f[2] >= hour]
    if len(tail) >= 2:
        span = tail[-1][0] - tail[0][0]
        costs = sorted(f[1] for f in tail)
        print(
            f"tail ({len(tail)} frames over {span:.1f} s): {(len(tail) - 1) / span:.1f} frames/s"
            f"  [target >= 30]; frame cost median {statistics.median(costs) * 1000:.1f} ms,"
            f" p90 {costs[int(len(costs) * 0.9)] * 1000:.1f} ms (bringing the chart up to date"
            f" {statistics.median(f[3] for f in tail) * 1000:.1f} ms, painting it"
            f" {statistics.median(f[4] for f in tail) * 1000:.1f} ms, medians)"
        )
    hour_frames = [f for f in frames if f[2] < hour]
    if len(hour_frames) >= 2:
        span = hour_frames[-1][0] - hour_frames[0][0]
        print(f"while taking in the hour: {(len(hour_frames) - 1) / span:.1f} frames/s")
    for t, m in samples[:: max(1, len(samples) // 12)]:
        print(f"  {t - samples[0][0]:7.1f} s  {m / 2**20:8,.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3600.0)
    parser.add_argument("--tail", type=float, default=20.0)
    parser.add_argument("--history", type=float, default=300.0)
    parser.add_argument("--keep", type=Path, help="record to (or reuse) this stream file")
    parser.add_argument("--record", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--replay", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.record is not None:
        record(PROGRAM, args.seconds + args.tail, args.record)
        return
    if args.replay is not None:
        replay(args.replay, args.port, args.seconds)
        return
    with tempfile.TemporaryDirectory(prefix="asyncviz-hour-") as folder:
        stream = args.keep or Path(folder) / "service.stream"
        if not stream.exists():
            began = time.monotonic()
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--record",
                    str(stream),
                    "--seconds",
                    str(args.seconds),
                    "--tail",
                    str(args.tail),
                ],
                check=True,
            )
            print(
                f"recorded in {time.monotonic() - began:.0f} s:"
                f" {stream.stat().st_size / 2**20:,.0f} MiB of stream"
            )
        watch(stream, args.seconds, args.history)


if __name__ == "__main__":
    main()
