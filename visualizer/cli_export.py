"""``asyncviz export TRACE --format FORMAT -o FILE``: a saved trace (or stream) written
for another tool: Perfetto's UI and ``chrome://tracing`` (``--format perfetto``), and
whatever else ``model.exports.FORMATS`` lists (the choices come from there, so a format
added to that table is offered here and in the window's File > Export trace...).

No Qt: exporting runs where the traces are (a build server, a course's site build).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Final

from visualizer.model.exports import FORMATS
from visualizer.model.files import load_any
from visualizer.trace.fileformat import TraceFormatError

EXPORT_DESCRIPTION: Final = (
    "Write a saved trace (or stream) in another tool's format: --format perfetto writes"
    " the Trace Event Format JSON that Perfetto's UI (https://ui.perfetto.dev) and"
    " chrome://tracing open: a track per task, slices for running, ready and suspended,"
    " arrows for who woke or created whom, the loop's busy row, the executor's jobs on"
    " their threads, marks as instants and resource levels as counters."
)


def add_export_options(p: argparse.ArgumentParser) -> None:
    p.description = EXPORT_DESCRIPTION
    p.add_argument("trace", type=Path, metavar="TRACE", help="a trace file or stream")
    p.add_argument(
        "--format",
        choices=sorted(FORMATS),
        required=True,
        help="what to write: "
        + "; ".join(f"{f.name}: {f.title} ({f.suffix})" for f in FORMATS.values()),
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="FILE",
        help="the file to write (replaced whole, or left as it was if writing fails;"
        " gzipped if it ends in .gz)",
    )


def export(args: argparse.Namespace) -> int:
    """0 written; 2 nothing written (the trace could not be read, or the file written:
    said, with why)."""
    chosen = FORMATS[args.format]
    try:
        trace = load_any(args.trace)
    except (TraceFormatError, OSError) as exc:
        print(f"asyncviz: {exc}", file=sys.stderr)
        return 2
    try:
        events = chosen.write(trace, args.output)
    except (OSError, ValueError) as exc:
        print(f"asyncviz: cannot write {args.output}: {exc}", file=sys.stderr)
        return 2
    print(
        f"{args.output}: {chosen.title}, {events:,} {chosen.counts} ({len(trace.tasks):,}"
        f" tasks, {len(trace.spans):,} spans); open it in {chosen.opens_in}"
    )
    return 0
