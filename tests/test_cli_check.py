"""``asyncviz check`` (issue 16, point 4): a program's insights as a linter prints them,
``--json`` for tools, the exit codes CI reads; a saved trace checked the same way; and
``--insights`` on ``run`` and ``record``.

Each test runs the real command in its own process on a small program written to
``tmp_path`` (the current directory, so paths print relative to it).  Programs run on
the ideal clock where the exact findings are the point (a ``time.sleep(0.3)`` is exactly
300 ms, other steps no time), and on the default (virtual) clock only where a verdict
holds on any machine: 0.3 s of blocking against the 0.1 s threshold.  No wall-clock
limit: a hung child is caught by the generous ``HANG`` only.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from visualizer.cli_check import where
from visualizer.model.files import is_trace_file
from visualizer.model.insights import insights_of
from visualizer.session.runner import record_script

ROOT = Path(__file__).resolve().parent.parent
#: seconds after which a child is taken to hang (not a limit on how long a run takes)
HANG = 300

BLOCKING = textwrap.dedent(
    """\
    import asyncio
    import time


    async def worker() -> None:
        await asyncio.sleep(0.01)
        time.sleep(0.3)
        await asyncio.sleep(0.01)


    async def main() -> None:
        print("the program's own words")
        await asyncio.create_task(worker(), name="worker")


    asyncio.run(main())
    """
)
#: the line of ``time.sleep(0.3)`` in ``BLOCKING``
SLEEP_LINE = 7

CLEAN = textwrap.dedent(
    """\
    import asyncio


    async def main() -> None:
        await asyncio.gather(asyncio.sleep(1), asyncio.sleep(2))


    asyncio.run(main())
    """
)

RAISES = textwrap.dedent(
    """\
    import asyncio
    import time


    async def fails() -> None:
        raise ValueError("lost")


    async def main() -> None:
        task = asyncio.create_task(fails(), name="forgotten")
        await asyncio.sleep(0.1)
        del task
        time.sleep(0.3)
        await asyncio.sleep(0.1)
        raise RuntimeError("boom")


    asyncio.run(main())
    """
)

SPINS = textwrap.dedent(
    """\
    import asyncio
    import sys
    import time


    async def spin() -> None:
        await asyncio.sleep(0.01)
        time.sleep(0.3)
        print("spinning", file=sys.stderr, flush=True)
        while True:
            pass


    asyncio.run(spin())
    """
)

ARGV = textwrap.dedent(
    """\
    import asyncio
    import json
    import sys

    print(json.dumps(sys.argv[1:]))
    asyncio.run(asyncio.sleep(0))
    """
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def asyncviz(cwd: Path, *words: str) -> subprocess.CompletedProcess[str]:
    """``asyncviz WORDS...`` run in ``cwd``, its output kept."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "visualizer", *words],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=HANG,
    )


def blocking_site(program: Path, clock: str = "ideal") -> str:
    """``name:line`` of the blocking step's site as the engine gives it: the
    ``time.sleep`` itself (the blocking call's stack, sampled while the step ran)."""
    run = record_script(program, clock=clock)  # type: ignore[arg-type]
    [step] = [i for i in insights_of(run.trace) if i.kind == "blocking-step"]
    assert step.site is not None
    path, _, line = step.site.rpartition(":")
    assert Path(path).name == program.name
    assert int(line) == SLEEP_LINE
    return f"{program.name}:{line}"


# --- a program ---------------------------------------------------------------------------
def test_a_blocking_call_is_a_warning_at_its_line(tmp_path: Path) -> None:
    program = write(tmp_path, "app.py", BLOCKING)
    site = blocking_site(program)
    out = asyncviz(tmp_path, "check", "app.py", "--clock", "ideal")
    assert out.returncode == 0, out.stderr  # (a warning: --fail-on is error by default)
    assert out.stdout.splitlines() == [
        f"{site}: warning: 'worker' held the loop for 300 ms in one step,"
        f" in time.sleep(0.3) at {site} in worker [blocking-step at 0.010 s]",
        "0 errors, 1 warning, 0 hints",
    ]
    # the program's stdout went to stderr: stdout holds the findings only
    assert "the program's own words" in out.stderr


