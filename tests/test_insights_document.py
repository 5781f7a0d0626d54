"""An insight as JSON and back (``model.insights.document``, issue 18): the form
``asyncviz check --json`` prints, read back exactly, every field of every kind.

The window's big-trace insights come from a child process as this document
(``app.insights_child``): what the pane lists must be exactly what ``insights_of``
found.  Real runs (the lessons that show each problem, and the test programs of the
kinds no lesson shows), real JSON bytes; the reader refuses what is not the form.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import math
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import msgspec
import pytest
from test_insights import flood_program, polling_program, traced
from test_insights_tasks import dropping_program, swallowing_program
from tracehelp import traced_until_returned

from visualizer.cli_check import as_json
from visualizer.model.insights import KINDS, Insight, insights_of
from visualizer.model.insights.document import encode, read
from visualizer.session.runner import ClockKind, run_scenario
from visualizer.session.scenarios import find
from visualizer.trace.data import Trace

#: the lessons whose runs show a kind (``test_insights.LESSON_KINDS``), and their clocks
LESSONS: list[tuple[str, ClockKind]] = [
    ("blocking_call", "ideal"),
    ("exception_never_retrieved", "ideal"),
    ("debug_mode", "ideal"),
    ("background_tasks", "ideal"),
    ("semaphore_workers", "ideal"),
    ("coroutine_vs_task", "ideal"),
    ("task_waits_its_turn", "virtual"),
    ("cpu_bound_work", "virtual"),
]


def _left_pending() -> Trace:
    held: list[asyncio.Task[None]] = []

    async def main() -> asyncio.Task[None]:
        for i in range(3):
            held.append(asyncio.create_task(asyncio.sleep(10 + i), name=f"stuck-{i}"))
            await asyncio.sleep(0.1)
        return held[0]

    def let_go() -> None:
        for task in held[1:]:
            task.cancel()

    return traced_until_returned(main, let_go=let_go)


def _traces() -> list[Trace]:
    traces = []
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        for name, clock in LESSONS:
            params: dict[str, Any] | None = {"where": "loop"} if name == "cpu_bound_work" else None
            result = run_scenario(find(name), params, clock=clock)
            assert result.error is None, result.error
            traces.append(result.trace)
    traces.append(traced(flood_program))  # (a flood: many tasks, one insight)
    traces.append(traced(polling_program, 0.001))
    traces.append(traced(swallowing_program, False))
    traces.append(traced(dropping_program))
    traces.append(_left_pending())
    return traces


@pytest.fixture(scope="module")
def found() -> list[tuple[Trace, list[Insight]]]:
    return [(trace, insights_of(trace)) for trace in _traces()]


def every_field(x: Insight) -> dict[str, Any]:
    """All of ``x``, its facts too (``Insight``'s ``==`` leaves them out), with each
    value's type: a tuple read back as a list, an int as a float, would be a change."""

    def typed(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: typed(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return (type(value).__name__, [typed(v) for v in value])
        return (type(value).__name__, value)

    return {f.name: typed(getattr(x, f.name)) for f in dataclasses.fields(x)}


def test_every_kind_is_among_the_runs(found: list[tuple[Trace, list[Insight]]]) -> None:
    kinds = {x.kind for _, insights in found for x in insights}
    assert kinds == set(KINDS)
    # a flood's facts count all its tasks; a blocking step's name its call's stack
    facts = [x.facts for _, insights in found for x in insights]
    assert any(f.get("tasks") == 10 and "held_by" in f for f in facts)
    assert any("stack" in f and "samples" in f for f in facts)


def test_every_field_of_every_kind_round_trips(
    found: list[tuple[Trace, list[Insight]]], tmp_path: Path
) -> None:
    """Through the child's bytes and through ``check --json``'s document alike."""
    for trace, insights in found:
        assert insights
        names = trace.tasks.names
        for back in (read(encode(insights, names)), read(as_json(insights, trace, tmp_path))):
            assert [every_field(x) for x in back] == [every_field(x) for x in insights]
            assert back == insights


def test_the_document_is_check_jsons(found: list[tuple[Trace, list[Insight]]]) -> None:
    """``check --json``'s every field but its ``path`` and ``line`` (of the program
    checked, which only ``check`` knows), in its order."""
    trace, insights = found[0]
    checked = json.loads(as_json(insights, trace, Path("app.py")))
    sent = json.loads(encode(insights, trace.tasks.names))
    for a, b in zip(checked, sent, strict=True):
        assert list(a) == [*list(b)[:-1], "path", "line", "facts"]
        assert {k: v for k, v in a.items() if k not in ("path", "line")} == b
        assert a["tasks"][0] == {"id": insights[0].tasks[0], "name": a["tasks"][0]["name"]}
        assert a["tasks"][0]["name"] == trace.tasks.names[insights[0].tasks[0]]


def test_a_number_not_known_is_null_and_read_as_such() -> None:
    """JSON has no NaN: written null (what a tool's parser takes), read back as NaN in
    a time and as None in the facts."""
    odd = Insight(
        "blocking-step", "warning", (1,), math.nan, 2.0, "f", "e", None, None, {"x": math.inf}
    )
    data = encode([odd], ["main", "worker"])
    assert b"NaN" not in data and json.loads(data)[0]["facts"] == {"x": None}
    [back] = read(data)
    assert math.isnan(back.start) and back.end == 2.0 and back.facts == {"x": None}
    assert read(
        b'[{"kind": "k", "severity": "hint", "tasks": [3], "start": 0, "end": 1,'
        b' "finding": "f", "explanation": "e"}]'
    )[0].tasks == (3,)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"{",
        b"{}",
        b'[{"kind": "blocking-step"}]',
        b'[{"kind": "k", "severity": "fatal", "tasks": [], "start": 0, "end": 0,'
        b' "finding": "", "explanation": ""}]',
        b'[{"kind": "k", "severity": "hint", "tasks": ["x"], "start": 0, "end": 0,'
        b' "finding": "", "explanation": ""}]',
    ],
)
def test_what_is_not_the_document_is_refused(data: bytes) -> None:
    with pytest.raises((msgspec.ValidationError, msgspec.DecodeError)):
        read(data)
