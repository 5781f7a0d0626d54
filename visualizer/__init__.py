"""asyncio-visualizer: trace asyncio programs and draw them as Gantt charts.

``from visualizer import mark``: a program's own labelled pin on its timeline (does
nothing when the program is not traced; see ``visualizer.marks``).

``visualizer.stream()``: one line at the top of a program sends its trace to a window
that listens (``visualizer.session.child.stream``).  It is imported only when used, so
``from visualizer import mark`` still loads nothing but ``visualizer.marks``.
"""

from __future__ import annotations

from typing import Any

from visualizer.marks import mark

#: the one place the version is written (pyproject.toml reads it: ``[tool.setuptools.dynamic]``)
__version__ = "0.1.0"

#: (``stream`` is not in ``__all__``: ``import *`` must not load the tracer)
__all__ = ["__version__", "mark"]


def __getattr__(name: str) -> Any:
    if name == "stream":
        from visualizer.session.child import stream

        return stream
    raise AttributeError(f"module 'visualizer' has no attribute {name!r}")
