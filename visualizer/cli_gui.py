"""``asyncviz gui``: its options, what they mean together, and the window's start.

The automation flags (``--screenshot``, ``--pause-at``, ``--exit-when-done``,
``--stop-after``, ``--save-trace``, ``--cursor-at``) are about a run: with a scenario
or a program named they start it (``--autorun`` is implied: a screenshot of a run
that never started is an empty chart, which nobody asks for); with nothing to run
they are an error that says so, never a window that quits having done nothing.
``--pause-at`` is a lecture's, so it makes the clock a lecture's unless another one
was asked for (then it is an error).  Every flag is for this session only: the
window remembers what the user changed in it, not what a flag set
(``app.settings.save_window``).

Qt is loaded only when the window opens: the other commands run where Qt cannot.  And
what reads files (numpy's) only when the window is asked for: ``asyncviz gui --help``,
and ``render``'s and ``share``'s use of the options here, start quickly.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Final

from visualizer.session.scenarios import ScenarioError, bind_params, find

#: the themes a flag can choose: the View menu's (``app.main.THEME_FLAGS`` maps each
#: to the window's palette)
THEMES: Final = ("light", "dark", "high-contrast")

#: the flags that are about a run (and imply ``--autorun`` when one is named)
RUN_FLAGS: Final = {
    "screenshot": "--screenshot",
    "pause_at": "--pause-at",
    "exit_when_done": "--exit-when-done",
    "stop_after": "--stop-after",
    "save_trace": "--save-trace",
    "cursor_at": "--cursor-at",
    "insight": "--insight",
}
#: those a window that listens (``--listen``) can do for the first program that attaches
#: (with ``--exit-when-done``: that program's run is the one)
LISTEN_FLAGS: Final = ("screenshot", "exit_when_done", "save_trace", "cursor_at", "insight")

GUI_DESCRIPTION: Final = (
    "Open the window. With a scenario or a program named, --screenshot, --pause-at,"
    " --exit-when-done, --stop-after, --save-trace, --cursor-at and --insight run it at once"
    " (--autorun is implied; --pause-at also implies --lecture); with none named they"
    " are an error (with --listen: the first program that attaches is the run)."
    " A saved trace or stream (TRACE: .json, .json.gz, .avz, .avzs, or told by its first bytes)"
    " or a shared scenario (.asyncviz.zip) is opened as File > Open does, never run."
    " Flags are for this run only: the window remembers what you change in it, never"
    " what a flag set."
)


def window_size(text: str) -> tuple[int, int]:
    """``--size WxH``: two positive whole numbers of pixels."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if match is None or int(match[1]) < 1 or int(match[2]) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected WIDTHxHEIGHT, as 1600x900")
    return int(match[1]), int(match[2])


def add_gui_options(p_gui: argparse.ArgumentParser) -> None:
    p_gui.add_argument(
        "scenario",
        nargs="?",
        help="a scenario id or a .py path to select (and --autorun); or a shared scenario"
        " (.asyncviz.zip, `asyncviz share`) to open",
    )
    p_gui.add_argument("--autorun", action="store_true", help="run the scenario at once")
    p_gui.add_argument(
        "--clock",
        choices=("real", "virtual", "ideal", "lecture"),
        help="real: live on the window's loop; virtual: recorded off it, then shown;"
        " ideal: as virtual, steps taking no time;"
        " lecture: live at a speed you set, pausable (default: as last time, real at first)",
    )
    p_gui.add_argument(
        "--lecture", action="store_true", help="lecture mode: the same as --clock lecture"
    )
    p_gui.add_argument(
        "--speed",
        type=float,
        metavar="X",
        help="a lecture's speed: the scenario's seconds per second on screen (0.05 to 20)",
    )
    p_gui.add_argument(
        "--pause-at",
        type=float,
        metavar="SECONDS",
        help="a lecture pauses when the scenario's time reaches this (implies --autorun"
        " and, with no --clock, --lecture)",
    )
    p_gui.add_argument(
        "--cursor-at",
        type=float,
        metavar="SECONDS",
        help="after the run, show the time cursor at this time (every task's state then;"
        " implies --autorun)",
    )
    p_gui.add_argument(
        "--insight",
        type=int,
        metavar="N",
        help="after the run, choose its Nth insight in the Insights pane (1: the first):"
        " the chart at its moment, its explanation shown (implies --autorun)",
    )
    p_gui.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="a scenario parameter"
    )
    p_gui.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="run the scenario (with --param's values) and again with this parameter"
        " changed (repeatable), both on the virtual clock, and compare the two runs",
    )
    p_gui.add_argument(
        "--save-trace",
        type=Path,
        metavar="PATH",
        help="save the trace when the run is done (implies --autorun)",
    )
    p_gui.add_argument(
        "--screenshot",
        type=Path,
        metavar="PATH",
        help="save the window as PNG when the run is done (implies --autorun), --size"
        " big (1600x900 unless given; the screen's in presenter mode)",
    )
    p_gui.add_argument(
        "--exit-when-done", action="store_true", help="quit after the run (implies --autorun)"
    )
    p_gui.add_argument(
        "--own-process",
        action="store_true",
        help="run the scenario in a process of its own, streamed to the window (a plain"
        " program always runs so; its arguments go after --)",
    )
    p_gui.add_argument(
        "--listen",
        nargs="?",
        const="127.0.0.1:7319",
        metavar="HOST:PORT",
        help="listen for programs started elsewhere (python -m visualizer.attach PROGRAM.py)"
        " and show each live as it attaches (default 127.0.0.1:7319; another host than this"
        " machine's needs the token printed, in ASYNCVIZ_TOKEN)",
    )
    p_gui.add_argument(
        "--stop-after",
        type=float,
        metavar="SECONDS",
        help="press Stop this long after the run began (implies --autorun: to script the"
        " stop, hang and crash cases and judge them by --save-trace and the exit code)",
    )
    p_gui.add_argument(
        "--history",
        type=float,
        metavar="SECONDS",
        help="how much of a long run (a service) the window keeps for drawing; what falls"
        " out is summarised, and the chart says so (0: everything; default: as last time,"
        " five minutes the first time)",
    )
    p_gui.add_argument(
        "--theme", choices=THEMES, help="the View menu's themes (default: as last time)"
    )
    p_gui.add_argument("--font-size", type=int, metavar="PT", help="(default: as last time)")
    p_gui.add_argument(
        "--presenter",
        action="store_true",
        help="presenter mode: full screen, type of 20 pt or more, high contrast, and the keys"
        " Space pause, Right step, R rerun, + - speed, 0 fit all, F full screen, Esc leave",
    )
    p_gui.add_argument(
        "--size",
        type=window_size,
        metavar="WxH",
        help="the window's size, exactly, even on a smaller screen (default: as last time;"
        " with --screenshot, 1600x900)",
    )