def test_a_clean_program_has_nothing_to_say(tmp_path: Path) -> None:
    write(tmp_path, "clean.py", CLEAN)
    out = asyncviz(tmp_path, "check", "clean.py", "--clock", "ideal", "--fail-on", "hint")
    assert (out.returncode, out.stdout) == (0, "0 errors, 0 warnings, 0 hints\n"), out.stderr


def test_fail_on_sets_the_level_that_fails_on_the_default_clock(tmp_path: Path) -> None:
    program = write(tmp_path, "app.py", BLOCKING)
    site = blocking_site(program, "virtual")
    warned = asyncviz(tmp_path, "check", "app.py", "--fail-on", "warning")
    assert warned.returncode == 1, warned.stderr
    assert f"{site}: warning: 'worker' held the loop for " in warned.stdout
    # the same with the threshold above the call's 0.3 s: nothing at or above warning
    # (the ideal clock: no other step may come near it however busy the machine)
    above = asyncviz(tmp_path, "check", "app.py", "--clock", "ideal", "--slow", "0.31")
    assert above.stdout == "0 errors, 0 warnings, 0 hints\n"
    never = asyncviz(tmp_path, "check", "app.py", "--clock", "ideal", "--fail-on", "never")
    assert never.returncode == 0 and "1 warning" in never.stdout


def test_explain_puts_the_explanation_and_lesson_under_each_finding(tmp_path: Path) -> None:
    write(tmp_path, "app.py", BLOCKING)
    out = asyncviz(tmp_path, "check", "--explain", "app.py", "--clock", "ideal")
    lines = out.stdout.splitlines()
    assert "held the loop" in lines[0] and lines[-1] == "0 errors, 1 warning, 0 hints"
    under = lines[1:-1]
    assert under and all(line.startswith("    ") for line in under)
    assert "asyncio.to_thread" in " ".join(under)  # (the fix)
    assert under[-1] == "    the lesson: asyncviz gui blocking_call"


def test_json_is_one_document_with_every_field(tmp_path: Path) -> None:
    program = write(tmp_path, "app.py", BLOCKING)
    site = blocking_site(program)
    out = asyncviz(tmp_path, "check", "app.py", "--json", "--clock", "ideal")
    assert out.returncode == 0, out.stderr
    [found] = json.loads(out.stdout)  # (the program's print went to stderr)
    assert set(found) == {
        "kind", "title", "severity", "tasks", "start", "end", "finding", "explanation",
        "lesson", "site", "path", "line", "facts",
    }  # fmt: skip
    assert (found["kind"], found["severity"], found["lesson"]) == (
        "blocking-step",
        "warning",
        "blocking_call",
    )
    assert found["tasks"] == [{"id": 1, "name": "worker"}]
    assert found["start"] == pytest.approx(0.01, abs=1e-6)
    assert found["end"] == pytest.approx(0.31, abs=1e-6)
    assert found["facts"]["seconds"] == pytest.approx(0.3, abs=1e-6)
    assert f"{found['path']}:{found['line']}" == site
    assert found["site"].endswith(site)  # (as the trace holds it: the absolute path)
    assert found["finding"] == (
        f"'worker' held the loop for 300 ms in one step, in time.sleep(0.3) at {site} in worker"
    )
    assert (found["facts"]["call"]["text"], found["facts"]["call"]["function"]) == (
        "time.sleep(0.3)",
        "worker",
    )


def test_a_program_that_raises_still_gets_its_insights_and_exit_3(tmp_path: Path) -> None:
    write(tmp_path, "fails.py", RAISES)
    out = asyncviz(tmp_path, "check", "fails.py", "--clock", "ideal", "--fail-on", "never")
    assert out.returncode == 3, out.stderr
    lines = out.stdout.splitlines()
    assert [line.split(": ")[1] for line in lines[:-1]] == ["error", "warning"]
    assert lines[0].startswith("fails.py:10: error: 'forgotten' failed with ValueError: lost")
    assert "[blocking-step at 0.100 s]" in lines[1]
    assert lines[-1] == "1 error, 1 warning, 0 hints"
    assert "RuntimeError: boom" in out.stderr  # (its traceback, and asyncviz's one line)
    assert "asyncviz: RuntimeError: boom" in out.stderr
    # an exit with a non-zero status is a failure too; 3 comes before 1
    write(tmp_path, "exits.py", "import asyncio, sys\nasyncio.run(asyncio.sleep(0))\nsys.exit(4)\n")
    exits = asyncviz(tmp_path, "check", "exits.py")
    assert (exits.returncode, exits.stdout) == (3, "0 errors, 0 warnings, 0 hints\n")
    assert asyncviz(tmp_path, "check", "fails.py", "--clock", "ideal").returncode == 3


