"""Types of the compiled hot path (``_hot.c``); the Python twin is ``recorder.PyRecorder``."""

from collections.abc import Callable
from typing import Any

class Recorder:
    waker: int
    room: int
    enabled: bool
    step_t0: float
    res_thread: int
    def __init__(
        self,
        *,
        store: Any,
        clock: Callable[[], float],
        fast_clock: bool,
        fail: Callable[[BaseException], None],
        task_error: Callable[[int, BaseException], None],
        blocked: Callable[[float, float, Any], None],
        describer: Any,
        ids: dict[int, Any],
        slow: float,
    ) -> None: ...
    def step(self, tid: int, t0: float, t1: float, code: int, /) -> None: ...
    def wake(self, tid: int, t: float, waker: int, /) -> None: ...
    def resource_change(self, rid: int, op: int, value: int, detail: int, /) -> None: ...
    def sync(self) -> None: ...
    def describe(self, task: Any, /) -> int: ...

class Hook:
    def __init__(
        self,
        *,
        recorder: Recorder,
        loop: Any,
        fallback: Callable[..., Any],
        orig: Callable[..., Any],
        ready: Callable[[Any], None],
        step_cls: type,
        waker_cls: type,
        step_type: Any,
        wakeup_type: Any,
        wakeup_name: str,
    ) -> None: ...
    def __call__(self, callback: Callable[..., Any], *args: Any, context: Any = None) -> Any: ...

class ResourceOp:
    """A queue operation recording its change (``op``), or ``_get_loop`` recording a
    wait (``op`` -1), while resources are recorded (``resources.py``)."""

    __wrapped__: Callable[..., Any]
    def __init__(self, original: Callable[..., Any], op: int, /) -> None: ...
    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...
    def __get__(self, obj: Any, cls: Any = None, /) -> Any: ...

class StateAttr:
    """A primitive's state attribute (``Lock._locked`` ...) while resources are
    recorded: ``after(obj, handle, value)`` once a change is stored."""

    def __init__(self, name: str, after: Callable[[Any, Any, Any], None], /) -> None: ...
    def __get__(self, obj: Any, cls: Any = None, /) -> Any: ...
    def __set__(self, obj: Any, value: Any, /) -> None: ...

def bind_resources(res: type, part: type, qsize: Callable[[Any], int] | None, /) -> None: ...
def bind_handles(
    handle: type,
    step_cls: type,
    waker_cls: type,
    task_ref: type,
    report: Callable[[Any, BaseException], None],
    asend_type: type,
    athrow_type: type,
    propagating: tuple[type, ...],
    /,
) -> tuple[Any, Any]: ...
