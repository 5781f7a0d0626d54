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
"""

from __future__ import annotations

import ast
import bisect
import contextlib
import importlib.util
import inspect
import os
import re
import sys
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from visualizer.session.packs import Pack, installed_packs, pack_of
from visualizer.session.suggest import did_you_mean, nearest
from visualizer.session.user_folder import user_folder

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

DEFAULT_ORDER = 1000
"""Sort key for scenarios without ``ORDER``: after the curated built-ins, then by id."""


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # (Qt's name: the one lupdate reads)
    """``text`` as it is: marks it for Qt's ``lupdate`` (in ``context``) without importing
    Qt here; the window shows it through ``QCoreApplication.translate(context, text)``."""
    return text


SECTIONS: Final = (
    (0, QT_TRANSLATE_NOOP("Sections", "Basics: coroutines and tasks")),
    (30, QT_TRANSLATE_NOOP("Sections", "Waiting for tasks and their results")),
    (50, QT_TRANSLATE_NOOP("Sections", "Sharing and signalling")),
    (60, QT_TRANSLATE_NOOP("Sections", "Cancellation, timeouts and task groups")),
    (70, QT_TRANSLATE_NOOP("Sections", "Blocking work, threads and processes")),
    (90, QT_TRANSLATE_NOOP("Sections", "Beyond the basics")),
    (DEFAULT_ORDER, QT_TRANSLATE_NOOP("Sections", "Your scenarios")),
)
"""The scenario list's sections, from the basics on: ``(first ORDER, title)``, in order.
A scenario is in the last section whose first ``ORDER`` it reaches (one below the first:
the first section); one without ``ORDER`` (:data:`DEFAULT_ORDER`) is the user's own."""


PROGRAMS_SECTION: Final = QT_TRANSLATE_NOOP("Sections", "Your programs")
"""The section of the plain programs (``Scenario.kind == "program"``), whatever their
``ORDER``: after every section of :data:`SECTIONS`."""

SECTION_TITLES: Final[tuple[str, ...]] = (*(title for _, title in SECTIONS), PROGRAMS_SECTION)
"""Every section's title (in English), in the order a listing shows them."""


def section_of(order: int) -> str:
    """The title (in English) of the section of a scenario with this ``ORDER``."""
    index = bisect.bisect_right([first for first, _ in SECTIONS], order) - 1
    return SECTIONS[max(index, 0)][1]


ScenarioKind = Literal["scenario", "program"]
"""A scenario (its ``main(**params)`` is run) or a plain program (run whole, as a script)."""

ParamKind = Literal["int", "float", "bool", "str", "choice"]
ParamValue = bool | int | float | str
"""The value types a scenario parameter can take (the ones a CLI string maps onto)."""

_SIMPLE_KINDS: dict[str, ParamKind] = {
    "int": "int",
    "float": "float",
    "bool": "bool",
    "str": "str",
}
_TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
_FALSE_WORDS = frozenset({"false", "0", "no", "off"})


