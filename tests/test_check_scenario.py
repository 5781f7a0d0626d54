"""``asyncviz check-scenario`` (issue 17, points 3 and 4): a scenario's format linted, each
problem at its line; its runs on both clocks; its checks as a linter's lines; ``--json``;
the exit codes; and every built-in lesson lints clean, and passes its own checks.

The command runs in its own process (``python -m visualizer``), as an author runs it,
in ``tmp_path`` (so paths print relative to it); its scenarios and checks in their own
child processes.  Runs are on the ideal clock (a lesson about busy time, on the virtual
one, claims "at least so long", which a loaded machine cannot make false): verdicts do
not depend on the machine's load.  The built-in lessons' runs go two at a time (a thread
pool of two, each waiting on its child process), for each choice of their forms.  The
one small ``--timeout`` is for a scenario that never ends, whose verdict is the same
however slow the machine.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from visualizer.session.check_runner import CheckReport, run_checks
from visualizer.session.scenario_lint import is_lesson, known_tags, lint
from visualizer.session.scenarios import Scenario, bind_params, discover

ROOT = Path(__file__).resolve().parent.parent
#: seconds after which the command is taken to hang (not a limit on how long it takes)
HANG = 300

GOOD = '''\
"""Two naps

Two tasks nap at once. What to look for:

- both naps at once: the run takes 2.0 s
"""
import asyncio

from visualizer.checks import about

TAGS = ("basics", "tasks")
EXPLAIN_ZH = """\\
两次小睡

要看什么：

- 两次同时小睡
"""


async def main(first: float = 1.0) -> None:
    a = asyncio.create_task(asyncio.sleep(first), name="a")
    b = asyncio.create_task(asyncio.sleep(2.0), name="b")
    await asyncio.gather(a, b)


def check_the_naps_overlap(run):
    """Both naps at once: the run takes 2.0 s."""
    assert run.task("a").ran_concurrently_with(run.task("b"))
    assert run.duration == about(2.0)  # DURATION


if __name__ == "__main__":
    asyncio.run(main())
'''

#: every format problem at once, each line ending in a marker naming it
BROKEN = '''\
"""Broken lesson
with no blank line after the title, and no part saying what to look for.

- one
- two
"""
import asyncio

TAGS = ("basics", "concurency")  # L-TAG
ORDER = "late"  # L-ORDER
CHECK_CLOCK = "real"  # L-CLOCK
EXPLAIN_ZH = "坏课\\n\\n- 一\\n"  # L-ZH


async def main(
    n=3,  # L-N
    m: int = len("xy"),  # L-M
    mode: str = "a",
) -> None:
    await asyncio.sleep(0)


async def check_async(run):  # L-ASYNC
    pass


def check_two(run, other):  # L-TWO
    pass
'''


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "visualizer", "check-scenario", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=HANG,
        check=False,
    )


def line_of(path: Path, marker: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    (hit,) = [i + 1 for i, line in enumerate(lines) if line.rstrip().endswith(f"# {marker}")]
    return hit


def starts(path: Path, text: str) -> int:
    """The one line of ``path`` that starts with ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    (hit,) = [i + 1 for i, line in enumerate(lines) if line.startswith(text)]
    return hit