def check_flags(args: argparse.Namespace) -> str:
    """Make the flags agree (``args`` changed in place): ``--autorun`` and the lecture
    clock implied where a flag needs them.  "" if they make sense together, else what
    is wrong, in one sentence for the user."""
    given = [flag for name, flag in RUN_FLAGS.items() if getattr(args, name) not in (None, False)]
    if args.lecture and args.clock not in (None, "lecture"):
        return f"--lecture and --clock {args.clock}: choose one clock"
    if args.pause_at is not None:
        if args.compare:
            return "--pause-at: a comparison is recorded on the virtual clock, it never pauses"
        if args.clock not in (None, "lecture"):
            return (
                f"--pause-at: only a lecture pauses, not a run on the {args.clock} clock"
                " (--lecture)"
            )
        args.lecture = True
    if args.scenario:
        if given and not args.compare:
            args.autorun = True
        return ""
    if not given:
        return ""
    if args.listen is None:
        return (
            f"{' and '.join(given)}: nothing to run; name a scenario or a program"
            f" (asyncviz gui SCENARIO {given[0]} ...), or --listen for one to attach"
        )
    cannot = [RUN_FLAGS[name] for name in RUN_FLAGS if name not in LISTEN_FLAGS]
    wrong = [flag for flag in given if flag in cannot]
    if wrong:
        return f"{' and '.join(wrong)}: needs a scenario or a program named, not --listen"
    if not args.exit_when_done:
        return (
            f"--listen with {' and '.join(given)}: add --exit-when-done (the run of the first"
            " program that attaches is the one)"
        )
    return ""


def pairs(items: list[str]) -> dict[str, str]:
    """``--param NAME=VALUE`` options as a dict (values still text)."""
    raw: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ScenarioError(f"--param {item!r}: expected NAME=VALUE")
        raw[name.strip()] = value
    return raw


def gui(args: argparse.Namespace) -> int:
    """``asyncviz gui``: the exit code (2: flags that do not go together, or no display)."""
    problem = check_flags(args)
    if problem:
        print(f"asyncviz gui: {problem}", file=sys.stderr)
        return 2
    # Qt is loaded only here: the other commands run where Qt cannot
    from visualizer.app.main import GuiOptions, has_display, run_gui
    from visualizer.model.files import is_trace_file
    from visualizer.session.shared import looks_shared

    if not has_display():
        print(
            "asyncviz: no display to open the window on (DISPLAY is not set). Run it on a\n"
            "desktop, or under a virtual one: `xvfb-run -a asyncviz gui ...`, or offscreen\n"
            "with QT_QPA_PLATFORM=offscreen and --screenshot PATH --exit-when-done.\n"
            "Without a window: `asyncviz list`, `asyncviz run SCENARIO --summary`.",
            file=sys.stderr,
        )
        return 2
    opened = None
    given = Path(args.scenario) if args.scenario else None
    # a shared scenario or a saved trace: opened, never run
    if given is not None and given.is_file() and (looks_shared(given) or is_trace_file(given)):
        opened, args.scenario = given, None
        if args.param or args.compare:
            what = "a shared scenario" if looks_shared(given) else "a saved trace"
            raise ScenarioError(
                f"{opened}: {what} opens, it never runs here: no --param, no --compare"
            )
    params: dict[str, object] = {}
    if args.scenario and args.param:
        params = bind_params(find(args.scenario, args.scenarios), pairs(args.param))
    compare: dict[str, object] | None = None
    if args.compare:
        if not args.scenario:
            raise ScenarioError("--compare: name the scenario to run twice")
        scenario = find(args.scenario, args.scenarios)
        # every parameter, in both runs: the comparison names the ones that differ
        params = bind_params(scenario, pairs(args.param))
        compare = bind_params(scenario, {**pairs(args.param), **pairs(args.compare)})
    options = GuiOptions(
        scenario=args.scenario,
        autorun=args.autorun,
        clock="lecture" if args.lecture else args.clock,
        speed=args.speed,
        pause_at=args.pause_at,
        cursor_at=args.cursor_at,
        insight=args.insight,
        params=params,
        compare=compare,
        save_trace=args.save_trace,
        screenshot=args.screenshot,
        exit_when_done=args.exit_when_done,
        theme=args.theme,
        presenter=args.presenter,
        font_size=args.font_size,
        size=args.size,
        extra_dirs=tuple(args.scenarios),
        own_process=args.own_process,
        program_args=tuple(args.program_args),
        stop_after=args.stop_after,
        listen=args.listen,
        history=args.history,
        open=opened,
    )
    return run_gui(options)