class ScenarioError(ValueError):
    """A scenario file, name or parameter that cannot be used.

    It subclasses :class:`ValueError` so callers that only care about "bad input"
    can catch one thing.  ``path`` names the offending file when there is one,
    so a listing can show the error next to the file it belongs to; ``line`` (1-based)
    the line the error is at, when there is one, so the window's source pane can show
    it there (the message says it too, for a terminal).
    """

    def __init__(self, message: str, path: Path | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


@dataclass(frozen=True)
class ScenarioParam:
    """One tunable keyword parameter of a scenario's ``main``.

    ``annotation`` keeps the source text (``"int"``, ``"Literal['a', 'b']"``) for
    display; ``kind`` is what the rest of the program dispatches on.
    """

    name: str
    annotation: str
    default: ParamValue
    kind: ParamKind
    choices: tuple[ParamValue, ...] = ()

    def convert(self, text: str) -> ParamValue:
        """Parse a command-line string (the ``3`` of ``--param n=3``) into this type.

        Raises :class:`ValueError` whose message names the parameter and says what
        was expected, because it is shown to the user as-is.
        """
        stripped = text.strip()
        if self.kind == "str":
            return text
        if self.kind == "bool":
            word = stripped.lower()
            if word in _TRUE_WORDS:
                return True
            if word in _FALSE_WORDS:
                return False
            raise ValueError(
                f"parameter {self.name!r} expects a bool (true/false, yes/no, 1/0), got {text!r}"
            )
        if self.kind == "int":
            try:
                return int(stripped)
            except ValueError:
                raise ValueError(
                    f"parameter {self.name!r} expects an integer, got {text!r}"
                ) from None
        if self.kind == "float":
            try:
                return float(stripped)
            except ValueError:
                raise ValueError(
                    f"parameter {self.name!r} expects a number, got {text!r}"
                ) from None
        # choice: compare against the printed form so ``Literal[1, 2]`` accepts "2".
        for choice in self.choices:
            if str(choice) == stripped:
                return choice
        options = ", ".join(str(choice) for choice in self.choices)
        raise ValueError(f"parameter {self.name!r} must be one of: {options}; got {text!r}")

    def to_json(self) -> dict[str, object]:
        """Plain-data form, as embedded in :meth:`Scenario.to_json`."""
        return {
            "name": self.name,
            "type": self.annotation,
            "default": self.default,
            "choices": list(self.choices),
        }


@dataclass(frozen=True)
class Scenario:
    """What a listing knows about a scenario file, read without executing it."""

    id: str
    title: str
    explanation: str
    tags: tuple[str, ...]
    path: Path
    params: tuple[ScenarioParam, ...]
    builtin: bool
    order: int = DEFAULT_ORDER
    #: ``EXPLAIN_ZH``, the docstring in Simplified Chinese (title line, then the rest),
    #: shown when the app's language is Chinese; empty if the scenario has none
    title_zh: str = ""
    explanation_zh: str = ""
    #: "program": a plain program (no parameters), run whole as ``python FILE``, never
    #: through :func:`load_main` (see the module's docstring)
    kind: ScenarioKind = "scenario"
    #: the installed pack it came with (``visualizer.session.packs``); its id is then
    #: ``PACK/NAME``, and its section the pack's
    pack: Pack | None = None

    @property
    def read_only(self) -> bool:
        """Installed with the app or with a pack: the user reads it (and may copy it),
        never edits it in place (a reinstall would undo the edit)."""
        return self.builtin or self.pack is not None

    def text(self, language: str) -> tuple[str, str]:
        """(title, explanation) in ``language`` (``"zh"`` or a ``zh_*`` locale: the
        Chinese, where the scenario has it), else the docstring's."""
        if language.startswith("zh") and self.title_zh:
            return self.title_zh, self.explanation_zh
        return self.title, self.explanation

    @property
    def section(self) -> str:
        """The title (in English) of the scenario list's section it is in (:data:`SECTIONS`;
        a program's is :data:`PROGRAMS_SECTION`; a pack's, whatever it is, the pack's name)."""
        if self.pack is not None:
            return self.pack.name
        if self.kind == "program":
            return PROGRAMS_SECTION
        return section_of(self.order)

    def param(self, name: str) -> ScenarioParam:
        """Look up parameter ``name``; :class:`ScenarioError` listing valid names."""
        for param in self.params:
            if param.name == name:
                return param
        valid = ", ".join(p.name for p in self.params) or "(none)"
        hint = did_you_mean(nearest(name, [p.name for p in self.params]))
        raise ScenarioError(
            f"scenario {self.id!r} has no parameter {name!r}{'; ' + hint if hint else ''}"
            f" (valid parameters: {valid})",
            self.path,
        )

    def to_json(self) -> dict[str, object]:
        """Plain-data form for ``asyncviz list --json`` and trace metadata."""
        return {
            "id": self.id,
            "title": self.title,
            "tags": list(self.tags),
            "order": self.order,
            "section": self.section,
            "path": str(self.path),
            "params": [param.to_json() for param in self.params],
            "builtin": self.builtin,
            "kind": self.kind,
            "pack": None if self.pack is None else self.pack.to_json(),
        }


# --------------------------------------------------------------------------- reading


def read_scenario(
    path: Path | str,
    *,
    builtin: bool = False,
    pack: Pack | None = None,
    source: bytes | None = None,
) -> Scenario:
    """Describe the scenario (or plain program) in ``path`` from its syntax tree alone.

    Nothing in the file is executed, so listing a directory of untrusted or
    half-finished scenarios is safe.  A file that is not in the scenario form is a
    program (``kind="program"``, no parameters; :func:`_is_program`), not an error:
    with no ``async def main``, or a ``main`` with a parameter the command line
    could not supply (no annotation, no default, a default that is not a literal,
    an unsupported type).  Raises :class:`ScenarioError` naming the file when it
    cannot be read or parsed, or its ``TAGS``, ``ORDER`` or ``EXPLAIN_ZH`` is not a
    literal of the right type.  A ``pack``'s scenario has the id ``PACK/NAME``.
    ``source``: the file's bytes, given (a shared scenario's, read from its zip:
    ``session.shared``), not read from ``path``.
    """
    path = Path(path).resolve()
    try:
        source = path.read_bytes() if source is None else source
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read scenario: {exc.strerror or exc}", path) from exc
    try:
        # Bytes, so a PEP 263 coding cookie is honoured exactly as when running it.
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        where = f" at line {exc.lineno}" if exc.lineno is not None else ""
        raise ScenarioError(f"{path}: syntax error{where}: {exc.msg}", path, exc.lineno) from exc
    except (ValueError, RecursionError) as exc:  # null bytes, absurd nesting
        raise ScenarioError(f"{path}: cannot parse scenario: {exc}", path) from exc

    docstring = ast.get_docstring(tree, clean=True) or ""
    first, _, rest = docstring.partition("\n")
    title = first.strip() or path.stem
    explanation = rest.strip()

    main: ast.AsyncFunctionDef | ast.FunctionDef | None = None
    tags: tuple[str, ...] = ()
    order = DEFAULT_ORDER
    zh = ""
    for node in tree.body:
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and node.name == "main":
            main = node  # the last definition wins, as at run time
            continue
        target, value = _module_assignment(node)
        if target == "TAGS" and value is not None:
            tags = _read_tags(path, value)
        elif target == "ORDER" and value is not None:
            order = _read_order(path, value)
        elif target == "EXPLAIN_ZH" and value is not None:
            zh = _read_text(path, value, "EXPLAIN_ZH")

    kind: ScenarioKind = "scenario"
    params: tuple[ScenarioParam, ...] = ()
    if not isinstance(main, ast.AsyncFunctionDef) or _is_program(tree):
        kind = "program"
    else:
        try:
            params = _read_params(path, main)
        except ScenarioError:  # a main the command line cannot call: a program's own main
            kind = "program"
    return Scenario(
        id=path.stem if pack is None else f"{pack.name}/{path.stem}",
        title=title,
        explanation=explanation,
        tags=tags,
        path=path,
        params=params,
        builtin=builtin,
        order=order,
        title_zh=zh.partition("\n")[0].strip(),
        explanation_zh=inspect.cleandoc(zh.partition("\n")[2]).strip(),
        kind=kind,
        pack=pack,
    )


#: the calls that start an event loop (as a name or an attribute, whatever it is called
#: on): ``asyncio.run``, ``asyncio.Runner``, ``loop.run_until_complete``, ``run_forever``
_LOOP_STARTERS: Final = frozenset({"run", "Runner", "run_until_complete", "run_forever"})


def _is_program(tree: ast.Module) -> bool:
    """Whether a module that has an ``async def main`` is still a plain program.

    It is when a top-level statement outside ``if __name__ == "__main__":`` starts a
    loop (:func:`_starts_a_loop`: importing it for its ``main`` would run it), or when
    the ``__main__`` block is anything but the one statement ``asyncio.run(main())``
    (:func:`_is_run_main`), no ``else``, and there is at most one such block: only
    then does running ``main()`` do all that ``python FILE`` would.
    """
    guards = 0
    for node in tree.body:
        if isinstance(node, ast.If) and _is_main_guard(node.test):
            guards += 1
            if guards > 1 or node.orelse or len(node.body) != 1 or not _is_run_main(node.body[0]):
                return True
        elif _starts_a_loop(node):
            return True
    return False


def _is_main_guard(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq)
        and len(test.comparators) == 1
    ):
        return False
    sides = (test.left, test.comparators[0])
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    mains = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(names) == 1 and len(mains) == 1


