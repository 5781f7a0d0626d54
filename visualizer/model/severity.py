"""The severities of an insight, most severe first.

Apart from ``model.insights`` (which loads numpy to read a trace) so that the command
line can offer ``--fail-on``'s choices without it: ``asyncviz run --help`` and ``check
--help`` build that option, and must start quickly (``tests/test_startup.py``)."""

from __future__ import annotations

from typing import Final, Literal

Severity = Literal["error", "warning", "hint"]
#: the severities, most severe first (``Insight``s of one moment are listed in this order)
SEVERITIES: Final[tuple[Severity, ...]] = ("error", "warning", "hint")
