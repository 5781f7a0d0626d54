"""The wheel carries the built-in scenarios: `pip install .` (not editable), then
`asyncviz list` shows them; and the translations, the templates, the icon (``assets/``, as
``visualizer/assets``) and both commands (issue 19, point 6).

The wheel is built from a copy of the project's files with pip (without build isolation,
so no download: the test extras bring setuptools), unpacked, and asked for its scenarios
from a folder that is not the repository, with the unpacked wheel first on the path.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from visualizer.icons import ICON_SIZES

ROOT = Path(__file__).resolve().parent.parent
BUILTIN = sorted(p.stem for p in (ROOT / "scenarios").glob("*.py") if not p.stem.startswith("_"))


@pytest.fixture(scope="module")
def unpacked_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for folder in ("visualizer", "scenarios", "assets"):
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    built = subprocess.run(
        # --no-build-isolation: the test extras bring setuptools, so no download
        [*pip_wheel, "-q", "-w", str(work), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = work.glob("asyncio_visualizer-*.whl")
    site = work / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def test_the_wheel_ships_every_builtin_scenario(unpacked_wheel: Path) -> None:
    shipped = sorted(p.stem for p in (unpacked_wheel / "visualizer/builtin_scenarios").glob("*.py"))
    assert shipped == BUILTIN


def test_the_wheel_ships_the_translations(unpacked_wheel: Path) -> None:
    """The window's Chinese (the compiled .qm it loads, and its .ts source)."""
    i18n = unpacked_wheel / "visualizer/app/i18n"
    assert (i18n / "asyncviz_zh_CN.qm").read_bytes() == (
        ROOT / "visualizer/app/i18n/asyncviz_zh_CN.qm"
    ).read_bytes()
    assert (i18n / "asyncviz_zh_CN.ts").is_file()


def test_asyncviz_list_from_the_installed_wheel_shows_them(
    unpacked_wheel: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "PYTHONPATH": str(unpacked_wheel)}
    env.pop("ASYNCVIZ_SCENARIOS", None)
    listed = subprocess.run(
        [sys.executable, "-m", "visualizer", "list", "--json"],
        cwd=tmp_path,  # not the repository: its scenarios/ folder is out of reach
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    scenarios = json.loads(listed.stdout)
    assert sorted(s["id"] for s in scenarios) == BUILTIN
    for scenario in scenarios:
        path = Path(scenario["path"])
        assert path.is_relative_to(unpacked_wheel), path  # the wheel's copy, not the repo's
        assert scenario["title"]


def test_the_wheel_ships_the_templates_and_new_uses_them(
    unpacked_wheel: Path, tmp_path: Path
) -> None:
    """``asyncviz new`` from the installed wheel: its templates (package data), not the
    repository's; and they are not listed as scenarios."""
    shipped = sorted(p.name for p in (unpacked_wheel / "visualizer/templates").glob("*.py"))
    assert shipped == sorted(p.name for p in (ROOT / "visualizer/templates").glob("*.py"))
    env = {**os.environ, "PYTHONPATH": str(unpacked_wheel)}
    env["ASYNCVIZ_USER_SCENARIOS"] = str(tmp_path / "mine")
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "visualizer",
            "new",
            "lesson",
            "--template",
            "blocking_work",
            "--no-edit",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    written = Path(made.stdout.strip()).read_text(encoding="utf-8")
    assert written.startswith('"""Lesson: blocking work')
    listed = subprocess.run(
        [sys.executable, "-m", "visualizer", "list", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert sorted(s["id"] for s in json.loads(listed.stdout)) == sorted([*BUILTIN, "lesson"])


def test_the_wheel_ships_the_icon_and_finds_it_installed(unpacked_wheel: Path) -> None:
    """The SVG and every PNG, as in ``assets/``; and ``visualizer.icons`` run from the
    unpacked wheel finds its own copy, not the repository's."""
    assets = unpacked_wheel / "visualizer/assets"
    names = ["asyncviz.svg", *(f"asyncviz-{size}.png" for size in ICON_SIZES)]
    assert sorted(p.name for p in assets.iterdir()) == sorted(names)
    for name in names:
        assert (assets / name).read_bytes() == (ROOT / "assets" / name).read_bytes()
    env = {**os.environ, "PYTHONPATH": str(unpacked_wheel)}
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "from visualizer.icons import icon_path; print(icon_path()); print(icon_path(16))",
        ],
        cwd=unpacked_wheel.parent,  # (not the repository)
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.split() == [str(assets / "asyncviz.svg"), str(assets / "asyncviz-16.png")]


def test_the_wheel_names_both_commands(unpacked_wheel: Path) -> None:
    """``asyncviz``, and ``asyncio-visualizer``: ours alone (the PyPI package ``asyncviz``
    installs a command named ``asyncviz`` too)."""
    (info,) = unpacked_wheel.glob("asyncio_visualizer-*.dist-info")
    points = configparser.ConfigParser()
    points.read(info / "entry_points.txt", encoding="utf-8")
    assert dict(points["console_scripts"]) == {
        "asyncviz": "visualizer.cli:main",
        "asyncio-visualizer": "visualizer.cli:main",
    }
