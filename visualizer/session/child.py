"""The traced program's process: run one program (or scenario) and stream it to a window.

``python -m visualizer.session.child --connect fd:N program PATH [ARGS...]`` runs
``PATH`` exactly as ``python PATH ARGS...`` would (as ``__main__``, with its own
``sys.argv``), with the tracer installed on every loop it makes, and streams the
recording over the connection as it grows (``streaming.Streamer``).  Its stdout and
stderr are the program's, untouched: the window reads them from the process's pipes.

Why a process of its own: a program may spin, block in C, call ``os._exit``, crash
the interpreter or be killed; none of it can reach the window, which keeps every
row it was sent.  And ``asyncio.run`` cannot run inside the window's own loop.

The exit code is the program's (1 for an uncaught exception, 130 for Ctrl-C, its
``sys.exit`` code); 3 means this launcher was called wrongly.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from visualizer.session.runner import Recorder, RunResult, record_script, run_scenario
from visualizer.session.scenarios import ScenarioError, find
from visualizer.session.streaming import Streamer, socket_sink

#: this launcher was called wrongly (the program never ran)
USAGE_EXIT: Final = 3
#: the environment variable that carries an attach token (never on the command line,
#: where ``ps`` shows it to every user)
TOKEN_ENV: Final = "ASYNCVIZ_TOKEN"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m visualizer.session.child")
    p.add_argument("--connect", required=True, help="fd:N (an inherited socket) or HOST:PORT")
    p.add_argument("--clock", choices=("real", "virtual"), default="real")
    p.add_argument("--slow", type=float, default=0.1)
    p.add_argument("kind", choices=("program", "scenario"))
    p.add_argument("path", type=Path)
    p.add_argument("args", nargs=argparse.REMAINDER)
    return p


def connect(where: str) -> socket.socket:
    """The connection to the window: an inherited socket (``fd:N``) or ``HOST:PORT``."""
    if where.startswith("fd:"):
        return socket.socket(fileno=int(where[3:]))
    host, _, port = where.rpartition(":")
    sock = socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=10)
    token = os.environ.pop(TOKEN_ENV, "")  # (the program must not see it)
    sock.sendall(token.encode() + b"\n")
    return sock


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        sock = connect(args.connect)
    except (OSError, ValueError) as exc:
        print(f"asyncviz: cannot reach the window ({args.connect}): {exc}", file=sys.stderr)
        return USAGE_EXIT
    streamers: list[Streamer] = []

    def started(recorder: Recorder) -> None:
        streamer = Streamer(
            recorder.store,
            recorder.tracer,
            socket_sink(sock),
            clock=recorder.clock.time,
            argv=[str(args.path), *args.args],
        )
        streamer.start()
        streamers.append(streamer)

    result: RunResult
    if args.kind == "program":
        result = record_script(
            args.path,
            args.args,
            clock=args.clock,
            slow_callback_duration=args.slow,
            on_exception=traceback.print_exception,
            started=started,
        )
    else:
        try:
            scenario = find(args.path)
            params = json.loads(args.args[0]) if args.args else {}
        except (ScenarioError, ValueError) as exc:
            print(f"asyncviz: {exc}", file=sys.stderr)
            return USAGE_EXIT
        result = run_scenario(
            scenario, params, clock=args.clock, slow_callback_duration=args.slow, started=started
        )
        if result.error is not None and result.error.traceback:
            sys.stderr.write(result.error.traceback)
    error = result.error
    for streamer in streamers:
        streamer.close(
            exit_code=result.exit_code,
            error_kind=error.kind if error else None,
            message=error.message if error else None,
            traceback=error.traceback if error else "",
            tracer_failure=result.tracer_failure,
        )
    sock.close()
    sys.stdout.flush()
    sys.stderr.flush()
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
