"""The checks API (issue 17, point 3): ``visualizer.checks``' read-only ``Run`` on real runs
of small scenarios written to ``tmp_path``, each helper once true and once false; and
``run_checks``: the scenario and its checks in a child process, a failing assert's line,
text and values, a check that raises, a scenario that raises, never ends, spins, or
leaves without a word.

Runs are on the ideal clock (steps take no time; idle waits skipped): every time
asserted is exact, whatever the machine does meanwhile.  The only wall-clock number is
``--timeout`` for the scenarios that never end: their verdict is the same however
long the machine takes to get there.
"""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path

import pytest

from visualizer.checks import Run, about, checks_of_trace, checks_of_trace_async, run_checks
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import Scenario, read_scenario

HEAD = '''\
"""A small scenario

Its text. What to look for:

- something
"""
import asyncio
import time

from visualizer import mark
from visualizer.checks import about

'''

#: tasks that overlap and do not, a lock handed over, a failure, a cancel, a mark, a print
WORLD = HEAD + textwrap.dedent(
    """\
    async def napper(t: float) -> None:
        await asyncio.sleep(t)  # NAP


    async def holder(lock: asyncio.Lock) -> None:
        async with lock:  # ACQUIRE
            await asyncio.sleep(0.5)


    async def instant() -> int:
        return 1


    async def fails() -> None:
        raise ValueError("boom")


    async def main(block: bool = False) -> None:
        lock = asyncio.Lock()
        a = asyncio.create_task(napper(1.0), name="a")
        b = asyncio.create_task(napper(2.0), name="b")
        await a  # AWAIT-A
        mark("a done")
        c = asyncio.create_task(napper(0.5), name="c")
        await b
        d = asyncio.create_task(napper(0.25), name="d")
        await d
        e1 = asyncio.create_task(instant(), name="e1")
        e2 = asyncio.create_task(instant(), name="e2")
        await asyncio.gather(e1, e2, c)
        h1 = asyncio.create_task(holder(lock), name="h1")
        h2 = asyncio.create_task(holder(lock), name="h2")
        await asyncio.gather(h1, h2)
        f = asyncio.create_task(fails(), name="f")
        await asyncio.gather(f, return_exceptions=True)
        g = asyncio.create_task(asyncio.sleep(10), name="g")
        await asyncio.sleep(0)
        g.cancel()
        await asyncio.gather(g, return_exceptions=True)
        if block:
            time.sleep(0.2)
        print("done")
    """
)


def write(tmp_path: Path, source: str, name: str = "small.py") -> Scenario:
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return read_scenario(path)


def line_of(scenario: Scenario, marker: str) -> int:
    """The one line of the scenario ending in ``# marker``."""
    lines = scenario.path.read_text(encoding="utf-8").splitlines()
    (hit,) = [i + 1 for i, line in enumerate(lines) if line.rstrip().endswith(f"# {marker}")]
    return hit


def run_of(scenario: Scenario, **params: object) -> Run:
    params = {**{p.name: p.default for p in scenario.params}, **params}
    result = run_scenario(scenario, params, clock="ideal")
    assert result.error is None, result.error
    return Run(result.trace, "done\n")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, Run]:
    scenario = write(tmp_path_factory.mktemp("world"), WORLD)
    return scenario, run_of(scenario)


# --- the API ----------------------------------------------------------------------------------
def test_about_is_a_number_within_its_tolerance() -> None:
    # (the number on the left too: as a check writes it, `run.duration == about(2.0)`)
    assert 2.004 == about(2.0) and about(2.0) == 1.995  # noqa: SIM300
    assert 2.02 != about(2.0) and 2.02 == about(2.0, within=0.05)  # noqa: SIM300
    assert about(1) != "1" and about(1) != True  # noqa: E712  (a bool is not a number here)
    assert repr(about(2.0)) == "2 ± 0.01"
    with pytest.raises(TypeError):
        hash(about(1.0))