def test_a_program_that_could_not_run_is_exit_2_with_nothing_on_stdout(tmp_path: Path) -> None:
    write(tmp_path, "broken.py", "def (\n")
    write(tmp_path, "no_loop.py", "print('no asyncio here')\n")
    for name, said in (
        ("broken.py", "asyncviz: SyntaxError"),
        ("no_loop.py", "asyncviz: nothing was traced: the program made no asyncio event loop"),
        ("missing.py", "asyncviz: missing.py: no such file"),
    ):
        out = asyncviz(tmp_path, "check", name)
        assert (out.returncode, out.stdout) == (2, ""), name
        assert said in out.stderr


def test_a_spinning_program_stopped_by_sigterm_gets_its_insights(tmp_path: Path) -> None:
    write(tmp_path, "spins.py", SPINS)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-m", "visualizer", "check", "spins.py"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert child.stderr is not None
    try:
        while "spinning" not in child.stderr.readline():  # (however long it takes)
            assert child.poll() is None
        child.send_signal(signal.SIGTERM)
        out, _ = child.communicate(timeout=HANG)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 143
    [line, count] = out.splitlines()
    assert line.startswith("spins.py:") and "[blocking-step at" in line
    assert count == "0 errors, 1 warning, 0 hints"


def test_the_program_gets_its_arguments(tmp_path: Path) -> None:
    write(tmp_path, "argv.py", ARGV)
    out = asyncviz(tmp_path, "check", "argv.py", "a", "--fail-on", "hint", "-x", "--", "--json")
    assert out.returncode == 0, out.stderr
    assert out.stdout == "0 errors, 0 warnings, 0 hints\n"  # (ours: --fail-on; theirs: --json)
    assert json.loads(out.stderr.splitlines()[0]) == ["a", "-x", "--json"]


# --- a saved trace -----------------------------------------------------------------------
def test_a_saved_trace_is_checked_as_its_run_was(tmp_path: Path) -> None:
    write(tmp_path, "app.py", BLOCKING)
    run = asyncviz(tmp_path, "check", "app.py", "--clock", "ideal", "--trace", "app.json")
    saved = asyncviz(tmp_path, "check", "app.json")
    assert (saved.returncode, saved.stdout) == (0, run.stdout), saved.stderr
    assert asyncviz(tmp_path, "check", "app.json", "--fail-on", "warning").returncode == 1
    as_json = asyncviz(tmp_path, "check", "app.json", "--json")
    assert [x["kind"] for x in json.loads(as_json.stdout)] == ["blocking-step"]
    # with no `.json` to its name, told by what it holds
    (tmp_path / "app.trace").write_bytes((tmp_path / "app.json").read_bytes())
    assert asyncviz(tmp_path, "check", "app.trace").stdout == run.stdout
    # what is for a program only is refused, clearly; a summary is the trace's table
    for words, said in (
        (["extra", "-x"], "extra -x is for a program"),
        (["--clock", "real"], "--clock real is for a program"),
        (["--trace", "again.json"], "--trace again.json is for a program"),
    ):
        refused = asyncviz(tmp_path, "check", "app.json", *words)
        assert (refused.returncode, refused.stdout) == (2, "")
        assert refused.stderr == f"asyncviz: app.json is a saved trace, recorded already: {said}\n"
    summary = asyncviz(tmp_path, "check", "app.json", "--summary")
    assert summary.stdout == run.stdout and "worker" in summary.stderr


