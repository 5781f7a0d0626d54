"""Find scenario files, describe them without running them, and load them on demand.

A *scenario* is an ordinary asyncio module, ``NAME.py``, that also runs on its own
with ``python NAME.py``::

    \"\"\"Title on the first line

    Explanation ... What to look for: ...
    \"\"\"
    import asyncio
    from typing import Literal

    from visualizer import mark  # optional: labelled pins on the timeline

    TAGS = ("basics", "tasks")   # optional, str literals
    ORDER = 10                   # optional int literal, sorts the list (default 1000)
    EXPLAIN_ZH = "标题\n\n说明……"  # optional str literal: the docstring in Simplified Chinese

    async def main(workers: int = 6, mode: Literal["a", "b"] = "a") -> None: ...

    if __name__ == "__main__":
        asyncio.run(main())

The keyword parameters of ``main`` (each annotated, each with a literal default) are
the scenario's tunable parameters; ``--param workers=3`` on the command line goes
through :func:`bind_params`.

Any other asyncio file is a *program* (``Scenario.kind == "program"``): one with no
``async def main``, or whose ``main`` takes parameters a scenario could not (no
annotation, no literal default, a plain ``def``), or that starts a loop itself outside
``if __name__ == "__main__":`` (``asyncio.run(main())`` at the top level,
``loop.run_until_complete(...)``, ``asyncio.Runner``), or whose ``__main__`` block does
anything but ``asyncio.run(main())`` (parses ``sys.argv``, runs twice, ...).  A program
is listed (in its own last section) but never imported for its ``main``: it is run
whole, once, as ``python FILE ARGS...`` would run it (``session.runner.record_script``).

``mark("label")`` (``visualizer.marks``) puts a note at that instant on the lane of
the task that calls it (the event loop's row from a callback or a thread): "cancel()"
where the lesson's point happens.  Traced, the note is in the trace and on the chart;
run as a plain script, ``mark`` does nothing.  (A file that must also run where the
visualizer is not installed can fall back to ``def mark(label): pass`` on ImportError.)

Besides the built-ins and the user's folders, a listing has the installed *packs*'
scenarios (``visualizer.session.packs``: a course's, installed with pip), each in its
pack's section, its id ``PACK/NAME`` so that no pack can take another scenario's id.

Listing scenarios must be safe and cheap, and a user's scenario directory may hold
half-written files, so everything a listing needs is read from the syntax tree
with :mod:`ast`; no scenario code runs until :func:`load_main` is called for the
one scenario the user picked.  A broken file becomes a :class:`ScenarioError`
entry in the listing rather than an exception, so one bad file never hides the
good ones.

The work is in three modules: what a scenario is (``scenario_types``: re-exported here),
reading one file (``scenario_file``: ``read_scenario``, re-exported here), and, here,
finding them (the folders, the packs, a name or a path) and loading one to run.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import re
import sys
from collections.abc import Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from visualizer.session.packs import installed_packs, pack_of
from visualizer.session.scenario_file import read_scenario
from visualizer.session.scenario_types import (
    DEFAULT_ORDER,
    PROGRAMS_SECTION,
    SECTION_TITLES,
    SECTIONS,
    ParamKind,
    ParamValue,
    Scenario,
    ScenarioError,
    ScenarioKind,
    ScenarioParam,
    section_of,
)
from visualizer.session.suggest import did_you_mean, nearest
from visualizer.session.user_folder import user_folder
from visualizer.shipped import shipped_folder

__all__ = [
    "DEFAULT_ORDER",
    "ENV_VAR",
    "PROGRAMS_SECTION",
    "SECTIONS",
    "SECTION_TITLES",
    "ParamKind",
    "ParamValue",
    "Scenario",
    "ScenarioError",
    "ScenarioKind",
    "ScenarioParam",
    "bind_params",
    "builtin_scenario_dir",
    "discover",
    "find",
    "folder_warnings",
    "grouped",
    "load_main",
    "read_scenario",
    "scenario_dirs",
    "section_of",
]

ENV_VAR = "ASYNCVIZ_SCENARIOS"
"""Extra scenario dirs (:data:`os.pathsep`-separated), searched after built-ins."""

# --------------------------------------------------------------------------- finding


def builtin_scenario_dir() -> Path:
    """Where the scenarios that ship with the package live.

    A wheel carries them as package data in ``visualizer/builtin_scenarios``; a
    source checkout or editable install has no such folder, so fall back to the
    repository's top-level ``scenarios/`` next to the package.
    """
    return shipped_folder("builtin_scenarios", "scenarios")


def scenario_dirs(extra: Sequence[Path] = ()) -> list[Path]:
    """Directories to search, in order: built-ins, the user's own folder
    (``session.user_folder``: where ``asyncviz new`` writes), ``$ASYNCVIZ_SCENARIOS``,
    ``extra``.

    The order matters because the first scenario with a given id wins; a
    directory named twice is searched once, so it cannot clash with itself.
    """
    candidates = [builtin_scenario_dir(), user_folder()]
    candidates += [
        Path(entry).expanduser() for entry in os.environ.get(ENV_VAR, "").split(os.pathsep) if entry
    ]
    candidates += [Path(entry).expanduser() for entry in extra]
    seen: set[Path] = set()
    result: list[Path] = []
    for directory in candidates:
        resolved = directory.resolve()
        if resolved not in seen:
            seen.add(resolved)
            result.append(resolved)
    return result


def folder_warnings(extra: Sequence[Path] = ()) -> list[str]:
    """What is wrong with the scenario folders named (``extra``: ``--scenarios DIR``; and
    ``$ASYNCVIZ_SCENARIOS``): one line each for a folder that does not exist or is not a
    folder.  Said before anything runs: a typo in a folder's name otherwise looks like
    a folder with no scenarios in it."""
    named = [(f"${ENV_VAR}", entry) for entry in os.environ.get(ENV_VAR, "").split(os.pathsep)]
    named += [("--scenarios", str(entry)) for entry in extra]
    warnings: list[str] = []
    for origin, entry in named:
        if not entry:
            continue
        path = Path(entry).expanduser()
        if not path.exists():
            warnings.append(f"{origin} {entry}: no such folder")
        elif not path.is_dir():
            warnings.append(f"{origin} {entry}: not a folder")
    return warnings


def discover(extra: Sequence[Path] = ()) -> tuple[list[Scenario], list[ScenarioError]]:
    """All scenarios in :func:`scenario_dirs`, plus an error per file or dir that fails.

    Never raises for a bad file: a listing should show what works and say what
    does not.  Files whose names start with ``_`` or ``.`` are helpers, not
    scenarios.  A later directory cannot silently replace an earlier scenario:
    the first one with an id is kept and the duplicate is reported.  The installed
    packs' scenarios come after the folders' (``visualizer.session.packs``), their ids
    ``PACK/NAME``, so no pack can take a built-in's id; a pack that cannot be read is
    an error too.  Scenarios come sorted by ``ORDER`` then id (:func:`grouped` puts
    them in sections), errors in the order they were found.
    """
    builtin_dir = builtin_scenario_dir().resolve()
    mine = user_folder().resolve()  # (made when first written to: none yet is no error)
    scenarios: dict[str, Scenario] = {}
    packs, problems = installed_packs()
    errors = [ScenarioError(str(problem), problem.path) for problem in problems]
    folders = [*((d, None) for d in scenario_dirs(extra)), *((p.folder, p) for p in packs)]
    for directory, pack in folders:
        if directory == mine and not directory.exists():
            continue
        if not directory.is_dir():
            problem = "is not a folder" if directory.exists() else "does not exist"
            errors.append(ScenarioError(f"{directory}: scenario directory {problem}", directory))
            continue
        for path in sorted(directory.glob("*.py")):
            if path.name.startswith(("_", ".")) or not path.is_file():
                continue
            try:
                scenario = read_scenario(path, builtin=directory == builtin_dir, pack=pack)
            except ScenarioError as exc:
                errors.append(exc)
                continue
            first = scenarios.get(scenario.id)
            if first is not None:
                errors.append(
                    ScenarioError(
                        f"{scenario.path}: duplicate scenario id {scenario.id!r}, "
                        f"ignored in favour of {first.path}",
                        scenario.path,
                    )
                )
                continue
            scenarios[scenario.id] = scenario
    return sorted(scenarios.values(), key=lambda s: (s.order, s.id)), errors


def grouped(scenarios: Sequence[Scenario]) -> list[tuple[str, list[Scenario]]]:
    """``scenarios`` in the listing's sections, in order, each with its title (in
    English; a pack's: its name), empty ones left out: the built-ins' sections from the
    basics on, then each installed pack's (by name: a course is curated, as they are),
    then the user's own scenarios and programs (where a new file appears).  The window's
    browser and ``asyncviz list`` show the same."""
    *ours, (_, yours) = SECTIONS
    packs = sorted({s.section for s in scenarios if s.pack is not None}, key=str.casefold)
    titles = [*(title for _, title in ours), *packs, yours, PROGRAMS_SECTION]
    members: dict[str, list[Scenario]] = {title: [] for title in titles}
    for scenario in scenarios:
        members[scenario.section].append(scenario)
    return [(title, members[title]) for title in titles if members[title]]


#: a pack's scenario's id, ``PACK/NAME`` (``packs._NAME``, then a file's stem)
_PACK_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[^/\\]+\Z")


def find(name_or_path: str | Path, extra: Sequence[Path] = ()) -> Scenario:
    """Find the scenario the user named: an id (``gather_basics``) or a ``.py`` path.

    Anything that ends in ``.py`` or contains a path separator is taken as a path,
    so a file outside the search directories can be run directly, except a pack's id
    (``PACK/NAME``, when no such file exists); a pack's file named by its path is that
    pack's scenario all the same.  A pack's scenario may be named without its pack
    (``NAME``) when no other scenario has that id and no other pack that name.  For an
    unknown id the error names the nearest ones (``suggest``); for an id whose file is broken it
    is that file's error, which is what the user needs to fix.
    """
    text = str(name_or_path)
    as_id = (
        isinstance(name_or_path, str)
        and _PACK_ID.match(text) is not None
        and not text.endswith(".py")
        and not Path(text).expanduser().is_file()
    )
    if not as_id and (
        isinstance(name_or_path, Path) or text.endswith(".py") or os.sep in text or "/" in text
    ):
        path = Path(name_or_path).expanduser()
        if not path.is_file():
            raise ScenarioError(f"{path}: no such scenario file", path)
        resolved = path.resolve()
        builtin = resolved.parent == builtin_scenario_dir().resolve()
        return read_scenario(resolved, builtin=builtin, pack=None if builtin else pack_of(resolved))

    scenarios, errors = discover(extra)
    for scenario in scenarios:
        if scenario.id == text:
            return scenario
    in_packs = [s for s in scenarios if s.pack is not None and s.path.stem == text]
    if len(in_packs) == 1:
        return in_packs[0]
    if in_packs:
        ids = ", ".join(s.id for s in in_packs)
        raise ScenarioError(f"{text!r} is a scenario of {len(in_packs)} packs: name one ({ids})")
    pack, _, stem = text.rpartition("/")
    for error in errors:
        if error.path is not None and error.path.suffix == ".py" and error.path.stem == stem:
            raise error
    if pack and pack not in {s.pack.name for s in scenarios if s.pack is not None}:
        raise ScenarioError(f"{text}: no such scenario file, nor an installed pack {pack!r}")
    # the nearest few, not every id: the reader should not have to do the search
    hint = did_you_mean(
        nearest(text, [s.id for s in scenarios], {s.id: s.title for s in scenarios})
    )
    listing = f"`asyncviz list` shows the {len(scenarios)} there are"
    raise ScenarioError(f"unknown scenario {text!r}{'; ' + hint if hint else ''} ({listing})")


# --------------------------------------------------------------------------- running


def load_main(scenario: Scenario) -> Callable[..., Coroutine[Any, Any, object]]:
    """Import the scenario's file and return its ``main`` coroutine function.

    This is the only place scenario code runs.  The module gets its own name
    (``asyncviz_scenario_<id>``) so it cannot collide with a real module, and
    sits in :data:`sys.modules` while loading so ``dataclasses`` and ``pickle``
    inside it can find it; each call re-executes the file so edits are picked
    up.  :data:`sys.path` is left alone.  Exceptions from the file (syntax
    errors, import-time failures) propagate unchanged, with their traceback,
    for the caller to report.  A plain program (``kind == "program"``) is not
    imported at all: :class:`ScenarioError` (run it whole, with
    ``session.runner.record_script``).
    """
    if scenario.kind == "program":
        raise ScenarioError(
            f"{scenario.path}: {scenario.id!r} is a plain program: it runs as a whole, "
            "not its main()",
            scenario.path,
        )
    module_name = "asyncviz_scenario_" + re.sub(r"\W", "_", scenario.id)
    spec = importlib.util.spec_from_file_location(module_name, scenario.path)
    if spec is None or spec.loader is None:
        raise ScenarioError(f"{scenario.path}: cannot be imported as a module", scenario.path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        if sys.modules.get(module_name) is module:
            del sys.modules[module_name]
        raise
    main = getattr(module, "main", None)
    if not inspect.iscoroutinefunction(main):
        raise ScenarioError(
            f"{scenario.path}: after import, 'main' is not an async function",
            scenario.path,
        )
    return main


def bind_params(scenario: Scenario, raw: Mapping[str, str]) -> dict[str, object]:
    """Convert ``--param name=value`` strings into keyword arguments for ``main``.

    The result holds every parameter, defaults filled in, in signature order, so
    it is also a complete record of what the run used.  Unknown names and
    unparsable values raise :class:`ScenarioError` (listing the valid names, or
    saying what type was expected).
    """
    for name in raw:
        scenario.param(name)  # raises, listing the valid names
    values: dict[str, object] = {}
    for param in scenario.params:
        if param.name not in raw:
            values[param.name] = param.default
            continue
        try:
            values[param.name] = param.convert(raw[param.name])
        except ValueError as exc:
            raise ScenarioError(f"scenario {scenario.id!r}: {exc}", scenario.path) from exc
    return values
