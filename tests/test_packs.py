"""Scenario packs: a course's scenarios installed with pip, listed in a section of their own.

The example pack (``docs/examples/pack``) is installed for real: pip builds its wheel (no
build isolation, no index: the test extras bring setuptools) and installs it with
``--target`` into a folder of the test run, with its ``.dist-info`` (where its entry point
is), and that folder is put on the path: first of a subprocess's (``asyncviz list``,
``asyncviz run``), or of this process's (the browser).  Not into the test venv itself:
other runs share it, and a pack left in it would be in their listings.

The broken packs are written as an installer leaves them (a package's folder beside its
``NAME-VERSION.dist-info`` with ``METADATA`` and ``entry_points.txt``), read by the real
``importlib.metadata``: one folder of them, and each problem said beside the good pack.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from visualizer.app.browser import ID_ROLE, SECTION_ROLE, ScenarioBrowser
from visualizer.app.window import MainWindow
from visualizer.session.packs import installed_packs
from visualizer.session.scenarios import (
    ENV_VAR,
    ScenarioError,
    discover,
    find,
    grouped,
    load_main,
)
from visualizer.trace.fileformat import load

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs/examples/pack"
PACK_IDS = ["example-course/ping_pong", "example-course/deadline"]  # (in ORDER)

LESSON = '''\
"""{title}

