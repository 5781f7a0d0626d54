"""Recording asyncio's primitives: queues, semaphores, locks, events, conditions and
barriers (issue 15), into the store's ``resources`` tables (``visualizer.trace.resources``).

How they are hooked, and why so:

* **Class-level, only while a recording runs.**  ``attach()`` (the tracer, as it is
  installed) puts wrappers on the primitives' classes, and ``detach()`` (as the run
  finishes) puts the originals back exactly, as ``visualizer.session.foreign_loops`` does
  for ``BaseEventLoop``; several recordings at once (a virtual run in a thread beside a
  live one) share them, counted.  Nothing is paid by a program that makes no primitive
  but a wrapped ``__init__`` per primitive made, and nothing at all outside a recording.
* **Only the run's own instances.**  ``__init__`` records an instance only if the ``RUN``
  context variable of a live tracer is set where it is made (the run's tasks carry it),
  so the window's own queues and locks are never recorded, and it marks the instance
  with a handle (an attribute, ``_asyncviz_resource``) that every wrapper looks up: an
  instance not marked costs one attribute lookup per operation.  The handle is set and
  read as an attribute, never through the instance's ``__dict__`` (``_handle``: CPython
  would build the dict, and a queue's own methods would run slower).  A primitive asyncio
  makes inside another (a Queue's ``_finished`` Event, a Condition's Lock, a Barrier's
  Condition) is a part of its owner, not a resource: a task waiting on it waits on the
  owner (``join``, the Condition's lock), and a Condition's own lock changes the
  Condition's holder.
* **The state after each change, read from the instance.**  Synchronous operations are
  wrapped (``put_nowait``, ``get_nowait``, ``task_done``, ``shutdown``, ``release`` of a
  semaphore, ``notify``): the state is read after they return (``qsize()``,
  ``_unfinished_tasks``, ``_value``).  What an ``async`` method changes (a lock taken in
  ``acquire``, a semaphore's permit, a barrier's count) is caught where it is assigned:
  while recording, the attribute (``Lock._locked``, ``Semaphore._value``,
  ``Event._value``, ``Barrier._count``) is a property of the class that stores into the
  instance's ``__dict__`` and notes the change.  Wrapping ``acquire`` in a coroutine of
  ours instead would add a frame to every await chain (the await site would be ours)
  and a coroutine per call.  A change that a wrapped operation makes and undoes inside
  itself (``Semaphore.release`` handing its permit straight to a waiter: +1, -1) is one
  change, read when the operation returns; and a state written again unchanged
  (``Event.clear`` on a clear event) is no change.
* **Who waits.**  Every primitive makes its waiter's future with ``self._get_loop()``
  only on the path where the task is about to wait (read in 3.11-3.13's ``locks.py`` and
  ``queues.py``), so ``_get_loop`` is wrapped to record a ``wait`` by the running task.
  How long it waited is already in the trace: the task's suspension that follows.
* **Who changed it**: the task whose step runs now (the tracer's ``waker``), else -1 (a
  callback).  **Time**: the tracer's clock.  Only the loop's thread records.  Both are
  read by the tracer's recorder, which writes the change row (``resource_change``).
* **In C where the tracer is** (``_hot.c``; issue 15's 1.5x target on programs that do
  nothing but queue operations, ``docs/performance.md``): the change rows are staged in
  C blocks like steps and wakes, and appended to the store's columns when it syncs
  (every reader calls ``TraceStore.sync()`` first); a queue's ``put_nowait``,
  ``get_nowait``, ``task_done``, ``shutdown`` and every ``_get_loop`` are one C object
  each (``_hot.ResourceOp``), the state attributes too (``_hot.StateAttr``).  The
  Python wrappers here are the reference, used with the pure-Python recorder
  (``ASYNCVIZ_PURE_PYTHON=1``); both write the very same rows (``tests/test_resources.py``).
* **Where and what name**: the frame that made it (past a subclass's ``__init__``), its
  ``path:line``, and the name it is stored to, read from the bytecode after the call
  (``STORE_FAST q``, ``STORE_ATTR self.q``; once per call site), else ``Queue-1``,
  ``Lock-2`` ... counted per kind in the run.

Private names read here (``_queue`` through ``qsize()``, ``_unfinished_tasks``,
``_value``, ``_locked``, ``_count``, ``_waiters``) are the same in 3.11-3.13 (checked by
``tests/test_resources.py`` on each); a class without one of them is not recorded.
"""

