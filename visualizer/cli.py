"""The ``asyncviz`` command line: list scenarios, run one, or record any asyncio script.

Every failure is one clear message on stderr and a non-zero exit code, and a
trace requested with ``--trace`` is written whatever happened to the program:
what was recorded before a crash is exactly what someone needs to look at.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from visualizer.model.summary import format_summary
from visualizer.session.interrupts import GRACE, Interrupts, end_process
from visualizer.session.runner import RunResult, record_script, run_scenario
from visualizer.session.scenarios import (
    SECTION_TITLES,
    ScenarioError,
    bind_params,
    discover,
    find,
)
from visualizer.trace.fileformat import save


def _trace_options(p: argparse.ArgumentParser, default_clock: str | None) -> None:
    """The options of ``run`` and ``record``.  ``default_clock=None``: no defaults (the
    parser that reads the options given after ``record``'s script)."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if default_clock is None else value

    p.add_argument(
        "--clock",
        choices=("virtual", "real", "ideal"),
        default=default(default_clock),
        help="virtual skips idle waits; real is wall time; ideal skips idle waits and steps"
        f" take no time (time.sleep counts): the same every run (default: {default_clock})",
    )
    p.add_argument(
        "--trace", type=Path, default=default(None), metavar="OUT.json", help="write the trace file"
    )
    p.add_argument(
        "--summary", action="store_true", default=default(False), help="print a per-task table"
    )
    p.add_argument(
        "--slow",
        type=float,
        default=default(0.1),
        metavar="SECONDS",
        help="report steps/callbacks that hold the loop this long (default 0.1)",
    )
    p.add_argument(
        "--grace",
        type=float,
        default=default(GRACE),
        metavar="SECONDS",
        help=f"after Ctrl-C, stop the program at once if it runs this long (default {GRACE:g})",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="asyncviz",
        description="See asyncio: trace what every task does, and when, and why.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def scenario_dirs(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--scenarios",
            action="append",
            type=Path,
            default=[],
            metavar="DIR",
            help="an extra folder of scenarios (repeatable; also $ASYNCVIZ_SCENARIOS)",
        )

    p_list = sub.add_parser("list", help="list the scenarios")
    p_list.add_argument("--json", action="store_true", help="machine-readable output")
    scenario_dirs(p_list)

    p_run = sub.add_parser(
        "run",
        help="run a scenario, or a plain asyncio program, traced",
        usage="%(prog)s [OPTIONS] SCENARIO [-- ARGS...]",
        epilog="A plain program (one `asyncviz list` marks as a program) runs once, whole, as"
        " `python FILE ARGS...` would run it: its arguments go after --, as in"
        " `asyncviz run prog.py --summary -- -n 3`.",
    )
    p_run.add_argument(
        "scenario", help="a scenario id (see `asyncviz list`) or a .py path (any asyncio program)"
    )
    p_run.set_defaults(program_args=[])  # (what follows `--`: main() takes it off first)
    p_run.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a scenario parameter (repeatable; a plain program has none)",
    )
    _trace_options(p_run, "virtual")
    scenario_dirs(p_run)

    p_rec = sub.add_parser("record", help="run any asyncio script, traced")
    p_rec.add_argument("script", type=Path, help="the script, run as `python SCRIPT ARGS...`")
    p_rec.add_argument(
        "args",
        nargs=argparse.REMAINDER,
        help="options above, then the script's arguments; after -- everything is the script's",
    )
    _trace_options(p_rec, "real")

    p_gui = sub.add_parser(
        "gui",
        help="open the window (the default with no command)",
        usage="%(prog)s [OPTIONS] [SCENARIO | PROGRAM.py [-- ARGS...]]",
    )
    p_gui.add_argument(
        "scenario", nargs="?", help="a scenario id or a .py path to select (and --autorun)"
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
        help="a lecture pauses when the scenario's time reaches this",
    )
    p_gui.add_argument(
        "--cursor-at",
        type=float,
        metavar="SECONDS",
        help="after the run, show the time cursor at this time (every task's state then)",
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
    p_gui.add_argument("--save-trace", type=Path, metavar="PATH", help="save the trace when done")
    p_gui.add_argument(
        "--screenshot", type=Path, metavar="PATH", help="save the window as PNG when done"
    )
    p_gui.add_argument("--exit-when-done", action="store_true", help="quit after the run")
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
        help="press Stop this long after the run began (with --autorun: to script the stop,"
        " hang and crash cases and judge them by --save-trace and the exit code)",
    )
    p_gui.add_argument(
        "--history",
        type=float,
        metavar="SECONDS",
        help="how much of a long run (a service) the window keeps for drawing; what falls"
        " out is summarised, and the chart says so (0: everything; default: as last time,"
        " five minutes the first time)",
    )
    p_gui.add_argument("--theme", choices=("light", "dark"), help="(default: as last time)")
    p_gui.add_argument("--font-size", type=int, metavar="PT", help="(default: as last time)")
    p_gui.add_argument(
        "--presenter",
        action="store_true",
        help="presenter mode: full screen, type of 20 pt or more, high contrast, and the keys"
        " Space pause, Right step, R rerun, + - speed, 0 fit all, F full screen, Esc leave",
    )
    p_gui.add_argument("--size", metavar="WxH", help="window size (default: as last time)")
    scenario_dirs(p_gui)
    return parser