def test_the_run_says_its_clock_length_params_output_and_marks(
    world: tuple[Scenario, Run],
) -> None:
    _, run = world
    assert run.clock == "ideal" and run.params == {"block": False}
    assert run.duration == about(3.25)
    assert run.output == "done\n"
    assert run.marks == [(about(1.0), "a done", "main")]
    assert run.task_names[:3] == ["main", "a", "b"]
    assert [t.name for t in run.tasks("h")] == ["h1", "h2"]


def test_a_task_not_there_names_the_nearest_first(world: tuple[Scenario, Run]) -> None:
    _, run = world
    with pytest.raises(KeyError, match=r"no task named 'h3'; there are: 'h1', 'h2'"):
        run.task("h3")
    with pytest.raises(KeyError, match="no resource named 'lok'; there are: 'lock'"):
        run.resource("lok")


def test_tasks_know_their_life_outcome_and_creator(world: tuple[Scenario, Run]) -> None:
    _, run = world
    a, main = run.task("a"), run.task("main")
    assert (a.created, a.ended, a.outcome, a.error) == (about(0.0), about(1.0), "done", None)
    assert a.created_by is not None and a.created_by.name == "main"
    assert main.created_by is None
    assert (run.task("f").outcome, run.task("f").error) == ("failed", "ValueError: boom")
    assert run.task("g").outcome == "cancelled"


def test_ran_concurrently_true_and_false(world: tuple[Scenario, Run]) -> None:
    _, run = world
    a, b, c, d = (run.task(n) for n in "abcd")
    assert a.ran_concurrently_with(b) and b.ran_concurrently_with(c)
    assert not a.ran_concurrently_with(d)  # (one after the other: their lives never meet)
    # alive at once but neither ever suspended: they ran in turn, not concurrently
    assert not run.task("e1").ran_concurrently_with(run.task("e2"))


def test_woken_by_a_task_or_a_kind_true_and_false(world: tuple[Scenario, Run]) -> None:
    _, run = world
    main, a, c = run.task("main"), run.task("a"), run.task("c")
    assert main.woken_by(a) and not main.woken_by(run.task("h1"))
    assert a.woken_by("timer") and not a.woken_by("io")
    assert c.woken_by(main)  # (its creation's wake: made by main)
    assert run.task("h2").woken_by(run.task("h1")) and not run.task("h1").woken_by(c)
    with pytest.raises(ValueError, match="no wake kind 'timr'"):
        a.woken_by("timr")
    assert [(kind, waker.name if waker else None) for _, kind, waker in a.wakes] == [
        ("created", "main"),
        ("timer", None),
    ]


def test_waits_say_what_where_and_who_woke_them(world: tuple[Scenario, Run]) -> None:
    scenario, run = world
    (nap,) = run.task("b").waits_on("sleep(")
    assert (nap.what, nap.start, nap.end) == ("sleep(2.0)", about(0.0), about(2.0))
    assert nap.site == f"small.py:{line_of(scenario, 'NAP')}"
    assert nap.line == "await asyncio.sleep(t)  # NAP"
    assert nap.woken_by == ("timer", None)
    (on_a,) = run.task("main").waits_on("Task 'a'")
    assert on_a.woken_by is not None and on_a.woken_by[1] is run.task("a")
    (turn,) = run.task("h2").waits_on("Lock.acquire")
    assert turn.woken_by is not None and turn.woken_by[1] is run.task("h1")
    assert run.task("h1").waits_on("Lock.acquire") == []
    assert run.task("a").waits_on("Queue.") == []


def test_spans_tile_a_life_and_state_at_reads_them(world: tuple[Scenario, Run]) -> None:
    _, run = world
    b = run.task("b")
    assert [s.state for s in b.spans] == ["ready", "running", "suspended", "ready", "running"]
    assert len(b.steps) == 2 and len(b.readies) == 2 and len(b.waits) == 1
    assert b.spans[0].start == b.created and b.spans[-1].end == b.ended
    assert b.state_at(1.5) == "suspended" and b.state_at(5.0) is None
    assert run.task("c").state_at(0.5) is None  # (not made yet)


