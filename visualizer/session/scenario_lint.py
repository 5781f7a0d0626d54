"""The scenario format, linted: every problem at its ``file:line`` (issue 17, point 4).

``scenarios.read_scenario`` is forgiving on purpose: a listing shows what it can, and a
file not in the scenario form is a plain program, not an error.  An author wants the
opposite: every way the file misses the format, all at once, each where it is, so that
a lesson that would show up as a "program", with no parameters, or with its Chinese
text out of step with the English, is caught before a class sees it.  Read from the
syntax tree alone (nothing runs here; ``cli_check_scenario`` adds what only a run can
tell: that it runs on both clocks and ends in time).

The rules (``docs/authoring.md``, "The format"):

* a docstring: a title line, then a blank line, then the explanation with a part
  "What to look for";
* an ``async def main`` whose every parameter is annotated (``int``, ``float``,
  ``bool``, ``str`` or ``Literal[...]``) and has a literal default, and a ``__main__``
  block that is ``asyncio.run(main())`` alone, nothing else starting a loop on import;
* ``TAGS`` a tuple of string literals, each a tag the built-in lessons use (an unknown
  one names the nearest); ``ORDER`` an int literal; ``CHECK_CLOCK`` "ideal" or
  "virtual";
* ``EXPLAIN_ZH``, where there is one, a string literal with a title line and as many
  bullets ("- " lines) as the docstring has;
* each check a plain ``def check...(run)`` of one parameter; a lesson (a file with
  "What to look for") without any is a hint, not an error.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, Protocol

from visualizer.session import scenario_file
from visualizer.session.scenarios import ScenarioError, builtin_scenario_dir, read_scenario
from visualizer.session.suggest import did_you_mean, nearest

Severity = Literal["error", "hint"]

#: the part of a lesson's text that says what the chart shows
LOOK_FOR: Final = "What to look for"
#: a bullet of the explanation: a line starting with "- "
_BULLET = re.compile(r"^\s*- ", re.MULTILINE)
#: the clocks a scenario's checks may ask for (real time depends on the machine's load)
CHECK_CLOCKS: Final = ("ideal", "virtual")


@dataclass(frozen=True)
class Problem:
    """One way a file misses the format, at its line."""

    path: Path
    line: int
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


@functools.cache
def known_tags() -> frozenset[str]:
    """The tags the built-in scenarios use: the known ones."""
    tags: set[str] = set()
    for path in sorted(builtin_scenario_dir().glob("*.py")):
        if not path.name.startswith(("_", ".")):
            try:
                tags.update(read_scenario(path, builtin=True).tags)
            except ScenarioError:
                continue
    return frozenset(tags)


def is_lesson(path: Path) -> bool:
    """A file whose docstring says what to look for: a lesson (its checks are wanted)."""
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError, RecursionError):
        return False
    return LOOK_FOR in (ast.get_docstring(tree) or "")


def lint(path: Path | str) -> list[Problem]:
    """Every problem of the file's format, in line order."""
    path = Path(path)
    found: list[Problem] = []

    def say(line: int, message: str, severity: Severity = "error") -> None:
        found.append(Problem(path, line, severity, message))

    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except OSError as exc:
        say(1, f"cannot read: {exc.strerror or exc}")
        return found
    except SyntaxError as exc:
        say(exc.lineno or 1, f"syntax error: {exc.msg}")
        return found
    except (ValueError, RecursionError) as exc:
        say(1, f"cannot parse: {exc}")
        return found
    english = _docstring(tree, say)
    _main(tree, path, say)
    checks = 0
    for node in tree.body:
        if isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef
        ) and scenario_file.CHECK_NAME.match(node.name):
            checks += 1
            _check_def(node, say)
        target, value = scenario_file.module_assignment(node)
        if value is None:
            continue
        if target == "TAGS":
            _tags(value, say)
        elif target == "ORDER":
            literal = scenario_file.literal(value)
            if not isinstance(literal, int) or isinstance(literal, bool):
                say(value.lineno, "ORDER must be an int literal")
        elif target == "CHECK_CLOCK":
            if scenario_file.literal(value) not in CHECK_CLOCKS:
                say(
                    value.lineno,
                    'CHECK_CLOCK must be "ideal" or "virtual" (the real clock\'s times'
                    " depend on how busy the machine is)",
                )
        elif target == "EXPLAIN_ZH":
            _chinese(value, english, say)
    if checks == 0 and LOOK_FOR in english:
        say(
            1,
            "no checks: a lesson can prove what it claims with def check_...(run)"
            " functions (docs/authoring.md)",
            "hint",
        )
    return sorted(found, key=lambda p: p.line)