from __future__ import annotations

import asyncio
import dis
import logging
import os
import sys
import threading
from collections.abc import Callable
from types import CodeType, FrameType
from typing import TYPE_CHECKING, Any, Final

from visualizer.instrument import recorder as recorders
from visualizer.trace import resources as res
from visualizer.trace.resources import ResourceTable

if TYPE_CHECKING:
    from visualizer.instrument.tracer import Tracer

log = logging.getLogger(__name__)

ATTR: Final = "_asyncviz_resource"
_ASYNCIO_DIR: Final = os.path.dirname(asyncio.__file__) + os.sep
_MISSING: Final = object()


class _Res:
    """A recorded instance's handle: its recorder, id and last state (``_hot.c`` reads
    ``rid``, ``hot`` and ``rec`` at their slots' offsets)."""

    __slots__ = ("depth", "hot", "kind", "last", "rec", "rid")

    def __init__(self, rec: ResourceRecorder, kind: int) -> None:
        self.rec = rec
        self.hot: Any = rec.hot  #: the tracer's recorder: ``resource_change`` writes a row
        self.kind = kind
        self.rid = -1
        self.last: Any = None
        self.depth = 0  #: inside a wrapped operation: its changes are read when it returns


class _Part:
    """A primitive asyncio made inside a recorded one (``owner``)."""

    __slots__ = ("changes", "owner", "role")

    def __init__(self, owner: _Res, role: int, changes: bool) -> None:
        self.owner = owner
        self.role = role  #: a wait on it is a wait of this kind on the owner
        self.changes = changes  #: its lock changes are the owner's (a Condition's own lock)


class ResourceRecorder:
    """One tracer's resources: writes the rows of its store's ``resources`` table.

    A primitive's row is written here (``created``); a change row by the tracer's
    recorder (``hot.resource_change``: in C where built, staged like steps and wakes,
    in the store's columns once it syncs), which reads the time and the running task
    itself, and writes only while ``hot.res_thread`` is the calling thread."""

    def __init__(self, tracer: Tracer) -> None:
        self.table: ResourceTable = tracer.store.resources
        self.intern = tracer.store.intern
        self.add_string = tracer.store.add_string
        self.clock = tracer.clock
        self.hot: Any = tracer._rec
        self._on = False
        self.failed = False
        self.thread = threading.get_ident()
        self.counts = [0] * len(res.KINDS)

    @property
    def on(self) -> bool:
        """The classes are wrapped for this run (from ``install`` to ``finish``)."""
        return self._on

    @on.setter
    def on(self, value: bool) -> None:
        self._on = value
        self.hot.res_thread = self.thread if value and not self.failed else 0

    def task(self) -> int:
        w: int = self.hot.waker
        return (w >> 3) - 1 if w & 7 == 1 else -1

    def live(self) -> bool:
        hot = self.hot
        return bool(hot.enabled) and hot.res_thread == threading.get_ident()

    def note(self, h: _Res, op: int, value: int, detail: int) -> None:
        try:
            self.hot.resource_change(h.rid, op, value, detail)
        except Exception as exc:  # never into the program: stop recording them
            self.stop(exc)

    def stop(self, exc: BaseException) -> None:
        """Recording failed: no more rows (the classes stay wrapped until ``on`` is
        cleared: ``detach`` is counted)."""
        self.failed = True
        self.hot.res_thread = 0
        log.exception("asyncviz: recording resources failed; stopped", exc_info=exc)

    def created(self, obj: Any, h: _Res, frame: FrameType | None) -> None:
        kind = h.kind
        self.counts[kind] += 1
        code = frame.f_code if frame is not None else None
        name = _target(code, frame.f_lasti) if frame is not None and code is not None else None
        site = -1 if frame is None else self.intern(f"{frame.f_code.co_filename}:{frame.f_lineno}")
        label = name or f"{res.KINDS[kind]}-{self.counts[kind]}"
        h.rid = self.table.add(
            kind, self.clock(), self.task(), site, self.add_string(label), _capacity(obj, kind)
        )
        h.last = _state(obj, kind)


def _capacity(obj: Any, kind: int) -> int:
    if kind in res.QUEUES:
        maxsize = obj._maxsize
        return maxsize if isinstance(maxsize, int) and maxsize > 0 else -1
    if kind in res.SEMAPHORES:
        return int(obj.__dict__["_value"])
    if kind == res.BARRIER:
        return int(obj._parties)
    return -1