def test_most_at_once_counts_overlapping_waits(world: tuple[Scenario, Run]) -> None:
    _, run = world
    naps = [w for name in "abc" for w in run.task(name).waits_on("sleep(")]
    assert run.most_at_once(naps) == 2
    assert run.most_at_once(iter(naps)) == 2  # (a generator: its ends went unseen)
    assert run.most_at_once(run.task("a").waits + run.task("d").waits) == 1


def test_a_resource_says_its_waiters_and_holders(world: tuple[Scenario, Run]) -> None:
    _, run = world
    lock = run.resource("lock")
    assert (lock.kind, lock.name, lock.capacity) == ("Lock", "lock", None)
    assert (lock.most_waiting, lock.most_held) == (1, 1)
    assert [(name, start) for name, start, _ in lock.waits] == [("h2", about(2.25))]
    assert [r.name for r in run.resources] == ["lock"]


def test_insights_true_and_false(tmp_path: Path) -> None:
    scenario = write(tmp_path, WORLD)
    blocked = run_of(scenario, block=True)
    assert "blocking-step" in blocked.insight_kinds
    (step,) = [x for x in blocked.insights if x.kind == "blocking-step"]
    assert step.tasks == ("main",) and step.end - step.start == about(0.2)
    assert "blocking-step" not in run_of(scenario).insight_kinds


def test_nothing_a_check_does_to_the_run_changes_the_trace(world: tuple[Scenario, Run]) -> None:
    _, run = world
    b = run.task("b")
    b.spans.clear()
    run.tasks().clear()
    run.marks.clear()
    assert len(b.spans) == 5 and len(run.tasks()) == len(run.task_names) and run.marks
    with pytest.raises(AttributeError):
        b.spans = []  # type: ignore[misc]
    with pytest.raises(AttributeError):
        b.waits[0].end = 9.0  # type: ignore[misc]


# --- running the checks -------------------------------------------------------------------------
CHECKS = WORLD + textwrap.dedent(
    """\


    def check_the_naps_overlap(run):
        \"\"\"a and b nap at once, so the run is 3.25 s long.\"\"\"
        assert run.task("a").ran_concurrently_with(run.task("b"))
        assert run.duration == about(3.25)


    def check_b_ends_at_three(run):
        b = run.task("b")
        assert b.ended == about(3.0), "b ends at 3"  # FAILS


    def check_a_missing_task(run):
        run.task("nope")  # RAISES


    def check_what_it_printed(run):
        assert run.output == "done\\n"
    """
)


def test_each_check_is_reported_in_file_order_with_its_claim(tmp_path: Path) -> None:
    scenario = write(tmp_path, CHECKS)
    report = run_checks(scenario)
    assert report.failure is None and report.clock == "ideal" and not report.ok
    assert [(c.name, c.status, c.claim) for c in report.checks] == [
        ("check_the_naps_overlap", "passed", "a and b nap at once, so the run is 3.25 s long."),
        ("check_b_ends_at_three", "failed", "b ends at three"),
        ("check_a_missing_task", "error", "a missing task"),
        ("check_what_it_printed", "passed", "what it printed"),
    ]
    assert report.counts() == {"passed": 2, "failed": 1, "error": 1, "skipped": 0}
    assert report.output == "done\n" and report.duration == about(3.25)


def test_a_failing_check_shows_its_line_its_text_and_its_values(tmp_path: Path) -> None:
    scenario = write(tmp_path, CHECKS)
    failed = run_checks(scenario).checks[1]
    assert failed.where == f"{scenario.path}:{line_of(scenario, 'FAILS')}"
    assert failed.text == 'assert b.ended == about(3.0), "b ends at 3"'
    assert failed.message == "b ends at 3"
    ((name, value),) = failed.values  # (b.ended, not b too; about is a class: not shown)
    assert name == "b.ended" and float(value) == about(2.0, within=1e-6)