#: the exit code of a run that traced nothing (the program's own failure comes first)
NOTHING_TRACED: Final = 2

#: stands in for ``record``'s first ``--`` while argparse reads the line: argparse drops a
#: ``--`` that directly follows a positional, and then ``record app.py -- --trace x``
#: could not be told from ``record app.py --trace x``
_SCRIPT_ARGS_MARK: Final = "\0--"  # not "-...": argparse would read that as an option


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    program_args: list[str] = []
    if words[:1] == ["record"] and "--" in words:
        words[words.index("--")] = _SCRIPT_ARGS_MARK
    elif words[:1] in (["run"], ["gui"]) and "--" in words:
        # `run FILE [OPTIONS] -- ARGS...`: everything after -- is the program's
        cut = words.index("--")
        words, program_args = words[:cut], words[cut + 1 :]
    args = _parser().parse_args(words)
    if args.command in ("run", "gui"):
        args.program_args = program_args
    if args.command == "record" and str(args.script) == _SCRIPT_ARGS_MARK:
        # `record [OPTIONS] -- SCRIPT ARGS...`: the script is the first word after --
        if not args.args:
            _parser().error("record: the script to run is missing")
        args.script, args.args = Path(args.args[0]), [_SCRIPT_ARGS_MARK, *args.args[1:]]
    if args.command is None:
        args = _parser().parse_args(["gui"])
    try:
        if args.command == "gui":
            return _gui(args)
        if args.command == "list":
            return _list(args)
        if args.command == "run":
            return _run(args)
        return _record(args)
    except ScenarioError as exc:
        print(f"asyncviz: {exc}", file=sys.stderr)
        return 2


def _gui(args: argparse.Namespace) -> int:
    # Qt is loaded only here: the other commands run where Qt cannot
    from visualizer.app.main import GuiOptions, has_display, run_gui

    if not has_display():
        print(
            "asyncviz: no display to open the window on (DISPLAY is not set). Run it on a\n"
            "desktop, or under a virtual one: `xvfb-run -a asyncviz gui ...`, or offscreen\n"
            "with QT_QPA_PLATFORM=offscreen and --screenshot PATH --exit-when-done.\n"
            "Without a window: `asyncviz list`, `asyncviz run SCENARIO --summary`.",
            file=sys.stderr,
        )
        return 2
    params: dict[str, object] = {}
    if args.scenario and args.param:
        params = bind_params(find(args.scenario, args.scenarios), _pairs(args.param))
    compare: dict[str, object] | None = None
    if args.compare:
        if not args.scenario:
            raise ScenarioError("--compare: name the scenario to run twice")
        scenario = find(args.scenario, args.scenarios)
        # every parameter, in both runs: the comparison names the ones that differ
        params = bind_params(scenario, _pairs(args.param))
        compare = bind_params(scenario, {**_pairs(args.param), **_pairs(args.compare)})
    width, _, height = (args.size or "1600x900").partition("x")
    options = GuiOptions(
        scenario=args.scenario,
        autorun=args.autorun,
        clock="lecture" if args.lecture else args.clock,
        speed=args.speed,
        pause_at=args.pause_at,
        cursor_at=args.cursor_at,
        params=params,
        compare=compare,
        save_trace=args.save_trace,
        screenshot=args.screenshot,
        exit_when_done=args.exit_when_done,
        theme=args.theme,
        presenter=args.presenter,
        font_size=args.font_size,
        size=(int(width), int(height)),
        size_given=args.size is not None,
        extra_dirs=tuple(args.scenarios),
        own_process=args.own_process,
        program_args=tuple(args.program_args),
        stop_after=args.stop_after,
        listen=args.listen,
        history=args.history,
    )
    return run_gui(options)


def _list(args: argparse.Namespace) -> int:
    scenarios, errors = discover(args.scenarios)
    if args.json:
        print(json.dumps([s.to_json() for s in scenarios], indent=2))
    else:
        # in sections, from the basics on (the window's browser shows the same)
        # (the plain programs last, in a section of their own)
        width = max((len(s.id) for s in scenarios), default=0)
        for section in SECTION_TITLES:
            members = [s for s in scenarios if s.section == section]
            if members:
                print(f"{section}:")
            for s in members:
                tags = f"  [{', '.join(s.tags)}]" if s.tags else ""
                kind = f"  (program: runs as python {s.path.name})" if s.kind == "program" else ""
                print(f"  {s.id.ljust(width)}  {s.title}{tags}{kind}")
    for error in errors:
        print(f"asyncviz: skipped: {error}", file=sys.stderr)
    return 0


def _pairs(items: list[str]) -> dict[str, str]:
    """``--param NAME=VALUE`` options as a dict (values still text)."""
    raw: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ScenarioError(f"--param {item!r}: expected NAME=VALUE")
        raw[name.strip()] = value
    return raw