def _state(obj: Any, kind: int) -> Any:
    if kind in res.QUEUES:
        return (obj.qsize(), obj._unfinished_tasks)
    d = obj.__dict__
    if kind == res.LOCK or kind == res.CONDITION:
        return False if kind == res.CONDITION else d["_locked"]
    if kind == res.BARRIER:
        return d["_count"]
    return d["_value"]


# --- names from the bytecode ------------------------------------------------------------
_STORES: Final = {"STORE_NAME", "STORE_FAST", "STORE_GLOBAL", "STORE_DEREF"}
_LOADS: Final = {"LOAD_FAST", "LOAD_NAME", "LOAD_GLOBAL", "LOAD_DEREF", "LOAD_FAST_CHECK"}
_names: dict[tuple[CodeType, int], str | None] = {}


def _target(code: CodeType, lasti: int) -> str | None:
    """The variable (``q``) or attribute (``self.q``) the value of the call at ``lasti``
    is stored to, if the very next instructions store it; else None."""
    key = (code, lasti)
    if key in _names:
        return _names[key]
    name = None
    try:
        ins = [i for i in dis.get_instructions(code) if i.offset >= lasti][:3]
        if len(ins) >= 2 and ins[0].offset == lasti:
            nxt = ins[1]
            if nxt.opname in _STORES:
                name = str(nxt.argval)
            elif len(ins) == 3 and nxt.opname in _LOADS and ins[2].opname == "STORE_ATTR":
                name = f"{nxt.argval}.{ins[2].argval}"
    except Exception:  # (a code object dis cannot read: no name, a number)
        name = None
    if len(_names) < 10_000:
        _names[key] = name
    return name


# --- the wrappers -----------------------------------------------------------------------
_KIND_OF_TYPE: dict[type, int] = {}


def _kind_of(cls: type) -> int:
    kind = _KIND_OF_TYPE.get(cls)
    if kind is None:
        base = next(
            c
            for c in cls.__mro__
            if c.__module__.startswith("asyncio.") and c.__name__ in res.KIND_CODE
        )
        kind = _KIND_OF_TYPE[cls] = res.KIND_CODE[base.__name__]
    return kind


def _recorder_here() -> ResourceRecorder | None:
    from visualizer.instrument.tracer import RUN, RunKey

    key = RUN.get(None)
    if type(key) is not RunKey:
        return None
    tracer = key.tracer()
    rec = None if tracer is None else tracer._resources
    return rec if rec is not None and rec.live() else None


def _handle(obj: Any) -> Any:
    """``obj``'s handle (``_Res``, ``_Part``) or None.  An attribute, never looked up
    through ``obj.__dict__``: asking for an instance's ``__dict__`` makes CPython build
    one, and every method call on that instance is slower from then on (3.11 and 3.12
    cannot specialise them: a queue round trip paid 100 ns on 3.11, 220 ns on 3.12).
    Where the state is a property of ours (``_state_property``) it is built anyway."""
    return getattr(obj, ATTR, None)


def _set_handle(obj: Any, h: _Res | _Part | None) -> None:
    if h is None:
        object.__delattr__(obj, ATTR)
    else:
        object.__setattr__(obj, ATTR, h)


def _wrap_init(original: Callable[..., None]) -> Callable[..., None]:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if _handle(self) is not None:  # (a subclass's __init__ of ours got here first)
            return original(self, *args, **kwargs)
        rec = _recorder_here()
        if rec is None:
            return original(self, *args, **kwargs)
        frame = sys._getframe(1)
        if frame.f_code.co_filename.startswith(_ASYNCIO_DIR):
            _mark_part(self, frame)  # (first: the parts it makes in turn look for it)
            return original(self, *args, **kwargs)
        # past a subclass's own __init__ (its super().__init__ call), to the maker
        while (
            frame.f_code.co_name == "__init__"
            and frame.f_back is not None
            and frame.f_code.co_varnames[:1] == ("self",)
            and frame.f_locals.get("self") is self
        ):
            frame = frame.f_back
        h = _Res(rec, _kind_of(type(self)))
        _set_handle(self, h)
        try:
            original(self, *args, **kwargs)
        except BaseException:
            _set_handle(self, None)
            raise
        try:
            rec.created(self, h, frame)
        except Exception as exc:
            _set_handle(self, None)
            rec.stop(exc)
        return None

    return __init__


