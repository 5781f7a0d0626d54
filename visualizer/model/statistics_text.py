"""The statistics (``model.statistics``) in plain text: for the command line, and for the
details of a task or of the loop's row.  Monospace lines, so a terminal and the window's
panel show the same thing.  Words through ``translate``, context "Statistics".

Legibility first (tokio-console's task view is the bar: a sparkline between the least
and the greatest value, and the percentiles in a list beside it): here each bucket of
the histogram is a line that says its range in round numbers (``2-5 ms``), its bar and
its count, and the percentiles are written on the line of the bucket they fall in, so
"half the steps took under 2 ms, one in a hundred over 100 ms" reads off the picture.
Only the buckets from the first to the last with a count are shown.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from visualizer.model.details import seconds
from visualizer.model.statistics import (
    EDGES,
    PERCENTILES,
    Busy,
    Distribution,
    RunStatistics,
    TaskStatistics,
    Waiting,
    bucket_of,
)
from visualizer.model.words import QT_TRANSLATE_NOOP, Translate, english

#: characters of the longest bar (a terminal's)
BAR_WIDTH: Final = 24
#: in a narrow pane (the window's details, about 30 characters of its type wide): the
#: longest bar, and the busy share's bins (a character each)
PANE_BAR: Final = 8
PANE_BINS: Final = 24
#: a bar's characters, from an eighth to a whole one
_EIGHTHS: Final = " ▏▎▍▌▋▊▉█"
#: the levels of the busy share's sparkline, from none to all
_LEVELS: Final = " ▁▂▃▄▅▆▇█"
#: a bin busier than this shows (a microsecond a second)
_NOTHING: Final = 1e-6


def task_text(stats: TaskStatistics, translate: Translate = english, bar: int = BAR_WIDTH) -> str:
    """A task's statistics: its steps, its scheduled delays (each a histogram, its
    longest bar ``bar`` characters), and its ready span the trace ended in, if it did."""
    lines = [
        *distribution_lines(stats.steps, _STEPS, translate, bar),
        "",
        *distribution_lines(stats.scheduled, _SCHEDULED, translate, bar),
    ]
    if stats.waiting.count:
        lines += [
            "",
            translate(
                "Statistics",
                "Ready when the trace ended, for {seconds} so far (not counted above).",
            ).format(seconds=seconds(stats.waiting.longest)),
        ]
    return "\n".join(lines)


def run_text(stats: RunStatistics, translate: Translate = english, bar: int = BAR_WIDTH) -> str:
    """The whole run's statistics: the loop's busy share (over time, as a sparkline),
    then every task's steps and scheduled delays together."""
    lines = [*busy_lines(stats.busy, translate), ""]
    lines += distribution_lines(stats.steps, _STEPS, translate, bar)
    lines.append("")
    lines += distribution_lines(stats.scheduled, _SCHEDULED, translate, bar)
    lines += _waiting_lines(stats.waiting, translate)
    return "\n".join(lines)


def run_summary(stats: RunStatistics, translate: Translate = english) -> str:
    """One line for the loop's row under the pointer: its busy share, and the steps' and
    scheduled delays' median and 99th percentile."""
    return translate(
        "Statistics",
        "event loop: busy {share} of the run; steps p50 {step50}, p99 {step99}; "
        "ready tasks waited p50 {wait50}, p99 {wait99}",
    ).format(
        share=_share(stats.busy.overall),
        step50=_maybe(stats.steps.p50),
        step99=_maybe(stats.steps.p99),
        wait50=_maybe(stats.scheduled.p50),
        wait99=_maybe(stats.scheduled.p99),
    )


# (the headings: (with a count, with none))
_STEPS: Final = (
    QT_TRANSLATE_NOOP("Statistics", "Steps (running): {count}, {total} in all"),
    QT_TRANSLATE_NOOP("Statistics", "Steps (running): none"),
)
_SCHEDULED: Final = (
    QT_TRANSLATE_NOOP(
        "Statistics", "Scheduled (ready, waiting for the loop): {count}, {total} in all"
    ),
    QT_TRANSLATE_NOOP("Statistics", "Scheduled (ready, waiting for the loop): none"),
)


def distribution_lines(
    dist: Distribution,
    heading: tuple[str, str],
    translate: Translate = english,
    bar: int = BAR_WIDTH,
) -> list[str]:
    """A heading with the count and the total, the percentiles two to a line (narrow
    enough for a pane), then the histogram: a line per bucket from the first to the last
    with a count, each marked with the percentiles that fall in it."""
    some, none = heading
    if not dist.count:
        return [translate("Statistics", none)]
    said = [
        f"{name} {seconds(value)}"
        for name, value in (
            *((f"p{p}", dist.percentile(p)) for p in PERCENTILES),
            (translate("Statistics", "max"), dist.max),
        )
    ]
    lines = [
        translate("Statistics", some).format(count=f"{dist.count:,}", total=seconds(dist.total)),
        f"  {said[0]:<14} {said[1]}",
        f"  {said[2]:<14} {said[3]}",
    ]
    counts = np.array(dist.buckets)
    used = np.flatnonzero(counts)
    first, last = int(used[0]), int(used[-1])
    marks: dict[int, list[str]] = {}
    for p in PERCENTILES:
        marks.setdefault(int(bucket_of(np.array([dist.percentile(p)]))[0]), []).append(f"p{p}")
    marks.setdefault(int(bucket_of(np.array([dist.max]))[0]), []).append(
        translate("Statistics", "max")
    )
    rows = _rows(counts, first, last)
    ranges = [bucket_range(low, high) for low, high in rows]
    width = max(len(r) for r in ranges)
    digits = len(f"{int(counts.max()):,}")
    for (low, _high), label in zip(rows, ranges, strict=True):
        count = int(counts[low])
        drawn = _bar(count / counts.max(), bar)
        mark = _marks(marks.get(low, []))
        line = f"  {label:>{width}} {drawn:<{bar}} {count:>{digits},}  {mark}"
        lines.append(line.rstrip())
    return lines


