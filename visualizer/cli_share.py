"""``asyncviz share SCENARIO -o FILE``: run a scenario and write it to share, with its
trace and its chart's picture, as one file (``session.shared``); ``asyncviz gui FILE``
opens it.

The picture is drawn without a window: Qt on its ``offscreen`` platform (no display
needed, as on a build server), loaded only here, once the run is over, so a run that
fails costs no Qt.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Final

from visualizer.cli_gui import pairs
from visualizer.session.interrupts import GRACE, Interrupts
from visualizer.session.progress import Progress
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import Scenario, ScenarioError, bind_params, find
from visualizer.session.shared import SUFFIX, write_shared
from visualizer.trace.data import Trace

SHARE_DESCRIPTION: Final = (
    "Run a scenario (as `asyncviz run` does) and write one file to share: a zip holding"
    f" the scenario's source, the run's trace and a picture of its chart (NAME{SUFFIX})."
    " `asyncviz gui FILE` opens it with its source, explanation and chart; without the"
    " app, unzip it."
)


def add_share_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="a scenario id (see `asyncviz list`) or a .py path")
    p.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="a scenario parameter"
    )
    p.add_argument(
        "--clock",
        choices=("virtual", "real", "ideal"),
        default="virtual",
        help="the run's clock, as `asyncviz run`'s (default: virtual)",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar=f"FILE{SUFFIX}",
        help="the file to write (replaced whole, or left as it was if writing fails)",
    )


def share(args: argparse.Namespace) -> int:
    """The exit code: 0 written; 1 written, but the scenario raised (its run as it went
    is shared); 2 nothing written (what was wrong, said)."""
    scenario = find(args.scenario, args.scenarios)
    if scenario.kind == "program":
        raise ScenarioError(
            f"{scenario.path}: {scenario.id!r} is a plain program: only a scenario (an"
            " async def main with parameters) can be shared",
            scenario.path,
        )
    params = bind_params(scenario, pairs(args.param))
    with Interrupts(GRACE) as interrupts:
        with Progress() as progress:
            result = run_scenario(
                scenario, params, clock=args.clock, interrupts=interrupts, started=progress.started
            )
        if result.nothing_traced:
            print(f"asyncviz: nothing was traced: {result.nothing_traced}", file=sys.stderr)
            return interrupts.leave(2)
        if result.error is not None:
            print(f"asyncviz: {result.error.message} (shared as it went)", file=sys.stderr)
        try:
            picture = _picture(result.trace, scenario, args.clock)
            write_shared(args.output, scenario, result.trace, picture)
        except (OSError, ValueError) as exc:
            print(f"asyncviz: cannot write {args.output}: {exc}", file=sys.stderr)
            return interrupts.leave(2)
        print(
            f"{args.output}: {scenario.id} ({len(result.trace.tasks)} tasks,"
            f" {result.trace.duration:.3f} s on the {args.clock} clock);"
            f" open it with: asyncviz gui {args.output}"
        )
        return interrupts.leave(1 if result.error is not None else result.exit_code)


def _picture(trace: Trace, scenario: Scenario, clock: str) -> bytes:
    """The chart's PNG, drawn offscreen (Qt loaded here, not before)."""
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # (no window: no display needed)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from visualizer.app.sharing import chart_png

    picture = chart_png(trace, scenario, clock)
    del app  # (kept until here: a QApplication dropped at once is gone)
    return picture
