"""``python -m visualizer.attach [--to HOST:PORT] PROGRAM.py [ARGS...]``: run a program
here, traced, and send its trace to a window that listens (``asyncviz gui --listen``,
or File > Listen for programs...).

The program runs exactly as ``python PROGRAM.py ARGS...`` would (once, as ``__main__``,
with its own ``sys.argv``, its stdout and stderr untouched, its exit code), whether or
not a window is listening: the trace goes out from a thread of its own, which connects
when a window is there, and again when another one opens after the first closed (each
window gets the whole run from its start).  The program never waits for a window,
except at its very end: at most a second to reach one that is not connected yet, and
a few seconds for a slow one to take the last rows (``streaming.LINGER``).

The window's address defaults to this machine (``127.0.0.1:7319``); a window that
listens on another interface asks for a token, which goes in the environment variable
``ASYNCVIZ_TOKEN`` (never on the command line, where ``ps`` shows it to every user).

From inside a program, the same in one line: ``visualizer.stream()`` (see
``visualizer.session.child.stream``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from visualizer.session.child import USAGE_EXIT, ctrl_c_works, run_program
from visualizer.session.interrupts import Interrupts
from visualizer.session.streaming import (
    DEFAULT_ADDRESS,
    TOKEN_ENV,
    ReconnectingConnection,
    parse_address,
    take_token,
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m visualizer.attach",
        description="Run an asyncio program, traced, and send its trace to a listening window.",
        epilog=f"A token, if the window asks for one, goes in the environment: {TOKEN_ENV}.",
    )
    p.add_argument(
        "--to",
        default=DEFAULT_ADDRESS,
        metavar="HOST:PORT",
        help=f"where the window listens (default {DEFAULT_ADDRESS})",
    )
    p.add_argument("--clock", choices=("real", "virtual", "ideal"), default="real")
    p.add_argument(
        "--slow", type=float, default=0.1, help="a step at least this long held the loop (s)"
    )
    p.add_argument("program", type=Path, help="the program (a .py file)")
    p.add_argument("args", nargs=argparse.REMAINDER, help="its arguments")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the program; its exit code (2: no such file, 3: this launcher was called
    wrongly)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        host, port = parse_address(args.to)
    except ValueError as exc:
        print(f"asyncviz: --to: {exc}", file=sys.stderr)
        return USAGE_EXIT
    if not args.program.is_file():  # (as ``python PROGRAM.py`` says it, and its exit code)
        print(f"asyncviz: can't open file {str(args.program)!r}: no such file", file=sys.stderr)
        return 2
    connection = ReconnectingConnection(host, port, take_token())
    ctrl_c_works()  # (the window's Stop asks as Ctrl-C does)
    with Interrupts() as interrupts:  # (Ctrl-C, SIGTERM: the run ends, the window is told)
        code = run_program(
            args.program,
            args.args,
            connection,
            clock=args.clock,
            slow=args.slow,
            interrupts=interrupts,
        )
        return interrupts.leave(code)


if __name__ == "__main__":
    sys.exit(main())
