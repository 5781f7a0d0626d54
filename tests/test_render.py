"""``asyncviz render`` (issue 18, point 5): a trace's, a scenario's or a program's chart
as PNG or SVG, with no window and no display; run as a user runs it (the command in a
process of its own, a scenario or program recorded in another), the pictures read
back: their size, their words (an SVG's text: the title, the lane names, the time
axis' labels) and their pixels.  And the lane choice (``model.lane_choice``) on a real
run's trace."""

from __future__ import annotations

import re
import subprocess
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage
from test_open_from_cli import asyncviz as run_command

from visualizer.model.files import load_any
from visualizer.model.lane_choice import LaneChoiceError, choose, keep_tasks
from visualizer.trace import schema
from visualizer.views.gantt import LIGHT

ROOT = Path(__file__).resolve().parent.parent

#: a plain program: ``n`` workers (its first argument), each sleeping its number of
#: tenths; ``--fail``: it raises at the end
PROGRAM = textwrap.dedent(
    """
    import asyncio, sys

    async def work(i):
        await asyncio.sleep(0.1 * i)

    async def main(n):
        async with asyncio.TaskGroup() as tg:
            for i in range(n):
                tg.create_task(work(i), name=f"w{i}")
        if "--fail" in sys.argv:
            raise RuntimeError("it broke at the end")

    asyncio.run(main(int(sys.argv[1])))
    """
)


def asyncviz(
    tmp_path: Path, *words: str, display: bool = False
) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it; with no display at all unless ``display``."""
    return run_command(tmp_path, *words, display=display)


def svg_words(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [w.replace("\xa0", " ").strip() for w in re.findall(r"<text[^>]*>\s*([^<]*)", text)]


def svg_size(path: Path) -> tuple[int, int]:
    box = re.search(r'viewBox="0 0 (\d+) (\d+)"', path.read_text(encoding="utf-8"))
    assert box is not None
    return int(box[1]), int(box[2])


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run of semaphore_workers on the ideal clock (exact times: workers end at 1,
    2 and 3 s), saved as ``asyncviz run --trace`` saves it."""
    folder = tmp_path_factory.mktemp("saved")
    path = folder / "semaphore.json"
    done = asyncviz(folder, "run", "semaphore_workers", "--clock", "ideal", "--trace", str(path))
    assert done.returncode == 0, done.stderr
    return path


def test_a_trace_as_png_and_svg_of_the_size_asked_with_no_display(
    tmp_path: Path, saved: Path
) -> None:
    png, svg = tmp_path / "chart.png", tmp_path / "chart.svg"
    done = asyncviz(tmp_path, "render", str(saved), "-o", str(png), "--size", "900x500")
    assert done.returncode == 0, done.stderr
    image = QImage(str(png))
    assert (image.width(), image.height()) == (900, 500)
    assert done.stdout.startswith(f"{png}: 900x500, 7 task lanes")
    done = asyncviz(tmp_path, "render", str(saved), "-o", str(svg), "--size", "1000x640")
    assert done.returncode == 0, done.stderr
    assert svg_size(svg) == (1000, 640)
    words = svg_words(svg)
    # the title (what ran, its clock), the legend, the lane names, the time axis
    assert "semaphore_workers, ideal clock" in words
    for word in ("running", "suspended", "main", "worker-1", "worker-6", "event loop"):
        assert word in words, word
    assert "time (s)" in " ".join(words)
    # its type as on screen, 11 points at the screen's 96 dots an inch (at the SVG's own
    # 72 the lane names and axes came out at three quarters of the size, off the bars)
    name = re.search(r'font-size="([\d.]+)"[^>]*>\s*worker-1<', svg.read_text(encoding="utf-8"))
    assert name is not None and float(name[1]) == pytest.approx(11 * 96 / 72, abs=0.1)


def test_the_default_size_fits_the_lanes_and_the_theme_colours_it(
    tmp_path: Path, saved: Path
) -> None:
    light, dark = tmp_path / "light.png", tmp_path / "dark.png"
    assert asyncviz(tmp_path, "render", str(saved), "-o", str(light)).returncode == 0
    done = asyncviz(tmp_path, "render", str(saved), "-o", str(dark), "--theme", "dark")
    assert done.returncode == 0, done.stderr
    a, b = QImage(str(light)), QImage(str(dark))
    assert a.width() == b.width() == 1280
    # 7 lanes, the loop's row, the resources' two: 90 + 46 pixels each, and the header
    assert a.height() == b.height() > 90 + 46 * 10
    assert a.pixelColor(2, 2).name() == "#ffffff"
    assert b.pixelColor(2, 2).name() == "#15171a"


