"""Name what a suspended task awaits, and where, by walking its await chain.

At each suspension the task's coroutine points (``cr_await``) at what it awaits:
another coroutine, a generator (``gi_yieldfrom``), an async generator's
``asend`` object, and finally a future's iterator.  The code objects on the way
tell the story: user code down to the innermost user frame (the *await site*),
then the first asyncio/stdlib frame below it names the primitive the person
wrote (``Semaphore.acquire``, ``Queue.get``, ``sleep``...).  When user code
awaits a future directly, the task's ``_fut_waiter`` names it (another Task, a
gather, an executor job, a plain Future).

Cost matters (this runs once per suspension on the loop thread), so the walk
collects ``(code, line)`` pairs into a tuple and looks the whole tuple up in a
cache; labels, ``path:line`` strings and stacks are built only on a miss.  A
few primitives put a value in the label (``sleep(1.0)``, ``to_thread(crunch)``,
the awaited task's name), so that value joins the key.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import os
import sys
import sysconfig
import types
import weakref
from collections.abc import Callable
from typing import Any

from visualizer.trace.store import Suspension, TraceStore

_CoroutineType = types.CoroutineType
_GeneratorType = types.GeneratorType


async def _agen_probe_fn() -> Any:  # pragma: no cover - only its type is used
    yield None


def _agen_awaitable_types() -> tuple[type[Any], type[Any]]:
    """The types of ``agen.asend()`` (what ``async for`` awaits) and ``agen.aclose()`` /
    ``athrow()``: both hide the generator whose frame is awaiting."""
    agen = _agen_probe_fn()
    asend, athrow = agen.asend(None), agen.aclose()
    kinds = type(asend), type(athrow)
    asend.close()
    athrow.close()
    return kinds


_AsendType, _AthrowType = agen_awaitable_types = _agen_awaitable_types()


_OURS = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
#: the package's folders of programs, not of its own code: the built-in lessons (there
#: when installed) and the templates of ``asyncviz new`` (each a whole scenario)
PROGRAMS_OF_OURS = tuple(_OURS + name + os.sep for name in ("builtin_scenarios", "templates"))


def _stdlib_roots() -> tuple[str, ...]:
    roots = {os.path.dirname(asyncio.__file__)}
    for key in ("stdlib", "platstdlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            roots.add(path)
    return tuple(sorted(os.path.normpath(r) + os.sep for r in roots))


_STDLIB_ROOTS = _stdlib_roots()


def is_user_file(filename: str) -> bool:
    """True for code a person wrote: not asyncio, not the stdlib, not this package.

    Third-party packages (``site-packages``) count as user code: an await inside
    aiohttp is a real await site for the person debugging it.
    """
    if filename.startswith("<"):
        return False
    path = os.path.normpath(os.path.abspath(filename))
    if path.startswith(_OURS) and not path.startswith(PROGRAMS_OF_OURS):
        return False
    parts = path.split(os.sep)
    if "site-packages" in parts or "dist-packages" in parts:
        return True
    return not path.startswith(_STDLIB_ROOTS)


def _func_name(func: Any) -> str:
    """The name a person would recognise for an executor callable."""
    while isinstance(func, functools.partial):
        inner = func.func
        # to_thread submits functools.partial(ctx.run, func, *args)
        if getattr(inner, "__name__", None) == "run" and isinstance(
            getattr(inner, "__self__", None), type(sys.modules["contextvars"].copy_context())
        ):
            func = func.args[0] if func.args else inner
        else:
            func = inner
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None)
    return str(name) if name else type(func).__name__


def _fmt_seconds(value: Any) -> str:
    """``1.0``, ``0.15`` (not ``0.15000000000000002`` from ``0.05 * 3``: 12 digits), and
    ``0.2944…`` for ``0.294419235895`` (a random delay): 4 digits on a bar, and the "…"
    says they are not all of them."""
    try:
        exact = float(f"{float(value):.12g}")
    except (TypeError, ValueError):
        return repr(value)
    short = float(f"{exact:.4g}")
    return repr(short) if short == exact else f"{short!r}…"


class AwaitDescriber:
    """Turns a suspended task into a suspension id in the store (cached)."""

    def __init__(self, store: TraceStore) -> None:
        self._store = store
        # Caches are keyed by id(code): hashing a code object hashes its bytecode and
        # constants every time (~90 ns).  Every code object whose id is used as a key
        # is pinned in _codes, so an id can never be reused by another code object.
        self._codes: dict[int, types.CodeType] = {}
        self._user_code: dict[int, bool] = {}
        self._cache: dict[tuple[Any, ...], int] = {}
        #: future -> label, for futures whose origin the chain cannot show (executor jobs).
        #: Weak, so a finished job's future is not kept alive nor its address reused.
        self.future_labels: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
        # code objects whose label carries a value from the frame
        self._sleep = asyncio.sleep.__code__
        self._to_thread = asyncio.to_thread.__code__
        self._wait_for = asyncio.wait_for.__code__
        valued: dict[types.CodeType, Callable[[types.FrameType], str]] = {
            self._sleep: lambda f: f"sleep({_fmt_seconds(f.f_locals.get('delay'))})",
            self._to_thread: lambda f: f"to_thread({_func_name(f.f_locals.get('func'))})",
            self._wait_for: lambda f: (
                f"wait_for(timeout={_fmt_seconds(f.f_locals.get('timeout'))})"
            ),
        }
        self._valued = {self.pin(code): fmt for code, fmt in valued.items()}

    # --- hot path --------------------------------------------------------------------
    def describe(self, task: asyncio.Task[Any]) -> int:
        """Suspension id for ``task``, which has just suspended on ``_fut_waiter``.

        The key is the chain's ``(code, f_lasti)`` pairs (``f_lineno`` costs a line
        table search; the line is computed once, on a cache miss), plus a value
        for labels that carry one, plus the awaited future's label only when user
        code awaits it directly (otherwise the primitive's frame names it).
        """
        parts: list[Any] = []
        append = parts.append
        obj: Any = task.get_coro()
        valued = self._valued
        cid = 0
        while True:
            kind = type(obj)
            if kind is _CoroutineType:
                frame = obj.cr_frame
                obj = obj.cr_await
            elif kind is _GeneratorType:
                frame = obj.gi_frame
                obj = obj.gi_yieldfrom
            elif kind is _AsendType or kind is _AthrowType:
                frame, obj = _asend_frame(obj)
            else:
                break
            if frame is None:
                break
            cid = id(frame.f_code)
            append(cid)
            append(frame.f_lasti)
            if cid in valued:
                append(valued[cid](frame))
        user = self._user_code.get(cid) if cid else True
        if user is None:
            user = self._is_user(_code_of_last_frame(task))
        if user:
            append(self._leaf_key(task._fut_waiter))  # type: ignore[attr-defined]
        key = tuple(parts)
        sid = self._cache.get(key)
        if sid is None:
            # pin every code object in the key (so its id stays unique), then build
            for code in _chain_codes(task):
                self.pin(code)
            sid = self._store.add_suspension(self._build(parts))
            self._cache[key] = sid
        return sid

    def pin(self, code: types.CodeType) -> int:
        """Keep ``code`` alive, so ``id(code)`` stays a unique cache key; that id."""
        cid = id(code)
        self._codes.setdefault(cid, code)
        return cid

    def _leaf_key(self, leaf: Any) -> str:
        if leaf is None:
            return "?"
        if self.future_labels:
            label = self.future_labels.get(leaf)
            if label is not None:
                return label
        if isinstance(leaf, (asyncio.Task, asyncio.tasks._PyTask)):  # type: ignore[attr-defined]
            return f"Task {leaf.get_name()!r}"
        children = getattr(leaf, "_children", None)
        if children is not None:  # gather's _GatheringFuture
            count = len(children)
            return f"gather({count} awaitable{'' if count == 1 else 's'})"
        for callback in getattr(leaf, "_callbacks", None) or ():
            fn = callback[0] if isinstance(callback, tuple) else callback
            if "shield" in getattr(fn, "__qualname__", ""):
                return "shield"
        return "Future"

    # --- building a new entry (cache miss) -------------------------------------------
    def _is_user(self, code: types.CodeType) -> bool:
        user = self._user_code.get(id(code))
        if user is None:
            user = is_user_file(code.co_filename)
            self._user_code[self.pin(code)] = user
        return user

    def _build(self, parts: list[Any]) -> Suspension:
        frames: list[tuple[types.CodeType, int, str | None]] = []
        leaf = "?"
        i = 0
        while i < len(parts):
            if isinstance(parts[i], str):
                leaf = parts[i]
                break
            code = self._codes[parts[i]]
            line = line_of(code, parts[i + 1])
            i += 2
            value = None
            if i < len(parts) and isinstance(parts[i], str) and id(code) in self._valued:
                value = parts[i]
                i += 1
            frames.append((code, line, value))
        innermost_user = -1
        for index, (code, _line, _value) in enumerate(frames):
            if self._is_user(code):
                innermost_user = index
        site = None
        if innermost_user >= 0:
            code, line, _ = frames[innermost_user]
            site = f"{code.co_filename}:{line}"
        below = frames[innermost_user + 1 :]
        # asyncio's `async with lock:` plumbing is not what the person wrote
        while len(below) > 1 and below[0][0].co_qualname.startswith("_ContextManagerMixin."):
            below = below[1:]
        label = self._primitive_label(below[0]) if below else leaf
        stack = tuple(f"{c.co_qualname} ({c.co_filename}:{ln})" for c, ln, _ in frames)
        return Suspension(label=label, site=site, stack=(*stack, leaf) if not below else stack)

    @staticmethod
    def _primitive_label(frame: tuple[types.CodeType, int, str | None]) -> str:
        code, _line, value = frame
        if value is not None:
            return value
        qualname = code.co_qualname
        if qualname.startswith(("as_completed", "_AsCompletedIterator")):
            return "as_completed"  # (3.13 made it an iterator class: the same wait)
        if qualname in ("wait", "_wait"):
            return "wait"
        if qualname.startswith("TaskGroup."):
            return "TaskGroup"
        if qualname.startswith("BaseEventLoop.") or qualname.startswith("BaseSelectorEventLoop."):
            return "loop." + qualname.split(".", 1)[1]
        if qualname.startswith("Barrier."):
            return "Barrier.wait"
        return qualname


def generator_of(awaitable: Any) -> types.AsyncGeneratorType[Any, Any] | None:
    """The async generator behind an ``asend()`` / ``athrow()`` / ``aclose()`` object."""
    if type(awaitable) is not _AsendType and type(awaitable) is not _AthrowType:
        return None
    for ref in gc.get_referents(awaitable):
        if isinstance(ref, types.AsyncGeneratorType):
            return ref
    return None


def _asend_frame(asend: Any) -> tuple[types.FrameType | None, Any]:
    """`async for` awaits the generator's asend object (``aclose()`` an athrow object),
    which hides the generator; gc knows what it refers to."""
    agen = generator_of(asend)
    return (agen.ag_frame, agen.ag_await) if agen is not None else (None, None)


def _chain_codes(task: Any) -> list[types.CodeType]:
    """The code objects of a suspended task's await chain, outermost first."""
    codes = []
    obj = task.get_coro()
    while True:
        kind = type(obj)
        if kind is _CoroutineType:
            frame, obj = obj.cr_frame, obj.cr_await
        elif kind is _GeneratorType:
            frame, obj = obj.gi_frame, obj.gi_yieldfrom
        elif kind is _AsendType or kind is _AthrowType:
            frame, obj = _asend_frame(obj)
        else:
            break
        if frame is None:
            break
        codes.append(frame.f_code)
    return codes


def _code_of_last_frame(task: Any) -> types.CodeType:
    return _chain_codes(task)[-1]


def line_of(code: types.CodeType, lasti: int) -> int:
    """The source line of the instruction at byte offset ``lasti`` (what f_lineno says)."""
    for start, end, line in code.co_lines():
        if start <= lasti < end and line is not None:
            return line
    return code.co_firstlineno


def executor_label(func: Any) -> str:
    return f"run_in_executor({_func_name(func)})"


func_name = _func_name
