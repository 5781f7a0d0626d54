"""The chart as one HTML page (issue 18, point 6): one file that asks nothing of the
network, whose embedded columns are the trace's, drawn by a real headless Chromium
(loaded from disk, with real mouse and key events), hovered and zoomed.

The runs are real (``asyncviz run``/``record`` in a child, on the ideal clock: the same
times to the bit every run).  No verdict reads a clock: a frame's time is measured and
printed, never bounded.  The browser tests skip, saying why, where no Chromium is
installed (CI installs Debian's ``chromium``).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bench.headless_chromium import Browser, browser, find
from visualizer.model.exports.html import (
    COLOURS,
    LEGEND,
    column,
    payload,
    read_payload,
    write_html,
)
from visualizer.model.lanes import lanes_of
from visualizer.trace import schema
from visualizer.trace.data import TaskColumns, Trace
from visualizer.trace.fileformat import load, save

needs_chromium = pytest.mark.skipif(
    find() is None, reason="no Chromium here (Debian: apt-get install chromium)"
)


def _record(folder: Path, *args: str) -> Trace:
    out = folder / "trace.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "visualizer",
            args[0],
            "--clock",
            "ideal",
            "--trace",
            str(out),
            *args[1:],
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return load(out)


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Trace:
    """semaphore_workers: six workers, two at a time, each sleeping 1 s."""
    return _record(tmp_path_factory.mktemp("workers"), "run", "semaphore_workers")


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Trace:
    """10,000 tasks x 10 ``sleep(0)``: 220,005 spans, past the page's overview threshold."""
    folder = tmp_path_factory.mktemp("many")
    program = folder / "many.py"
    program.write_text(
        textwrap.dedent(
            """
            import asyncio

            async def worker():
                for _ in range(10):
                    await asyncio.sleep(0)

            async def main():
                await asyncio.gather(*(worker() for _ in range(10_000)))

            asyncio.run(main())
            """
        )
    )
    return _record(folder, "record", str(program))


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if find() is None:
        pytest.skip("no Chromium here (Debian: apt-get install chromium)")
    with browser(1280, 800) as it:
        yield it


# --- the file ----------------------------------------------------------------------------
def test_the_page_is_one_file_that_names_nothing_outside_itself(
    workers: Trace, tmp_path: Path
) -> None:
    page = tmp_path / "run.html"
    written = write_html(workers, page)
    text = page.read_text("utf-8")
    assert written.size == len(text.encode())
    assert text.startswith("<!DOCTYPE html>")
    # no script, style, font, image or frame from elsewhere, no module import, no fetch
    for pattern in (
        r"\bsrc\s*=",
        r"\bhref\s*=",
        r"\bimport\s*\(",
        r"^\s*import\s",
        r"@import",
        r"url\(",
        r"https?://",
        r"\bfetch\(",
        r"XMLHttpRequest",
        r"WebSocket",
    ):
        assert not re.search(pattern, text, re.MULTILINE), pattern
    assert text.count("<script") == 2  # the data, and the script that draws it
    assert "<canvas" in text


