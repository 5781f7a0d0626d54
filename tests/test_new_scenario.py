"""``asyncviz new``: a scenario from each template, in the user's folder, in the editor.

Real commands in real processes (``python -m visualizer new``), real files, a real
editor (a script that writes down what it was given).  Every template's new file is read
as a scenario, runs on the ideal clock, and passes its own checks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from visualizer.session.editor import editor_command
from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import discover, find, read_scenario
from visualizer.session.templates import copy_scenario, template_dir, templates, title_of
from visualizer.session.user_folder import ENV_VAR, SETTING, user_folder

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = [t.id for t in templates()]


def asyncviz(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "visualizer", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment of a command whose scenario folder is a new one of this test's,
    with no editor of the user's (each test that wants one says which)."""
    values = {k: v for k, v in os.environ.items() if k not in ("VISUAL", "EDITOR")}
    values[ENV_VAR] = str(tmp_path / "mine")
    return values


def test_there_are_the_five_templates_and_none_is_listed_as_a_scenario() -> None:
    assert TEMPLATES == [
        "blank",
        "producer_consumer",
        "limited_concurrency",
        "timeout_and_cancel",
        "blocking_work",
    ]
    scenarios, errors = discover()
    assert not errors
    assert not {s.id for s in scenarios} & set(TEMPLATES)
    assert all(template_dir() not in s.path.parents for s in scenarios)


