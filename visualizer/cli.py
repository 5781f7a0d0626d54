"""The ``asyncviz`` command line: list scenarios, run one, or record any asyncio script.

Every failure is one clear message on stderr and a non-zero exit code, and a
trace requested with ``--trace`` is written whatever happened to the program:
what was recorded before a crash is exactly what someone needs to look at.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from visualizer import about
from visualizer.cli_check import (
    CHECK_DESCRIPTION,
    EXIT_CANNOT_CHECK,
    EXIT_CODES,
    EXIT_FOUND,
    add_check_options,
    add_threshold_options,
    check_exit,
    fails,
    insights_for,
    report,
    stdout_to_stderr,
)
from visualizer.cli_check_scenario import DESCRIPTION as CHECK_SCENARIO_DESCRIPTION
from visualizer.cli_check_scenario import EPILOG as CHECK_SCENARIO_EPILOG
from visualizer.cli_check_scenario import add_options as add_check_scenario_options
from visualizer.cli_check_scenario import check_scenarios
from visualizer.cli_export import add_export_parser, export
from visualizer.cli_gui import GUI_DESCRIPTION, add_gui_options, gui, pairs
from visualizer.cli_new import add_new_parser, new
from visualizer.cli_render import RENDER_DESCRIPTION, RENDER_EPILOG, add_render_options, render
from visualizer.cli_share import SHARE_DESCRIPTION, add_share_options, share
from visualizer.model.files import is_trace_file, load_any
from visualizer.model.summary import format_summary
from visualizer.session.interrupts import GRACE, Interrupts
from visualizer.session.progress import Progress
from visualizer.session.runner import Recorder, RunResult, record_script, run_scenario
from visualizer.session.scenarios import (
    ScenarioError,
    bind_params,
    discover,
    find,
    folder_warnings,
    grouped,
    scenario_dirs,
)
from visualizer.trace.fileformat import TraceFormatError, save


def _trace_options(p: argparse.ArgumentParser, default_clock: str | None, command: str) -> None:
    """The options of ``run``, ``record`` and ``check``.  ``default_clock=None``: no
    defaults (the parser that reads the options given after ``record``'s script)."""

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
        "--trace",
        type=Path,
        default=default(None),
        metavar="OUT.json",
        help="write the trace file (OUT.json.gz: gzipped; OUT.avz: compact, columns in a zip)",
    )
    p.add_argument(
        "--summary", action="store_true", default=default(False), help="print a per-task table"
    )
    p.add_argument(
        "--slow",
        type=float,
        default=default(0.1),
        metavar="SECONDS",
        help="report steps/callbacks that hold the loop this long, and make them an insight"
        " (default 0.1)",
    )
    p.add_argument(
        "--grace",
        type=float,
        default=default(GRACE),
        metavar="SECONDS",
        help=f"after Ctrl-C, stop the program at once if it runs this long (default {GRACE:g})",
    )
    defaults = default_clock is not None
    if command == "check":
        add_check_options(p, defaults)
    else:
        p.add_argument(
            "--insights",
            action="store_true",
            default=default(False),
            help="print the insights after the run, as `asyncviz check` does",
        )
    add_threshold_options(p, defaults)