def test_the_embedded_columns_are_the_traces_own(workers: Trace, tmp_path: Path) -> None:
    """The page's data read back in Python: every task (lane order, names, parents,
    times, outcomes), every span (state, times, what it awaited, who woke it), the
    labels and sites, the loop's and threads' rows."""
    page = tmp_path / "run.html"
    write_html(workers, page, title="six workers")
    data = read_payload(page.read_text("utf-8"))
    assert data["title"] == "six workers"
    assert data["meta"]["source"] == "semaphore_workers"
    assert data["meta"]["clock"] == "ideal"
    strings = data["strings"]
    tasks = {key: column(value) for key, value in data["tasks"].items()}
    ids = tasks["id"]
    # the lanes as the window orders them: children under their parent
    lanes = lanes_of(TaskColumns.of(workers.tasks).parent)
    assert list(ids) == list(np.argsort(lanes))
    assert [strings[i] for i in tasks["name"]] == [workers.tasks[i].name for i in ids]
    assert [strings[i] for i in tasks["coro"]] == [workers.tasks[i].coro for i in ids]
    for lane, tid in enumerate(ids):
        record = workers.tasks[tid]
        assert tasks["created"][lane] == record.created
        assert tasks["ended"][lane] == record.ended
        assert tasks["parent"][lane] == (-1 if record.parent is None else record.parent)
        assert data["outcomes"][tasks["outcome"][lane]] == record.outcome
    spans = {key: column(value) for key, value in data["spans"].items()}
    first = spans["first"]
    assert data["exact"] == {"spans": len(workers.spans), "lanes": len(workers.tasks)}
    suspensions = data["suspensions"]
    for lane, tid in enumerate(ids):
        mine = workers.spans.for_task(int(tid))
        order = np.argsort(mine.start, kind="stable")
        at = slice(first[lane], first[lane + 1])
        assert list(spans["start"][at]) == list(mine.start[order])
        assert list(spans["end"][at]) == list(mine.end[order])
        assert list(spans["state"][at]) == list(mine.state[order])
        assert list(spans["woken_kind"][at]) == list(mine.woken_kind[order])
        assert list(spans["woken_task"][at]) == list(mine.woken_task[order])
        labels = [None if a < 0 else strings[suspensions[a][0]] for a in spans["awaiting"][at]]
        assert labels == [
            None if a < 0 else workers.suspensions[a].label for a in mine.awaiting[order]
        ]
    worker = workers.task_by_name("worker-3")
    lane = int(np.flatnonzero(ids == worker.id)[0])
    at = slice(first[lane], first[lane + 1])
    said = [strings[suspensions[a][0]] for a in spans["awaiting"][at] if a >= 0]
    assert said == ["Semaphore.acquire", "sleep(1.0)"]
    sites = [strings[suspensions[a][1]] for a in spans["awaiting"][at] if a >= 0]
    assert all(
        site.startswith(str(Path("scenarios", "semaphore_workers.py")))
        or "semaphore_workers.py:" in site
        for site in sites
    )
    rows = data["rows"]
    assert rows["names"][0] == "event loop"
    busy = column(rows["row"]) == 0
    running = workers.spans.state == schema.RUNNING
    assert column(rows["end"])[busy].max() == workers.spans.end[running].max()
    assert data["levels"] == []  # (47 spans: no overview)


def test_the_colours_and_words_are_the_windows(workers: Trace) -> None:
    """The page's colours are the light theme's and its legend says the window's words."""
    from visualizer.views.bands import BLOCKED
    from visualizer.views.chart import MARKERS
    from visualizer.views.gantt import LIGHT
    from visualizer.views.timeline_marks import MARK_STYLES

    for key in ("background", "foreground", "ready", "running", "suspended", "grid", "label"):
        assert COLOURS[key] == getattr(LIGHT, key), key
    for key in ("done", "error", "cancelled"):
        assert COLOURS[key] == MARKERS[key][1]
    for key in ("warning", "note"):
        assert COLOURS[key] == MARK_STYLES[key][1]
    blocked = tuple(float(x) for x in re.findall(r"[\d.]+", COLOURS["blocked"]))
    assert blocked[:3] == (BLOCKED.red(), BLOCKED.green(), BLOCKED.blue())
    assert round(blocked[3] * 255) == BLOCKED.alpha()
    assert [key for key, _ in LEGEND][:3] == ["running", "ready", "suspended"]


def test_a_name_cannot_end_the_script_or_become_markup(workers: Trace, tmp_path: Path) -> None:
    """Names, labels and the title are someone else's data: a ``</script>`` in them
    stays words (in the JSON every ``<`` is escaped; the title is HTML-escaped)."""
    hostile = "</script><script>document.title='owned'</script><!--"
    name, workers.tasks[1].name = workers.tasks[1].name, hostile
    try:
        page = tmp_path / "run.html"
        write_html(workers, page, title=hostile + " {{DATA}}")
        text = page.read_text("utf-8")
        assert text.count("<script") == 2 and text.count("</script>") == 2
        data = read_payload(text)
        assert hostile in data["strings"]
        assert data["title"] == hostile + " {{DATA}}"
    finally:
        workers.tasks[1].name = name


