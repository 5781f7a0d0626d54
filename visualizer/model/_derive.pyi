"""Type stub of the compiled derivation (``_derive.c``; see its comment)."""

from typing import Any

def derive(
    steps: tuple[Any, Any, Any, Any],
    wakes: tuple[Any, Any, Any],
    tasks: tuple[Any, ...],
    out: tuple[Any, ...],
    taken: Any,
    /,
) -> int: ...
