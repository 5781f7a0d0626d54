"""The ``asyncviz`` command line: list scenarios, run one, or record any asyncio script.

Every failure is one clear message on stderr and a non-zero exit code, and a
trace requested with ``--trace`` is written whatever happened to the program:
what was recorded before a crash is exactly what someone needs to look at.

Quick to start: ``asyncviz --help``, ``list`` and ``--version`` load no numpy and no Qt
(``tests/test_startup.py`` holds it).  So each command's module is imported in the
function that runs it, and the parser fills in only the command given (``cli_parser``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from visualizer.cli_parser import COMMANDS, SCRIPT_ARGS_MARK, script_args
from visualizer.cli_parser import parser as _parser
from visualizer.session.scenarios import (
    ScenarioError,
    bind_params,
    discover,
    find,
    folder_warnings,
    grouped,
    scenario_dirs,
)

if TYPE_CHECKING:
    from visualizer.session.interrupts import Interrupts
    from visualizer.session.runner import Recorder, RunResult


#: the exit code of a run that traced nothing (the program's own failure comes first)
NOTHING_TRACED: Final = 2


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    program_args: list[str] = []
    if words[:1] in (["record"], ["check"]) and "--" in words:
        words[words.index("--")] = SCRIPT_ARGS_MARK
    elif words[:1] in (["run"], ["gui"], ["render"]) and "--" in words:
        # `run FILE [OPTIONS] -- ARGS...`: everything after -- is the program's
        cut = words.index("--")
        words, program_args = words[:cut], words[cut + 1 :]
    # the command's parser alone is filled in (none with no command: only the version
    # or the list of commands is asked for, or the window opens, below)
    only = frozenset(words[:1]) & COMMANDS.keys()
    args = _parser(only).parse_args(words)
    if args.command in ("run", "gui", "render"):
        args.program_args = program_args
    if args.command in ("record", "check") and str(args.script) == SCRIPT_ARGS_MARK:
        # `record [OPTIONS] -- SCRIPT ARGS...`: the script is the first word after --
        if not args.args:
            _parser(only).error(f"{args.command}: the script to run is missing")
        args.script, args.args = Path(args.args[0]), [SCRIPT_ARGS_MARK, *args.args[1:]]
    if args.command is None:
        args = _parser(frozenset({"gui"})).parse_args(["gui"])
    if args.command in ("gui", "list", "run", "check-scenario", "share", "render"):
        # a folder's name mistyped looks like a folder with no scenarios: say it first
        for warning in folder_warnings(args.scenarios):
            print(f"asyncviz: warning: {warning}", file=sys.stderr)
    try:
        return _dispatch(args)
    except ScenarioError as exc:
        print(f"asyncviz: {exc}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace) -> int:
    """Run ``args.command``: its module imported here, when it runs (the module docstring)."""
    command = args.command
    if command == "gui":
        from visualizer.cli_gui import gui

        return gui(args)
    if command == "list":
        return _list(args)
    if command == "run":
        return _run(args)
    if command == "check":
        return _check(args)
    if command == "check-scenario":
        from visualizer.cli_check_scenario import check_scenarios
        from visualizer.cli_gui import pairs

        return check_scenarios(args, pairs(args.param), args.scenarios)
    if command == "new":
        from visualizer.cli_new import new

        return new(args)
    if command == "share":
        from visualizer.cli_share import share

        return share(args)
    if command == "summary":
        return _summary(args.trace)
    if command == "render":
        from visualizer.cli_render import render

        return render(args)
    if command == "export":
        from visualizer.cli_export import export

        return export(args)
    if command == "desktop-install":
        from visualizer.cli_desktop import desktop_install  # (light: stdlib and files)

        return desktop_install(args)
    return _record(args)


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
    from visualizer.cli_gui import pairs
    from visualizer.session.runner import run_scenario

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
    return _record_program(args, script, script_args(args))


def _summary(path: Path) -> int:
    """``summary TRACE``: the per-task table of a saved trace or stream; 2 for a file
    that is not one (said, with why)."""
    from visualizer.model.files import load_any
    from visualizer.model.summary import format_summary
    from visualizer.trace.fileformat import TraceFormatError

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
    from visualizer.cli_check import EXIT_CANNOT_CHECK, EXIT_FOUND, fails, insights_for, report
    from visualizer.model.files import is_trace_file, load_any
    from visualizer.model.summary import format_summary
    from visualizer.trace.fileformat import TraceFormatError

    target: Path = args.script
    if not target.is_file():
        print(f"asyncviz: {target}: no such file", file=sys.stderr)
        return EXIT_CANNOT_CHECK
    if not is_trace_file(target):
        return _record_program(args, target, script_args(args))
    extra = script_args(args)  # (and the options after the trace, read into args)
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
    from visualizer.cli_check import stdout_to_stderr
    from visualizer.session.runner import record_script

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
    from visualizer.session.interrupts import Interrupts
    from visualizer.session.progress import Progress

    with Interrupts(args.grace) as interrupts:
        with Progress() as progress:
            result = run(interrupts, progress.started)
        if print_traceback and result.error is not None and result.error.traceback:
            sys.stderr.write(result.error.traceback)
        return _finish(args, result, interrupts)


def _finish(args: argparse.Namespace, result: RunResult, interrupts: Interrupts) -> int:
    """Write the trace and say how the run ended: the exit code.  Ctrl-C and SIGTERM are
    held meanwhile (``Interrupts.program_ended``): the trace is written whole, and the
    exit code then says a signal came.  A run stopped at once leaves the process at
    once, after that (its executor threads may never end)."""
    from visualizer.cli_check import check_exit, insights_for, report
    from visualizer.model.summary import format_summary
    from visualizer.trace.fileformat import save

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
