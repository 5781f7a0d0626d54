"""A live run's insights, worked out again as it goes, at a cost that stays small.

``insights_of`` reads a whole trace: its cost grows with the run (about a microsecond a
span: 350 ms for the 400,000 spans of two seconds of a busy program, measured in
``bench/live_gui.py``).  Worked out again on the whole run so far, it would hold the
window (and a program on the window's loop) longer each time.  So a live run's are
worked out on its recent part only, and merged with those found before:

* when: at most once a second (``EVERY``), and no sooner after the last than
  ``SPACING`` times what the last cost (the share of the loop's time stays under 5%);
* on what: the spans of the last stretch of the run whose working-out is expected to
  cost ``MOST`` at most (the cost per span of the last one, times the spans the run
  makes a second: a stretch of the run, not a count of spans, so that what is found
  stays at its moment).  The whole run, while that is cheap enough;
* merged: what was found before and ended before that stretch stays; what the stretch
  holds replaces what was found of it before; a kind that goes on (``ONGOING``: a
  task's ready waits, a contention, a poll) found again is one insight, from where it
  was first found.  Not what needs the end (``partial=True``).

A kind that sums a task's whole life (a task's scheduling delays, its waits on a lock)
says, live, what the stretch shows; at the run's end the window works them out once
more on the whole trace.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Final

from visualizer.model.insights import Insight, insights_of
from visualizer.model.spans import TraceModel
from visualizer.model.words import Translate

#: at most once a second (seconds) ...
EVERY: Final = 1.0
#: ... and no sooner after the last than this many times what it cost: at most 1/21 of
#: the loop's time (under 5%)
SPACING: Final = 20.0
#: one working-out is expected to cost this at most (seconds): a frame's budget (33 ms
#: at 30 a second) is not taken whole by it
MOST: Final = 0.03
#: seconds a span, until one working-out read ``SAMPLE`` spans or more (a few spans'
#: cost is mostly fixed: too little to tell the cost of a span): about what one costs
#: (0.35 to 0.9 us measured, ``bench/live_gui.py``)
PER_SPAN: Final = 1e-6
SAMPLE: Final = 10_000


#: the kinds that sum up a task's (or a resource's) time: found again in each stretch
#: while it goes on, one insight (its start the first stretch's)
ONGOING: Final = frozenset({"long-scheduling-delay", "contention", "busy-polling"})


def key(found: Insight) -> tuple[str, tuple[int, ...] | str | None, float]:
    """An insight as the same one while a live run goes on (its words and end may grow;
    an ongoing kind's start too).  Tasks dropped from one line are one insight (its
    site: the line), a flood (many tasks ready, polling: ``facts["tasks"]`` counts them)
    is one, whichever tasks it names, and a resource's contention is one."""
    if found.kind == "fire-and-forget":
        return found.kind, found.site, -1.0
    if isinstance(found.facts.get("tasks"), int):  # (a flood: many tasks, one insight)
        return found.kind, "flood", -1.0
    if found.kind == "contention":  # (one a resource, whoever waited most so far)
        return found.kind, f"resource {found.facts.get('resource')}", -1.0
    return found.kind, found.tasks[:1], -1.0 if found.kind in ONGOING else found.start


class LiveInsights:
    """The insights of the live run ``model`` reads, worked out again (``update``) when
    due; ``found`` has them all, in time order."""

    def __init__(self, model: TraceModel, translate: Translate) -> None:
        self.model = model
        self.translate = translate
        self.found: list[Insight] = []
        self.next = 0.0  #: when the next working-out is due (``time.perf_counter``)
        self.cost = 0.0  #: seconds the last took
        self.per_span = PER_SPAN  #: seconds a span, as the last read enough of them
        self.since = 0.0  #: the stretch of the run it read began here (seconds)
        self.count = 0  #: how many so far (tests, the bench)
        self.spent = 0.0  #: seconds they took in all

    def due(self, now: float) -> bool:
        return now >= self.next

    def update(self) -> bool:
        """Work the insights out again, now, on the run's recent stretch; True if what
        is found changed."""
        began = time.perf_counter()
        model = self.model
        since = self._since(model.now(), model.span_count)
        trace = model.recent(since) if since > 0 else model.snapshot()
        new = insights_of(trace, translate=self.translate, partial=True)
        ended = time.perf_counter()
        self.took(began, ended, len(trace.spans))
        self.since = since
        before = {key(x): x for x in self.found}
        renewed = {key(x) for x in new}
        kept = [x for x in self.found if x.end < since and key(x) not in renewed]
        # (an ongoing one found again: from where it was first found)
        grown = [
            dataclasses.replace(x, start=min(x.start, before[key(x)].start))
            if key(x) in before
            else x
            for x in new
        ]
        found = sorted([*kept, *grown], key=lambda x: x.start)  # (stable: severity order)
        changed = found != self.found
        self.found = found
        return changed

    def _since(self, now: float, spans: int) -> float:
        """Where the stretch to read begins: as far back as ``MOST`` allows, at the
        cost per span of the last working-out and the spans the run makes a second."""
        if now <= 0 or not spans:
            return 0.0
        most_spans = MOST / self.per_span
        rate = spans / now
        return max(0.0, now - most_spans / rate)

    def took(self, began: float, ended: float, spans: int = 0) -> None:
        """The last working-out began and ended then (``time.perf_counter``), on ``spans``
        spans: the next is due ``EVERY`` or ``SPACING`` times its cost after it."""
        self.cost = ended - began
        if spans >= SAMPLE:
            self.per_span = self.cost / spans
        self.count += 1
        self.spent += self.cost
        self.next = ended + max(EVERY, SPACING * self.cost)
