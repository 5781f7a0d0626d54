"""Types of the compiled hot path (``_hot.c``); the Python twin is ``recorder.PyRecorder``."""

from collections.abc import Callable
from typing import Any

class Recorder:
    waker: int
    room: int
    enabled: bool
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