def test_a_check_that_raises_is_reported_with_its_exception(tmp_path: Path) -> None:
    scenario = write(tmp_path, CHECKS)
    raised = run_checks(scenario).checks[2]
    assert raised.where == f"{scenario.path}:{line_of(scenario, 'RAISES')}"
    assert raised.exception is not None and raised.exception.startswith("KeyError: ")
    assert "no task named 'nope'" in raised.exception


def test_values_of_names_and_chains_never_call_what_the_assert_calls(tmp_path: Path) -> None:
    calls = tmp_path / "calls.txt"
    source = HEAD + textwrap.dedent(
        f"""\
        async def main() -> None:
            await asyncio.sleep(1)


        def counted(run):
            with open({str(calls)!r}, "a") as f:
                f.write("x")
            return run.duration


        def check_values(run):
            main = run.task("main")
            waits = main.waits
            assert counted(run) > 2 and len(waits) == 3 and main.ended < 0.5


        def check_walked(run):
            tasks = run.tasks()
            assert [t.name for t in tasks if t.ended > 9] == ["main"]
        """
    )
    failed, walked = run_checks(write(tmp_path, source)).checks
    assert failed.status == "failed"
    assert [name for name, _ in walked.values] == ["tasks"]  # (not t: the comprehension's)
    shown = dict(failed.values)
    assert set(shown) == {"run", "waits", "main.ended"}  # (counted, len: functions)
    assert shown["waits"].startswith("[Wait('sleep(1.0)' at small.py:")
    assert float(shown["main.ended"]) == about(1.0)
    assert calls.read_text() == "x"  # called once, by the check itself, not again


def test_a_check_about_another_run_is_skipped_with_why_not_passed(tmp_path: Path) -> None:
    source = HEAD + textwrap.dedent(
        """\
        from visualizer.checks import skip


        async def main(mode: str = "a") -> None:
            pass


        def check_mode_b(run):
            \"\"\"With mode=b, nothing at all.\"\"\"
            if run.params["mode"] != "b":
                skip("only with mode=b")
            assert False
        """
    )
    scenario = write(tmp_path, source)
    (only,) = (report := run_checks(scenario)).checks
    assert (only.status, only.message, report.ok) == ("skipped", "only with mode=b", True)
    (again,) = run_checks(scenario, {"mode": "b"}).checks
    assert again.status == "failed"


def test_checks_that_are_not_one_argument_functions_are_errors(tmp_path: Path) -> None:
    source = HEAD + textwrap.dedent(
        """\
        async def main() -> None:
            pass


        async def check_async(run):
            pass


        def check_two(run, other):
            pass


        def check_ok(run):
            pass
        """
    )
    report = run_checks(write(tmp_path, source))
    assert [(c.name, c.status) for c in report.checks] == [
        ("check_async", "error"),
        ("check_two", "error"),
        ("check_ok", "passed"),
    ]
    assert "not `async def`" in (report.checks[0].exception or "")


def test_a_scenario_that_raises_is_reported_at_its_line_and_nothing_is_checked(
    tmp_path: Path,
) -> None:
    source = HEAD + textwrap.dedent(
        """\
        async def main() -> None:
            await asyncio.sleep(1)
            raise ValueError("boom")  # BOOM


        def check_never(run):
            pass
        """
    )
    scenario = write(tmp_path, source)
    report = run_checks(scenario)
    assert report.failure is not None and report.failure.kind == "exception"
    assert report.failure.message == "ValueError: boom"
    assert report.failure.line == line_of(scenario, "BOOM")
    assert report.checks == () and not report.ok


def test_a_scenario_that_does_not_load_is_reported(tmp_path: Path) -> None:
    source = HEAD + "import no_such_module_here\n\n\nasync def main() -> None:\n    pass\n"
    report = run_checks(write(tmp_path, source))
    assert report.failure is not None and report.failure.kind == "load"
    assert "no_such_module_here" in report.failure.message


