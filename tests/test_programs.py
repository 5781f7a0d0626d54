"""Plain programs (issue 12): any asyncio file is listed and run, not only scenarios.

A file that is not in the scenario form (no ``async def main(**params)`` run through a
bare ``asyncio.run(main())`` guard) is a *program*: told apart from its syntax tree alone,
listed in its own section, and run once, whole, as ``python FILE ARGS...`` would run it.
Everything works on real files written to ``tmp_path`` and real runs.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from visualizer import cli
from visualizer.session.scenarios import (
    ENV_VAR,
    PROGRAMS_SECTION,
    SECTION_TITLES,
    ScenarioError,
    builtin_scenario_dir,
    discover,
    find,
    load_main,
    read_scenario,
)
from visualizer.trace.fileformat import load


@pytest.fixture(autouse=True)
def _no_env_dirs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own ``$ASYNCVIZ_SCENARIOS`` out of the results."""
    monkeypatch.delenv(ENV_VAR, raising=False)


def write(directory: Path, name: str, source: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- telling apart

MAIN = """\
import asyncio
import sys


async def main():
    await asyncio.sleep(0)
"""

KINDS = {
    "top_level_run": (MAIN + "\n\nasyncio.run(main())\n", "program"),
    "guarded_run": (MAIN + '\n\nif __name__ == "__main__":\n    asyncio.run(main())\n', "scenario"),
    "guarded_debug": (
        MAIN + '\n\nif __name__ == "__main__":\n    asyncio.run(main(), debug=True)\n',
        "scenario",
    ),
    "guarded_argv": (
        MAIN + '\n\nif __name__ == "__main__":\n'
        "    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3\n"
        "    asyncio.run(main())\n",
        "program",
    ),
    "guarded_exit": (
        MAIN + '\n\nif __name__ == "__main__":\n    sys.exit(asyncio.run(main()))\n',
        "program",
    ),
    "guarded_twice": (
        MAIN + '\n\nif __name__ == "__main__":\n    asyncio.run(main())\n'
        'if __name__ == "__main__":\n    asyncio.run(main())\n',
        "program",
    ),
    "guard_with_else": (
        MAIN + '\n\nif __name__ == "__main__":\n    asyncio.run(main())\nelse:\n    pass\n',
        "program",
    ),
    "run_until_complete": (
        MAIN + "\n\nloop = asyncio.new_event_loop()\nloop.run_until_complete(main())\n",
        "program",
    ),
    "guarded_run_until_complete": (
        MAIN + '\n\nif __name__ == "__main__":\n'
        "    asyncio.get_event_loop().run_until_complete(main())\n",
        "program",
    ),
    "run_forever": (
        MAIN + "\n\nloop = asyncio.new_event_loop()\nloop.create_task(main())\n"
        "loop.call_later(0.1, loop.stop)\nloop.run_forever()\n",
        "program",
    ),
    "run_twice": (MAIN + "\n\nasyncio.run(main())\nasyncio.run(main())\n", "program"),
    "runner": (
        MAIN + "\n\nwith asyncio.Runner() as runner:\n    runner.run(main())\n",
        "program",
    ),
    "run_inside_try": (
        MAIN + "\n\ntry:\n    asyncio.run(main())\nexcept KeyboardInterrupt:\n    pass\n",
        "program",
    ),
    "no_main": (
        "import asyncio\n\nasync def hello():\n    print('hi')\n\nasyncio.run(hello())\n",
        "program",
    ),
    "no_main_no_run": ("import asyncio\n\nasync def hello():\n    pass\n", "program"),
    "sync_main": ("def main():\n    pass\n", "program"),
    "unannotated_params": (
        "import asyncio\n\nasync def main(n=3):\n    await asyncio.sleep(0)\n"
        '\n\nif __name__ == "__main__":\n    asyncio.run(main())\n',
        "program",
    ),
    "no_default": ("async def main(n: int):\n    pass\n", "program"),
    "varargs": ("async def main(*args: int):\n    pass\n", "program"),
    # a function that only *defines* a call that starts something starts nothing
    "run_in_a_function": (
        MAIN + "\n\nimport subprocess\n\ndef blocking():\n    subprocess.run(['true'])\n"
        "\nhelper = lambda: asyncio.run(main())\n",
        "scenario",
    ),
    "no_guard_at_all": ("async def main(n: int = 3) -> None:\n    pass\n", "scenario"),
}


@pytest.mark.parametrize("name", list(KINDS))
def test_the_kind_is_read_from_the_syntax_tree(tmp_path: Path, name: str) -> None:
    source, kind = KINDS[name]
    marker = tmp_path / "ran"
    # (were any of it run, the marker would be there)
    path = write(tmp_path, f"{name}.py", f"open({str(marker)!r}, 'w').close()\n" + source)
    scenario = read_scenario(path)
    assert scenario.kind == kind
    assert scenario.to_json()["kind"] == kind
    if kind == "program":
        assert scenario.params == ()
        assert scenario.section == PROGRAMS_SECTION
    else:
        assert scenario.section != PROGRAMS_SECTION
    assert not marker.exists()


def test_a_file_that_cannot_be_parsed_is_still_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.py", "import asyncio\nasync def main(:\n    pass\n")
    with pytest.raises(ScenarioError, match="syntax error at line 2"):
        read_scenario(path)
    scenarios, errors = discover([tmp_path])
    assert "broken" not in {s.id for s in scenarios}
    assert [e.path for e in errors] == [path.resolve()]


def test_a_programs_description(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tutorial.py",
        '''\
        """Five workers, two at a time

        A program from a tutorial.
        It runs as it is.
        """
        import asyncio

        TAGS = ("mine",)
        ORDER = 5
        EXPLAIN_ZH = """五个工人

        说明。
        """


        async def main(n=5):
            await asyncio.sleep(0)

        asyncio.run(main())
        ''',
    )
    program = read_scenario(path)
    assert program.kind == "program"
    assert (program.id, program.title) == ("tutorial", "Five workers, two at a time")
    assert program.explanation == "A program from a tutorial.\nIt runs as it is."
    assert (program.tags, program.order, program.params) == (("mine",), 5, ())
    assert program.text("zh_CN") == ("五个工人", "说明。")
    # whatever its ORDER: the last section, after the user's scenarios
    assert program.section == PROGRAMS_SECTION == SECTION_TITLES[-1]
    assert SECTION_TITLES[-2] == "Your scenarios"
    bare = read_scenario(
        write(tmp_path, "bare.py", "import asyncio\nasyncio.run(asyncio.sleep(0))\n")
    )
    assert (bare.title, bare.explanation, bare.kind) == ("bare", "", "program")


def test_load_main_refuses_a_program_without_running_it(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write(
        tmp_path,
        "prog.py",
        f"import asyncio\nopen({str(marker)!r}, 'w').close()\n"
        "async def main():\n    pass\nasyncio.run(main())\n",
    )
    with pytest.raises(
        ScenarioError, match="plain program: it runs as a whole, not its main"
    ) as info:
        load_main(read_scenario(path))
    assert info.value.path == path.resolve()
    assert not marker.exists()


def test_every_builtin_is_a_scenario() -> None:
    paths = sorted(builtin_scenario_dir().glob("[!_]*.py"))
    assert len(paths) >= 6
    for path in paths:
        assert read_scenario(path, builtin=True).kind == "scenario", path.name
    assert {s.kind for s in discover()[0]} == {"scenario"}


# --------------------------------------------------------------------------- running

WORKERS = '''\
"""Five workers, two at a time"""
import asyncio


async def worker(sem, i):
    async with sem:
        await asyncio.sleep(0.5)
        print(f"worker {i} done")


async def main():
    sem = asyncio.Semaphore(2)
    tasks = [asyncio.create_task(worker(sem, i), name=f"worker-{i}") for i in range(5)]
    await asyncio.gather(*tasks)

asyncio.run(main())
'''


@pytest.mark.parametrize("clock", ["real", "virtual"])
def test_run_runs_a_program_exactly_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], clock: str
) -> None:
    prog = write(tmp_path, "workers.py", WORKERS)
    out = tmp_path / "out.json"
    code = cli.main(["run", str(prog), "--summary", "--trace", str(out), "--clock", clock])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    for i in range(5):
        assert captured.out.count(f"worker {i} done") == 1
    trace = load(out)
    assert trace.meta["clock"] == clock
    names = [task.name for task in trace.tasks]
    assert len(names) == 6  # main and its five workers: main() ran once
    assert sorted(n for n in names if n.startswith("worker-")) == [f"worker-{i}" for i in range(5)]
    (main_task,) = [n for n in names if not n.startswith("worker-")]
    assert main_task.startswith("Task-")  # asyncio.run's own task
    if clock == "virtual":
        # 3 rounds of 0.5 s, exactly: the program ran once, from the recording's start
        assert abs(trace.duration - 1.5) <= 0.05
        assert min(task.created for task in trace.tasks) < 0.05
    else:
        assert trace.duration >= 1.45


def test_run_defaults_to_the_virtual_clock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prog = write(tmp_path, "workers.py", WORKERS)
    out = tmp_path / "out.json"
    assert cli.main(["run", str(prog), "--trace", str(out)]) == 0
    assert load(out).meta["clock"] == "virtual"
    assert capsys.readouterr().out.count("worker 4 done") == 1


def test_a_program_gets_its_own_argv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seen = tmp_path / "argv.json"
    prog = write(
        tmp_path,
        "argv.py",
        f"""\
        import asyncio
        import json
        import sys


        async def main():
            await asyncio.sleep(0.1)
            with open({str(seen)!r}, "w") as f:
                json.dump(sys.argv, f)


        if __name__ == "__main__":
            asyncio.run(main())
        """,
    )
    # (a bare `asyncio.run(main())` guard and a valid main: it is a scenario, and a
    # scenario takes no arguments after --)
    assert find(str(prog)).kind == "scenario"
    assert cli.main(["run", str(prog), "--", "a"]) == 2
    assert "takes no arguments after --" in capsys.readouterr().err

    prog.write_text(prog.read_text() + "    print('ran', len(sys.argv))\n", encoding="utf-8")
    assert find(str(prog)).kind == "program"
    before = sys.argv[:]
    assert cli.main(["run", str(prog), "--summary", "--", "a", "b"]) == 0
    assert json.loads(seen.read_text()) == [str(prog), "a", "b"]
    assert sys.argv == before  # asyncviz's own, back
    assert capsys.readouterr().out.count("ran 3") == 1
    # options before -- are asyncviz's, after it the program's
    assert cli.main(["run", str(prog), "--", "--summary", "--param", "x=1"]) == 0
    assert json.loads(seen.read_text()) == [str(prog), "--summary", "--param", "x=1"]
    assert "task " not in capsys.readouterr().out  # no summary: that --summary was theirs


def test_param_on_a_program_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "ran"
    prog = write(
        tmp_path,
        "prog.py",
        f"import asyncio\nasync def main():\n    open({str(marker)!r}, 'w').close()\n"
        "asyncio.run(main())\n",
    )
    assert cli.main(["run", str(prog), "--param", "n=3"]) == 2
    err = capsys.readouterr().err
    assert "plain program" in err and "--param" in err
    assert not marker.exists()


def test_a_programs_exit_code_and_exception(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exits = write(
        tmp_path, "exits.py", "import asyncio, sys\nasyncio.run(asyncio.sleep(0))\nsys.exit(3)\n"
    )
    assert cli.main(["run", str(exits)]) == 3
    fails = write(
        tmp_path,
        "fails.py",
        "import asyncio\nasync def main():\n    raise RuntimeError('boom')\nasyncio.run(main())\n",
    )
    assert cli.main(["run", str(fails)]) == 1
    err = capsys.readouterr().err
    assert err.count("RuntimeError: boom") == 2  # the traceback, then asyncviz's line
    assert "Traceback" in err


# --------------------------------------------------------------------------- listing


def test_list_shows_programs_in_their_own_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "mine"
    write(folder, "prog.py", '"""My program"""\nimport asyncio\nasyncio.run(asyncio.sleep(0))\n')
    write(folder, "scen.py", '"""My scenario"""\nasync def main(n: int = 1) -> None:\n    pass\n')

    assert cli.main(["list", "--json", "--scenarios", str(folder)]) == 0
    listed = {s["id"]: s for s in json.loads(capsys.readouterr().out)}
    assert listed["prog"]["kind"] == "program" and listed["prog"]["params"] == []
    assert listed["prog"]["section"] == PROGRAMS_SECTION
    assert listed["scen"]["kind"] == "scenario"
    assert listed["gather_basics"]["kind"] == "scenario"

    assert cli.main(["list", "--scenarios", str(folder)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2] == f"{PROGRAMS_SECTION}:"  # the last section
    assert lines[-1].split() == [
        "prog",
        "My",
        "program",
        "(program:",
        "runs",
        "as",
        "python",
        "prog.py)",
    ]
    section = lines.index("Your scenarios:")
    assert lines[section + 1].split()[:3] == ["scen", "My", "scenario"]


def test_the_browser_shows_programs_in_the_last_section(qtbot: Any, tmp_path: Path) -> None:
    from visualizer.app.browser import ID_ROLE, SECTION_ROLE
    from visualizer.app.window import MainWindow

    mine = read_scenario(write(tmp_path, "mine.py", '"""Mine"""\nasync def main():\n    pass\n'))
    prog = read_scenario(
        write(tmp_path, "prog.py", "import asyncio\nasyncio.run(asyncio.sleep(0))\n")
    )
    window = MainWindow([prog, *discover()[0], mine])
    qtbot.addWidget(window)
    browser = window.browser
    rows = [
        (browser.item(row).data(SECTION_ROLE), browser.item(row).data(ID_ROLE))
        for row in range(browser.count())
    ]
    assert rows[-4:] == [
        ("Your scenarios", None),
        (None, "mine"),
        (PROGRAMS_SECTION, None),
        (None, "prog"),
    ]


def test_the_browser_shows_a_title_without_its_code_marks(qtbot: Any, tmp_path: Path) -> None:
    """A docstring's title in reStructuredText (````cancel()````) is listed as it reads."""
    from visualizer.app.browser import ID_ROLE
    from visualizer.app.window import MainWindow

    text = '"""A worker that swallows ``cancel()``."""\nasync def main():\n    pass\n'
    mine = read_scenario(write(tmp_path, "swallows.py", text))
    window = MainWindow([mine])
    qtbot.addWidget(window)
    browser = window.browser
    [item] = [browser.item(r) for r in range(browser.count()) if browser.item(r).data(ID_ROLE)]
    assert item.text() == "A worker that swallows cancel()."
    assert item.toolTip() == "A worker that swallows cancel(). (swallows)"