What to look for: a task named {name!r}.
"""
import asyncio


async def main() -> None:
    await asyncio.create_task(asyncio.sleep(0.5), name={name!r})
'''


@pytest.fixture(autouse=True)
def _no_env_dirs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own ``$ASYNCVIZ_SCENARIOS`` out of the results."""
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example pack, pip-installed into a folder of its own (the wheel built from a
    copy: pip builds in the source folder, and the repository's must stay clean)."""
    work = tmp_path_factory.mktemp("pack")
    shutil.copytree(EXAMPLE, work / "source", ignore=shutil.ignore_patterns("__pycache__"))
    # --no-build-isolation: the test extras bring setuptools, so no download
    offline = ["--no-build-isolation", "--no-deps", "--no-index"]
    target = ["--target", str(work / "site"), str(work / "source")]
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", *offline, *target],
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    return work / "site"


def asyncviz(sites: list[Path], cwd: Path, *words: str) -> subprocess.CompletedProcess[str]:
    """``asyncviz WORDS`` in a process whose path has ``sites`` first (as an installed
    package's folder is), from ``cwd`` (not the repository)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*map(str, sites), str(ROOT)])}
    env.pop(ENV_VAR, None)
    return subprocess.run(
        [sys.executable, "-m", "visualizer", *words],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def install_by_hand(site: Path, dist: str, entry: str, folders: dict[str, str] = {}) -> None:  # noqa: B006
    """What an installer leaves for distribution ``dist``: its ``.dist-info`` declaring the
    entry point line ``entry`` (``NAME = VALUE``), and ``folders`` (path: file text)."""
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\nSummary: {dist}'s lessons\n"
    )
    (info / "entry_points.txt").write_text(f"[asyncviz.scenarios]\n{entry}\n")
    for name, text in folders.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def lesson(title: str, name: str = "worker") -> str:
    return LESSON.format(title=title, name=name)


# --------------------------------------------------------------------------- installed with pip


def test_asyncviz_list_shows_the_installed_pack_after_the_builtins(
    site: Path, tmp_path: Path
) -> None:
    listed = asyncviz([site], tmp_path, "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr == ""
    headers = [line for line in listed.stdout.splitlines() if not line.startswith(" ")]
    # after every built-in section (the last: "Beyond the basics"), in a section of its own
    assert headers[-2:] == ["Beyond the basics:", "example-course (pack: example-course 1.0.0):"]
    section = listed.stdout.split("example-course (pack:")[1].splitlines()[1:]
    assert [line.split()[0] for line in section] == PACK_IDS
    assert "Ping-pong: two tasks hand a ball back and forth through queues" in section[0]

    as_json = json.loads(asyncviz([site], tmp_path, "list", "--json").stdout)
    packed = [s for s in as_json if s["pack"] is not None]
    assert [s["id"] for s in packed] == PACK_IDS  # (by ORDER: 10 and 20)
    assert packed[0]["pack"] == {
        "name": "example-course",
        "distribution": "example-course",
        "version": "1.0.0",
    }
    assert {s["section"] for s in packed} == {"example-course"}
    assert Path(packed[0]["path"]).is_relative_to(site / "example_course/scenarios")
    assert all(s["pack"] is None and s["builtin"] for s in as_json if s not in packed)


def test_asyncviz_run_runs_a_packs_scenario_named_with_or_without_its_pack(
    site: Path, tmp_path: Path
) -> None:
    ran = asyncviz(
        [site], tmp_path, "run", "example-course/deadline", "--clock", "ideal", "--trace", "d.json"
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "gave up after 1.0 s\n"
    trace = load(tmp_path / "d.json")
    assert trace.meta.get("source") == "example-course/deadline"
    server = next(t for t in trace.tasks if t.name == "server")
    # (the ideal clock: a step takes no time, a bookkeeping nanosecond or so)
    assert (server.outcome, server.ended) == ("cancelled", pytest.approx(1.0, abs=1e-6))

    # no other scenario is called ping_pong: the pack's name may be left out
    ran = asyncviz([site], tmp_path, "run", "ping_pong", "--clock", "ideal", "--trace", "p.json")
    assert ran.returncode == 0, ran.stderr
    trace = load(tmp_path / "p.json")
    assert trace.meta.get("source") == "example-course/ping_pong"
    ends = {t.name: t.ended for t in trace.tasks}
    assert ends == {name: pytest.approx(3.0, abs=1e-6) for name in ("main", "ping", "pong")}


def test_the_browser_lists_the_pack_in_its_section(
    site: Path, tmp_path: Path, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(site))
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "my_lesson.py").write_text(lesson("My own lesson"))
    scenarios, errors = discover([mine])
    assert errors == []
    browser = ScenarioBrowser(scenarios)
    qtbot.addWidget(browser)
    headers = [
        browser.item(row).data(SECTION_ROLE)
        for row in range(browser.count())
        if browser.item(row).data(SECTION_ROLE) is not None
    ]
    # after the built-ins' sections, before the user's own
    assert headers[-3:] == ["Beyond the basics", "example-course", "Your scenarios"]
    header = browser.row_of(PACK_IDS[0]) - 1
    assert browser.item(header).text() == "example-course 1.0.0"
    assert browser.item(header).toolTip().splitlines() == [
        "Two asyncio lessons, shipped as an asyncviz scenario pack",
        "Scenario pack installed from example-course 1.0.0",
    ]
    rows = [browser.item(header + 1 + i) for i in range(2)]
    assert [row.data(ID_ROLE) for row in rows] == PACK_IDS
    assert rows[1].text() == "A deadline: giving up on a slow call with asyncio.timeout()"
    browser.retranslate("zh_CN")  # a pack's name is its name in any language; its lesson's
    assert browser.item(header).text() == "example-course 1.0.0"  # title is in Chinese
    assert rows[1].text() == "截止时间：用 asyncio.timeout() 放弃一个慢调用"
    browser.filter("ping", None)  # the filter finds a pack's scenario by its id
    shown = [r for r in range(browser.count()) if not browser.item(r).isHidden()]
    assert shown == [header, header + 1]


def test_the_window_shows_a_packs_file_read_only(
    site: Path, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(site))
    scenarios, _ = discover()
    window = MainWindow(scenarios)
    qtbot.addWidget(window)
    window.select("example-course/deadline")
    qtbot.waitUntil(lambda: window.source.path == window.scenarios[PACK_IDS[1]].path)
    assert window.source.isReadOnly()
    assert window.source.toPlainText().startswith('"""A deadline: giving up on a slow call')
    # a trace naming a pack's file has it shown unasked, as a built-in's
    assert window.source.may_show(window.scenarios[PACK_IDS[0]].path)
    assert all(s.read_only for s in scenarios)


# --------------------------------------------------------------------------- written by hand


def test_listing_a_pack_imports_none_of_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pack's package (its ``__init__``) never runs: not to list it, not to find a
    scenario in it, not to run one (its file is run alone, as the built-ins' are)."""
    ran = tmp_path / "ran"
    install_by_hand(
        tmp_path / "site",
        "hostile-course",
        "hostile = hostile_course.lessons",
        {
            "hostile_course/__init__.py": f"open({str(ran)!r}, 'w').close()\nraise SystemExit(3)\n",
            "hostile_course/lessons/__init__.py": f"open({str(ran)!r}, 'w').close()\n",
            "hostile_course/lessons/first.py": lesson("First lesson"),
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    scenarios, errors = discover()
    assert errors == []
    first = find("hostile/first")
    assert first in scenarios and first.pack is not None
    assert (first.pack.name, first.pack.version, first.title) == ("hostile", "1.0", "First lesson")
    assert load_main(first).__module__ == "asyncviz_scenario_hostile_first"
    assert not ran.exists()
    assert "hostile_course" not in sys.modules


def test_broken_packs_are_reported_beside_the_good_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    good = {"good_course/__init__.py": "", "good_course/one.py": lesson("One")}
    install_by_hand(site, "good-course", "good = good_course", good)
    install_by_hand(site, "object-course", "obj = object_course:scenarios")
    install_by_hand(site, "gone-course", "gone = gone_course.scenarios")
    install_by_hand(site, "module-course", "mod = module_course", {"module_course.py": ""})
    install_by_hand(
        site,
        "missing-course",
        "missing = missing_course.scenarios",
        {"missing_course/__init__.py": ""},
    )
    install_by_hand(
        site,
        "empty-course",
        "empty = empty_course",
        {"empty_course/__init__.py": "", "empty_course/_helper.py": ""},
    )
    install_by_hand(site, "spaced-course", "a b = good_course")
    later = tmp_path / "later"  # (later on the path: the same name as an earlier pack's)
    install_by_hand(
        later, "twin-course", "good = twin_course", {"twin_course/two.py": lesson("Two")}
    )
    install_by_hand(
        site,
        "cracked-course",
        "cracked = cracked_course",
        {"cracked_course/fine.py": lesson("Fine"), "cracked_course/bad.py": "def main(:\n"},
    )
    monkeypatch.syspath_prepend(str(later))
    monkeypatch.syspath_prepend(str(site))
    scenarios, errors = discover()
    packed = sorted(s.id for s in scenarios if s.pack is not None)
    assert packed == ["cracked/fine", "good/one"]
    said = sorted(str(error) for error in errors)
    assert len(said) == 8, said
    expected = [
        "bad.py: syntax error at line 1",
        "scenario pack 'a b' of spaced-course 1.0: a pack's name is letters, digits and . _ -",
        "scenario pack 'empty' of empty-course 1.0: ",  # (its folder: in the message)
        "scenario pack 'gone' of gone-course 1.0: package 'gone_course' is not installed",
        "scenario pack 'good' of twin-course 1.0: ignored in favour of the one of good-course",
        "scenario pack 'missing' of missing-course 1.0: package 'missing_course.scenarios' is"
        " missing: no folder ",
        "scenario pack 'mod' of module-course 1.0: 'module_course' is a module (",
        "scenario pack 'obj' of object-course 1.0: the entry point's value"
        " 'object_course:scenarios' is not a package's name; name the package whose folder"
        ' holds the scenarios, as in obj = "object_course.scenarios"',
    ]
    for start in expected:
        assert any(start in line for line in said), (start, said)
    assert any("empty_course holds no scenarios" in line for line in said)

    # `asyncviz list` says each, and lists the rest
    listed = asyncviz([site, later], tmp_path, "list")
    assert listed.returncode == 0
    assert "  good/one " in listed.stdout and "  cracked/fine " in listed.stdout
    skipped = [line for line in listed.stderr.splitlines() if line.startswith("asyncviz: skipped")]
    assert len(skipped) == 8, listed.stderr
    # a scenario named in a broken file is that file's error
    with pytest.raises(ScenarioError, match="syntax error at line 1"):
        find("cracked/bad")


def test_no_pack_takes_a_builtins_id_and_a_name_in_two_packs_needs_its_pack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    for course in ("alpha", "beta"):
        install_by_hand(
            site,
            f"{course}-course",
            f"{course} = {course}_course",
            {
                f"{course}_course/gather_basics.py": lesson(f"{course}'s gather"),
                f"{course}_course/hello.py": lesson(f"{course}'s hello"),
            },
        )
    monkeypatch.syspath_prepend(str(site))
    scenarios, errors = discover()
    assert errors == []
    assert find("gather_basics").builtin  # the built-in's id stays the built-in's
    assert find("alpha/gather_basics").title == "alpha's gather"
    with pytest.raises(ScenarioError, match=r"of 2 packs: name one \(alpha/hello, beta/hello\)"):
        find("hello")
    # a pack's file named by its path is the pack's scenario (a trace's source says so)
    by_path = find(site / "beta_course/hello.py")
    assert (by_path.id, by_path.pack) == ("beta/hello", find("beta/hello").pack)
    # sections: one per pack, by name, after the built-ins'
    titles = [title for title, _ in grouped(scenarios)]
    assert titles[-2:] == ["alpha", "beta"]
    assert [p.name for p in installed_packs()[0]] == ["alpha", "beta"]


def test_a_path_that_is_not_there_is_said_so_not_taken_for_a_pack(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"^lessons/first: no such scenario file, nor an"):
        find("lessons/first")


class _ExplodingFinder:
    """An import finder that raises for one name (as a broken editable install's may)."""

    @staticmethod
    def find_spec(name: str, path: object = None, target: object = None) -> None:
        if name == "exploding_course":
            raise RuntimeError("the finder broke")
        return None


def test_a_pack_whose_finder_raises_is_said_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    install_by_hand(
        site, "good-course", "good = good_course", {"good_course/one.py": lesson("One")}
    )
    install_by_hand(site, "exploding-course", "boom = exploding_course")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(sys, "meta_path", [_ExplodingFinder(), *sys.meta_path])
    scenarios, errors = discover()
    assert [s.id for s in scenarios if s.pack is not None] == ["good/one"]
    assert [str(e) for e in errors] == [
        "scenario pack 'boom' cannot be read: RuntimeError('the finder broke')"
    ]