def _is_run_main(node: ast.stmt) -> bool:
    """The statement ``asyncio.run(main())`` (``debug=...`` allowed: nothing else)."""
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        return False
    call = node.value
    func = call.func
    if not (
        isinstance(func, ast.Attribute)
        and func.attr == "run"
        and isinstance(func.value, ast.Name)
        and func.value.id == "asyncio"
    ):
        return False
    if len(call.args) != 1 or any(keyword.arg != "debug" for keyword in call.keywords):
        return False
    inner = call.args[0]
    return (
        isinstance(inner, ast.Call)
        and isinstance(inner.func, ast.Name)
        and inner.func.id == "main"
        and not inner.args
        and not inner.keywords
    )


def _starts_a_loop(node: ast.stmt) -> bool:
    """Whether running this top-level statement may call one of :data:`_LOOP_STARTERS`.

    Everything that runs when the statement does is looked at (a class body, a
    function's decorators and defaults), not the bodies of functions and lambdas it
    only defines: ``def blocking(): subprocess.run(...)`` starts nothing."""
    stack: list[ast.AST] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Call):
            func = current.func
            if (isinstance(func, ast.Name) and func.id in _LOOP_STARTERS) or (
                isinstance(func, ast.Attribute) and func.attr in _LOOP_STARTERS
            ):
                return True
        if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            if not isinstance(current, ast.Lambda):
                stack.extend(current.decorator_list)
            stack.extend(current.args.defaults)
            stack.extend(d for d in current.args.kw_defaults if d is not None)
            continue
        stack.extend(ast.iter_child_nodes(current))
    return False