def _parser() -> argparse.ArgumentParser:
    clash = about.command_clash()  # (the asyncviz on the PATH is not this one: --help says so)
    parser = argparse.ArgumentParser(
        prog=about.program_name(),
        description="See asyncio: trace what every task does, and when, and why.",
        epilog=None if clash is None else f"warning: {clash}",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def scenario_folders(p: argparse.ArgumentParser) -> None:
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
    scenario_folders(p_list)

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
    _trace_options(p_run, "virtual", "run")
    scenario_folders(p_run)

    p_rec = sub.add_parser("record", help="run any asyncio script, traced")
    _script_and_options(p_rec, "script", None, "the script, run as `python SCRIPT ARGS...`")
    _trace_options(p_rec, "real", "record")

    p_check = sub.add_parser(
        "check",
        help="print a program's (or a saved trace's) insights as a linter does, for CI",
        usage="%(prog)s [OPTIONS] PROGRAM.py|TRACE.json [ARGS...] [-- ARGS...]",
        description=CHECK_DESCRIPTION,
        epilog=EXIT_CODES,
    )
    _script_and_options(
        p_check,
        "program",
        "PROGRAM.py|TRACE.json",
        "a program, run as `python PROGRAM.py ARGS...`, or a trace file or saved stream"
        " (told by its name: .py, .json, .gz, .avz; else by its first bytes)",
    )
    _trace_options(p_check, "virtual", "check")

    p_lesson = sub.add_parser(
        "check-scenario",
        help="for a scenario's author: lint its format and run its checks (its claims proved)",
        description=CHECK_SCENARIO_DESCRIPTION,
        epilog=CHECK_SCENARIO_EPILOG,
    )
    add_check_scenario_options(p_lesson)
    scenario_folders(p_lesson)

    p_gui = sub.add_parser(
        "gui",
        help="open the window (the default with no command)",
        usage="%(prog)s [OPTIONS] [SCENARIO | PROGRAM.py [-- ARGS...] | TRACE | SHARED.zip]",
        description=GUI_DESCRIPTION,
    )
    add_gui_options(p_gui)
    scenario_folders(p_gui)
    add_new_parser(sub)

    p_summary = sub.add_parser(
        "summary",
        help="print a saved trace's per-task table",
        description="Print the per-task table of a saved trace or stream (as `run --summary`"
        " prints a run's): each task's time running, ready and suspended, and what it"
        " waited on most.",
    )
    p_summary.add_argument("trace", type=Path, metavar="TRACE", help="a trace file or stream")
    p_share = sub.add_parser(
        "share",
        help="run a scenario and write it with its trace and chart as one file",
        description=SHARE_DESCRIPTION,
    )
    add_share_options(p_share)
    scenario_folders(p_share)
    p_render = sub.add_parser(
        "render",
        help="draw a trace's (or a run's) chart as PNG or SVG, with no window",
        usage="%(prog)s TRACE|SCENARIO|PROGRAM.py -o CHART.png|CHART.svg [OPTIONS] [-- ARGS...]",
        description=RENDER_DESCRIPTION,
        epilog=RENDER_EPILOG,
    )
    add_render_options(p_render)
    scenario_folders(p_render)
    add_export_parser(sub)
    p_desktop = sub.add_parser(
        "desktop-install",
        help="put the window in the desktop's menu, with its icon",
        description="Put asyncio visualizer in your desktop's menu, with its icon, as the"
        " program that opens traces (.json, .avz, .avzs) and shared scenarios (.asyncviz.zip):"
        " a desktop entry, the icon and the file types, written into $XDG_DATA_HOME (default"
        " ~/.local/share), each file named as it is written. Run again, it writes them anew.",
    )
    p_desktop.add_argument("--uninstall", action="store_true", help="remove what it put there")
    return parser


def _script_and_options(
    p: argparse.ArgumentParser, who: str, metavar: str | None, script_help: str
) -> None:
    """``record``'s and ``check``'s words: the script, then our options and its arguments
    in any order (``_script_args`` tells them apart)."""
    p.add_argument("script", type=Path, metavar=metavar, help=script_help)
    p.add_argument(
        "args",
        nargs=argparse.REMAINDER,
        help=f"options above, then the {who}'s arguments; after -- everything is the {who}'s",
    )


#: the exit code of a run that traced nothing (the program's own failure comes first)
NOTHING_TRACED: Final = 2

#: stands in for ``record``'s first ``--`` while argparse reads the line: argparse drops a
#: ``--`` that directly follows a positional, and then ``record app.py -- --trace x``
#: could not be told from ``record app.py --trace x``
_SCRIPT_ARGS_MARK: Final = "\0--"  # not "-...": argparse would read that as an option


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    program_args: list[str] = []
    if words[:1] in (["record"], ["check"]) and "--" in words:
        words[words.index("--")] = _SCRIPT_ARGS_MARK
    elif words[:1] in (["run"], ["gui"], ["render"]) and "--" in words:
        # `run FILE [OPTIONS] -- ARGS...`: everything after -- is the program's
        cut = words.index("--")
        words, program_args = words[:cut], words[cut + 1 :]
    args = _parser().parse_args(words)
    if args.command in ("run", "gui", "render"):
        args.program_args = program_args
    if args.command in ("record", "check") and str(args.script) == _SCRIPT_ARGS_MARK:
        # `record [OPTIONS] -- SCRIPT ARGS...`: the script is the first word after --
        if not args.args:
            _parser().error(f"{args.command}: the script to run is missing")
        args.script, args.args = Path(args.args[0]), [_SCRIPT_ARGS_MARK, *args.args[1:]]
    if args.command is None:
        args = _parser().parse_args(["gui"])
    if args.command in ("gui", "list", "run", "check-scenario", "share", "render"):
        # a folder's name mistyped looks like a folder with no scenarios: say it first
        for warning in folder_warnings(args.scenarios):
            print(f"asyncviz: warning: {warning}", file=sys.stderr)
    try:
        if args.command == "gui":
            return gui(args)
        if args.command == "list":
            return _list(args)
        if args.command == "run":
            return _run(args)
        if args.command == "check":
            return _check(args)
        if args.command == "check-scenario":
            return check_scenarios(args, pairs(args.param), args.scenarios)
        if args.command == "new":
            return new(args)
        if args.command == "share":
            return share(args)
        if args.command == "summary":
            return _summary(args.trace)
        if args.command == "render":
            return render(args)
        if args.command == "export":
            return export(args)
        if args.command == "desktop-install":
            from visualizer.cli_desktop import desktop_install  # (light: stdlib and files)

            return desktop_install(args)
        return _record(args)
    except ScenarioError as exc:
        print(f"asyncviz: {exc}", file=sys.stderr)
        return 2


def _list(args: argparse.Namespace) -> int:
    scenarios, errors = discover(args.scenarios)
    if args.json:
        print(json.dumps([s.to_json() for s in scenarios], indent=2))
    else:
        # in sections, from the basics on (the window's browser shows the same): the
        # installed packs' after the built-ins', the plain programs last
        width = max((len(s.id) for s in scenarios), default=0)
        for section, members in grouped(scenarios):
            pack = members[0].pack
            about = f" (pack: {pack.distribution} {pack.version})" if pack is not None else ""
            print(f"{section}{about}:")
            for s in members:
                tags = f"  [{', '.join(s.tags)}]" if s.tags else ""
                kind = f"  (program: runs as python {s.path.name})" if s.kind == "program" else ""
                print(f"  {s.id.ljust(width)}  {s.title}{tags}{kind}")
    folders = set(scenario_dirs(args.scenarios))  # (one that is not a folder: warned of)
    for error in errors:
        if error.path not in folders:
            print(f"asyncviz: skipped: {error}", file=sys.stderr)
    return 0


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
    params = bind_params(scenario, pairs(args.param))
    args.program = scenario.path
    return _traced(
        args,
        lambda interrupts, started: run_scenario(
            scenario,
            params,
            clock=args.clock,
            slow_callback_duration=args.slow,
            interrupts=interrupts,
            started=started,
        ),
        print_traceback=True,
    )


def _record(args: argparse.Namespace) -> int:
    script: Path = args.script
    if not script.is_file():
        print(f"asyncviz: {script}: no such file", file=sys.stderr)
        return 2
    return _record_program(args, script, _script_args(args))


def _summary(path: Path) -> int:
    """``summary TRACE``: the per-task table of a saved trace or stream; 2 for a file
    that is not one (said, with why)."""
    try:
        trace = load_any(path)
    except (TraceFormatError, OSError) as exc:
        print(f"asyncviz: {exc}", file=sys.stderr)
        return 2
    print(format_summary(trace))
    return 0


def _check(args: argparse.Namespace) -> int:
    """``check PROGRAM.py [ARGS...]``: run it traced and print its insights; ``check
    TRACE``: those of a saved trace (``cli_check``)."""
    target: Path = args.script
    if not target.is_file():
        print(f"asyncviz: {target}: no such file", file=sys.stderr)
        return EXIT_CANNOT_CHECK
    if not is_trace_file(target):
        return _record_program(args, target, _script_args(args))
    extra = _script_args(args)  # (and the options after the trace, read into args)
    refused = [
        *([f"--clock {args.clock}"] if args.clock != "virtual" else []),
        *([f"--trace {args.trace}"] if args.trace is not None else []),
        *extra,
    ]
    if refused:
        print(
            f"asyncviz: {target} is a saved trace, recorded already: {' '.join(refused)} is"
            " for a program",
            file=sys.stderr,
        )
        return EXIT_CANNOT_CHECK
    try:
        trace = load_any(target)
    except (TraceFormatError, OSError) as exc:
        print(f"asyncviz: {exc}", file=sys.stderr)
        return EXIT_CANNOT_CHECK
    if args.summary:
        print(format_summary(trace), file=sys.stderr)
    source = str(trace.meta.get("source") or "")
    found = insights_for(trace, args)
    report(found, trace, Path(source) if source.endswith(".py") else target, args, sys.stdout)
    return EXIT_FOUND if fails(found, args.fail_on) else 0


def _record_program(args: argparse.Namespace, script: Path, script_args: list[str]) -> int:
    """``python SCRIPT ARGS...``, once, traced in this process (``run``, ``record`` and
    ``check``, which sends the program's stdout to stderr: its own holds the findings)."""
    args.program = script

    def run(interrupts: Interrupts, started: Callable[[Recorder], None]) -> RunResult:
        with stdout_to_stderr() if args.command == "check" else contextlib.nullcontext():
            return record_script(
                script,
                script_args,
                clock=args.clock,
                slow_callback_duration=args.slow,
                on_exception=lambda exc: traceback.print_exception(exc),
                interrupts=interrupts,
                started=started,
            )

    return _traced(args, run)


def _traced(
    args: argparse.Namespace,
    run: Callable[[Interrupts, Callable[[Recorder], None]], RunResult],
    *,
    print_traceback: bool = False,
) -> int:
    """``run`` the program, with Ctrl-C and SIGTERM answered (``session.interrupts``)
    until its trace is written: the exit code.  ``print_traceback``: the error's, if any
    (a script's is printed as it happens, as Python would).  A progress line on a
    terminal meanwhile (``session.progress``), wiped before anything more is said."""
    with Interrupts(args.grace) as interrupts:
        with Progress() as progress:
            result = run(interrupts, progress.started)
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
        prog=f"asyncviz {args.command} SCRIPT",
        allow_abbrev=False,
        add_help=False,  # -h: the script's
    )
    _trace_options(ours, None, args.command)
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
    # (`record`'s stdout is the program's, `check`'s the findings': the rest to stderr)
    said = sys.stdout if args.command == "run" else sys.stderr
    if args.summary:
        print(format_summary(result.trace), file=said)
    checked = args.command == "check" or args.insights
    found = insights_for(result.trace, args) if checked else []
    if checked and not result.nothing_traced:
        out = sys.stdout if args.command == "check" else said
        report(found, result.trace, args.program, args, out)
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
    code = interrupts.exit_code(result.exit_code)  # (a signal during the save first)
    if result.nothing_traced and not (result.error is not None and result.error.kind == "load"):
        print(f"asyncviz: nothing was traced: {result.nothing_traced}", file=sys.stderr)
        code = code or NOTHING_TRACED
    else:
        for line in result.untraced:
            print(f"asyncviz: not traced: {line}", file=sys.stderr)
    if args.command == "check":
        code = check_exit(result, code, found, args.fail_on)
    return interrupts.leave(code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