def test_a_big_trace_is_cut_to_whole_lanes_and_gets_its_overview(
    many: Trace, tmp_path: Path
) -> None:
    data = payload(many, exact_spans=50_000)
    first = column(data["spans"]["first"])
    lanes = data["exact"]["lanes"]
    assert 0 < lanes < data["lanes"] == len(many.tasks)
    assert data["exact"]["spans"] == first[lanes] <= 50_000
    per_lane = np.diff(first)
    assert (per_lane > 0).all()  # (whole lanes: each with all its spans)
    levels = data["levels"]
    assert levels and len(many.spans) > 100_000
    for level in levels:
        cells = column(level["cells"]).reshape(level["rows"], level["columns"])
        assert level["rows"] == -(-data["lanes"] // level["group"])
        assert cells.max() <= 3 * data["opacity_steps"]
        assert (cells > 0).any()


# --- the page in a browser -----------------------------------------------------------------
def _at(chromium: Browser, t: float, lane: float) -> tuple[float, float]:
    """Where on the page time ``t`` of row ``lane`` is drawn (its middle)."""
    return tuple(
        chromium.evaluate(
            "(() => { const v = asyncviz.view, n = asyncviz.names(), "
            "r = document.getElementById('canvas').getBoundingClientRect(); "
            f"return [r.left + n.namesW + ({t} - v.t0) / (v.t1 - v.t0) * (n.W - n.namesW), "
            f"r.top + ({lane} + 0.5 - v.top) * v.laneH]; }})()"
        )
    )


def _tip(chromium: Browser) -> str:
    return str(chromium.evaluate("getComputedStyle(tip).display === 'none' ? '' : tip.innerText"))


@needs_chromium
def test_chromium_draws_the_page_from_disk_and_hover_tells_a_span(
    workers: Trace, tmp_path: Path, chromium: Browser
) -> None:
    page = tmp_path / "workers.html"
    write_html(workers, page)
    chromium.open(page)
    assert chromium.errors() == []
    assert chromium.evaluate("document.getElementById('error').textContent") == ""
    assert chromium.requests() == [page.resolve().as_uri()]  # (itself: nothing more)
    # the canvas has drawn: pixels of each state's colour, where the bars are
    counted = chromium.evaluate(
        "(() => { const c = document.getElementById('canvas'), "
        "d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, n = {}; "
        "for (let i = 0; i < d.length; i += 4) { const k = '#' + [d[i], d[i+1], d[i+2]]"
        ".map((v) => v.toString(16).padStart(2, '0')).join(''); n[k] = (n[k] || 0) + 1; } "
        "return n; })()"
    )
    assert counted.get(COLOURS["suspended"], 0) > 10_000
    assert counted.get(COLOURS["running"], 0) > 10
    assert chromium.evaluate("asyncviz.last.mode") == "bars"
    chromium.screenshot(tmp_path / "workers.png")
    # hover worker-3 at 0.5 s: waiting on the semaphore; at 1.5 s: sleeping
    worker = workers.task_by_name("worker-3")
    lanes = list(column(read_payload(page.read_text())["tasks"]["id"]))
    lane = lanes.index(worker.id)
    chromium.mouse("mouseMoved", *_at(chromium, 0.5, lane))
    chromium.wait_until("tip.style.display === 'block'")
    said = _tip(chromium)
    assert "worker-3: suspended" in said
    assert "awaiting\tSemaphore.acquire" in said
    assert "semaphore_workers.py:" in said
    assert f"task\tworker-3 (#{worker.id})" in said
    chromium.mouse("mouseMoved", *_at(chromium, 1.5, lane))
    chromium.wait_until("tip.innerText.includes('sleep(1.0)')")
    said = _tip(chromium)
    assert "from\t1.000 s" in said and "to\t2.000 s" in said and "lasted\t1.000 s" in said
    # the ready span after the semaphore: woken by the worker whose release woke it
    woken = [
        s
        for s in range(len(workers.spans))
        if workers.spans.task[s] == worker.id and workers.spans.woken_kind[s] == schema.WAKE_TASK
    ]
    assert woken
    waker = workers.tasks[int(workers.spans.woken_task[woken[0]])]
    detail = chromium.evaluate(
        f"asyncviz.details({{row: {lane}, span: {_span_index(page, lane, woken[0], workers)}}})"
    )
    assert dict(detail["fields"])["woken by"] == f"{waker.name} (#{waker.id})'s step"
    chromium.mouse("mouseMoved", 5, 5)  # (off the chart: no tip)
    chromium.wait_until("getComputedStyle(tip).display === 'none'")


def _span_index(page: Path, lane: int, span: int, trace: Trace) -> int:
    """The page's index of the trace's span ``span`` (of the task in ``lane``)."""
    data = read_payload(page.read_text())
    first = column(data["spans"]["first"])
    starts = column(data["spans"]["start"])[first[lane] : first[lane + 1]]
    return int(first[lane] + np.flatnonzero(starts == trace.spans.start[span])[0])


@needs_chromium
def test_wheel_keys_buttons_and_drag_zoom_and_pan(
    workers: Trace, tmp_path: Path, chromium: Browser
) -> None:
    page = tmp_path / "workers.html"
    write_html(workers, page)
    chromium.open(page)
    view = "JSON.stringify(asyncviz.view)"
    before = json.loads(chromium.evaluate(view))
    x, y = _at(chromium, 1.0, 2)
    chromium.mouse("mouseWheel", x, y, deltaX=0, deltaY=-400)  # (up: in)
    chromium.wait_until(f"asyncviz.view.t1 - asyncviz.view.t0 < {before['t1'] - before['t0']}")
    after = json.loads(chromium.evaluate(view))
    width = after["t1"] - after["t0"]
    assert width < (before["t1"] - before["t0"]) * 0.7
    # the time under the pointer stays under it
    assert abs(_at(chromium, 1.0, 2)[0] - x) < 1.0
    chromium.evaluate("document.getElementById('zoom-out').click()")
    chromium.wait_until(f"asyncviz.view.t1 - asyncviz.view.t0 > {width * 1.4}")
    # keys: "0" the whole run again, "+" in
    chromium.evaluate("document.getElementById('canvas').focus()")
    chromium.send("Input.dispatchKeyEvent", type="keyDown", key="0", text="0")
    chromium.wait_until(f"Math.abs(asyncviz.view.t0 - {before['t0']}) < 1e-9")
    chromium.send("Input.dispatchKeyEvent", type="keyDown", key="+", text="+")
    chromium.wait_until(f"asyncviz.view.t1 - asyncviz.view.t0 < {before['t1'] - before['t0']}")
    # drag right by 100 px: the view moves back in time by 100 px of it
    start = json.loads(chromium.evaluate(view))
    chromium.mouse("mousePressed", x, y, button="left", clickCount=1)
    chromium.mouse("mouseMoved", x + 100, y, button="left")
    chromium.mouse("mouseReleased", x + 100, y, button="left", clickCount=1)
    chromium.wait_until(f"asyncviz.view.t0 < {start['t0']}")
    moved = json.loads(chromium.evaluate(view))
    per_px = (start["t1"] - start["t0"]) / (
        chromium.evaluate("asyncviz.names().W - asyncviz.names().namesW")
    )
    assert moved["t0"] == pytest.approx(start["t0"] - 100 * per_px, rel=1e-6)
    assert chromium.errors() == []


@needs_chromium
def test_a_page_of_220000_spans_draws_its_overview_then_bars(
    many: Trace, tmp_path: Path, chromium: Browser
) -> None:
    """Zoomed out a frame draws the overview levels (not 220,005 spans), zoomed in the
    exact bars; past the cut a hovered lane says its spans are not in the page.  Each
    frame's time is printed (measured in the page: ``performance.now``), not judged."""
    page = tmp_path / "many.html"
    written = write_html(many, page, exact_spans=120_000)
    assert written.levels > 0 and written.exact_lanes < written.lanes
    chromium.open(page)
    assert chromium.errors() == []
    assert "exact spans of the first" in chromium.evaluate(
        "document.getElementById('cut').textContent"
    )
    out = [chromium.evaluate("asyncviz.draw()") for _ in range(5)]
    assert chromium.evaluate("asyncviz.last.mode") == "levels+levels"
    chromium.screenshot(tmp_path / "many-out.png")
    painted = chromium.evaluate(
        "(() => { const c = document.getElementById('canvas'), "
        "d = c.getContext('2d').getImageData(c.width / 2, 0, 1, c.height / 2).data; "
        "let n = 0; for (let i = 0; i < d.length; i += 4) n += d[i] !== 255 || d[i+1] !== 255; "
        "return n; })()"
    )
    assert painted > 100  # (the middle column of the chart is not blank)
    chromium.evaluate(
        "asyncviz.view.laneH = 20; asyncviz.view.top = 10; asyncviz.view.t0 = 0.5 * "
        f"{many.duration}; asyncviz.view.t1 = asyncviz.view.t0 + {many.duration} / 500; 0"
    )
    zoomed = [chromium.evaluate("asyncviz.draw()") for _ in range(5)]
    assert chromium.evaluate("asyncviz.last.mode") == "bars"
    chromium.evaluate(f"asyncviz.view.top = {written.exact_lanes + 5}; asyncviz.draw()")
    assert chromium.evaluate("asyncviz.last.mode") == "levels"
    chromium.mouse("mouseMoved", *_at(chromium, many.duration * 0.501, written.exact_lanes + 8))
    chromium.wait_until("tip.innerText.includes('not in this page')")
    print(
        f"\nframe ms at {len(many.spans):,} spans: zoomed out {sorted(out)}, "
        f"zoomed in {sorted(zoomed)}; page {written.size:,} bytes"
    )
    assert chromium.errors() == []


def test_the_page_is_written_whole_or_not_at_all(workers: Trace, tmp_path: Path) -> None:
    page = tmp_path / "run.html"
    page.write_text("before")
    with pytest.raises(OSError):
        write_html(workers, tmp_path / "missing" / "run.html")
    write_html(workers, page)
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert not [p for p in tmp_path.iterdir() if p.name not in ("run.html",)]


def test_a_trace_saved_and_read_again_makes_the_same_page_data(
    workers: Trace, tmp_path: Path
) -> None:
    save(workers, tmp_path / "t.json")
    again = payload(load(tmp_path / "t.json"))
    first = payload(workers)
    again.pop("written"), first.pop("written")
    assert again == first