def _module_assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    """``(name, value)`` for ``NAME = value`` or ``NAME: T = value``, else Nones."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        if isinstance(target, ast.Name):
            return target.id, node.value
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return None, None


def _read_tags(path: Path, value: ast.expr) -> tuple[str, ...]:
    if isinstance(value, ast.Tuple | ast.List) and all(
        isinstance(elt, ast.Constant) and isinstance(elt.value, str) for elt in value.elts
    ):
        return tuple(str(ast.literal_eval(elt)) for elt in value.elts)
    raise ScenarioError(
        f"{path}, line {value.lineno}: TAGS must be a tuple or list of string literals",
        path,
        value.lineno,
    )


def _read_text(path: Path, value: ast.expr, name: str) -> str:
    literal = _literal(value)
    if isinstance(literal, str):
        return literal
    raise ScenarioError(
        f"{path}, line {value.lineno}: {name} must be a string literal", path, value.lineno
    )


def _read_order(path: Path, value: ast.expr) -> int:
    literal = _literal(value)
    if isinstance(literal, int) and not isinstance(literal, bool):
        return literal
    raise ScenarioError(
        f"{path}, line {value.lineno}: ORDER must be an int literal", path, value.lineno
    )


_NOT_LITERAL = object()


def _literal(node: ast.expr) -> object:
    """The value of a literal expression (``-1.5`` included), or ``_NOT_LITERAL``."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_LITERAL


