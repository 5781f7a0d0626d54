"""A scenario file's description, read from its syntax tree: nothing in it runs.

Listing must be safe and cheap, and a user's folder may hold half-written files, so
everything a listing needs (title, explanation, tags, order, parameters, whether it is a
scenario or a plain program) is read here with :mod:`ast`.  The format is described in
``visualizer.session.scenarios``; ``scenario_lint`` holds a file to it, problem by
problem, with the readers that are public here (``is_program``, ``read_param`` ...).
"""

from __future__ import annotations

import ast
import contextlib
import functools
import inspect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from visualizer.session.packs import Pack
from visualizer.session.scenario_types import (
    DEFAULT_ORDER,
    SIMPLE_KINDS,
    ParamKind,
    ParamValue,
    Scenario,
    ScenarioError,
    ScenarioKind,
    ScenarioParam,
)


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
    program (``kind="program"``, no parameters; :func:`is_program`), not an error:
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
    return _described(path, source, builtin, pack)


@functools.lru_cache(maxsize=256)
def _described(path: Path, source: bytes, builtin: bool, pack: Pack | None) -> Scenario:
    """``read_scenario`` of these very bytes: remembered, since the window's start lists
    the same files three times (the command, the window, hot reload: 93 files parsed,
    about 0.07 s of the first paint's 0.54 s).  Keyed by the file's content, never by
    its time stamp, so a file saved twice in one clock tick is read again; a file that
    fails is not remembered (its error is raised each time).  A ``Scenario`` is frozen."""
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
        target, value = module_assignment(node)
        if target == "TAGS" and value is not None:
            tags = _read_tags(path, value)
        elif target == "ORDER" and value is not None:
            order = _read_order(path, value)
        elif target == "EXPLAIN_ZH" and value is not None:
            zh = _read_text(path, value, "EXPLAIN_ZH")

    kind: ScenarioKind = "scenario"
    params: tuple[ScenarioParam, ...] = ()
    if not isinstance(main, ast.AsyncFunctionDef) or is_program(tree):
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


def is_program(tree: ast.Module) -> bool:
    """Whether a module that has an ``async def main`` is still a plain program.

    It is when a top-level statement outside ``if __name__ == "__main__":`` starts a
    loop (:func:`_starts_a_loop`: importing it for its ``main`` would run it), or when
    the ``__main__`` block is anything but the one statement ``asyncio.run(main())``
    (:func:`_is_run_main`), no ``else``, and there is at most one such block: only
    then does running ``main()`` do all that ``python FILE`` would.
    """
    guards = 0
    for node in tree.body:
        if isinstance(node, ast.If) and is_main_guard(node.test):
            guards += 1
            if guards > 1 or node.orelse or len(node.body) != 1 or not _is_run_main(node.body[0]):
                return True
        elif _starts_a_loop(node):
            return True
    return False


def is_main_guard(test: ast.expr) -> bool:
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


def module_assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
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
    found = literal(value)
    if isinstance(found, str):
        return found
    raise ScenarioError(
        f"{path}, line {value.lineno}: {name} must be a string literal", path, value.lineno
    )


def _read_order(path: Path, value: ast.expr) -> int:
    found = literal(value)
    if isinstance(found, int) and not isinstance(found, bool):
        return found
    raise ScenarioError(
        f"{path}, line {value.lineno}: ORDER must be an int literal", path, value.lineno
    )


NOT_LITERAL = object()


def literal(node: ast.expr) -> object:
    """The value of a literal expression (``-1.5`` included), or ``NOT_LITERAL``."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return NOT_LITERAL


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

    return tuple(read_param(path, arg, default) for arg, default in positional + keyword)


def read_param(path: Path, arg: ast.arg, default: ast.expr | None) -> ScenarioParam:
    where = f"{path}, line {arg.lineno}: main() parameter {arg.arg!r}"
    if arg.annotation is None:
        raise ScenarioError(f"{where} needs a type annotation (e.g. '{arg.arg}: int = 3')", path)
    if default is None:
        raise ScenarioError(f"{where} needs a default value", path)
    value = literal(default)
    if value is NOT_LITERAL:
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

    if isinstance(annotation, ast.Name) and annotation.id in SIMPLE_KINDS:
        kind = SIMPLE_KINDS[annotation.id]
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
        value = literal(element)
        if not isinstance(value, bool | int | float | str):
            return None  # Literal[None] and friends: reported as unsupported
        choices.append(value)
    return tuple(choices)


# --------------------------------------------------------------------------- checks
#: a check: ``check`` or ``check_<words>`` (``visualizer.checks``)
CHECK_NAME: Final = re.compile(r"check(_\w+)?\Z")


def claim_of(name: str, doc: str | None) -> str:
    """A check's claim: its docstring's first line (its first paragraph, lines joined: a
    claim wrapped at the margin is one claim), else its name in words."""
    first = " ".join(inspect.cleandoc(doc).strip().split("\n\n")[0].split()) if doc else ""
    if first:
        return first
    words = name.removeprefix("check").strip("_").replace("_", " ")
    return words or name


@dataclass(frozen=True)
class ListedCheck:
    """One check of a file, as its syntax tree says it: its function's name and line and
    the claim it proves."""

    name: str
    line: int
    claim: str


def checks_listed(path: Path) -> list[ListedCheck]:
    """The checks ``path`` defines (top-level ``def check`` / ``def check_...``), in file
    order, read from its syntax tree: nothing of it runs (the window's marks, the
    catalogue); none for a file that does not read."""
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError, RecursionError):
        return []
    return [
        ListedCheck(node.name, node.lineno, claim_of(node.name, ast.get_docstring(node)))
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and CHECK_NAME.match(node.name)
    ]