def _rows(counts: npt.NDArray[np.int64], first: int, last: int) -> list[tuple[int, int]]:
    """The histogram's lines, buckets ``low`` to ``high`` each: one bucket a line, but two
    or more empty ones in a row on one line (a run's steps are often a few microseconds
    and a few long ones: the decades between say only that none were there)."""
    rows: list[tuple[int, int]] = []
    i = first
    while i <= last:
        j = i
        while not counts[i] and j + 1 <= last and not counts[j + 1]:
            j += 1
        rows.append((i, j))
        i = j + 1
    return rows


def bucket_range(low: int, high: int | None = None) -> str:
    """The range of buckets ``low`` to ``high`` (by default one) in round numbers:
    ``< 1 us``, ``2-5 ms``, ``500 ms-1 s``, ``>= 10 s``."""
    high = low if high is None else high
    if high == 0:
        return f"< {edge(EDGES[0])}"
    if low == len(EDGES):
        return f">= {edge(EDGES[-1])}"
    if high == len(EDGES):
        return f">= {edge(EDGES[low - 1])}"
    bottom = "0 s" if low == 0 else edge(EDGES[low - 1])
    top = edge(EDGES[high])
    bottom_number, bottom_unit = bottom.split(" ")
    top_number, top_unit = top.split(" ")
    if bottom_unit == top_unit:
        return f"{bottom_number}-{top_number} {top_unit}"
    return f"{bottom}-{top}"


def edge(value: float) -> str:
    """A bucket's edge: ``1 us``, ``20 ms``, ``5 s``."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if value >= scale * (1 - 1e-9):
            return f"{round(value / scale):g} {unit}"
    return f"{value:g} s"


def busy_lines(busy: Busy, translate: Translate = english) -> list[str]:
    """The loop's busy share: in words, then over time (a sparkline, a bin a character,
    from the run's start to its end)."""
    idle = max(busy.end - busy.steps - busy.callbacks, 0.0)
    if busy.callbacks > 0:
        said = translate(
            "Statistics",
            "The loop was busy {share} of the run: {steps} running steps, {callbacks} in "
            "callbacks that blocked it; idle {idle}.",
        )
    else:
        said = translate(
            "Statistics",
            "The loop was busy {share} of the run: {steps} running steps; idle {idle}.",
        )
    lines = [
        said.format(
            share=_share(busy.overall),
            steps=seconds(busy.steps),
            callbacks=seconds(busy.callbacks),
            idle=seconds(idle),
        )
    ]
    if len(busy.share) and busy.end > 0:
        # (any work shows, a lowest bar, but not the ideal clock's nanosecond ticks)
        share = np.where(busy.share < _NOTHING, 0.0, np.clip(busy.share, 0.0, 1.0))
        levels = np.ceil(share * (len(_LEVELS) - 1)).astype(int)
        spark = "".join(_LEVELS[level] for level in levels)
        lines.append(
            translate("Statistics", "Busy over time, from the start to {end}:").format(
                end=seconds(busy.end)
            )
        )
        lines.append(f"  |{spark}|")
    return lines


def _waiting_lines(waiting: Waiting, translate: Translate) -> list[str]:
    if not waiting.count:
        return []
    return [
        "",
        translate(
            "Statistics",
            "Ready when the trace ended: {count} tasks, the longest for {seconds} so far "
            "(not counted above).",
        ).format(count=f"{waiting.count:,}", seconds=seconds(waiting.longest)),
    ]


def _bar(fraction: float, width: int) -> str:
    """A bar ``fraction`` of ``width`` characters long, in eighths of a character (a
    count above zero gets an eighth at least: a rare bucket is seen)."""
    eighths = max(round(fraction * width * 8), 1 if fraction > 0 else 0)
    whole, part = divmod(eighths, 8)
    return "█" * whole + (_EIGHTHS[part] if part else "")


def _marks(names: list[str]) -> str:
    """The percentiles on a bucket's line: ``p50``, ``p90 p99``, three or more as the
    first and the last (``p90-max``: a pane is narrow)."""
    return " ".join(names) if len(names) < 3 else f"{names[0]}-{names[-1]}"


def _share(value: float) -> str:
    return f"{value:.0%}" if value >= 0.01 or value == 0 else "<1%"


def _maybe(value: float) -> str:
    return "-" if np.isnan(value) else seconds(value)