def test_a_malformed_trace_gets_the_loaders_message_and_exit_2(tmp_path: Path) -> None:
    write(tmp_path, "bad.json", '{"format": "something else"}')
    out = asyncviz(tmp_path, "check", "bad.json")
    assert (out.returncode, out.stdout) == (2, "")
    assert out.stderr.startswith("asyncviz: bad.json: format: must be 'asyncviz-trace'")
    write(tmp_path, "cut.json", "{")
    cut = asyncviz(tmp_path, "check", "cut.json")
    assert cut.returncode == 2 and cut.stderr.startswith("asyncviz: cut.json: not JSON")


# --- --insights on run and record --------------------------------------------------------
def test_insights_on_record_go_to_stderr_and_on_run_to_stdout(tmp_path: Path) -> None:
    program = write(tmp_path, "app.py", BLOCKING)
    site = blocking_site(program)
    line = f"{site}: warning: 'worker' held the loop for 300 ms in one step"
    recorded = asyncviz(tmp_path, "record", "app.py", "--clock", "ideal", "--insights")
    assert recorded.returncode == 0, recorded.stderr
    assert recorded.stdout == "the program's own words\n"  # (record's stdout: the program's)
    assert line in recorded.stderr and "0 errors, 1 warning, 0 hints" in recorded.stderr
    ran = asyncviz(tmp_path, "run", "app.py", "--clock", "ideal", "--insights")
    assert ran.returncode == 0 and line in ran.stdout
    # a built-in lesson, from the repository's root: its path relative to it
    lesson = asyncviz(ROOT, "run", "blocking_call", "--clock", "ideal", "--insights")
    assert lesson.returncode == 0, lesson.stderr
    [found] = [x for x in lesson.stdout.splitlines() if "[blocking-step at" in x]
    assert found.startswith("scenarios/blocking_call.py:")


# --- the README's sample ------------------------------------------------------------------
def test_the_readmes_sample_is_what_check_prints(tmp_path: Path) -> None:
    """The program and output in "Check a program in CI", run again (its times, measured
    in busy time, as numbers of any value: the verdicts are what must hold)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Check a program in CI") :]
    program = section[section.index("```python\n") + 10 : section.index("```\n\n")]
    sample = section[section.index("    $ asyncviz check app.py\n") :].splitlines()
    printed = [line[4:] for line in sample[1 : sample.index("    $ echo $?")]]
    code = int(sample[sample.index("    $ echo $?") + 1].strip())
    write(tmp_path, "app.py", program)
    out = asyncviz(tmp_path, "check", "app.py")

    def masked(lines: list[str]) -> list[str]:
        return [re.sub(r"\d+ ms|at \d+\.\d+ s", "#", line) for line in lines]

    assert out.returncode == code, out.stderr
    assert masked(out.stdout.splitlines()) == masked(printed)


# --- the pieces --------------------------------------------------------------------------
def test_where_a_finding_points(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    program = Path("app.py")
    assert where(None, program) == ("app.py", None)  # (no site: the program, no line)
    assert where(f"{tmp_path}/pkg/mod.py:12", program) == ("pkg/mod.py", 12)
    assert where("/elsewhere/mod.py:3", program) == ("/elsewhere/mod.py", 3)
    assert where("mod.py:7", program) == ("mod.py", 7)
    assert where("<string>", program) == ("<string>", None)
    assert where("a\nb.py:1", program) == ("a␊b.py", 1)  # (a trace from anyone: one line)


def test_a_trace_is_told_from_a_program(tmp_path: Path) -> None:
    cases = {
        "p.py": b"{'not': 'a trace'}",  # (the name says program)
        "t.json": b"",  # (the name says trace: the loader says what is wrong)
        "t.json.gz": b"",
        "script": b"#!/usr/bin/env python\nimport asyncio\n",
        "saved": b'  {"format": "asyncviz-trace"}',
        "stream": b"ASYNCVZ\x01...",
        "zipped": b"\x1f\x8b...",
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
    told = {name: is_trace_file(tmp_path / name) for name in cases}
    assert told == {
        "p.py": False,
        "t.json": True,
        "t.json.gz": True,
        "script": False,
        "saved": True,
        "stream": True,
        "zipped": True,
    }