def _docstring(tree: ast.Module, say: _Say) -> str:
    """Lint the docstring (a title line, a blank line, "What to look for"): its text."""
    text = ast.get_docstring(tree, clean=True)
    if text is None:
        say(1, "no docstring: a scenario begins with one (a title line, a blank line, the"
            f" explanation with a part \"{LOOK_FOR}:\")")  # fmt: skip
        return ""
    line = tree.body[0].lineno
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        say(line, "the docstring's first line is its title: it is empty")
    elif len(lines) > 1 and lines[1].strip():
        say(line + 1, "the title is one line, followed by a blank line")
    if LOOK_FOR not in text:
        say(line, f'the docstring has no part "{LOOK_FOR}:" (what the chart shows)')
    return text


def _main(tree: ast.Module, path: Path, say: _Say) -> None:
    """Lint ``main``: async, every parameter annotated with a literal default (all of
    them reported, not the first), and nothing that makes the file a plain program."""
    mains = [
        n
        for n in tree.body
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == "main"
    ]
    if not mains:
        say(1, "no `async def main(...)`: a scenario's run is its main()")
        return
    main = mains[-1]  # (the last definition wins, as at run time)
    if not isinstance(main, ast.AsyncFunctionDef):
        say(main.lineno, "main must be `async def main(...)`")
        return
    args = main.args
    if args.posonlyargs:
        say(main.lineno, "main() may not have positional-only parameters")
    for star in (args.vararg, args.kwarg):
        if star is not None:
            say(star.lineno, "main() may not take *args or **kwargs")
    missing = len(args.args) - len(args.defaults)
    pairs: list[tuple[ast.arg, ast.expr | None]] = [
        (arg, args.defaults[i - missing] if i >= missing else None)
        for i, arg in enumerate(args.args)
    ]
    pairs += list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
    for arg, default in pairs:
        try:
            scenario_file.read_param(path, arg, default)
        except ScenarioError as exc:
            say(arg.lineno, str(exc).split(": ", 1)[-1])
    if scenario_file.is_program(tree):
        guard = next(
            (n for n in tree.body if isinstance(n, ast.If) and scenario_file.is_main_guard(n.test)),
            None,
        )
        say(
            guard.lineno if guard is not None else main.lineno,
            'a scenario\'s `if __name__ == "__main__":` block is `asyncio.run(main())` alone,'
            " and nothing else may start a loop when the file is imported (as it is, it"
            " runs as a plain program)",
        )


def _tags(value: ast.expr, say: _Say) -> None:
    if not (
        isinstance(value, ast.Tuple | ast.List)
        and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts)
    ):
        say(value.lineno, "TAGS must be a tuple of string literals")
        return
    known = known_tags()
    for element in value.elts:
        tag = str(ast.literal_eval(element))
        if tag not in known:
            hint = did_you_mean(nearest(tag, sorted(known)))
            say(
                element.lineno,
                f"unknown tag {tag!r}{'; ' + hint if hint else ''}"
                f" (the known tags: {', '.join(sorted(known))})",
            )


def _chinese(value: ast.expr, english: str, say: _Say) -> None:
    """``EXPLAIN_ZH``: a string with a title line, as many bullets as the English."""
    literal = scenario_file.literal(value)
    if not isinstance(literal, str):
        say(value.lineno, "EXPLAIN_ZH must be a string literal")
        return
    if not literal.strip() or not literal.lstrip("\n").splitlines()[0].strip():
        say(value.lineno, "EXPLAIN_ZH begins with its title line")
    ours, theirs = len(_BULLET.findall(english)), len(_BULLET.findall(literal))
    if ours != theirs:
        say(
            value.lineno,
            f"EXPLAIN_ZH has {theirs} bullet{'s' * (theirs != 1)}, the docstring {ours}:"
            " one for each of the English ones",
        )


def _check_def(node: ast.FunctionDef | ast.AsyncFunctionDef, say: _Say) -> None:
    if isinstance(node, ast.AsyncFunctionDef):
        say(node.lineno, f"{node.name} must be a plain `def`: a check reads a finished run")
        return
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    required = len(positional) - len(args.defaults)
    if (
        len(positional) < 1
        or required > 1
        or args.vararg
        or (args.kwonlyargs and any(d is None for d in args.kw_defaults))
    ):
        say(node.lineno, f"{node.name} takes one argument, the finished run: def {node.name}(run)")


class _Say(Protocol):
    """``lint``'s ``say``: a problem at a line."""

    def __call__(self, line: int, message: str, severity: Severity = "error") -> None: ...
