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
"""

from __future__ import annotations

import keyword
import re
import sys
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from visualizer.session.scenarios import ScenarioError, read_scenario
from visualizer.session.suggest import did_you_mean, nearest

__all__ = [
    "DEFAULT_TEMPLATE",
    "PLACEHOLDER",
    "Template",
    "check_name",
    "find_template",
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


def check_name(name: str, taken: Collection[str] = ()) -> None:
    """:class:`ScenarioError` if ``name`` cannot be a new scenario's (see the module's
    docstring), with a name that can; ``taken``: the ids a listing has already."""
    if name.endswith(".py") and name[:-3].isidentifier():
        raise ScenarioError(
            f"give the name without .py: asyncviz new {name[:-3]} (it becomes {name})"
        )
    why = ""
    if not name.isidentifier():
        why = "is not a Python identifier (letters, digits and _, not starting with a digit)"
    elif keyword.iskeyword(name):
        why = "is a Python keyword"
    elif name.startswith("_"):
        why = "starts with _, and files whose names do are helpers, never listed as scenarios"
    elif name in sys.stdlib_module_names:
        why = (
            f"is a module of Python's standard library: python {name}.py would import"
            f" itself for `import {name}`"
        )
    elif name in taken:
        why = "is a scenario already (`asyncviz list` shows it): the new one would be hidden"
    if why:
        better = suggest_name(name if name not in taken else f"my_{name}")
        while better in taken:
            better = f"my_{better}"
        raise ScenarioError(f"{name!r} {why}; try {better!r}")


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
    path = folder / f"{name}.py"
    text = render(template, name)
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