NEVER_ENDS = HEAD + textwrap.dedent(
    """\
    async def main() -> None:
        while True:
            await asyncio.sleep(1)  # (no time at all on the ideal clock: it spins)
    """
)
SPINS = HEAD + "async def main() -> None:\n    while True:\n        pass\n"


@pytest.mark.parametrize("source", [NEVER_ENDS, SPINS], ids=["sleeps-forever", "spins"])
def test_a_scenario_that_never_ends_is_killed_at_the_time_limit(
    tmp_path: Path, source: str
) -> None:
    report = run_checks(write(tmp_path, source), timeout=3)
    assert report.failure is not None and report.failure.kind == "timeout"
    assert report.failure.message == "did not end within 3 s while the scenario ran (killed)"


def test_a_check_that_spins_is_named_and_the_checks_before_it_kept(tmp_path: Path) -> None:
    source = HEAD + textwrap.dedent(
        """\
        async def main() -> None:
            pass


        def check_first(run):
            pass


        def check_spins(run):
            while True:
                pass
        """
    )
    # (time enough for the run and the first check on a loaded machine: the verdict waits
    # for the limit whatever it is, so it may be generous)
    report = run_checks(write(tmp_path, source), timeout=10)
    assert report.failure is not None and report.failure.kind == "timeout"
    assert report.unfinished == "check_spins"
    assert "while running check_spins()" in report.failure.message
    assert [(c.name, c.status) for c in report.checks] == [("check_first", "passed")]


def test_a_scenario_that_leaves_without_a_word_is_reported(tmp_path: Path) -> None:
    source = HEAD + "import os\n\n\nasync def main() -> None:\n    os._exit(7)\n"
    report = run_checks(write(tmp_path, source))
    assert report.failure is not None and report.failure.kind == "crashed"
    assert "exit code 7" in report.failure.message


def test_optimised_python_does_not_strip_the_asserts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONOPTIMIZE", "2")
    source = HEAD + "async def main() -> None:\n    pass\n\n\ndef check(run):\n    assert False\n"
    (only,) = run_checks(write(tmp_path, source)).checks
    assert (only.name, only.claim, only.status) == ("check", "check", "failed")


def test_check_clock_virtual_runs_the_checks_on_the_virtual_clock(tmp_path: Path) -> None:
    source = HEAD.replace("import time\n", 'import time\n\nCHECK_CLOCK = "virtual"\n') + (
        "async def main() -> None:\n    await asyncio.sleep(1)\n\n\n"
        'def check_clock(run):\n    assert run.clock == "virtual"\n'
    )
    scenario = write(tmp_path, source)
    report = run_checks(scenario)
    assert report.clock == "virtual" and report.ok
    assert run_checks(scenario, clock="ideal").checks[0].status == "failed"


def test_the_checks_of_a_trace_the_caller_has_already(tmp_path: Path) -> None:
    scenario = write(tmp_path, CHECKS)
    result = run_scenario(scenario, None, clock="ideal")
    report = checks_of_trace(scenario, result.trace, "done\n")
    assert [c.status for c in report.checks] == ["passed", "failed", "error", "passed"]
    assert report.clock == "ideal" and report.params == {"block": False}
    again = asyncio.run(checks_of_trace_async(scenario, result.trace, "said else\n"))
    assert [c.status for c in again.checks] == ["passed", "failed", "error", "failed"]


def test_the_report_is_plain_data_both_ways(tmp_path: Path) -> None:
    import json

    from visualizer.checks import CheckReport

    report = run_checks(write(tmp_path, CHECKS))
    assert CheckReport.from_json(json.loads(json.dumps(report.to_json()))) == report


def test_a_failing_values_floats_read_as_floats() -> None:
    """A time as the ideal clock gives it, its noise cut; a whole float still a float."""
    from visualizer.session.check_child import _shown

    assert [_shown(v) for v in (1.0, 2.0000000180000006, 1e-7, float("inf"), 3)] == [
        "1.0",
        "2.000000018",
        "1e-07",
        "inf",
        "3",
    ]