def test_from_and_to_choose_the_time_drawn(tmp_path: Path, saved: Path) -> None:
    whole, part = tmp_path / "whole.svg", tmp_path / "part.svg"
    assert asyncviz(tmp_path, "render", str(saved), "-o", str(whole)).returncode == 0
    done = asyncviz(tmp_path, "render", str(saved), "-o", str(part), "--from", "1", "--to", "2")
    assert done.returncode == 0, done.stderr

    def ticks(path: Path) -> list[float]:
        return [float(w) for w in svg_words(path) if re.fullmatch(r"\d+(\.\d+)?", w)]

    assert min(ticks(whole)) == 0 and max(ticks(whole)) == 3  # (the run ends at 3 s)
    assert min(ticks(part)) >= 1 and max(ticks(part)) <= 2
    assert len(ticks(part)) >= 3  # (labels between: 1.2, 1.4 ...)


def test_from_and_to_move_the_bars_pixels(tmp_path: Path, saved: Path) -> None:
    """In pixels: worker-1's sleep (0 to 1 s) is half as wide in a chart of 0 to 4 s as
    in one of 0 to 2 s, and not in one of 1.5 to 3 s at all."""
    widths = []
    for start, end in (("0", "2"), ("0", "4"), ("1.5", "3")):
        out = tmp_path / f"{start}-{end}.png"
        done = asyncviz(
            tmp_path, "render", str(saved), "-o", str(out), "--from", start, "--to", end,
            "--lanes", "worker-1", "--title", "", "--size", "1000x300",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        pixels = _pixels(out)
        suspended = QColor(LIGHT.suspended)
        bgra = np.array([suspended.blue(), suspended.green(), suspended.red()], np.uint8)
        columns = (pixels[:, :, :3] == bgra).all(axis=2).any(axis=0)
        widths.append(int(columns.sum()))
    two, four, late = widths
    assert two > 300  # (about half of the chart's 830 pixels)
    assert 1.9 < two / four < 2.1
    assert late == 0


def _pixels(path: Path) -> np.ndarray:
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    bits = np.frombuffer(image.constBits(), np.uint8)
    return bits.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 4].reshape(
        image.height(), image.width(), 4
    )


def test_lanes_choose_by_name_pattern_and_range(tmp_path: Path, saved: Path) -> None:
    cases = {
        "worker-2,worker-5": ({"worker-2", "worker-5"}, {"main", "worker-1"}),
        "worker-[13]": ({"worker-1", "worker-3"}, {"main", "worker-2"}),
        "0:2": ({"main", "worker-1"}, {"worker-2"}),
        "-2:": ({"worker-5", "worker-6"}, {"main", "worker-4"}),
    }
    for i, (lanes, (shown, hidden)) in enumerate(cases.items()):
        out = tmp_path / f"lanes{i}.svg"
        done = asyncviz(tmp_path, "render", str(saved), "-o", str(out), f"--lanes={lanes}")
        assert done.returncode == 0, done.stderr
        words = set(svg_words(out))
        assert shown <= words, lanes
        assert not hidden & words, lanes
        assert "event loop" in words  # (the rows under the lanes stay)
        assert "semaphore_workers, ideal clock, 2 of 7 tasks" in words


def test_a_scenario_is_recorded_on_the_virtual_clock_and_drawn(tmp_path: Path) -> None:
    out = tmp_path / "chart.svg"
    done = asyncviz(tmp_path, "render", "taskgroup_failure", "-o", str(out))
    assert done.returncode == 0, done.stderr
    words = svg_words(out)
    assert "taskgroup_failure, virtual clock" in words
    assert {"main", "quick", "broken", "slow"} <= set(words)
    assert done.stdout.strip().startswith(f"{out}: 1280x")  # (its output: on stderr)


def test_a_program_is_recorded_with_its_arguments_and_drawn(tmp_path: Path) -> None:
    program = tmp_path / "workers.py"
    program.write_text(PROGRAM, encoding="utf-8")
    out = tmp_path / "chart.svg"
    # its arguments after it (ours among them), or after --
    done = asyncviz(tmp_path, "render", str(program), "3", "-o", str(out), "--clock", "ideal")
    assert done.returncode == 0, done.stderr
    words = svg_words(out)
    assert "workers.py, ideal clock" in words
    assert {"w0", "w1", "w2"} <= set(words) and "w3" not in words
    done = asyncviz(tmp_path, "render", str(program), "-o", str(out), "--", "5")
    assert done.returncode == 0, done.stderr
    assert {"w3", "w4"} <= set(svg_words(out))