def _mark_part(obj: Any, frame: FrameType) -> None:
    """``obj`` was made by asyncio itself: a part of the recorded primitive making it."""
    owner = frame.f_locals.get("self")
    h = _handle(owner) if owner is not None else None
    if h is None:
        return
    if type(h) is _Part:
        _set_handle(obj, _Part(h.owner, 0, False))  # (a Barrier's Condition's lock)
        return
    role = res.WAIT_JOIN if h.kind in res.QUEUES else res.WAIT_GET
    _set_handle(obj, _Part(h, role, h.kind == res.CONDITION))


# The two wrappers on the hot path of a queue program (every put and get, every wait):
# in C where the tracer's recorder is (``_hot.ResourceOp``: one C call, no Python frame
# between the program and asyncio), else these, the reference.  Both write the same rows.


def _wrap_get_loop(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A task is about to wait: ``_get_loop`` makes its waiter's future."""

    def _get_loop(self: Any) -> Any:
        h = _handle(self)
        if h is not None:
            if type(h) is _Part:
                role, h = h.role, h.owner
            else:
                role = res.WAIT_PUT if sys._getframe(1).f_code.co_name == "put" else res.WAIT_GET
            if type(h) is _Res:
                h.rec.note(h, res.WAIT, 0, role)
        return original(self)

    return _get_loop


def _wrap_queue_op(original: Callable[..., Any], op: int) -> Callable[..., Any]:
    """A queue's change: its size and unfinished tasks after it."""

    def method(self: Any, *args: Any) -> Any:
        result = original(self, *args)
        h = _handle(self)
        if type(h) is _Res and h.rec.live():
            try:
                h.hot.resource_change(h.rid, op, self.qsize(), self._unfinished_tasks)
            except Exception as exc:  # never into the program
                h.rec.stop(exc)
        return result

    return method


def _hot_wrappers() -> tuple[Callable[..., Any], Callable[..., Any]] | None:
    """The C wrappers (``_wrap_get_loop``, ``_wrap_queue_op``), if the tracer's recorder
    is the C one (``recorder.hot``: the same for every tracer of the process)."""
    hot = recorders.hot
    if hot is None:
        return None
    hot.bind_resources(_Res, _Part, _queue_len_qsize())
    return (lambda original: hot.ResourceOp(original, -1)), hot.ResourceOp


def _queue_len_qsize() -> Any:
    """``asyncio.Queue.qsize`` if it is ``return len(self._queue)`` (3.11-3.13: the C
    wrapper then reads ``len(self._queue)`` itself for every queue that does not have a
    ``qsize`` of its own), else None (``qsize()`` is called)."""
    qsize = asyncio.Queue.qsize

    class Probe:
        _queue = (1, 2, 3)

    try:
        return qsize if qsize(Probe()) == 3 else None  # type: ignore[arg-type]
    except Exception:
        return None


def _wrap_depth(original: Callable[..., Any]) -> Callable[..., Any]:
    """An operation whose changes are read once, when it returns (``changed``)."""

    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        h = _handle(self)
        if type(h) is not _Res:
            return original(self, *args, **kwargs)
        h.depth += 1
        try:
            return original(self, *args, **kwargs)
        finally:
            h.depth -= 1
            if h.depth == 0:
                _changed(self, h, self.__dict__)

    return method


def _wrap_notify(original: Callable[..., Any]) -> Callable[..., Any]:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        h = _handle(self)
        if type(h) is not _Res or h.depth:
            return original(self, *args, **kwargs)
        before = sum(1 for f in self._waiters if not f.done())
        h.depth += 1
        try:
            result = original(self, *args, **kwargs)
        finally:
            h.depth -= 1
        woken = before - sum(1 for f in self._waiters if not f.done())
        h.rec.note(h, res.NOTIFY, woken, 0)
        return result

    return method


def _changed(obj: Any, h: _Res, d: dict[str, Any]) -> None:
    """The state of ``obj`` may have changed: note it if it did."""
    kind = h.kind
    if kind == res.LOCK:
        locked = d["_locked"]
        if locked != h.last:
            h.last = locked
            rec = h.rec
            rec.note(h, res.ACQUIRE, rec.task(), 1) if locked else rec.note(h, res.RELEASE, -1, 0)
    elif kind in res.SEMAPHORES:
        value = d["_value"]
        if value != h.last:
            op = res.ACQUIRE if value < h.last else res.RELEASE
            h.last = value
            h.rec.note(h, op, value, 0)
    elif kind == res.EVENT:
        value = bool(d["_value"])
        if value != h.last:
            h.last = value
            h.rec.note(h, res.SET if value else res.CLEAR, int(value), 0)
    elif kind == res.BARRIER:
        count = d["_count"]
        if count != h.last:
            op = res.ARRIVE if count > h.last else res.LEAVE
            h.last = count
            h.rec.note(h, op, count, 0)


def _state_set(obj: Any, h: _Res | _Part, value: Any) -> None:
    """``obj``'s state attribute was set to ``value`` (stored already); ``h`` is its
    handle (not a part whose changes are nobody's)."""
    if isinstance(h, _Part):
        owner = h.owner  # a Condition's own lock: the Condition's holder
        if value != owner.last:
            owner.last = value
            rec = owner.rec
            if value:
                rec.note(owner, res.ACQUIRE, rec.task(), 1)
            else:
                rec.note(owner, res.RELEASE, -1, 0)
    elif not h.depth and h.rid >= 0:
        _changed(obj, h, obj.__dict__)


def _state_property(name: str) -> Any:
    """The state attribute ``name`` while recording: kept in the instance's
    ``__dict__`` under its own name (an instance stays whole when the class is put
    back), a change noted as it is stored.  In C where the recorder is
    (``_hot.StateAttr``: a queue's every ``put`` clears its ``_finished`` Event)."""
    hot = recorders.hot
    if hot is not None:
        return hot.StateAttr(name, _state_set)

    def get(self: Any) -> Any:
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def set_(self: Any, value: Any) -> None:
        d = self.__dict__
        d[name] = value
        h = d.get(ATTR)
        if h is None or (type(h) is _Part and not h.changes):
            return
        _state_set(self, h, value)

    return property(get, set_)


def _patches() -> list[tuple[type, str, Any]]:
    """(class, attribute, what it is while recording)."""
    out: list[tuple[type, str, Any]] = []
    a: Any = asyncio
    wrap_get_loop, wrap_queue_op = _hot_wrappers() or (_wrap_get_loop, _wrap_queue_op)
    for cls in (a.Queue, a.Semaphore, a.BoundedSemaphore, a.Lock, a.Event, a.Condition, a.Barrier):
        out.append((cls, "__init__", _wrap_init(cls.__init__)))
    for cls in (a.Queue, a.Semaphore, a.Lock, a.Event, a.Condition, a.Barrier):
        out.append((cls, "_get_loop", wrap_get_loop(cls._get_loop)))
    for name, op in (
        ("put_nowait", res.PUT),
        ("get_nowait", res.GET),
        ("task_done", res.TASK_DONE),
        ("shutdown", res.SHUTDOWN),  # (3.13+)
    ):
        if hasattr(a.Queue, name):
            out.append((a.Queue, name, wrap_queue_op(getattr(a.Queue, name), op)))
    out.append((a.Semaphore, "release", _wrap_depth(a.Semaphore.release)))
    out.append((a.Condition, "notify", _wrap_notify(a.Condition.notify)))
    out.append((a.Condition, "notify_all", _wrap_notify(a.Condition.notify_all)))
    for cls, name in ((a.Lock, "_locked"), (a.Semaphore, "_value"), (a.Event, "_value")):
        out.append((cls, name, _state_property(name)))
    out.append((a.Barrier, "_count", _state_property("_count")))
    return out


_lock = threading.Lock()
_users = 0
_saved: list[tuple[type, str, Any]] = []


def attach() -> None:
    """A recording starts: wrap the classes (the first one to start does)."""
    global _users
    with _lock:
        if _users == 0:
            try:
                patches = _patches()
            except Exception:  # (an asyncio without one of them: not recorded)
                log.exception("asyncviz: asyncio's primitives cannot be recorded here")
                return
            for cls, name, value in patches:
                _saved.append((cls, name, cls.__dict__.get(name, _MISSING)))
                setattr(cls, name, value)
        _users += 1


def detach() -> None:
    """A recording ends: the last one puts every class back exactly as it was."""
    global _users
    with _lock:
        if _users == 0:
            return
        _users -= 1
        if _users == 0:
            for cls, name, value in reversed(_saved):
                if value is _MISSING:
                    delattr(cls, name)
                else:
                    setattr(cls, name, value)
            _saved.clear()
