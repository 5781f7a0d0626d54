"""The child process that runs a scenario and its checks (issue 17):
``python -m visualizer.session.check_child REQUEST.json``.

A scenario's checks are the author's code as much as its ``main`` is: they may spin,
crash, or call ``os._exit``.  So they never run in the window's process, nor in the
command line's: here, in a process of their own that ``check_runner`` kills at its time
limit.  What happens is written as it happens, one JSON line per event, to the file
the request names (``{"event": "ran", ...}`` once the run is over, ``{"event": "check",
...}`` after each check, ``{"event": "end"}`` last), so that a run killed half way still
says how far it got, and which check never returned.

The failing values of an ``assert`` are read from the traceback's frame: each name and
attribute chain in the assert, looked up in the frame's locals (then its globals) and
followed with ``getattr``.  Nothing is evaluated: a call in the assert is not called
again (it could have side effects, or spin); its receiver and arguments are shown.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import io
import json
import re
import reprlib
import sys
import traceback
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from visualizer.model.about import Skipped
from visualizer.model.check_api import Run
from visualizer.session.runner import run_scenario
from visualizer.session.scenario_file import CHECK_NAME, claim_of
from visualizer.session.scenarios import Scenario, load_main, read_scenario
from visualizer.trace.data import Trace
from visualizer.trace.fileformat import load

_REPR = reprlib.Repr()
_REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxdict, _REPR.maxlevel = 160, 160, 8, 8, 3


def checks_in(module: dict[str, Any], path: Path) -> list[tuple[str, Callable[..., Any]]]:
    """The module's check functions, in file order: those named ``check`` or ``check_*``
    that its own file defines (a check imported from elsewhere is not its claim)."""
    found = []
    for name, value in module.items():
        code = getattr(value, "__code__", None)
        if (
            CHECK_NAME.match(name)
            and isinstance(code, types.CodeType)
            and _same_file(code.co_filename, path)
        ):
            found.append((code.co_firstlineno, name, value))
    return [(name, fn) for _, name, fn in sorted(found, key=lambda x: x[0])]


def _same_file(filename: str, path: Path) -> bool:
    try:
        return Path(filename).resolve() == path.resolve()
    except OSError:
        return False


def run_one(fn: Callable[..., Any], run: Run, path: Path) -> dict[str, Any]:
    """Run one check on ``run``: its status ("passed", "failed", "error") and, if it did
    not pass, where and why."""
    code = fn.__code__
    if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
        return {
            "status": "error",
            "exception": "a check is a plain `def`, not `async def`: it reads a finished run",
            "where": _where(path, code.co_firstlineno),
        }
    try:
        inspect.signature(fn).bind(run)
    except (TypeError, ValueError):
        return {
            "status": "error",
            "exception": "a check takes one argument, the finished run: def check_x(run)",
            "where": _where(path, code.co_firstlineno),
        }
    try:
        fn(run)
    except AssertionError as exc:
        return {"status": "failed", **failure_of(exc, path)}
    except Skipped as exc:
        return {"status": "skipped", "message": str(exc)}
    except BaseException as exc:  # (SystemExit too: a check has no business ending us)
        if isinstance(exc, KeyboardInterrupt):
            raise
        frame_line = _deepest_in(exc, path)
        return {
            "status": "error",
            "exception": "".join(traceback.format_exception_only(type(exc), exc)).strip(),
            "where": _where(path, frame_line[1] if frame_line else code.co_firstlineno),
            "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
        }
    return {"status": "passed"}


def failure_of(exc: AssertionError, path: Path) -> dict[str, Any]:
    """Where an ``assert`` failed (the deepest frame in the scenario's file), its text,
    its message if it has one, and the values of the names and attribute chains in it."""
    found = _deepest_in(exc, path)
    if found is None:  # (raised elsewhere: the API's own, say)
        return {
            "where": None,
            "text": "",
            "message": str(exc),
            "values": [],
            "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
        }
    frame, line = found
    statement = _statement_at(path, line)
    text = ""
    values: list[tuple[str, str]] = []
    if statement is not None:
        source, node = statement
        text = " ".join((ast.get_source_segment(source, node) or "").split())
        if isinstance(node, ast.Assert):
            values = [(expr, _shown(v)) for expr, v in values_in(node.test, frame)]
    return {"where": _where(path, line), "text": text, "message": str(exc), "values": values}


def _deepest_in(exc: BaseException, path: Path) -> tuple[types.FrameType, int] | None:
    """The innermost frame of ``exc``'s traceback that runs the scenario's file."""
    found = None
    for frame, line in traceback.walk_tb(exc.__traceback__):
        if _same_file(frame.f_code.co_filename, path):
            found = (frame, line)
    return found


def _statement_at(path: Path, line: int) -> tuple[str, ast.stmt] | None:
    """The innermost statement of the file that covers ``line``."""
    try:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return None
    best: ast.stmt | None = None
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        covers = node.lineno <= line <= (node.end_lineno or node.lineno)
        if covers and (best is None or node.lineno >= best.lineno):
            best = node
    return None if best is None else (source, best)


def values_in(test: ast.expr, frame: types.FrameType) -> list[tuple[str, object]]:
    """Each name and attribute chain in ``test`` with its value in ``frame``: the longest
    part of a chain whose value is not a function, method, class or module (what the
    reader wants to see of ``hello.ran_concurrently_with(world)`` is ``hello``)."""
    out: dict[str, object] = {}
    for node in _outermost_chains(test):
        parts = _chain(node)
        if parts is None:
            continue
        found, value = _lookup(frame, parts[0])
        if not found:
            continue
        best: tuple[str, object] | None = None
        if _informative(value):
            best = (parts[0], value)
        for i, attr in enumerate(parts[1:], start=2):
            try:
                value = getattr(value, attr)
            except Exception as exc:
                best = (".".join(parts[:i]), _Raised(exc))
                break
            if _informative(value):
                best = (".".join(parts[:i]), value)
        if best is not None:
            out.setdefault(*best)
    return list(out.items())


def _outermost_chains(node: ast.AST) -> Iterator[ast.expr]:
    """The names and attribute chains in ``node`` not inside a longer chain, in reading
    order (comprehensions' and lambdas' own names are not the frame's: left out, but for
    what a comprehension walks first, ``gets`` of ``[g.end for g in gets]``)."""
    if isinstance(node, ast.Name | ast.Attribute) and _chain(node) is not None:
        yield node
        return
    if isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
        yield from _outermost_chains(node.generators[0].iter)  # (the frame's: the rest not)
        return
    if isinstance(node, ast.Lambda):
        return
    for child in ast.iter_child_nodes(node):
        yield from _outermost_chains(child)


def _chain(node: ast.expr) -> list[str] | None:
    """``a.b.c`` as ``["a", "b", "c"]``; None if it is not a plain chain of names."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def _lookup(frame: types.FrameType, name: str) -> tuple[bool, object]:
    for scope in (frame.f_locals, frame.f_globals):
        if name in scope:
            return True, scope[name]
    return False, None


class _Raised:
    """A ``getattr`` that raised, as a value shown."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def __repr__(self) -> str:
        return f"<raised {type(self.exc).__name__}: {self.exc}>"


def _informative(value: object) -> bool:
    return not isinstance(
        value,
        types.FunctionType | types.MethodType | types.BuiltinFunctionType | types.ModuleType | type,
    )


def _shown(value: object) -> str:
    """A value's repr, cut short; a time as the ideal clock gives it (2.000000018, not
    2.0000000180000006: the float's last digits are noise to a reader; 1.0 stays 1.0)."""
    if isinstance(value, float):
        text = f"{value:.10g}"
        # (still a float to the reader: 1.0, not 1, which reads as an int)
        return text if any(c in text for c in ".en") else f"{text}.0"
    try:
        return _REPR.repr(value)
    except Exception as exc:
        return f"<repr raised {type(exc).__name__}>"


def _where(path: Path, line: int) -> str:
    return f"{path}:{line}"


# --- the process -----------------------------------------------------------------------------
def main(argv: list[str]) -> int:
    """Read the request, run, write the events; 0 once the last is written."""
    request = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    with open(request["out"], "w", encoding="utf-8") as out:
        _serve(request, out)
    return 0


def _serve(request: dict[str, Any], out: IO[str]) -> None:
    def event(kind: str, **fields: Any) -> None:
        out.write(json.dumps({"event": kind, **fields}) + "\n")
        out.flush()

    scenario = read_scenario(request["path"], builtin=bool(request.get("builtin")))
    printed = io.StringIO()
    trace, module, error = _the_run(scenario, request, printed)
    output = request.get("output", "") if request.get("trace") else printed.getvalue()
    event(
        "ran",
        error=error,
        duration=None if trace is None else trace.duration,
        clock=None if trace is None else trace.meta.get("clock"),
        output=output[-20000:],
    )
    if error is None and trace is not None and module is not None and request.get("checks", True):
        for name, fn in checks_in(module, scenario.path):
            event("begin", name=name)
            run = Run(trace, output)
            # every parameter, defaults filled in (the request's): a trace made by a caller
            # that passed only the ones it set says no more than those
            run.params = {**run.params, **dict(request.get("params") or {})}
            with _quiet(printed):
                result = run_one(fn, run, scenario.path)
            line = fn.__code__.co_firstlineno
            event("check", name=name, claim=claim_of(name, fn.__doc__), line=line, **result)
    event("end")


def _the_run(
    scenario: Scenario, request: dict[str, Any], printed: io.StringIO
) -> tuple[Trace | None, dict[str, Any] | None, dict[str, Any] | None]:
    """(the trace, the module's namespace, the run's error): run the scenario here (its
    stdout kept), or read the trace the request names and load the module."""
    if request.get("trace"):
        trace = load(request["trace"])
        try:
            with _quiet(printed):
                main = load_main(scenario)
        except BaseException as exc:
            return trace, None, _error_of("load", exc, scenario.path)
        return trace, main.__globals__, None
    with _quiet(printed):
        result = run_scenario(scenario, request.get("params") or None, clock=request["clock"])
    module_name = "asyncviz_scenario_" + re.sub(r"\W", "_", scenario.id)
    module = sys.modules.get(module_name)
    namespace = vars(module) if module is not None else None
    if result.error is not None:
        failed = result.error
        return (
            result.trace,
            namespace,
            {
                "kind": failed.kind,
                "message": failed.message,
                "line": _line_in(failed.traceback, scenario.path),
                "traceback": failed.traceback,
            },
        )
    if result.nothing_traced:
        return result.trace, namespace, {"kind": "load", "message": result.nothing_traced}
    return result.trace, namespace, None


def _error_of(kind: str, exc: BaseException, path: Path) -> dict[str, Any]:
    found = _deepest_in(exc, path)
    return {
        "kind": kind,
        "message": "".join(traceback.format_exception_only(type(exc), exc)).strip(),
        "line": found[1] if found else None,
        "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
    }


def _line_in(text: str, path: Path) -> int | None:
    """The last line of ``path`` a formatted traceback names (where it went wrong)."""
    line = None
    for match in re.finditer(r'File "([^"]+)", line (\d+)', text):
        if _same_file(match[1], path):
            line = int(match[2])
    return line


@contextlib.contextmanager
def _quiet(printed: io.StringIO) -> Iterator[None]:
    """What the program (or a check) prints goes into ``printed``: ``run.output``."""
    with contextlib.redirect_stdout(printed):
        yield


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
