"""New scenarios from templates: ``asyncviz new NAME`` and File > New scenario...

A template (``visualizer/templates/*.py``, shipped in the package as data, never listed
as a scenario) is itself a whole scenario: explained, tagged, with parameters, checks
that prove what its text claims, and ``asyncio.run(main())`` at the end, so it runs as
``python FILE.py`` and passes its own checks before anyone changes a line.  Its title
lines (the docstring's first, and ``EXPLAIN_ZH``'s) begin with ``NAME``, which the new
file gets from the name given (``my_queue`` is titled "My queue: ..."): the rest of the
title says what the template shows until the author says better.

The name is the file's name, so it is the scenario's id: it must be a Python identifier
(``python -m``, imports and ``--param`` all expect one), must not start with ``_``
(``discover`` skips such files as helpers), must not be a module of the standard
library (``python my/asyncio.py`` would import itself for ``import asyncio``), and must
not be an id a listing already has (the first of two files with one id wins: the new
one would never be shown).  Each refusal says what to do instead.

A built-in scenario is the package's, read-only (an update replaces it): to change one,
the window copies it into the user's folder first (:func:`copy_scenario`), as
``my_ID.py``, its title marked as a copy and its ``ORDER`` dropped, so that it is listed
with the user's own, not beside the original under the same title.
"""

from __future__ import annotations

import ast
import keyword
import re
import sys
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from visualizer.session.scenarios import Scenario, ScenarioError, read_scenario
from visualizer.session.suggest import did_you_mean, nearest

__all__ = [
    "DEFAULT_TEMPLATE",
    "NAME_PROBLEMS",
    "PLACEHOLDER",
    "Template",
    "check_name",
    "copy_name",
    "copy_scenario",
    "find_template",
    "name_problem",
    "render",
    "suggest_name",
    "template_dir",
    "templates",
    "title_of",
    "write_new",
]

PLACEHOLDER: Final = "NAME"
"""What a template's title lines begin with, in place of the new scenario's title."""

DEFAULT_TEMPLATE: Final = "blank"
"""The template used when none is named: a blank lesson."""

#: the templates in the order a list shows them (from the blank page to the pitfalls);
#: a template file not named here comes after them, by name
_ORDER: Final = (
    "blank",
    "producer_consumer",
    "limited_concurrency",
    "timeout_and_cancel",
    "blocking_work",
)


@dataclass(frozen=True)
class Template:
    """A template: its id (its file's name), what it shows in a line (its title without
    ``NAME: ``), in English and in Chinese, and its file."""

    id: str
    summary: str
    summary_zh: str
    path: Path

    def text(self, language: str) -> str:
        """The one-line summary in ``language`` (Chinese where it has it)."""
        return self.summary_zh if language.startswith("zh") and self.summary_zh else self.summary


def template_dir() -> Path:
    """The templates' folder, inside the package (a wheel carries it as package data)."""
    return Path(__file__).resolve().parent.parent / "templates"


def _summary(title: str) -> str:
    """A template title's words after ``NAME:`` (or ``NAME：``), first letter up."""
    rest = title.removeprefix(PLACEHOLDER).lstrip(":： ").replace("``", "")
    return rest[:1].upper() + rest[1:]


def templates() -> list[Template]:
    """Every template, in :data:`_ORDER` (then by name)."""
    found: list[Template] = []
    for path in sorted(template_dir().glob("*.py")):
        if path.name.startswith(("_", ".")):
            continue
        scenario = read_scenario(path)  # (ours: a broken one is a bug, and a test's)
        found.append(
            Template(path.stem, _summary(scenario.title), _summary(scenario.title_zh), path)
        )
    rank = {name: index for index, name in enumerate(_ORDER)}
    return sorted(found, key=lambda t: (rank.get(t.id, len(rank)), t.id))


def find_template(name: str) -> Template:
    """The template called ``name``; for a typo, :class:`ScenarioError` naming the nearest
    and listing them all (there are few)."""
    known = templates()
    for template in known:
        if template.id == name:
            return template
    names = [t.id for t in known]
    hint = did_you_mean(nearest(name, names, {t.id: t.summary for t in known}))
    raise ScenarioError(
        f"no template {name!r}{'; ' + hint if hint else ''} (templates: {', '.join(names)})"
    )