def _read_params(path: Path, main: ast.AsyncFunctionDef) -> tuple[ScenarioParam, ...]:
    """Turn ``main``'s signature into parameters; refuse what a CLI cannot fill in."""
    args = main.args
    where = f"{path}, line {main.lineno}"
    if args.posonlyargs:
        raise ScenarioError(f"{where}: main() may not have positional-only parameters", path)
    if args.vararg is not None or args.kwarg is not None:
        raise ScenarioError(f"{where}: main() may not take *args or **kwargs", path)

    # ``defaults`` lines up with the *last* positional parameters.
    positional: list[tuple[ast.arg, ast.expr | None]] = []
    missing = len(args.args) - len(args.defaults)
    for index, arg in enumerate(args.args):
        positional.append((arg, args.defaults[index - missing] if index >= missing else None))
    keyword = list(zip(args.kwonlyargs, args.kw_defaults, strict=True))

    return tuple(_read_param(path, arg, default) for arg, default in positional + keyword)


def _read_param(path: Path, arg: ast.arg, default: ast.expr | None) -> ScenarioParam:
    where = f"{path}, line {arg.lineno}: main() parameter {arg.arg!r}"
    if arg.annotation is None:
        raise ScenarioError(f"{where} needs a type annotation (e.g. '{arg.arg}: int = 3')", path)
    if default is None:
        raise ScenarioError(f"{where} needs a default value", path)
    value = _literal(default)
    if value is _NOT_LITERAL:
        raise ScenarioError(
            f"{where}: default {ast.unparse(default)!r} is not a literal "
            "(use a number, string, True or False)",
            path,
        )

    annotation = arg.annotation
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        # A quoted annotation ("int"); read what is inside the quotes.
        with contextlib.suppress(SyntaxError):
            annotation = ast.parse(annotation.value, mode="eval").body
    text = ast.unparse(annotation)

    if isinstance(annotation, ast.Name) and annotation.id in _SIMPLE_KINDS:
        kind = _SIMPLE_KINDS[annotation.id]
        return ScenarioParam(arg.arg, text, _check_default(path, where, kind, value), kind)
    choices = _literal_choices(annotation)
    if choices is not None:
        if not choices:
            raise ScenarioError(f"{where}: Literal[...] needs at least one choice", path)
        if value not in choices or type(value) not in {type(c) for c in choices}:
            raise ScenarioError(
                f"{where}: default {value!r} is not one of the choices {list(choices)!r}",
                path,
            )
        return ScenarioParam(arg.arg, text, choices[choices.index(value)], "choice", choices)
    raise ScenarioError(
        f"{where}: unsupported type {text!r} (use int, float, bool, str or Literal[...])",
        path,
    )


def _check_default(path: Path, where: str, kind: ParamKind, value: object) -> ParamValue:
    if kind == "bool" and isinstance(value, bool):
        return value
    if not isinstance(value, bool):
        if kind == "int" and isinstance(value, int):
            return value
        if kind == "float" and isinstance(value, int | float):
            return float(value)  # ``work: float = 1`` means 1.0
        if kind == "str" and isinstance(value, str):
            return value
    article = "an" if kind == "int" else "a"
    raise ScenarioError(f"{where}: default {value!r} is not {article} {kind}", path)


def _literal_choices(annotation: ast.expr) -> tuple[ParamValue, ...] | None:
    """Choices of ``Literal[...]`` or ``typing.Literal[...]``; ``None`` otherwise."""
    if not isinstance(annotation, ast.Subscript):
        return None
    base = annotation.value
    name = (
        base.id
        if isinstance(base, ast.Name)
        else base.attr
        if isinstance(base, ast.Attribute)
        else None
    )
    if name != "Literal":
        return None
    elements = (
        annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
    )
    choices: list[ParamValue] = []
    for element in elements:
        value = _literal(element)
        if not isinstance(value, bool | int | float | str):
            return None  # Literal[None] and friends: reported as unsupported
        choices.append(value)
    return tuple(choices)


# --------------------------------------------------------------------------- finding


def builtin_scenario_dir() -> Path:
    """Where the scenarios that ship with the package live.

    A wheel carries them as package data in ``visualizer/builtin_scenarios``; a
    source checkout or editable install has no such folder, so fall back to the
    repository's top-level ``scenarios/`` next to the package.
    """
    package = Path(__file__).resolve().parent.parent  # .../visualizer
    packaged = package / "builtin_scenarios"
    if packaged.is_dir():
        return packaged
    return package.parent / "scenarios"


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