def _run(args: argparse.Namespace) -> int:
    scenario = find(args.scenario, args.scenarios)
    program_args: list[str] = args.program_args
    if scenario.kind == "program":
        # a plain program: once, whole, as `python FILE ARGS...` (its own sys.argv)
        if args.param:
            raise ScenarioError(
                f"{scenario.path}: {scenario.id!r} is a plain program, not a scenario: it has"
                f" no parameters for --param; give it arguments after --"
                f" (asyncviz run {args.scenario} -- ARGS...)",
                scenario.path,
            )
        typed = Path(args.scenario).expanduser()
        script = typed if typed.is_file() and typed.resolve() == scenario.path else scenario.path
        return _record_program(args, script, program_args)
    if program_args:
        raise ScenarioError(
            f"scenario {scenario.id!r} takes no arguments after --: set its parameters with"
            " --param NAME=VALUE",
            scenario.path,
        )
    params = bind_params(scenario, _pairs(args.param))
    return _traced(
        args,
        lambda interrupts: run_scenario(
            scenario,
            params,
            clock=args.clock,
            slow_callback_duration=args.slow,
            interrupts=interrupts,
        ),
        print_traceback=True,
    )


def _record(args: argparse.Namespace) -> int:
    script: Path = args.script
    if not script.is_file():
        print(f"asyncviz: {script}: no such file", file=sys.stderr)
        return 2
    return _record_program(args, script, _script_args(args))


def _record_program(args: argparse.Namespace, script: Path, script_args: list[str]) -> int:
    """``python SCRIPT ARGS...``, once, traced in this process (``run`` and ``record``)."""
    return _traced(
        args,
        lambda interrupts: record_script(
            script,
            script_args,
            clock=args.clock,
            slow_callback_duration=args.slow,
            on_exception=lambda exc: traceback.print_exception(exc),
            interrupts=interrupts,
        ),
    )


def _traced(
    args: argparse.Namespace,
    run: Callable[[Interrupts], RunResult],
    *,
    print_traceback: bool = False,
) -> int:
    """``run`` the program, with Ctrl-C and SIGTERM answered (``session.interrupts``)
    until its trace is written: the exit code.  ``print_traceback``: the error's, if any
    (a script's is printed as it happens, as Python would)."""
    with Interrupts(args.grace) as interrupts:
        result = run(interrupts)
        if print_traceback and result.error is not None and result.error.traceback:
            sys.stderr.write(result.error.traceback)
        return _finish(args, result, interrupts)


def _script_args(args: argparse.Namespace) -> list[str]:
    """``record SCRIPT [OPTIONS] [ARGS...] [-- ARGS...]``: after the script, asyncviz's own
    options are still read (``record app.py --trace out.json``); every other word is
    the script's, in order, and everything after ``--`` is the script's untouched."""
    rest = list(args.args)
    after: list[str] = []
    if _SCRIPT_ARGS_MARK in rest:
        cut = rest.index(_SCRIPT_ARGS_MARK)
        rest, after = rest[:cut], rest[cut + 1 :]
    ours = argparse.ArgumentParser(
        prog="asyncviz record SCRIPT",
        allow_abbrev=False,
        add_help=False,  # -h: the script's
    )
    _trace_options(ours, None)
    _, theirs = ours.parse_known_args(rest, namespace=args)
    return theirs + after


def _finish(args: argparse.Namespace, result: RunResult, interrupts: Interrupts) -> int:
    """Write the trace and say how the run ended: the exit code.  Ctrl-C and SIGTERM are
    held meanwhile (``Interrupts.program_ended``): the trace is written whole, and the
    exit code then says a signal came.  A run stopped at once leaves the process at
    once, after that (its executor threads may never end)."""
    if result.tracer_failure:
        print(
            f"asyncviz: the tracer failed and was switched off: {result.tracer_failure}",
            file=sys.stderr,
        )
    if args.trace is not None:
        try:
            save(result.trace, args.trace)
        except (OSError, TypeError, ValueError) as exc:  # (TypeError: a value JSON lacks)
            print(f"asyncviz: cannot write {args.trace}: {exc}", file=sys.stderr)
            return 2
    if args.summary:
        print(
            format_summary(result.trace),
            file=sys.stderr if args.command == "record" else sys.stdout,
        )
    saved = f" (trace written to {args.trace})" if args.trace is not None else ""
    if result.error is not None:
        print(f"asyncviz: {result.error.message}{saved}", file=sys.stderr)
    if result.stopped:
        print(f"asyncviz: {result.stopped}", file=sys.stderr)
    for sig in dict.fromkeys(interrupts.late):
        print(
            f"asyncviz: {sig.name} came while the trace was being written: it was finished"
            f" first{saved}",
            file=sys.stderr,
        )
    code = interrupts.exit_code(result.exit_code)
    if result.nothing_traced and not (result.error is not None and result.error.kind == "load"):
        print(f"asyncviz: nothing was traced: {result.nothing_traced}", file=sys.stderr)
        code = code or NOTHING_TRACED
    else:
        for line in result.untraced:
            print(f"asyncviz: not traced: {line}", file=sys.stderr)
    if interrupts.stopped_now is not None:
        end_process(code)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
