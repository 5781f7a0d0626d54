"""An insight as JSON and back: the form ``asyncviz check --json`` prints, and its reader.

One object per insight, every field of ``Insight``: ``kind``, ``severity``, ``tasks``
(each ``{"id", "name"}``: a tool wants the names, and the ids are the trace's), ``start``,
``end``, ``finding``, ``explanation``, ``lesson``, ``site``, ``facts``; and ``title``
(the kind's heading, in English) for a reader with no table of kinds.  ``check`` adds the
site split into ``path`` and ``line``; the reader takes what it knows and leaves the rest.

Why a reader (issue 18): a big trace's insights are worked out in a process of their
own (``app.insights_child``), and come back to the window as this document: data, never
a pickle.  The round trip is exact for every insight ``insights_of`` makes (a test
checks every field of every kind), because the facts are JSON's own values by
construction (dicts of str, lists, str, int, float, bool, None; a sequence written as a
list).  The one thing JSON cannot hold is a float that is not finite: it is written
``null`` (a number not known), and read back as NaN where the field is a float
(``start``, ``end``) and as None in the facts.

Read with msgspec, typed: a document that is not this form is a ``ValidationError`` with
the path of the field at fault, never a half-made ``Insight``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import msgspec

from visualizer.model.insights.core import KINDS, Insight, Severity


def document(found: Sequence[Insight], names: Sequence[str]) -> list[dict[str, Any]]:
    """``found`` as plain values (``names``: the trace's task names, by id); JSON's
    ``null`` for a float that is not finite, plain Python for a numpy number."""
    return [
        _finite(
            {
                "kind": x.kind,
                "title": KINDS[x.kind].title if x.kind in KINDS else x.kind,
                "severity": x.severity,
                "tasks": [
                    {"id": t, "name": names[t] if 0 <= t < len(names) else None} for t in x.tasks
                ],
                "start": x.start,
                "end": x.end,
                "finding": x.finding,
                "explanation": x.explanation,
                "lesson": x.lesson,
                "site": x.site,
                "facts": x.facts,
            }
        )
        for x in found
    ]


class _Task(msgspec.Struct):
    id: int
    name: str | None = None


class Said(msgspec.Struct):
    """What the reader takes of an insight's object (a field it does not know is left)."""

    kind: str
    severity: Severity
    tasks: list[_Task | int]  # (an id alone is read too: a tool may write it so)
    start: float | None
    end: float | None
    finding: str
    explanation: str
    lesson: str | None = None
    site: str | None = None
    facts: dict[str, Any] = {}


_decoder = msgspec.json.Decoder(list[Said])


def read(data: bytes | str) -> list[Insight]:
    """The insights of a JSON document ``document`` wrote (``msgspec.ValidationError``
    or ``msgspec.DecodeError`` if it is not one)."""
    return [from_plain(x) for x in _decoder.decode(data)]


def from_plain(x: Said) -> Insight:
    """The ``Insight`` an object of the document says (decoded by msgspec as ``Said``)."""
    return Insight(
        kind=x.kind,
        severity=x.severity,
        tasks=tuple(t if isinstance(t, int) else t.id for t in x.tasks),
        start=math.nan if x.start is None else x.start,
        end=math.nan if x.end is None else x.end,
        finding=x.finding,
        explanation=x.explanation,
        lesson=x.lesson,
        site=x.site,
        facts=x.facts,
    )


def encode(found: Sequence[Insight], names: Sequence[str]) -> bytes:
    """``document(found, names)`` as compact JSON bytes (what ``read`` takes)."""
    return msgspec.json.encode(document(found, names), enc_hook=plain)


def _finite(value: Any) -> Any:
    """``value`` with every float that is not finite (a NaN: a number not known) as
    null: JSON has no NaN, and a tool's parser refuses Python's ``NaN``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def plain(value: object) -> Any:
    """A fact's value JSON lacks as such: a numpy number, a set, a tuple's kin."""
    item = getattr(value, "item", None)
    if callable(item):
        return _finite(item())
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    return str(value)
