"""Scenario discovery: listing reads files without running them, and bad files stay local.

Everything works on real files written to ``tmp_path``; the built-in scenarios
are checked both through discovery and by running each one as a plain script.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from visualizer.session.scenario_file import checks_listed
from visualizer.session.scenarios import (
    ENV_VAR,
    Scenario,
    ScenarioError,
    ScenarioParam,
    bind_params,
    builtin_scenario_dir,
    discover,
    find,
    load_main,
    read_scenario,
    scenario_dirs,
)
from visualizer.session.user_folder import user_folder

# The starter set, in ORDER; more built-ins may be added without breaking these tests.
BUILTIN_IDS = [
    "create_task_basics",
    "sequential_vs_concurrent",
    "gather_basics",
    "task_exception",
    "semaphore_workers",
    "cancellation",
]

PARAMS_SOURCE = '''\
"""Knobs

Shows every supported parameter type.
"""
from typing import Literal
import typing

TAGS = ["demo", "params"]
ORDER = 5


async def main(
    n: int = 3,
    delay: float = 1,
    verbose: bool = False,
    label: str = "hi",
    mode: Literal["fast", "slow"] = "slow",
    *,
    level: typing.Literal[1, 2, 3] = 2,
    offset: int = -4,
) -> None:
    pass
'''


@pytest.fixture(autouse=True)
def _no_env_dirs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own ``$ASYNCVIZ_SCENARIOS`` out of the results."""
    monkeypatch.delenv(ENV_VAR, raising=False)


