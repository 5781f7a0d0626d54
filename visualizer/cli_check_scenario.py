"""``asyncviz check-scenario FILE_OR_ID...``: is this lesson right?  Its format linted, and
its checks run on a run of it (issue 17).

Not ``asyncviz check``, which reads a *program's* run for what went wrong in it (a
blocking call, a lost exception).  This one is for a scenario's *author*: does the file
keep the format the window reads (``session.scenario_lint``), does it run on both the
ideal and the virtual clock and end in time, and does each ``check_*`` function prove
its claim (``visualizer.checks``)?  The scenario and its checks run in a child process
with a time limit (``--timeout``): one that never ends is reported, and killed.

One line per problem or check, as a linter prints them (``path:line: passed: claim``,
``path:line: FAILED: claim`` with the failing assert and its values indented under it,
``path:line: error: ...`` for a format problem, a check that raised or a run that
failed; ``hint`` for what is only advice), then a summary line per scenario.  ``--json``
prints one document for tools instead.  In English, as every command's words.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from visualizer.checks import DEFAULT_TIMEOUT, CheckClock, CheckReport, run_checks
from visualizer.session.scenario_lint import Problem, lint
from visualizer.session.scenarios import Scenario, ScenarioError, bind_params, find

#: every scenario checked is clean and every check passed
EXIT_OK: Final = 0
#: a check failed or raised, a run failed or did not end, or the format has an error
EXIT_FAILED: Final = 1
#: a scenario could not be checked: no such file or id, a --param it does not take
EXIT_CANNOT_CHECK: Final = 2

DESCRIPTION: Final = (
    "For a scenario's author: lint the file's format (docstring title and 'What to look"
    " for', main's parameters annotated with literal defaults, EXPLAIN_ZH's bullets, known"
    " TAGS), run it on the ideal clock (or its CHECK_CLOCK) and on the virtual clock in a"
    " child process with a time limit, and run its check_* functions on the first run:"
    " one line per problem and check, `path:line: passed|FAILED|error: ...`. Not `asyncviz"
    " check`, which reads a program's run for its insights."
)
EPILOG: Final = (
    "exit codes: 0 every scenario is clean and every check passed (hints allowed); 1 a"
    " check failed or raised, a run failed or did not end in time, or the format has an"
    " error; 2 a scenario could not be checked (no such file or id, a --param it lacks)."
)


def add_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "scenarios_named",
        nargs="+",
        metavar="FILE_OR_ID",
        help="a scenario's .py file or its id (see `asyncviz list`)",
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a scenario parameter for the runs (repeatable)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="real seconds each run (and its checks) may take before it is killed and"
        f" reported (default {DEFAULT_TIMEOUT:g})",
    )
    p.add_argument(
        "--no-run", action="store_true", help="lint the format only: run nothing, check nothing"
    )
    p.add_argument("--json", action="store_true", help="print one JSON document instead")
    p.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="print the tracebacks of what raised, and what each run printed",
    )


@dataclass
class Checked:
    """One scenario's verdict: its format's problems, its checks' report, the run on
    the other clock (only whether it ran and ended)."""

    path: Path
    scenario: str
    problems: list[Problem] = field(default_factory=list)
    report: CheckReport | None = None
    other: CheckReport | None = None

    @property
    def ok(self) -> bool:
        return (
            not any(p.severity == "error" for p in self.problems)
            and (self.report is None or self.report.ok)
            and (self.other is None or self.other.failure is None)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "scenario": self.scenario,
            "ok": self.ok,
            "format": [
                {"line": p.line, "severity": p.severity, "message": p.message}
                for p in self.problems
            ],
            "checks": None if self.report is None else self.report.to_json(),
            "other_clock": None if self.other is None else self.other.to_json(),
        }


def check_scenarios(
    args: argparse.Namespace, raw_params: Mapping[str, str], extra: list[Path]
) -> int:
    """``check-scenario``: check each scenario named, print, the exit code."""
    code = EXIT_OK
    done: list[Checked] = []
    for named in args.scenarios_named:
        try:
            scenario = find(named, extra)
        except ScenarioError as exc:
            broken = unreadable(exc)
            if broken is None:
                print(f"asyncviz: {exc}", file=sys.stderr)
                code = EXIT_CANNOT_CHECK
                continue
            checked = broken
        else:
            try:
                params = bind_params(scenario, raw_params) if scenario.kind == "scenario" else {}
            except ScenarioError as exc:
                print(f"asyncviz: {exc}", file=sys.stderr)
                code = EXIT_CANNOT_CHECK
                continue
            checked = check_one(scenario, params, timeout=args.timeout, run=not args.no_run)
        done.append(checked)
        if not args.json:
            print("\n".join(lines_of(checked, verbose=args.verbose)), flush=True)
        if not checked.ok and code == EXIT_OK:
            code = EXIT_FAILED
    if args.json:
        print(json.dumps([c.to_json() for c in done], indent=2))
    elif len(done) > 1:
        bad = sum(not c.ok for c in done)
        print(f"{len(done)} scenarios: {len(done) - bad} ok, {bad} with problems")
    return code


def unreadable(exc: ScenarioError) -> Checked | None:
    """A file the listing refuses (``read_scenario``: its ``ORDER`` or ``TAGS`` not
    literals, a syntax error): linted all the same, every problem at its line, not run.
    None: no such file (what the listing says is then all there is to say)."""
    path = exc.path
    if path is None or path.suffix != ".py" or not path.is_file():
        return None
    checked = Checked(path, path.stem, lint(path))
    if not any(p.severity == "error" for p in checked.problems):  # (the lint missed it)
        checked.problems.append(Problem(path, 1, "error", str(exc)))
    return checked


def check_one(
    scenario: Scenario, params: Mapping[str, object], *, timeout: float, run: bool = True
) -> Checked:
    """Lint ``scenario``, then (``run``) run it and its checks, then on the other clock."""
    checked = Checked(scenario.path, scenario.id, lint(scenario.path))
    runnable = scenario.kind == "scenario" and not any(
        p.message.startswith(("syntax error", "cannot ")) for p in checked.problems
    )
    if not (run and runnable):
        return checked
    checked.report = run_checks(scenario, params, timeout=timeout)
    if checked.report.failure is None:
        other: CheckClock = "virtual" if checked.report.clock == "ideal" else "ideal"
        checked.other = run_checks(scenario, params, other, timeout=timeout, checks=False)
    return checked


def lines_of(checked: Checked, *, verbose: bool = False) -> list[str]:
    """What ``check-scenario`` prints of one scenario, in line order of the file for the
    format, then the runs, then the checks in file order, then the summary."""
    path = _shown(checked.path)
    out = [f"{path}:{p.line}: {p.severity}: {p.message}" for p in checked.problems]
    main_line = _main_line(checked)
    for report in (checked.report, checked.other):
        if report is not None and report.failure is not None:
            failure = report.failure
            line = failure.line or main_line
            out.append(
                f"{path}:{line}: error: on the {report.clock} clock the scenario"
                f" {_failed(failure.kind)}: {failure.message}"
            )
            if verbose and failure.traceback:
                out += _indented(failure.traceback)
        if verbose and report is not None and report.output:
            out.append(f"    (what it printed on the {report.clock} clock:)")
            out += _indented(report.output)
    report = checked.report
    for c in report.checks if report is not None else ():
        if c.status == "passed":
            out.append(f"{path}:{c.line}: passed: {c.claim}")
            continue
        if c.status == "skipped":
            out.append(f"{path}:{c.line}: skipped: {c.claim} ({c.message})")
            continue
        at = _line_of(c.where) or c.line
        word = "FAILED" if c.status == "failed" else "error"
        out.append(f"{path}:{at}: {word}: {c.claim}")
        if c.text:
            out.append(f"    {c.text}")
        if c.message:
            out.append(f"    {c.message}")
        if c.exception:
            out.append(f"    raised {c.exception}")
        out += [f"    {name} = {value}" for name, value in c.values]
        if verbose and c.traceback:
            out += _indented(c.traceback)
    out.append(summary(checked))
    return out


def summary(checked: Checked) -> str:
    """``path: 3 checks passed, 1 FAILED; format: 1 error, 1 hint; ran on ...``."""
    parts = []
    report = checked.report
    if report is not None:
        counts = report.counts()
        parts.append(
            f"{len(report.checks)} check{'s' * (len(report.checks) != 1)}:"
            f" {counts['passed']} passed, {counts['failed']} FAILED, {counts['error']} raised"
            + (f", {counts['skipped']} skipped" if counts["skipped"] else "")
        )
    errors = sum(p.severity == "error" for p in checked.problems)
    hints = len(checked.problems) - errors
    parts.append(f"format: {errors} error{'s' * (errors != 1)}, {hints} hint{'s' * (hints != 1)}")
    runs = [r for r in (report, checked.other) if r is not None]
    if runs:
        ran = " and ".join(
            f"the {r.clock} clock" + ("" if r.failure is None else " (failed)") for r in runs
        )
        parts.append(f"ran on {ran}")
    elif report is None:
        parts.append("not run")
    verdict = "ok" if checked.ok else "PROBLEMS"
    return f"{_shown(checked.path)}: {verdict}: {'; '.join(parts)}"


def _failed(kind: str) -> str:
    return {
        "timeout": "did not end",
        "load": "could not be loaded",
        "exit": "exited",
        "crashed": "died",
        "interrupted": "was interrupted",
    }.get(kind, "raised")


def _main_line(checked: Checked) -> int:
    """The line of ``async def main`` (where a run's failure with no line of its own
    points), else 1."""
    try:
        tree = ast.parse(checked.path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return 1
    lines = [
        n.lineno for n in tree.body if isinstance(n, ast.AsyncFunctionDef) and n.name == "main"
    ]
    return lines[-1] if lines else 1


def _line_of(where: str | None) -> int | None:
    if not where:
        return None
    tail = where.rpartition(":")[2]
    return int(tail) if tail.isdigit() else None


def _indented(text: str) -> list[str]:
    return ["    " + line for line in text.rstrip("\n").splitlines()]


def _shown(path: Path) -> str:
    """``path`` relative to the current folder when inside it (as a linter prints it)."""
    try:
        return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    except (OSError, ValueError):
        return str(path)
