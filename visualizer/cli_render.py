"""``asyncviz render (TRACE | SCENARIO | PROGRAM.py) -o chart.png|chart.svg``: a chart as a
picture, with no window and no display (``app.render``), for docs, slides and CI.

A trace (any file ``model.files.load_any`` reads) is drawn as it is.  A scenario or a
program is recorded first, by ``asyncviz run ... --trace`` in a process of its own (its
folder's ``python -m visualizer``, ``session.process.bootstrap``): a user's code may
spin, crash or exit, may leave threads and signal handlers behind, and should never
share a process with the Qt that draws it; the child writes what was recorded whatever
happened (``asyncviz run`` does), so the picture of a failing program is still drawn,
and the exit code (2) and a line say it failed.  The clock is the virtual one unless
``--clock`` says otherwise: the picture is the same every time it is made.

The program's output goes to stderr: stdout says only what was written.  Qt is loaded
only once there is a trace to draw: a file that is not a trace, or a scenario not found,
costs none.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path, PurePath
from typing import Final

from visualizer.cli_gui import THEMES, window_size
from visualizer.model.display_text import shown
from visualizer.model.files import is_trace_file, load_any
from visualizer.model.lane_choice import LaneChoiceError, choose, keep_tasks, words_of
from visualizer.session.process import bootstrap, describe_exit, package_root
from visualizer.session.scenarios import ScenarioError, find
from visualizer.session.shared import clock_of
from visualizer.trace.data import Trace
from visualizer.trace.fileformat import TraceFormatError

#: the picture's kinds, by its extension (``app.render.KINDS``; here too: no Qt to know it)
SUFFIXES: Final = (".png", ".svg")

RENDER_DESCRIPTION: Final = (
    "Draw a chart as a picture, with its title, legend and time axis, and no window:"
    " no display is needed (Qt's offscreen platform). TRACE: a trace file or saved stream;"
    " SCENARIO: a scenario's id or file, or PROGRAM.py, a plain asyncio program: recorded"
    " first (in a process of its own, on the virtual clock unless --clock says), then"
    " drawn, even if it fails (the exit code is then 2). The program's arguments follow"
    " it, or come after --."
)
RENDER_EPILOG: Final = (
    "--lanes chooses task lanes: a task's name, a glob pattern over the names"
    " ('worker-*'), or a range of lanes counted from 0 at the top as the window lays them"
    " out ('0:50', ':10', and the last five: --lanes=-5:); commas between words, or the"
    " option again. The chart"
    " then holds those tasks alone: the executor threads' and resources' rows stay whole,"
    " the event loop's row shows the chosen tasks' steps, and arrows from tasks left out"
    " are not drawn."
)


def add_render_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "target",
        metavar="TRACE|SCENARIO|PROGRAM.py",
        help="a trace file or stream to draw, or a scenario or program to record and draw",
    )
    p.add_argument(
        "args",
        nargs=argparse.REMAINDER,
        help="options above, then the program's arguments; after -- everything is the program's",
    )
    _options(p, defaults=True)


def _options(p: argparse.ArgumentParser, *, defaults: bool) -> None:
    """The options, with defaults (the command's parser) or none (the parser that reads
    those given after the program, among its arguments)."""

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    p.add_argument(
        "-o",
        "--output",
        type=Path,
        default=default(None),
        metavar="CHART.png|CHART.svg",
        help="the picture to write: PNG or SVG, by its extension (required)",
    )
    p.add_argument(
        "--size",
        type=window_size,
        default=default(None),
        metavar="WxH",
        help="the picture's size in pixels (default: 1280 wide, as tall as the lanes need,"
        " up to a chart of 1400)",
    )
    p.add_argument(
        "--theme",
        choices=THEMES,
        default=default("light"),
        help="the window's themes (default: light)",
    )
    p.add_argument(
        "--from",
        dest="start",
        type=float,
        default=default(None),
        metavar="SECONDS",
        help="the chart's time from (default: the run's start)",
    )
    p.add_argument(
        "--to",
        dest="end",
        type=float,
        default=default(None),
        metavar="SECONDS",
        help="the chart's time to (default: the run's end)",
    )
    p.add_argument(
        "--lanes",
        action="append",
        default=default([]),
        metavar="NAMES|A:B",
        help="only these task lanes (names, glob patterns, ranges; see below)",
    )
    p.add_argument(
        "--clock",
        choices=("virtual", "real", "ideal"),
        default=default(None),
        help="the clock a scenario or program is recorded on (default: virtual, the same"
        " picture every time)",
    )
    p.add_argument(
        "--title",
        default=default(None),
        help="the picture's title (default: what ran and on which clock); '' for none"
        " (the chart alone, no legend either)",
    )
    p.add_argument(
        "--param",
        action="append",
        default=default([]),
        metavar="NAME=VALUE",
        help="a scenario parameter",
    )
    p.add_argument("--font-size", type=int, default=default(11), metavar="PT", help="(default: 11)")


def render(args: argparse.Namespace) -> int:
    """The exit code: 0 drawn; 2 not drawn (said why), or drawn but its run failed."""
    program_args = _split(args)
    problem = _check(args, program_args)
    if problem:
        print(f"asyncviz render: {problem}", file=sys.stderr)
        return 2
    target = Path(args.target)
    failed = ""
    if target.is_file() and is_trace_file(target):
        try:
            trace = load_any(target)
        except (TraceFormatError, OSError) as exc:
            print(f"asyncviz render: {exc}", file=sys.stderr)
            return 2
    else:
        recorded = _record(args, program_args)
        if isinstance(recorded, str):
            print(f"asyncviz render: {recorded}", file=sys.stderr)
            return 2
        trace, failed = recorded
    title: str | None = args.title
    if title is None:
        title = default_title(trace)
    if args.lanes:
        try:
            chosen = choose(trace, words_of(args.lanes))
        except LaneChoiceError as exc:
            print(f"asyncviz render: {exc}", file=sys.stderr)
            return 2
        if args.title is None:
            title += f", {int(chosen.sum()):,} of {len(chosen):,} tasks"
        trace = keep_tasks(trace, chosen)
    code = _draw(args, trace, title or None)
    if failed:
        print(f"asyncviz render: {args.target} failed: {failed}", file=sys.stderr)
        return 2
    return code


def default_title(trace: Trace) -> str:
    """What ran and on which clock, as the window's export says it, but a program by its
    file's name (a picture goes on slides and pages: not the folders of the disk it was
    made on), and with no date (a virtual-clock run's picture is the same each time)."""
    source = str(trace.meta.get("source", ""))
    if source.endswith(".py"):
        source = PurePath(source).name
    name = shown(source) or "asyncio program"
    return f"{name}, {clock_of(trace)} clock"


def _split(args: argparse.Namespace) -> list[str]:
    """Our options among the words after the target (read into ``args``); the rest, and
    everything after ``--`` (``args.program_args``), are the program's."""
    ours = argparse.ArgumentParser(
        prog="asyncviz render TARGET", allow_abbrev=False, add_help=False
    )
    _options(ours, defaults=False)
    _, theirs = ours.parse_known_args(list(args.args), namespace=args)
    return [*theirs, *getattr(args, "program_args", [])]


def _check(args: argparse.Namespace, program_args: list[str]) -> str:
    """What is wrong with the options, in a sentence ("" if nothing)."""
    out: Path | None = args.output
    if out is None:
        return "-o CHART.png or -o CHART.svg: where to write the picture is missing"
    if out.suffix.lower() not in SUFFIXES:
        return f"-o {out}: a picture is .png or .svg (told by its extension)"
    if args.start is not None and args.end is not None and not args.start < args.end:
        return f"--from {args.start:g} --to {args.end:g}: the start must come before the end"
    if args.font_size < 1:
        return f"--font-size {args.font_size}: a size in points, 1 or more"
    target = Path(args.target)
    if not target.exists() and target.suffix.lower() in (
        ".json",
        ".gz",
        ".asyncviz",
        ".avzs",
        ".py",
    ):
        return f"{target}: no such file"
    if target.is_file() and is_trace_file(target):
        given = [
            *([f"--clock {args.clock}"] if args.clock else []),
            *(f"--param {p}" for p in args.param),
            *program_args,
        ]
        if given:
            return f"{target} is a saved trace, recorded already: {' '.join(given)} is for a run"
    return ""


def _record(args: argparse.Namespace, program_args: list[str]) -> tuple[Trace, str] | str:
    """The target's run, recorded by ``asyncviz run`` in a process of its own: (its
    trace, "" or how it failed); or why there is nothing to draw."""
    try:
        scenario = find(args.target, args.scenarios)
    except ScenarioError as exc:
        return str(exc)
    with tempfile.TemporaryDirectory(prefix="asyncviz-render-") as folder:
        out = Path(folder) / "run.json"
        command = [
            sys.executable,
            "-c",
            bootstrap(package_root(), "visualizer.cli"),
            "run",
            args.target,
            "--trace",
            str(out),
            "--clock",
            args.clock or "virtual",
            *(f"--scenarios={folder}" for folder in args.scenarios),
            *(f"--param={p}" for p in args.param),
            "--",
            *program_args,
        ]
        # (the program's output to stderr: stdout says what was written)
        done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=sys.stderr, check=False)
        if not out.is_file():
            return f"{scenario.id}: nothing was recorded ({describe_exit(done.returncode)})"
        try:
            trace = load_any(out)
        except TraceFormatError as exc:
            return f"{scenario.id}: its recording could not be read: {exc}"
    return trace, "" if done.returncode == 0 else describe_exit(done.returncode)


def _draw(args: argparse.Namespace, trace: Trace, title: str | None) -> int:
    """Draw ``trace`` as ``args`` say, under ``title`` (None: the chart alone)."""
    from visualizer.app.render import offscreen_app, render_chart

    theme = "presenter" if args.theme == "high-contrast" else args.theme
    start = 0.0 if args.start is None else args.start
    end = trace.duration if args.end is None else args.end
    whole = args.start is None and args.end is None
    if not whole and not start < end:
        print(f"asyncviz render: --from {start:g} --to {end:g}: nothing between", file=sys.stderr)
        return 2
    app = offscreen_app(theme)
    try:
        picture = render_chart(
            trace,
            args.output,
            size=args.size,
            theme=theme,
            title=title,
            time_range=None if whole else (start, end),
            font_size=args.font_size,
        )
    except (OSError, ValueError) as exc:
        print(f"asyncviz render: cannot write {args.output}: {exc}", file=sys.stderr)
        return 2
    finally:
        del app  # (kept until here: a QApplication dropped at once is gone)
    print(
        f"{picture.path}: {picture.width}x{picture.height}, {len(trace.tasks):,} task lanes"
        f" and {picture.rows - len(trace.tasks)} rows under them"
    )
    return 0
