"""The words of the ``asyncviz`` command line: its parser, each command's options, and
the options ``record`` and ``check`` read among their script's arguments.

Quick to build: ``parser(only)`` fills in only the commands in ``only`` (``cli.main``
gives the one it was given), the rest are a name and a line of help (``COMMANDS``), all
``asyncviz --help`` shows; each command's module is imported when its parser is filled
in.  So ``--help``, ``list`` and ``--version`` load no numpy and no Qt
(``tests/test_startup.py``), and ``run --help`` only what ``run``'s options need.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

from visualizer.about import command_clash, program_name, version_text

#: stands in for ``record``'s first ``--`` while argparse reads the line: argparse drops a
#: ``--`` that directly follows a positional, and then ``record app.py -- --trace x``
#: could not be told from ``record app.py --trace x``
SCRIPT_ARGS_MARK: Final = "\0--"  # not "-...": argparse would read that as an option


def trace_options(p: argparse.ArgumentParser, default_clock: str | None, command: str) -> None:
    """The options of ``run``, ``record`` and ``check``.  ``default_clock=None``: no
    defaults (the parser that reads the options given after ``record``'s script)."""

    from visualizer.cli_check import add_check_options, add_threshold_options
    from visualizer.session.interrupts import GRACE

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


class _Version(argparse.Action):
    """``--version``: ``about.version_text()`` as it is, lines and all (argparse's own
    version action rewraps it into one paragraph), then exit 0."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(version_text())
        parser.exit(0)


class _WithClashWarning(argparse.ArgumentParser):
    """``--help`` ends with a warning when the ``asyncviz`` on the PATH is another
    program (``about.command_clash``): looked for when the help is shown, not on every
    command."""

    def format_help(self) -> str:
        clash = command_clash()
        self.epilog = None if clash is None else f"warning: {clash}"
        return super().format_help()


def parser(only: frozenset[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser, with every command's options (``only=None``), or only
    those of the commands in ``only``: the rest are a name and a line of help, so that
    ``--help`` and ``list`` import nothing of the commands they do not run."""
    whole = _WithClashWarning(
        prog=program_name(),
        description="See asyncio: trace what every task does, and when, and why.",
    )
    whole.add_argument(
        "--version",
        action=_Version,
        help="print the version, and the Python, Qt libraries and hot paths it runs with",
    )
    # (the commands are plain parsers: their epilogs are their own, never the warning)
    sub = whole.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=argparse.ArgumentParser
    )
    for name, (help_text, fill) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        if only is None or name in only:
            fill(p)
    return whole


def _scenario_folders(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scenarios",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="an extra folder of scenarios (repeatable; also $ASYNCVIZ_SCENARIOS)",
    )


def _fill_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _scenario_folders(p)


def _fill_run(p: argparse.ArgumentParser) -> None:
    p.usage = "%(prog)s [OPTIONS] SCENARIO [-- ARGS...]"
    p.epilog = (
        "A plain program (one `asyncviz list` marks as a program) runs once, whole, as"
        " `python FILE ARGS...` would run it: its arguments go after --, as in"
        " `asyncviz run prog.py --summary -- -n 3`."
    )
    p.add_argument(
        "scenario", help="a scenario id (see `asyncviz list`) or a .py path (any asyncio program)"
    )
    p.set_defaults(program_args=[])  # (what follows `--`: main() takes it off first)
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a scenario parameter (repeatable; a plain program has none)",
    )
    trace_options(p, "virtual", "run")
    _scenario_folders(p)


def _fill_record(p: argparse.ArgumentParser) -> None:
    _script_and_options(p, "script", None, "the script, run as `python SCRIPT ARGS...`")
    trace_options(p, "real", "record")


def _fill_check(p: argparse.ArgumentParser) -> None:
    from visualizer.cli_check import CHECK_DESCRIPTION, EXIT_CODES

    p.usage = "%(prog)s [OPTIONS] PROGRAM.py|TRACE.json [ARGS...] [-- ARGS...]"
    p.description, p.epilog = CHECK_DESCRIPTION, EXIT_CODES
    _script_and_options(
        p,
        "program",
        "PROGRAM.py|TRACE.json",
        "a program, run as `python PROGRAM.py ARGS...`, or a trace file or saved stream"
        " (told by its name: .py, .json, .gz, .avz; else by its first bytes)",
    )
    trace_options(p, "virtual", "check")


def _fill_check_scenario(p: argparse.ArgumentParser) -> None:
    from visualizer.cli_check_scenario import DESCRIPTION, EPILOG, add_options

    p.description, p.epilog = DESCRIPTION, EPILOG
    add_options(p)
    _scenario_folders(p)