def write(directory: Path, name: str, source: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def simple(title: str = "Simple", order: int | None = None) -> str:
    order_line = f"ORDER = {order}\n" if order is not None else ""
    return f'"""{title}\n\nBody.\n"""\n{order_line}\nasync def main() -> None:\n    pass\n'


# --------------------------------------------------------------------------- built-ins


def test_builtin_dir_is_found() -> None:
    directory = builtin_scenario_dir()
    assert directory.is_dir()
    assert (directory / "create_task_basics.py").is_file()
    assert scenario_dirs()[0] == directory.resolve()


def test_builtins_are_discovered_in_order() -> None:
    scenarios, errors = discover()
    assert errors == []
    assert [s.id for s in scenarios if s.id in BUILTIN_IDS] == BUILTIN_IDS
    orders = [s.order for s in scenarios]
    assert orders == sorted(orders)
    assert [find(i).order for i in BUILTIN_IDS] == [10, 20, 30, 40, 50, 60]
    for scenario in scenarios:
        assert scenario.builtin
        assert scenario.title and "\n" not in scenario.title
        assert "What to look for" in scenario.explanation
        assert scenario.explanation == scenario.explanation.strip()
        assert scenario.tags and all(isinstance(tag, str) for tag in scenario.tags)
        assert scenario.path.is_absolute() and scenario.path.stem == scenario.id
        json.dumps(scenario.to_json())  # plain data all the way down


def test_builtin_params() -> None:
    mode = find("sequential_vs_concurrent").param("mode")
    assert mode.kind == "choice"
    assert mode.choices == ("sequential", "concurrent")
    assert mode.default == "concurrent"

    sem = find("semaphore_workers")
    assert [(p.name, p.kind, p.default) for p in sem.params] == [
        ("workers", "int", 6),
        ("limit", "int", 2),
        ("work", "float", 1.0),
    ]
    assert find("create_task_basics").params == ()


# --------------------------------------------------------------------------- params


def test_params_are_parsed(tmp_path: Path) -> None:
    scenario = read_scenario(write(tmp_path, "knobs.py", PARAMS_SOURCE))
    assert scenario.id == "knobs"
    assert scenario.title == "Knobs"
    assert scenario.explanation == "Shows every supported parameter type."
    assert scenario.tags == ("demo", "params")
    assert scenario.order == 5
    assert not scenario.builtin
    assert scenario.params == (
        ScenarioParam("n", "int", 3, "int"),
        ScenarioParam("delay", "float", 1.0, "float"),
        ScenarioParam("verbose", "bool", False, "bool"),
        ScenarioParam("label", "str", "hi", "str"),
        ScenarioParam("mode", "Literal['fast', 'slow']", "slow", "choice", ("fast", "slow")),
        ScenarioParam("level", "typing.Literal[1, 2, 3]", 2, "choice", (1, 2, 3)),
        ScenarioParam("offset", "int", -4, "int"),
    )
    assert isinstance(scenario.param("delay").default, float)
    assert scenario.to_json()["params"][4] == {  # type: ignore[index]
        "name": "mode",
        "type": "Literal['fast', 'slow']",
        "default": "slow",
        "choices": ["fast", "slow"],
    }


def test_convert() -> None:
    assert ScenarioParam("n", "int", 3, "int").convert(" 12 ") == 12
    assert ScenarioParam("x", "float", 1.0, "float").convert("2.5") == 2.5
    assert ScenarioParam("s", "str", "", "str").convert(" a b ") == " a b "
    flag = ScenarioParam("v", "bool", False, "bool")
    for text in ("true", "True", "1", "yes", "YES"):
        assert flag.convert(text) is True
    for text in ("false", "0", "no", "No"):
        assert flag.convert(text) is False
    level = ScenarioParam("level", "Literal[1, 2]", 1, "choice", (1, 2))
    assert level.convert("2") == 2


@pytest.mark.parametrize(
    ("param", "text", "message"),
    [
        (ScenarioParam("n", "int", 3, "int"), "3.5", "'n' expects an integer"),
        (ScenarioParam("n", "int", 3, "int"), "", "'n' expects an integer"),
        (ScenarioParam("x", "float", 1.0, "float"), "fast", "'x' expects a number"),
        (ScenarioParam("v", "bool", False, "bool"), "maybe", "'v' expects a bool"),
        (
            ScenarioParam("mode", "Literal['a', 'b']", "a", "choice", ("a", "b")),
            "c",
            "'mode' must be one of: a, b",
        ),
    ],
)
def test_convert_errors(param: ScenarioParam, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        param.convert(text)


def test_bind_params(tmp_path: Path) -> None:
    scenario = read_scenario(write(tmp_path, "knobs.py", PARAMS_SOURCE))
    bound = bind_params(scenario, {"n": "7", "mode": "fast", "verbose": "yes"})
    assert bound == {
        "n": 7,
        "delay": 1.0,
        "verbose": True,
        "label": "hi",
        "mode": "fast",
        "level": 2,
        "offset": -4,
    }
    with pytest.raises(ScenarioError, match=r"no parameter 'nope'.*n, delay, verbose"):
        bind_params(scenario, {"nope": "1"})
    with pytest.raises(ScenarioError, match=r"knobs.*'n' expects an integer"):
        bind_params(scenario, {"n": "many"})


# --------------------------------------------------------------------------- bad files

BROKEN = {
    "syntax.py": ("async def main(:\n    pass\n", r"syntax error at line 1"),
    "badtags.py": ("TAGS = 'basics'\nasync def main():\n    pass\n", "TAGS must be"),
    "badorder.py": ("ORDER = '1'\nasync def main():\n    pass\n", "ORDER must be"),
}

#: not in the scenario form, but good Python: plain programs (issue 12), listed, not errors
PROGRAMS = {
    "nomain.py": '"""No main"""\nasync def run() -> None:\n    pass\n',
    "syncmain.py": "def main() -> None:\n    pass\n",
    "unannotated.py": "async def main(n=3):\n    pass\n",
    "nodefault.py": "async def main(n: int):\n    pass\n",
    "notliteral.py": "X = 3\nasync def main(n: int = X):\n    pass\n",
    "wrongtype.py": "async def main(n: int = 'x'):\n    pass\n",
    "badchoice.py": (
        "from typing import Literal\nasync def main(m: Literal['a'] = 'b'):\n    pass\n"
    ),
    "unsupported.py": "async def main(n: list[int] = []):\n    pass\n",
    "varargs.py": "async def main(*args: int):\n    pass\n",
}


def test_broken_files_are_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "mine"
    for name, (source, _) in BROKEN.items():
        write(directory, name, source)
    for name, source in PROGRAMS.items():
        write(directory, name, source)
    write(directory, "good.py", simple("Good one"))
    monkeypatch.setenv(ENV_VAR, str(directory))

    scenarios, errors = discover()
    mine = {s.id: s.kind for s in scenarios if not s.builtin}
    assert mine == {"good": "scenario", **{Path(name).stem: "program" for name in PROGRAMS}}
    by_file = {error.path.name: str(error) for error in errors if error.path}
    assert set(by_file) == set(BROKEN)
    for name, (_, pattern) in BROKEN.items():
        message = by_file[name]
        assert str(directory / name) in message  # always names the file
        assert re.search(pattern, message), (name, message)


def test_read_scenario_raises_for_direct_use(tmp_path: Path) -> None:
    path = write(tmp_path, "syntax.py", "x = 1\nasync def main(:\n    pass\n")
    with pytest.raises(ScenarioError, match="line 2") as info:
        read_scenario(path)
    assert info.value.path == path.resolve()
    assert isinstance(info.value, ValueError)


def test_listing_never_executes_code(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    write(
        tmp_path / "dir",
        "sneaky.py",
        f'"""Sneaky"""\nopen({str(marker)!r}, "w").close()\n\n'
        "async def main() -> None:\n    pass\n",
    )
    scenarios, errors = discover([tmp_path / "dir"])
    assert "sneaky" in [s.id for s in scenarios] and errors == []
    assert not marker.exists()


def test_no_docstring_falls_back_to_id(tmp_path: Path) -> None:
    scenario = read_scenario(write(tmp_path, "bare.py", "async def main():\n    pass\n"))
    assert scenario.title == "bare"
    assert scenario.explanation == ""
    assert scenario.tags == ()
    assert scenario.order == 1000


def test_explain_zh_is_read_and_chosen_by_language(tmp_path: Path) -> None:
    source = '''"""Waiting

Explanation.

What to look for:

- a thing.
"""
EXPLAIN_ZH = """\\
等待

说明。

要看什么：

- 一件事。
"""

async def main():
    pass
'''
    scenario = read_scenario(write(tmp_path, "waiting.py", source))
    assert scenario.title_zh == "等待"
    assert scenario.explanation_zh.startswith("说明。") and "- 一件事。" in scenario.explanation_zh
    assert scenario.text("zh_CN") == (scenario.title_zh, scenario.explanation_zh)
    assert scenario.text("en_GB") == ("Waiting", scenario.explanation)
    bare = read_scenario(write(tmp_path, "bare.py", "async def main():\n    pass\n"))
    assert bare.text("zh_CN") == (bare.title, bare.explanation)  # no Chinese: the docstring
    broken = write(tmp_path, "broken.py", "EXPLAIN_ZH = f'{1}'\nasync def main():\n    pass\n")
    with pytest.raises(ScenarioError, match="EXPLAIN_ZH must be a string literal"):
        read_scenario(broken)


def test_every_builtin_explains_itself_in_english_and_chinese() -> None:
    """Issue 4: a title, an explanation with "What to look for", tags; the same in
    Simplified Chinese (``EXPLAIN_ZH``) with its "要看什么" list."""
    for scenario in discover()[0]:
        if not scenario.builtin:
            continue
        assert scenario.title and scenario.tags, scenario.id
        assert "What to look for:" in scenario.explanation, scenario.id
        assert scenario.title_zh, f"{scenario.id}: no EXPLAIN_ZH"
        assert "要看什么：" in scenario.explanation_zh, scenario.id
        # as many "look for" items in both languages
        english = len(re.findall(r"^- ", scenario.explanation, re.M))
        chinese = len(re.findall(r"^- ", scenario.explanation_zh, re.M))
        assert english == chinese >= 2, (scenario.id, english, chinese)


# --------------------------------------------------------------------------- directories


def test_env_var_and_extra_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_a, env_b, extra = tmp_path / "a", tmp_path / "b", tmp_path / "extra"
    write(env_a, "alpha.py", simple("Alpha"))
    write(env_b, "beta.py", simple("Beta"))
    write(extra, "gamma.py", simple("Gamma", order=1))
    write(extra, "_helper.py", "this is not python (")  # private: skipped
    monkeypatch.setenv(ENV_VAR, os.pathsep.join([str(env_a), "", str(env_b)]))

    assert scenario_dirs([extra]) == [
        builtin_scenario_dir().resolve(),
        user_folder().resolve(),  # (the user's own: right after the built-ins)
        env_a.resolve(),
        env_b.resolve(),
        extra.resolve(),
    ]
    scenarios, errors = discover([extra])
    assert errors == []
    ids = [s.id for s in scenarios]
    assert ids[0] == "gamma"  # ORDER = 1 sorts before the built-ins
    assert [i for i in ids if i in BUILTIN_IDS] == BUILTIN_IDS
    assert ids[-2:] == ["alpha", "beta"]  # default ORDER, then by id
    assert not any(s.builtin for s in scenarios if s.id in {"alpha", "beta", "gamma"})


def test_missing_dir_is_an_error(tmp_path: Path) -> None:
    scenarios, errors = discover([tmp_path / "nope"])
    assert all(s.builtin for s in scenarios)
    assert len(errors) == 1 and "does not exist" in str(errors[0])


def test_duplicate_id_keeps_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = write(tmp_path / "first", "dup.py", simple("First"))
    second = write(tmp_path / "second", "dup.py", simple("Second"))
    shadow = write(tmp_path / "second", "gather_basics.py", simple("Impostor"))
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "first"))

    scenarios, errors = discover([tmp_path / "second", tmp_path / "first"])
    by_id = {s.id: s for s in scenarios}
    assert by_id["dup"].title == "First" and by_id["dup"].path == first.resolve()
    assert by_id["gather_basics"].builtin  # a user dir cannot shadow a built-in
    assert sorted(str(e.path) for e in errors) == sorted([str(second), str(shadow)])
    assert all("duplicate scenario id" in str(e) for e in errors)


# --------------------------------------------------------------------------- find


def test_find_by_id_and_path(tmp_path: Path) -> None:
    assert find("cancellation").id == "cancellation"
    assert find("cancellation").builtin

    path = write(tmp_path, "elsewhere.py", simple("Elsewhere"))
    by_path = find(str(path))
    assert by_path.id == "elsewhere" and by_path.title == "Elsewhere"
    assert not by_path.builtin
    assert find(path) == by_path
    assert find(builtin_scenario_dir() / "gather_basics.py").builtin
    assert find("mine", [write(tmp_path / "d", "mine.py", simple()).parent]).id == "mine"


def test_find_errors(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"unknown scenario 'nope'.*asyncviz list"):
        find("nope")
    with pytest.raises(ScenarioError, match="no such scenario file"):
        find(str(tmp_path / "missing.py"))
    write(tmp_path / "d", "broken.py", "async def main(:\n    pass\n")
    with pytest.raises(ScenarioError, match="syntax error"):
        find("broken", [tmp_path / "d"])
    write(tmp_path / "d", "plain.py", "async def main(n):\n    pass\n")
    assert find("plain", [tmp_path / "d"]).kind == "program"  # (issue 12: not an error)


# --------------------------------------------------------------------------- loading


def test_load_main_returns_coroutine_function(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "loadme.py",
        '''\
        """Load me"""
        import asyncio
        import dataclasses


        @dataclasses.dataclass
        class Box:  # needs the module in sys.modules while it is created
            value: int


        async def main(n: int = 2) -> int:
            await asyncio.sleep(0)
            return Box(n * 21).value
        ''',
    )
    scenario = read_scenario(path)
    main = load_main(scenario)
    assert inspect.iscoroutinefunction(main)
    assert main.__module__ == "asyncviz_scenario_loadme"
    assert sys.modules["asyncviz_scenario_loadme"].__file__ == str(path.resolve())
    assert asyncio.run(main(**bind_params(scenario, {}))) == 42
    assert str(tmp_path) not in sys.path


def test_load_main_propagates_import_errors(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "explodes.py",
        'raise RuntimeError("boom at import")\n\nasync def main() -> None:\n    pass\n',
    )
    scenario = read_scenario(path)  # listing is fine: nothing runs
    with pytest.raises(RuntimeError, match="boom at import"):
        load_main(scenario)
    assert "asyncviz_scenario_explodes" not in sys.modules


def test_load_main_for_every_builtin() -> None:
    scenarios, _ = discover()
    for scenario in scenarios:
        assert inspect.iscoroutinefunction(load_main(scenario)), scenario.id


# --------------------------------------------------------------------------- scripts


def test_builtins_run_as_plain_scripts() -> None:
    # Real time: each script really sleeps (up to ~3 s); run in parallel so the
    # whole test takes about as long as the slowest one.
    scenarios, _ = discover()
    assert {s.id for s in scenarios} >= set(BUILTIN_IDS)

    def run(scenario: Scenario) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(scenario.path)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    with ThreadPoolExecutor(max_workers=len(scenarios)) as pool:
        results = dict(zip((s.id for s in scenarios), pool.map(run, scenarios), strict=True))
    for scenario_id, result in results.items():
        assert result.returncode == 0, (scenario_id, result.stderr)
        assert result.stdout, scenario_id
    assert "[24, 6, 2]" in results["gather_basics"].stdout
    # The script times itself on the real clock, so only its order and its lower bound
    # are facts: how much later than 2 s it ends depends on how busy the machine is.
    timed = re.fullmatch(
        r"hello\nworld\nconcurrent: finished in (\d+\.\d) s\n",
        results["sequential_vs_concurrent"].stdout,
    )
    assert timed, results["sequential_vs_concurrent"].stdout
    assert float(timed.group(1)) >= 2.0


def test_the_catalogue_shows_every_builtin() -> None:
    """docs/scenarios.md and docs/scenarios/ID.png (made by tools/catalogue.py) hold every
    built-in scenario, each with its explanation as the file says it now."""
    root = Path(__file__).resolve().parent.parent
    page = (root / "docs" / "scenarios.md").read_text(encoding="utf-8")
    for scenario in discover()[0]:
        if not scenario.builtin:
            continue
        picture = root / "docs" / "scenarios" / f"{scenario.id}.png"
        assert picture.stat().st_size > 5000, f"{picture}: run tools/catalogue.py"
        assert f"## {scenario.title}\n" in page, f"{scenario.id}: run tools/catalogue.py"
        assert scenario.explanation.strip() in page, f"{scenario.id}: run tools/catalogue.py"
        for check in checks_listed(scenario.path):  # (what the lesson proves, said there)
            assert f"- {check.claim}\n" in page, f"{scenario.id}: run tools/catalogue.py"


def test_a_file_rewritten_within_one_clock_tick_is_read_anew(tmp_path: Path) -> None:
    """Listing remembers what it read (the window lists the files three times as it
    starts), by the file's content: a save that keeps the time stamp is still seen."""
    from visualizer.session.scenario_file import read_scenario

    path = tmp_path / "tick.py"
    path.write_text('"""First title"""\nasync def main() -> None:\n    pass\n')
    stamp = path.stat().st_mtime_ns
    first = read_scenario(path)
    assert read_scenario(path) is first  # (the same bytes: remembered)
    path.write_text('"""Second title"""\nasync def main() -> None:\n    pass\n')
    os.utime(path, ns=(stamp, stamp))  # (as if saved again in the same clock tick)
    assert read_scenario(path).title == "Second title"
    path.write_text('"""Broken\n')  # (a file that fails is never remembered)
    with pytest.raises(ScenarioError):
        read_scenario(path)
    with pytest.raises(ScenarioError):
        read_scenario(path)
