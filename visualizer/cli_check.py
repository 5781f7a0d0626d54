"""``asyncviz check``: the insights of a run (``model.insights``) as a linter prints its
findings, so that a project's CI can fail on a blocking call or a lost exception.

One line per insight, ``path:line: severity: finding [kind at T s]``, the form compilers
and linters use and editors' and CI's problem matchers read (``file:line:col?:
severity: message``); an insight with no line of the program to point at names the
program alone (``app.py: warning: ...``): a made-up ``:1`` would send the reader to a
line that has nothing to do with it.  Paths are relative to the current directory when
inside it, as a linter run from a project's root prints them.  Then one line counting
them by severity.  ``--json`` prints one JSON document for tools instead, in English.

The command line is English only (as every other command's words): the window is the
translated face of asyncviz; a CI log is read by tools and searched for words.

The exit codes (``EXIT_CODES``, also in ``--help``): 0 nothing at or above ``--fail-on``;
1 something is; 2 asyncviz could not check (no such file, a trace it cannot read, a
program that could not start or made no asyncio loop); 3 the program failed (raised, or
exited non-zero; its insights are printed all the same); 130 and 143 as ``record``'s
(Ctrl-C, SIGTERM).  The first that applies, in the order 2, 130/143, 3, 1: a program
that crashed is news before what it did on the way.

``--fail-on`` is ``error`` by default: the errors (an exception nobody retrieved, a
coroutine never awaited, a task destroyed pending) are bugs on any machine, while the
warnings (a step that held the loop 100 ms, a ready task kept waiting) are measured in
the busy time of the machine the check ran on: a loaded CI runner can make a step
cross the threshold, and a check that fails on its own machine's load teaches a team to
ignore it.  ``--fail-on warning`` is there for a project that wants them.

The default clock is ``virtual``: idle waits are skipped (a program that sleeps a minute
is checked in a moment), while busy time stays real, so a step that held the loop with
CPU work or ``time.sleep`` is measured as it happened.  ``ideal`` would be the same on
every machine but counts a step's own work as no time, so CPU-bound blocking, the most
common thing to catch, would not show.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import textwrap
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

from visualizer.model.display_text import shown
from visualizer.model.severity import SEVERITIES

if TYPE_CHECKING:  # (loaded when a check runs: `--help` builds the options above only)
    from visualizer.model.insights import Insight
    from visualizer.session.runner import RunResult
    from visualizer.trace.data import Trace

#: something at or above ``--fail-on`` was found
EXIT_FOUND: Final = 1
#: asyncviz could not check: no such file, a trace it cannot read, a program that could
#: not start (its syntax) or made no asyncio loop (``cli.NOTHING_TRACED`` is the same)
EXIT_CANNOT_CHECK: Final = 2
#: the program failed: it raised, or exited with a non-zero status
EXIT_PROGRAM_FAILED: Final = 3

FAIL_ON: Final = (*SEVERITIES, "never")

EXIT_CODES: Final = (
    "exit codes: 0 nothing at or above --fail-on; 1 something is; 2 asyncviz could not"
    " check (no such file, a trace it cannot read, a program that could not start or made"
    " no asyncio event loop); 3 the program failed (it raised, or exited non-zero: its"
    " insights are printed all the same); 130 and 143 it was stopped by Ctrl-C or SIGTERM"
    " (what was recorded is checked). The first that applies, in the order 2, 130/143, 3, 1."
)

CHECK_DESCRIPTION: Final = (
    "Run an asyncio program traced, as `record` does (on the virtual clock unless"
    " --clock says otherwise: idle waits skipped, busy time real), or read a saved trace,"
    " and print its insights as a linter does: `path:line: severity: finding`, in time"
    " order, then a count by severity. The program's own stdout goes to stderr, so that"
    " stdout holds the findings only. Its options may come before or after PROGRAM.py;"
    " every other word is the program's, and everything after -- is the program's."
)


#: the start of a saved stream (``trace.wire.MAGIC``), a gzip, a JSON document
def add_check_options(p: argparse.ArgumentParser, defaults: bool) -> None:
    """``check``'s own options (``defaults=False``: the parser of the words after the
    program, which must not reset what was read before it)."""

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    p.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="print one JSON document (a list of the insights, every field) instead",
    )
    p.add_argument(
        "--explain",
        "-v",
        action="store_true",
        default=default(False),
        help="print each insight's explanation (and the fix) under it, and its lesson",
    )
    p.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default=default("error"),
        help="exit 1 if an insight this severe or more is found (default: error; warnings"
        " are measured in the machine's busy time, which a loaded CI runner changes)",
    )


def add_threshold_options(p: argparse.ArgumentParser, defaults: bool) -> None:
    """The insights' thresholds besides ``--slow`` (the blocking one), for ``check`` and
    ``--insights``."""
    p.add_argument(
        "--scheduling-threshold",
        type=float,
        default=argparse.SUPPRESS if not defaults else 0.05,
        metavar="SECONDS",
        help="an insight when a ready task waits this long to run (default 0.05)",
    )


def insights_for(trace: Trace, args: argparse.Namespace) -> list[Insight]:
    """The insights of ``trace`` with the thresholds the options set."""
    from visualizer.model.insights import insights_of

    return insights_of(
        trace,
        blocking_threshold=args.slow,
        scheduling_threshold=args.scheduling_threshold,
    )


def where(site: str | None, program: Path) -> tuple[str, int | None]:
    """The path and line a finding points at: its site (``path:line``, as the trace holds
    it) or, with none, the program; relative to the current directory when inside it."""
    path, line = str(program), None
    if site:
        head, _, tail = site.rpartition(":")
        if head and tail.isdigit():
            path, line = head, int(tail)
        else:
            path = site
    with contextlib.suppress(ValueError, OSError):
        if os.path.isabs(path):
            path = os.path.relpath(path) if Path(path).is_relative_to(Path.cwd()) else path
    return shown(path), line


def lint_lines(found: list[Insight], program: Path, *, explain: bool = False) -> list[str]:
    """``found`` as a linter's lines, one per insight (its explanation indented under it
    with ``explain``), and the count by severity last."""
    lines: list[str] = []
    for x in found:
        path, line = where(x.site, program)
        place = path if line is None else f"{path}:{line}"
        lines.append(f"{place}: {x.severity}: {x.finding} [{x.kind} at {x.start:.3f} s]")
        if explain:
            lines.extend(
                textwrap.wrap(x.explanation, 96, initial_indent="    ", subsequent_indent="    ")
            )
            if x.lesson:
                lines.append(f"    the lesson: asyncviz gui {x.lesson}")
    lines.append(count_line(found))
    return lines


def count_line(found: list[Insight]) -> str:
    """``1 error, 2 warnings, 0 hints``."""
    counts = Counter(x.severity for x in found)
    return ", ".join(f"{counts[s]} {s}{'' if counts[s] == 1 else 's'}" for s in SEVERITIES)


def as_json(found: list[Insight], trace: Trace, program: Path) -> str:
    """One JSON document for tools: a list of the insights with every field, the tasks
    with their names (``insights.document``, which the window reads back too), the site
    split into path and line (as the lines print them)."""
    from visualizer.model.insights.document import document as insight_document
    from visualizer.model.insights.document import plain

    document = []
    for x, said in zip(found, insight_document(found, trace.tasks.names), strict=True):
        path, line = where(x.site, program)
        facts = said.pop("facts")
        document.append({**said, "path": path, "line": line, "facts": facts})
    return json.dumps(document, indent=2, default=plain)


def fails(found: list[Insight], fail_on: str) -> bool:
    """Some insight is at least as severe as ``fail_on`` ("never": none is)."""
    if fail_on == "never":
        return False
    failing = SEVERITIES[: FAIL_ON.index(fail_on) + 1]
    return any(x.severity in failing for x in found)


def report(
    found: list[Insight], trace: Trace, program: Path, args: argparse.Namespace, out: IO[str]
) -> None:
    """Print ``found`` as ``check`` does: the linter's lines, or ``--json``'s document."""
    if getattr(args, "json", False):
        print(as_json(found, trace, program), file=out)
    else:
        print(
            "\n".join(lint_lines(found, program, explain=getattr(args, "explain", False))), file=out
        )
    out.flush()


def check_exit(result: RunResult, code: int, found: list[Insight], fail_on: str) -> int:
    """``check``'s exit code for a program's run (``code``: the one ``record`` gives it;
    the order is the module docstring's)."""
    error = result.error
    if result.nothing_traced:
        return EXIT_CANNOT_CHECK
    if error is not None and error.kind == "interrupted":
        return result.exit_code
    if error is not None:
        return EXIT_PROGRAM_FAILED
    if code:
        return code  # (a signal while the trace was written: record's 130 or 143)
    return EXIT_FOUND if fails(found, fail_on) else 0


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """The program's stdout goes to stderr while it runs, at the level of the file
    descriptor: its ``print``, its C extensions' and its subprocesses' writes alike, so
    that ``check``'s stdout holds only the findings (``--json`` parses)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # (no stdout at all: nothing to keep apart)
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
