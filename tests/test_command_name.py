"""The name (issue 19, point 5): ``asyncviz`` is also PyPI's ``asyncviz`` 0.1.0's command.

Ours are two, ``asyncviz`` and ``asyncio-visualizer`` (ours alone); the command line names
itself as it was started, and says when the ``asyncviz`` on the PATH is another program.
Real scripts in real folders on the PATH, started as a shell starts them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from visualizer import about

ROOT = Path(__file__).resolve().parent.parent
#: what pip writes for PyPI's ``asyncviz`` 0.1.0 (its entry_points.txt:
#: ``asyncviz = asyncviz.cli:main``)
OTHER_SCRIPT = (
    "#!/usr/bin/python3\n# -*- coding: utf-8 -*-\nimport re\nimport sys\n"
    "from asyncviz.cli import main\nif __name__ == '__main__':\n"
    "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
    "    sys.exit(main())\n"
)
#: a minute: a command's help is quick, but the machine may be busy
HANG = 60


def script(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(body, encoding="utf-8")
    path.chmod(0o755)
    return path


def ours(folder: Path, name: str) -> Path:
    """A script as pip writes it for our entry point (``visualizer.cli:main``)."""
    return script(
        folder,
        name,
        OTHER_SCRIPT.replace("#!/usr/bin/python3", f"#!{sys.executable}").replace(
            "from asyncviz.cli", "from visualizer.cli"
        ),
    )


def started(command: list[str], path: Path) -> subprocess.CompletedProcess[str]:
    """``command`` with only ``path`` on the PATH (our code from this checkout)."""
    env = {**os.environ, "PATH": str(path), "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=HANG)


def test_both_commands_are_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    scripts = project["project"]["scripts"]
    assert scripts["asyncviz"] == scripts[about.OWN_COMMAND] == "visualizer.cli:main"


def test_another_program_s_asyncviz_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = script(tmp_path / "bin", "asyncviz", OTHER_SCRIPT)
    monkeypatch.setenv("PATH", f"{tmp_path / 'nothing'}{os.pathsep}{other.parent}")
    said = about.command_clash()
    assert said is not None and str(other) in said and about.OWN_COMMAND in said
    assert ("warning", said) in about.facts()


def test_our_own_asyncviz_is_not_a_clash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The script pip wrote for this checkout's install, beside this Python, and one made
    as pip makes it; and none at all (``python -m visualizer`` still works): no warning."""
    installed = Path(sys.executable).parent / "asyncviz"
    if not installed.is_file():
        pytest.skip("this Python has no pip-installed asyncviz")
    monkeypatch.setenv("PATH", str(installed.parent))
    assert about.command_clash() is None
    monkeypatch.setenv("PATH", str(ours(tmp_path / "bin", "asyncviz").parent))
    assert about.command_clash() is None
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert about.command_clash() is None
    assert "warning" not in dict(about.facts())


#: a pyenv shim, as pyenv writes it: which program it starts cannot be told by reading it
PYENV_SHIM = """#!/usr/bin/env bash
set -e
[ -n "$PYENV_DEBUG" ] && set -x

program="${0##*/}"

export PYENV_ROOT="/home/someone/.pyenv"
exec "/home/someone/.pyenv/libexec/pyenv" exec "$program" "$@"
"""


def test_an_asyncviz_that_cannot_be_told_is_no_clash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Said only on evidence: a shim (pyenv, asdf), a binary, a folder named asyncviz or
    an unreadable file says nothing (a false warning in every --help would be worse)."""
    for i, make in enumerate(
        (
            lambda folder: script(folder, "asyncviz", PYENV_SHIM),
            lambda folder: script(folder, "asyncviz", "\x7fELF\x02\x01\x01" + "\x00" * 64),
        )
    ):
        made = make(tmp_path / f"bin{i}")
        monkeypatch.setenv("PATH", str(made.parent))
        assert about.command_clash() is None, made.read_bytes()[:40]
    folder = tmp_path / "dirs"
    (folder / "asyncviz").mkdir(parents=True)
    (folder / "asyncviz").chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))
    assert about.command_clash() is None
    # the other package's own script is still named, beside a shim further on the PATH
    other = script(tmp_path / "other", "asyncviz", OTHER_SCRIPT)
    monkeypatch.setenv("PATH", f"{other.parent}{os.pathsep}{tmp_path / 'bin0'}")
    assert about.command_clash() is not None


def test_the_command_line_names_itself_as_it_was_started(tmp_path: Path) -> None:
    bin_ = tmp_path / "bin"
    own = ours(bin_, about.OWN_COMMAND)
    help_ = started([str(own), "--help"], bin_)
    assert help_.returncode == 0 and help_.stdout.startswith(f"usage: {about.OWN_COMMAND} ")
    wrong = started([str(own), "run"], bin_)
    assert wrong.returncode == 2
    assert f"\n{about.OWN_COMMAND} run: error: the following arguments are required" in (
        wrong.stderr
    )
    plain = started([str(ours(bin_, "asyncviz")), "list", "--help"], bin_)
    assert plain.stdout.startswith("usage: asyncviz list ")
    module = started([sys.executable, "-m", "visualizer", "--help"], bin_)
    assert module.stdout.startswith("usage: python -m visualizer ")
    assert about.program_name("/somewhere/pytest") == "asyncviz"  # (not ours: the usual)
    assert about.program_name("/venv/Scripts/asyncio-visualizer.exe") == about.OWN_COMMAND


def test_help_warns_of_a_foreign_asyncviz_and_only_then(tmp_path: Path) -> None:
    own = ours(tmp_path / "ours", about.OWN_COMMAND)
    calm = started([str(own), "--help"], own.parent)
    assert "warning" not in calm.stdout and calm.stderr == ""
    other = script(tmp_path / "other", "asyncviz", OTHER_SCRIPT)
    warned = started([str(own), "--help"], other.parent)
    said = " ".join(warned.stdout.split())  # (argparse wraps it)
    assert f"warning: the 'asyncviz' command on the PATH ({other}) is another program" in said
    assert f"use '{about.OWN_COMMAND}' or 'python -m visualizer' for this one" in said
    listed = started([str(own), "list"], other.parent)  # (a command that works: no noise)
    assert listed.returncode == 0 and "warning" not in listed.stderr