def test_a_good_lesson_passes_on_both_clocks(tmp_path: Path) -> None:
    path = tmp_path / "naps.py"
    path.write_text(GOOD, encoding="utf-8")
    done = cli("naps.py", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == [
        f"naps.py:{starts(path, 'def check_the_naps_overlap')}: passed:"
        " Both naps at once: the run takes 2.0 s.",
        "naps.py: ok: 1 check: 1 passed, 0 FAILED, 0 raised; format: 0 errors, 0 hints;"
        " ran on the ideal clock and the virtual clock",
    ]


def test_a_failing_check_prints_its_assert_and_values_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "naps.py"
    path.write_text(GOOD, encoding="utf-8")
    done = cli("naps.py", "--param", "first=3.0", cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    at = line_of(path, "DURATION")
    assert lines[:3] == [
        f"naps.py:{at}: FAILED: Both naps at once: the run takes 2.0 s.",
        "    assert run.duration == about(2.0)",
        lines[2],
    ]
    name, _, value = lines[2].strip().partition(" = ")
    assert name == "run.duration" and float(value) == pytest.approx(3.0, abs=1e-6)
    assert lines[-1].startswith("naps.py: PROBLEMS: 1 check: 0 passed, 1 FAILED")


def test_every_format_problem_is_reported_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text(BROKEN, encoding="utf-8")
    done = cli("broken.py", "--no-run", cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    expected = {
        2: "error: the title is one line, followed by a blank line",
        1: 'error: the docstring has no part "What to look for:"',
        line_of(path, "L-TAG"): "error: unknown tag 'concurency'; did you mean 'concurrency'?",
        line_of(path, "L-ORDER"): "error: ORDER must be an int literal",
        line_of(path, "L-CLOCK"): 'error: CHECK_CLOCK must be "ideal" or "virtual"',
        line_of(path, "L-ZH"): "error: EXPLAIN_ZH has 1 bullet, the docstring 2",
        line_of(path, "L-N"): "error: main() parameter 'n' needs a type annotation",
        line_of(path, "L-M"): "error: main() parameter 'm': default \"len('xy')\" is not",
        line_of(path, "L-ASYNC"): "error: check_async must be a plain `def`",
        line_of(path, "L-TWO"): "error: check_two takes one argument, the finished run",
    }
    for line, start in expected.items():
        assert any(x.startswith(f"broken.py:{line}: {start}") for x in lines), (line, lines)
    assert len(lines) == len(expected) + 1  # (and the summary: nothing else)
    assert lines[-1] == "broken.py: PROBLEMS: format: 10 errors, 0 hints; not run"


def test_json_is_one_document_for_tools(tmp_path: Path) -> None:
    (tmp_path / "naps.py").write_text(GOOD, encoding="utf-8")
    (tmp_path / "broken.py").write_text(BROKEN, encoding="utf-8")
    done = cli("naps.py", "broken.py", "--json", cwd=tmp_path)
    assert done.returncode == 1
    good, broken = json.loads(done.stdout)
    assert good["ok"] and good["format"] == []
    assert [c["status"] for c in good["checks"]["checks"]] == ["passed"]
    assert good["checks"]["clock"] == "ideal" and good["other_clock"]["clock"] == "virtual"
    assert not broken["ok"] and len(broken["format"]) == 10
    # (its main cannot be called: a plain program to the listing, so not run)
    assert broken["checks"] is None


def test_a_scenario_that_never_ends_is_reported_and_killed(tmp_path: Path) -> None:
    source = GOOD.replace(
        "    await asyncio.gather(a, b)\n",
        "    await asyncio.gather(a, b)\n    while True:\n        await asyncio.sleep(1)\n",
    )
    (tmp_path / "forever.py").write_text(source, encoding="utf-8")
    done = cli("forever.py", "--timeout", "3", cwd=tmp_path)
    assert done.returncode == 1
    first = done.stdout.splitlines()[0]
    main_line = starts(tmp_path / "forever.py", "async def main")
    assert first == (
        f"forever.py:{main_line}: error: on the ideal clock the scenario did not end: did not"
        " end within 3 s while the scenario ran (killed)"
    )


def test_a_scenario_that_raises_is_reported_at_its_line(tmp_path: Path) -> None:
    source = GOOD.replace(
        "    await asyncio.gather(a, b)\n",
        "    await asyncio.gather(a, b)\n    raise RuntimeError('late')  # RAISES\n",
    )
    path = tmp_path / "raises.py"
    path.write_text(source, encoding="utf-8")
    done = cli("raises.py", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == (
        f"raises.py:{line_of(path, 'RAISES')}: error: on the ideal clock the scenario raised:"
        " RuntimeError: late"
    )


def test_what_cannot_be_checked_exits_2(tmp_path: Path) -> None:
    (tmp_path / "naps.py").write_text(GOOD, encoding="utf-8")
    missing = cli("nowhere.py", cwd=tmp_path)
    assert missing.returncode == 2 and "no such scenario file" in missing.stderr
    unknown = cli("naps.py", "--param", "second=1", cwd=tmp_path)
    assert unknown.returncode == 2 and "has no parameter 'second'" in unknown.stderr


def test_help_tells_check_and_check_scenario_apart() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "visualizer", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=HANG,
        check=True,
    )
    said = " ".join(done.stdout.split())  # (argparse wraps at the terminal's width)
    assert "check-scenario" in said and "insights as a linter" in said
    assert "lint its format and run its checks" in said


def test_the_worked_examples_in_the_docs_prove_their_claims(tmp_path: Path) -> None:
    """docs/authoring.md's worked examples, as written there: clean and passing; and the
    failure it shows, as it shows it."""
    doc = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    examples = re.findall(r'```python\n("""[^\n]+\n.*?)```', doc, flags=re.S)
    assert len(examples) == 2
    names = []
    for source in examples:
        name = "queue_handoff.py" if "asyncio.Queue" in source else "limited_fetches.py"
        (tmp_path / name).write_text(source, encoding="utf-8")
        names.append(name)
    done = cli(*names, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    shown = re.search(
        r"\$ asyncviz check-scenario limited_fetches.py --param limit=6\n((?:    .*\n)+)", doc
    )
    assert shown is not None
    failing = cli("limited_fetches.py", "--param", "limit=6", cwd=tmp_path)
    assert failing.returncode == 1
    assert failing.stdout.splitlines() == [line[4:] for line in shown[1].splitlines()]


# --- the built-in lessons -------------------------------------------------------------------------
BUILTINS = [s for s in discover()[0] if s.builtin]


@pytest.mark.parametrize("scenario", BUILTINS, ids=[s.id for s in BUILTINS])
def test_every_builtin_lints_clean(scenario: Scenario) -> None:
    errors = [str(p) for p in lint(scenario.path) if p.severity == "error"]
    assert errors == []
    assert is_lesson(scenario.path)
    assert set(scenario.tags) <= known_tags()


#: values a teacher may type into a lesson's form besides its defaults, where its claims
#: depend on them (each ``Literal`` choice and each ``bool`` are tried without being listed)
NUMBERS: dict[str, list[dict[str, str]]] = {
    "lock_race": [{"increments": "1"}],
    "semaphore_workers": [{"limit": "1"}, {"limit": "6"}, {"workers": "5", "work": "0.5"}],
    "task_waits_its_turn": [{"busy": "0.05"}],
    "queue_backpressure": [
        {"maxsize": "0"},
        {"maxsize": "1"},
        {"maxsize": "6"},
        {"items": "10", "maxsize": "4", "work": "1.0"},
    ],
    "timeouts": [{"timeout": "0.3"}, {"timeout": "3.0"}],
    "blocking_call": [{"block": "0.05"}, {"block": "1.2"}],
    "cancellation": [{"cancel_after": "0.4"}, {"cancel_after": "3.0"}],
    "wait_modes": [
        {"timeout": "1.5"},
        {"return_when": "ALL_COMPLETED", "timeout": "1.5"},
        {"return_when": "FIRST_EXCEPTION", "timeout": "2.5"},
    ],
}

WITH_CHECKS = [s for s in BUILTINS if "\ndef check" in s.path.read_text(encoding="utf-8")]


def _typed(value: object) -> str:
    """A value as typed in the form (a bool as ``true``/``false``)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def runs_of(scenario: Scenario) -> list[dict[str, str]]:
    """Every combination of the lesson's choices (``Literal`` and ``bool``), then its
    listed numbers: the runs whose checks must all pass (or skip)."""
    choices = [
        [(p.name, _typed(c)) for c in (p.choices if p.kind == "choice" else (True, False))]
        for p in scenario.params
        if p.kind in ("choice", "bool")
    ]
    return [dict(combo) for combo in itertools.product(*choices)] + NUMBERS.get(scenario.id, [])


def test_every_lesson_with_numbers_to_try_has_checks() -> None:
    assert set(NUMBERS) <= {s.id for s in WITH_CHECKS}
    assert len(WITH_CHECKS) >= 17


def test_the_builtin_lessons_pass_their_own_checks() -> None:
    """Each built-in lesson with checks, run (in a child process, on its CHECK_CLOCK) for
    every choice of its form and the numbers above: no check fails or raises, and each
    check passes in at least one of its lesson's runs (none is only ever skipped)."""
    runs = [(s, raw) for s in WITH_CHECKS for raw in runs_of(s)]

    def check(run: tuple[Scenario, dict[str, str]]) -> CheckReport:
        scenario, raw = run
        return run_checks(scenario, bind_params(scenario, raw), timeout=HANG)

    with ThreadPoolExecutor(2) as pool:  # (two child processes at a time: the machine is shared)
        reports = list(pool.map(check, runs))
    problems = [
        f"{scenario.id} {raw}: {c.name} {c.status} at {c.where}: {c.text} {c.values} {c.exception}"
        for (scenario, raw), report in zip(runs, reports, strict=True)
        for c in report.checks
        if c.status not in ("passed", "skipped")
    ] + [
        f"{scenario.id} {raw}: {report.failure}"
        for (scenario, raw), report in zip(runs, reports, strict=True)
        if report.failure is not None
    ]
    assert problems == []
    passed: dict[str, set[str]] = {}
    for (scenario, _), report in zip(runs, reports, strict=True):
        assert report.checks, scenario.id
        passed.setdefault(scenario.id, set())
        passed[scenario.id] |= {c.name for c in report.checks if c.status == "passed"}
    for (scenario, _), report in zip(runs, reports, strict=True):
        assert {c.name for c in report.checks} == passed[scenario.id], scenario.id