@pytest.mark.parametrize("template", TEMPLATES)
def test_new_from_each_template_is_a_scenario_that_runs_and_passes_its_checks(
    template: str, env: dict[str, str], tmp_path: Path
) -> None:
    name = f"my_{template}_lesson"
    made = asyncviz("new", name, "--template", template, "--no-edit", env=env, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    path = Path(made.stdout.strip())
    assert path == tmp_path / "mine" / f"{name}.py"

    scenario = read_scenario(path)
    assert scenario.kind == "scenario"
    assert scenario.title.startswith(f"{title_of(name)}: ")
    assert scenario.title_zh.startswith(f"{title_of(name)}：")
    assert "NAME" not in scenario.title + scenario.title_zh
    assert scenario.params and all(p.default is not None for p in scenario.params)
    assert "What to look for" in scenario.explanation
    assert scenario.tags

    listed = asyncviz("list", env=env, cwd=tmp_path)
    assert f"  {name}  " in listed.stdout.split("Your scenarios:\n")[1]

    result = run_scenario(scenario, {p.name: p.default for p in scenario.params}, clock="ideal")
    assert result.error is None
    assert result.trace.duration > 0

    checks = pytest.importorskip("visualizer.checks")  # (skipped only while it is missing)
    report = checks.run_checks(scenario)
    assert report.failure is None
    assert report.checks, "a template proves what it says"
    assert [c.status for c in report.checks] == ["passed"] * len(report.checks), report


@pytest.mark.parametrize("template", TEMPLATES)
def test_each_template_runs_as_a_plain_script(template: str, tmp_path: Path) -> None:
    """``python FILE.py``, isolated (-I: no PYTHONPATH, so no visualizer from here)."""
    ran = subprocess.run(
        [sys.executable, "-I", str(template_dir() / f"{template}.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip()


def test_an_existing_file_is_never_overwritten(env: dict[str, str], tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "lesson.py").write_text("# my work\n")
    made = asyncviz("new", "lesson", "--no-edit", env=env, cwd=tmp_path)
    assert made.returncode == 2
    assert "exists already: it is not overwritten" in made.stderr
    assert (mine / "lesson.py").read_text() == "# my work\n"


@pytest.mark.parametrize(
    ("name", "said"),
    [
        (
            "my-queue",
            "is not a Python identifier (letters, digits and _, not starting with a"
            " digit); try 'my_queue'",
        ),
        ("2 queues", "try 'lesson_2_queues'"),
        ("queue", "is a module of Python's standard library"),
        ("_helper", "starts with _"),
        ("gather_basics", "is a scenario already"),
        ("lesson.py", "give the name alone"),
    ],
)
def test_a_bad_name_is_refused_with_one_that_would_do(
    name: str, said: str, env: dict[str, str], tmp_path: Path
) -> None:
    made = asyncviz("new", name, "--no-edit", env=env, cwd=tmp_path)
    assert made.returncode == 2
    assert said in made.stderr
    assert not (tmp_path / "mine").exists()  # (nothing written, not even the folder)


def test_a_mistyped_template_names_the_nearest(env: dict[str, str], tmp_path: Path) -> None:
    made = asyncviz("new", "x", "--template", "producer_consumr", env=env, cwd=tmp_path)
    assert made.returncode == 2
    assert "no template 'producer_consumr'; did you mean 'producer_consumer'?" in made.stderr
    shown = asyncviz("new", "--help", env=env, cwd=tmp_path).stdout
    assert all(f"  {t}  " in shown for t in TEMPLATES)


def _recording_editor(tmp_path: Path, name: str) -> tuple[str, Path]:
    """An editor: a script that writes its arguments down, one per line."""
    record = tmp_path / f"{name}.txt"
    script = tmp_path / f"{name}.py"
    script.write_text(
        "import sys\n"
        f"with open({str(record)!r}, 'a') as out:\n"
        "    out.write('\\n'.join(sys.argv[1:]) + '\\n')\n"
    )
    return f"{sys.executable} {script}", record


def test_the_editor_is_launched_with_the_new_file(env: dict[str, str], tmp_path: Path) -> None:
    """$EDITOR, a real process, waited for (a terminal editor needs the terminal)."""
    env["EDITOR"], record = _recording_editor(tmp_path, "editor")
    made = asyncviz("new", "lesson", env=env, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    path = made.stdout.strip()
    assert record.read_text().splitlines() == [path]


def test_visual_comes_before_editor(env: dict[str, str], tmp_path: Path) -> None:
    env["EDITOR"], editor = _recording_editor(tmp_path, "editor")
    env["VISUAL"], visual = _recording_editor(tmp_path, "visual")
    made = asyncviz("new", "lesson", env=env, cwd=tmp_path)
    assert visual.read_text().splitlines() == [made.stdout.strip()]
    assert not editor.exists()


def test_a_missing_editor_is_a_warning_and_the_file_stays(
    env: dict[str, str], tmp_path: Path
) -> None:
    env["EDITOR"] = str(tmp_path / "no-such-editor")
    made = asyncviz("new", "lesson", env=env, cwd=tmp_path)
    assert made.returncode == 0
    assert "cannot start the editor" in made.stderr
    assert Path(made.stdout.strip()).is_file()


def test_the_window_hands_a_terminal_editor_to_the_desktop(tmp_path: Path) -> None:
    path = tmp_path / "x.py"
    assert editor_command(path, {"EDITOR": "vim"}).command == ("vim", str(path))
    in_window = editor_command(path, {"EDITOR": "vim"}, terminal=False)
    assert not in_window.own and "vim" not in in_window.command
    emacs = editor_command(path, {"VISUAL": "emacs"}, terminal=False)
    assert emacs.command == ("emacs", str(path))  # (its own window)
    assert editor_command(path, {"EDITOR": "code --wait"}).command == ("code", "--wait", str(path))


# --- the folder ----------------------------------------------------------------------


def _home(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    config = tmp_path / "config"
    config.mkdir()
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(config)}


def test_the_folder_is_in_the_documents_folder_else_the_home(tmp_path: Path) -> None:
    env = _home(tmp_path)
    home = Path(env["HOME"])
    assert user_folder(env) == home / "asyncviz-scenarios"
    (home / "Documents").mkdir()
    assert user_folder(env) == home / "Documents" / "asyncviz-scenarios"
    # the desktop's own documents folder (xdg-user-dirs), a German one here
    (home / "Dokumente").mkdir()
    dirs = Path(env["XDG_CONFIG_HOME"]) / "user-dirs.dirs"
    dirs.write_text('# written by xdg-user-dirs-update\nXDG_DOCUMENTS_DIR="$HOME/Dokumente"\n')
    assert user_folder(env) == home / "Dokumente" / "asyncviz-scenarios"
    # $HOME itself there means "none": ~/Documents again
    dirs.write_text('XDG_DOCUMENTS_DIR="$HOME/"\n')
    assert user_folder(env) == home / "Documents" / "asyncviz-scenarios"


def test_the_windows_setting_then_the_environment_choose_another(tmp_path: Path) -> None:
    """The setting as Qt writes it (QSettings, INI), read without Qt; the environment
    variable before it."""
    env = _home(tmp_path)
    chosen = tmp_path / "Mes scénarios, à moi"  # (a comma: Qt quotes it)
    settings = QSettings(
        str(Path(env["XDG_CONFIG_HOME"]) / "asyncviz" / "asyncio-visualizer.ini"),
        QSettings.Format.IniFormat,
    )
    settings.setValue(SETTING, str(chosen))
    settings.sync()
    assert user_folder(env) == chosen
    assert user_folder({**env, ENV_VAR: str(tmp_path / "env")}) == tmp_path / "env"


def test_new_writes_into_the_default_folder_made_then_listed(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in (ENV_VAR, "VISUAL", "EDITOR")}
    env.update(_home(tmp_path))
    (Path(env["HOME"]) / "Documents").mkdir()
    before = asyncviz("list", env=env, cwd=tmp_path)
    assert before.returncode == 0 and not before.stderr  # (no folder yet: no complaint)
    made = asyncviz("new", "first_lesson", "--no-edit", env=env, cwd=tmp_path)
    assert made.stdout.strip() == str(
        Path(env["HOME"]) / "Documents" / "asyncviz-scenarios" / "first_lesson.py"
    )
    listed = asyncviz("list", env=env, cwd=tmp_path)
    mine = listed.stdout.split("Your scenarios:\n")[1].splitlines()
    assert mine[0].split()[:5] == ["first_lesson", "First", "lesson:", "a", "blank"]


def test_dir_writes_elsewhere_and_says_how_to_list_it(env: dict[str, str], tmp_path: Path) -> None:
    made = asyncviz(
        "new", "lesson", "--dir", str(tmp_path / "course"), "--no-edit", env=env, cwd=tmp_path
    )
    assert made.stdout.strip() == str(tmp_path / "course" / "lesson.py")
    assert f"--scenarios {tmp_path / 'course'}" in made.stderr


def test_a_builtin_copied_is_the_users_listed_with_theirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    original = find("semaphore_workers")
    path = copy_scenario(original, tmp_path, {original.id})
    copy = read_scenario(path)
    assert (copy.id, copy.builtin, copy.section) == (
        "my_semaphore_workers",
        False,
        "Your scenarios",
    )
    assert copy.title == f"{original.title} (your copy)"
    assert copy.title_zh == f"{original.title_zh}（你的副本）"
    assert copy.params == original.params
    again = copy_scenario(original, tmp_path, {original.id})
    assert again.name == "my_semaphore_workers_2.py"  # (the first copy is kept)
    assert {"my_semaphore_workers", "semaphore_workers"} <= {s.id for s in discover()[0]}
