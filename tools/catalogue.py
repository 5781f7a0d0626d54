"""Make the scenario catalogue: docs/scenarios/ID.png for each built-in scenario and
docs/scenarios.md, each picture with its lesson.

Run:  .venv/bin/python tools/catalogue.py [ID ...]   (or: bash tools/catalogue)

With IDs, only those pictures are made again (the page is always made whole).  A lesson
that needs a newer Python than this one (``NEEDS``) keeps the picture it has: make it
with that Python, e.g. ``PYTHONPATH=. python3.12 tools/catalogue.py eager_tasks``.

Each scenario is recorded on the virtual clock (exact, repeatable times) and its chart
drawn alone, light theme, at a size that fits its lanes; the page takes each one's
title, explanation and "what to look for" from its docstring, as the app shows them, and
the insights found in that same recording (``model.insights``, as the window's Insights pane
and ``asyncviz check`` show them): a lesson that shows a problem on purpose lists it, the
others say none.  (tests/test_insights.py holds each lesson's kinds to a table.)  A lesson
with checks lists their claims, read from its file (``asyncviz check-scenario`` proves them;
tests/test_check_scenario.py runs them all).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from visualizer.app.render import offscreen_app, render_chart  # noqa: E402
from visualizer.model.insights import KINDS, insights_of  # noqa: E402
from visualizer.session.runner import run_scenario  # noqa: E402
from visualizer.session.scenario_file import checks_listed  # noqa: E402
from visualizer.session.scenarios import Scenario, discover  # noqa: E402
from visualizer.trace.data import Trace  # noqa: E402

#: scenarios whose lesson needs a newer Python than 3.11 (on 3.11 they say why instead)
NEEDS = {"eager_tasks": (3, 12)}

#: pixels: the picture's width (its height: a row's ``app.render.ROW`` each)
WIDTH = 1100
HEADER = (
    "# The scenarios\n\n"
    "Every built-in scenario, recorded on the virtual clock and drawn by the app's chart"
    " (made by `tools/catalogue.py`). Each is an ordinary asyncio file in `scenarios/`;"
    " `python scenarios/ID.py` runs it without the visualizer, `asyncviz gui ID` shows"
    " it live.\n"
)


def record(scenario: Scenario) -> Trace:
    """The scenario's run on the virtual clock (its picture and its insights)."""
    return run_scenario(scenario, clock="virtual").trace


def picture(trace: Trace, out: Path) -> None:
    """The chart of a scenario's ``trace``, alone (the page says what it is), as PNG:
    drawn as ``asyncviz render`` draws it, as tall as its rows need."""
    render_chart(trace, out, title=None, width=WIDTH)


def insights(trace: Trace) -> str:
    """The insights of a lesson's run, as a list (each kind's title, then its finding)."""
    found = insights_of(trace)
    if not found:
        return "Insights (`asyncviz check`): none.\n"
    lines = [
        f"- {i.severity}, {KINDS[i.kind].title.lower()} at {i.start:.2f} s: {i.finding}"
        for i in found
    ]
    return "Insights (`asyncviz check`):\n\n" + "\n".join(lines) + "\n"


def checks(scenario: Scenario) -> str:
    """What the lesson's checks prove, one claim each (nothing for a lesson without)."""
    listed = checks_listed(scenario.path)
    if not listed:
        return ""
    claims = "\n".join(f"- {check.claim}" for check in listed)
    return f"\nProved by its checks (`asyncviz check-scenario {scenario.id}`):\n\n{claims}\n"


def section(scenario: Scenario, trace: Trace) -> str:
    text = scenario.explanation.strip()
    tags = ", ".join(f"`{tag}`" for tag in scenario.tags)
    return (
        f"## {scenario.title}\n\n"
        f"`{scenario.id}` ({tags})\n\n"
        f"![{scenario.id}](scenarios/{scenario.id}.png)\n\n"
        f"{text}\n\n"
        f"{insights(trace)}"
        f"{checks(scenario)}"
    )


def main() -> None:
    _app = offscreen_app("light")  # (kept: a QApplication no one holds is gone)
    folder = ROOT / "docs" / "scenarios"
    folder.mkdir(parents=True, exist_ok=True)
    scenarios = [s for s in discover()[0] if s.builtin]
    wanted = set(sys.argv[1:]) or {s.id for s in scenarios}
    sections = []
    for scenario in scenarios:
        out = folder / f"{scenario.id}.png"
        trace = record(scenario)
        sections.append(section(scenario, trace))
        if scenario.id not in wanted:
            continue
        if sys.version_info < NEEDS.get(scenario.id, (3,)) and out.exists():
            print(f"{out.relative_to(ROOT)}: kept (its lesson needs a newer Python)")
            continue
        picture(trace, out)
        print(f"docs/scenarios/{scenario.id}.png")
    page = HEADER + "".join("\n" + s for s in sections)
    (ROOT / "docs" / "scenarios.md").write_text(page, encoding="utf-8")
    print("docs/scenarios.md")


if __name__ == "__main__":
    main()
