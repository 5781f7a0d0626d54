"""``about(2.0)``: a number give or take, and ``skip("why")``, for a scenario's checks
(issue 17).

Apart from ``check_api`` (numpy, the insights) so that a scenario can import it at its
top, ``from visualizer.checks import about``, and still run as a plain script at no cost:
nothing here imports anything.
"""

from __future__ import annotations

__all__ = ["Skipped", "about", "skip"]


class about:
    """A number within ``within`` of ``value``: ``run.duration == about(2.0)``.

    Exact equality of floats is the wrong question even on the ideal clock (its
    readings are a nanosecond apart, and ``0.1 + 0.2`` is not ``0.3``); the tolerance
    is explicit so that a reader sees how exact the claim is."""

    __slots__ = ("value", "within")

    def __init__(self, value: float, within: float = 0.01) -> None:
        self.value = float(value)
        self.within = float(within)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, bool) or not isinstance(other, int | float):
            return False
        return abs(float(other) - self.value) <= self.within

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    #: (equal to many numbers: it has no one hash)
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{self.value:g} ± {self.within:g}"


class Skipped(Exception):
    """Raised by :func:`skip`: the check does not apply to this run."""


def skip(reason: str) -> None:
    """This check's claim is not about this run (``skip("only with mode=concurrent")``):
    reported as skipped, with the reason, not as passed (a claim a run did not test is
    not a claim it proved)."""
    raise Skipped(reason)