def title_of(name: str) -> str:
    """The title a new scenario's name gives it: ``my_queue`` is "My queue"."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def suggest_name(name: str) -> str:
    """A name like ``name`` that :func:`check_name` takes (for the message that refuses
    it): ``my-queue.py`` -> ``my_queue``, ``2 queues`` -> ``lesson_2_queues``."""
    stem = name.strip().removesuffix(".py")
    words = re.sub(r"\W+", "_", stem).strip("_").lower()
    if not words:
        return "my_lesson"
    if words[0].isdigit():
        words = f"lesson_{words}"
    if keyword.iskeyword(words) or words in sys.stdlib_module_names:
        words = f"my_{words}"
    return words


#: why a name is refused (:func:`name_problem`'s first word), in the command line's words
#: (the window says each in its own, translated)
NAME_PROBLEMS: Final = {
    "empty": "is empty: a scenario needs a name",
    "py": "ends in .py: give the name alone (the file is NAME.py)",
    "identifier": "is not a Python identifier (letters, digits and _, not starting with a digit)",
    "keyword": "is a Python keyword",
    "underscore": "starts with _, and files whose names do are helpers, never listed",
    "stdlib": "is a module of Python's standard library: `python NAME.py` would import"
    " itself for `import NAME`",
    "taken": "is a scenario already (`asyncviz list` shows it): the new one would be hidden",
}


def name_problem(name: str, taken: Collection[str] = ()) -> tuple[str, str] | None:
    """Why ``name`` cannot be a new scenario's (see the module's docstring), as a key of
    :data:`NAME_PROBLEMS`, and a name that can; None if it can.  ``taken``: the ids a
    listing has already."""
    why = ""
    if not name:
        why = "empty"
    elif name.endswith(".py") and name[:-3].isidentifier():
        why = "py"
    elif not name.isidentifier():
        why = "identifier"
    elif keyword.iskeyword(name):
        why = "keyword"
    elif name.startswith("_"):
        why = "underscore"
    elif name in sys.stdlib_module_names:
        why = "stdlib"
    elif name in taken:
        why = "taken"
    if not why:
        return None
    better = suggest_name(name if why != "taken" else f"my_{name}")
    while better in taken:
        better = f"my_{better}"
    return why, better


def check_name(name: str, taken: Collection[str] = ()) -> None:
    """:class:`ScenarioError` if ``name`` cannot be a new scenario's, saying why and
    naming one that can (:func:`name_problem`)."""
    problem = name_problem(name, taken)
    if problem is not None:
        why, better = problem
        said = NAME_PROBLEMS[why].replace("NAME", name.removesuffix(".py") or "NAME")
        raise ScenarioError(f"{name!r} {said}; try {better!r}")


def render(template: Template, name: str) -> str:
    """The template's text with its title lines naming the new scenario (``NAME`` is
    replaced where a title line begins with it, and nowhere else)."""
    title = title_of(name)
    lines = template.path.read_text(encoding="utf-8").splitlines(keepends=True)
    for index, line in enumerate(lines):
        for opening in ('"""' + PLACEHOLDER, PLACEHOLDER):
            if line.startswith(opening) and line[len(opening) : len(opening) + 1] in ":：":
                lines[index] = line.replace(PLACEHOLDER, title, 1)
                break
    return "".join(lines)


def write_new(name: str, template: Template, folder: Path, taken: Collection[str] = ()) -> Path:
    """Write ``folder/NAME.py`` from ``template`` (``folder`` made if it is not there yet)
    and return its path.  Refuses (:class:`ScenarioError`) a name :func:`check_name`
    refuses, and a file that is there already: it is never overwritten (the check and
    the write are one step, ``open(..., "x")``: nothing written meanwhile is lost)."""
    check_name(name, taken)
    return _write(folder / f"{name}.py", render(template, name))


#: what a copy's title says after the original's, in English and in Chinese
COPY_MARK: Final = (" (your copy)", "（你的副本）")


def copy_name(scenario_id: str, folder: Path, taken: Collection[str] = ()) -> str:
    """The name of a copy of ``scenario_id`` in ``folder``: ``my_ID``, else ``my_ID_2``..."""
    name, number = f"my_{scenario_id}", 2
    while name in taken or (folder / f"{name}.py").exists():
        name, number = f"my_{scenario_id}_{number}", number + 1
    return name


def copy_scenario(scenario: Scenario, folder: Path, taken: Collection[str] = ()) -> Path:
    """Copy ``scenario`` (a built-in) into ``folder`` as :func:`copy_name` names it, the
    user's to change; its title lines say it is a copy and its ``ORDER`` is dropped (see
    the module's docstring).  The rest is the original, byte for byte."""
    source = scenario.path.read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:  # (a built-in parses: only a broken install gets here)
        raise ScenarioError(f"{scenario.path}: cannot copy: {exc}", scenario.path) from exc
    marks = [(1, scenario.title, COPY_MARK[0])]
    dropped: set[int] = set()
    for node in tree.body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == "ORDER":
            dropped.update(range(node.lineno - 1, (node.end_lineno or node.lineno)))
        elif isinstance(target, ast.Name) and target.id == "EXPLAIN_ZH" and scenario.title_zh:
            marks.append((node.lineno, scenario.title_zh, COPY_MARK[1]))
    for first, title, mark in marks:
        for index in range(first - 1, len(lines)):
            if title in lines[index]:
                lines[index] = lines[index].replace(title, title + mark, 1)
                break
    text = "".join(line for index, line in enumerate(lines) if index not in dropped)
    return _write(folder / f"{copy_name(scenario.id, folder, taken)}.py", text)


def _write(path: Path, text: str) -> Path:
    """``text`` in a new file ``path`` (its folder made): never over one that is there."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as file:
            file.write(text)
    except FileExistsError:
        raise ScenarioError(
            f"{path} exists already: it is not overwritten (choose another name, or edit it)",
            path,
        ) from None
    except OSError as exc:
        raise ScenarioError(f"cannot write {path}: {exc.strerror or exc}", path) from exc
    return path.resolve()