def test_a_failing_program_is_drawn_as_far_as_it_ran_and_said(tmp_path: Path) -> None:
    program = tmp_path / "workers.py"
    program.write_text(PROGRAM, encoding="utf-8")
    out = tmp_path / "chart.svg"
    done = asyncviz(tmp_path, "render", str(program), "-o", str(out), "--", "2", "--fail")
    assert done.returncode == 2
    assert "RuntimeError: it broke at the end" in done.stderr
    assert "failed: exit code 1" in done.stderr
    assert {"w0", "w1"} <= set(svg_words(out))  # drawn all the same


def test_a_program_that_leaves_no_recording_is_said(tmp_path: Path) -> None:
    program = tmp_path / "gone.py"
    program.write_text("import os\nos._exit(3)\n", encoding="utf-8")
    out = tmp_path / "chart.png"
    done = asyncviz(tmp_path, "render", str(program), "-o", str(out))
    assert done.returncode == 2
    assert "nothing was recorded (exit code 3)" in done.stderr
    assert not out.exists()


def test_errors_are_said_and_write_nothing(tmp_path: Path, saved: Path) -> None:
    not_trace = tmp_path / "notes.json"
    not_trace.write_text('{"hello": "world"}', encoding="utf-8")
    out = tmp_path / "chart.png"
    cases = [
        ((str(saved), "-o", str(tmp_path / "chart.jpg")), "a picture is .png or .svg"),
        ((str(saved),), "-o CHART.png or -o CHART.svg"),
        ((str(not_trace), "-o", str(out)), "notes.json"),
        ((str(tmp_path / "missing.json"), "-o", str(out)), "missing.json: no such file"),
        (("no_such_scenario", "-o", str(out)), "unknown scenario 'no_such_scenario'"),
        ((str(saved), "-o", str(out), "--lanes", "nobody*"), "no lane chosen"),
        ((str(saved), "-o", str(out), "--lanes", "50:60"), "no lane chosen"),
        ((str(saved), "-o", str(out), "--from", "2", "--to", "1"), "start must come before"),
        ((str(saved), "-o", str(out), "--clock", "real"), "is a saved trace, recorded already"),
        ((str(saved), "-o", str(out), "5"), "is a saved trace, recorded already: 5"),
    ]
    for words, said in cases:
        done = asyncviz(tmp_path, "render", *words)
        assert done.returncode == 2, words
        assert said in done.stderr, (words, done.stderr)
        assert "Traceback" not in done.stderr
    assert not out.exists() and not (tmp_path / "chart.jpg").exists()


def test_keep_tasks_renumbers_and_drops_the_links_to_tasks_left_out(saved: Path) -> None:
    trace = load_any(saved)
    names = [t.name for t in trace.tasks]
    chosen = choose(trace, ["worker-3", "worker-5"])
    part = keep_tasks(trace, chosen)
    assert [t.name for t in part.tasks] == ["worker-3", "worker-5"]
    assert [t.id for t in part.tasks] == [0, 1]
    assert all(t.parent is None for t in part.tasks)  # (main was left out)
    assert set(part.spans.task.tolist()) == {0, 1}
    # each kept span is one of the task's own, times and states as they were
    for new, task in enumerate(part.tasks):
        old = names.index(task.name)
        mine = trace.spans.for_task(old)
        assert np.array_equal(part.spans.for_task(new).start, mine.start)
        assert np.array_equal(part.spans.for_task(new).state, mine.state)
    # worker-5 was woken by worker-3 releasing the semaphore at 2 s: kept, renumbered;
    # wakes by tasks left out (worker-1 woke worker-3) are gone, not pointing elsewhere
    wakes = part.spans.woken_kind == schema.WAKE_TASK
    assert set(part.spans.woken_task[wakes].tolist()) <= {0, 1}
    assert (part.spans.woken_task[wakes] >= 0).all()
    by_three = wakes & (part.spans.woken_task == 0) & (part.spans.task == 1)
    assert by_three.any()
    assert [t.name for t in trace.tasks] == names  # the trace given is as it was
    with pytest.raises(LaneChoiceError, match="no lane chosen"):
        choose(trace, ["nobody"])