def _fill_gui(p: argparse.ArgumentParser) -> None:
    from visualizer.cli_gui import GUI_DESCRIPTION, add_gui_options

    p.usage = "%(prog)s [OPTIONS] [SCENARIO | PROGRAM.py [-- ARGS...] | TRACE | SHARED.zip]"
    p.description = GUI_DESCRIPTION
    add_gui_options(p)
    _scenario_folders(p)


def _fill_new(p: argparse.ArgumentParser) -> None:
    from visualizer.cli_new import add_new_options

    add_new_options(p)


def _fill_summary(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Print the per-task table of a saved trace or stream (as `run --summary`"
        " prints a run's): each task's time running, ready and suspended, and what it"
        " waited on most."
    )
    p.add_argument("trace", type=Path, metavar="TRACE", help="a trace file or stream")


def _fill_share(p: argparse.ArgumentParser) -> None:
    from visualizer.cli_share import SHARE_DESCRIPTION, add_share_options

    p.description = SHARE_DESCRIPTION
    add_share_options(p)
    _scenario_folders(p)


def _fill_render(p: argparse.ArgumentParser) -> None:
    from visualizer.cli_render import RENDER_DESCRIPTION, RENDER_EPILOG, add_render_options

    p.usage = "%(prog)s TRACE|SCENARIO|PROGRAM.py -o CHART.png|CHART.svg [OPTIONS] [-- ARGS...]"
    p.description, p.epilog = RENDER_DESCRIPTION, RENDER_EPILOG
    add_render_options(p)
    _scenario_folders(p)


def _fill_export(p: argparse.ArgumentParser) -> None:
    from visualizer.cli_export import add_export_options

    add_export_options(p)


def _fill_desktop_install(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Put asyncio visualizer in your desktop's menu, with its icon, as the program that"
        " opens traces (.json, .avz, .avzs) and shared scenarios (.asyncviz.zip): a desktop"
        " entry, the icon and the file types, written into $XDG_DATA_HOME (default"
        " ~/.local/share), each file named as it is written. Run again, it writes them anew."
    )
    p.add_argument("--uninstall", action="store_true", help="remove what it put there")


#: each command: its line in ``asyncviz --help`` (in this order), and what fills in its
#: parser when it is the command given (``parser``: its module imported only then)
COMMANDS: Final[dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]]] = {
    "list": ("list the scenarios", _fill_list),
    "run": ("run a scenario, or a plain asyncio program, traced", _fill_run),
    "record": ("run any asyncio script, traced", _fill_record),
    "check": (
        "print a program's (or a saved trace's) insights as a linter does, for CI",
        _fill_check,
    ),
    "check-scenario": (
        "for a scenario's author: lint its format and run its checks (its claims proved)",
        _fill_check_scenario,
    ),
    "gui": ("open the window (the default with no command)", _fill_gui),
    "new": ("write a new scenario from a template and open it in your editor", _fill_new),
    "summary": ("print a saved trace's per-task table", _fill_summary),
    "share": ("run a scenario and write it with its trace and chart as one file", _fill_share),
    "render": ("draw a trace's (or a run's) chart as PNG or SVG, with no window", _fill_render),
    "export": ("write a saved trace for another tool (Perfetto, chrome://tracing)", _fill_export),
    "desktop-install": (
        "put the window in the desktop's menu, with its icon",
        _fill_desktop_install,
    ),
}


def _script_and_options(
    p: argparse.ArgumentParser, who: str, metavar: str | None, script_help: str
) -> None:
    """``record``'s and ``check``'s words: the script, then our options and its arguments
    in any order (``script_args`` tells them apart)."""
    p.add_argument("script", type=Path, metavar=metavar, help=script_help)
    p.add_argument(
        "args",
        nargs=argparse.REMAINDER,
        help=f"options above, then the {who}'s arguments; after -- everything is the {who}'s",
    )


def script_args(args: argparse.Namespace) -> list[str]:
    """``record SCRIPT [OPTIONS] [ARGS...] [-- ARGS...]``: after the script, asyncviz's own
    options are still read (``record app.py --trace out.json``); every other word is
    the script's, in order, and everything after ``--`` is the script's untouched."""
    rest = list(args.args)
    after: list[str] = []
    if SCRIPT_ARGS_MARK in rest:
        cut = rest.index(SCRIPT_ARGS_MARK)
        rest, after = rest[:cut], rest[cut + 1 :]
    ours = argparse.ArgumentParser(
        prog=f"{program_name()} {args.command} SCRIPT",
        allow_abbrev=False,
        add_help=False,  # -h: the script's
    )
    trace_options(ours, None, args.command)
    _, theirs = ours.parse_known_args(rest, namespace=args)
    return theirs + after
