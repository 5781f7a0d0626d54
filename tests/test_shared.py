"""A shared scenario (``session.shared``, ``asyncviz share``): one zip holding a scenario's
source, its run's trace and its chart's picture, read back whole, and every kind of
hostile file refused with a message that says what is wrong.

Every trace here is a real run of a built-in scenario; every hostile file is a real zip
(or not), written with ``zipfile`` the way an attacker's tool would write it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_cli_check import asyncviz
from test_fileformat import _assert_same_trace

from visualizer.session.runner import run_scenario
from visualizer.session.scenarios import Scenario, bind_params, find
from visualizer.session.shared import (
    CHART,
    FORMAT,
    LIMITS,
    MANIFEST,
    SUFFIX,
    TRACE,
    VERSION,
    SharedFormatError,
    looks_shared,
    read_shared,
    write_shared,
)
from visualizer.trace.data import Trace

#: a PNG's first bytes and a header: enough for the reader (the window's real picture is
#: checked in test_gui_share.py and by the command line's test below)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
PARAMS = {"workers": "3", "limit": "2"}


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return find("semaphore_workers")


@pytest.fixture(scope="module")
def trace(scenario: Scenario) -> Trace:
    result = run_scenario(scenario, bind_params(scenario, PARAMS), clock="virtual")
    assert result.error is None
    return result.trace


@pytest.fixture
def shared(tmp_path: Path, scenario: Scenario, trace: Trace) -> Path:
    path = tmp_path / f"semaphore_workers{SUFFIX}"
    write_shared(path, scenario, trace, PNG)
    return path


def test_round_trip_every_member_equal(shared: Path, scenario: Scenario, trace: Trace) -> None:
    got = read_shared(shared)
    assert got.source == scenario.path.read_bytes()
    assert got.chart == PNG
    _assert_same_trace(got.trace, trace)
    manifest = got.manifest
    assert (manifest.id, manifest.title, manifest.clock) == (
        "semaphore_workers",
        scenario.title,
        "virtual",
    )
    assert manifest.params == {"workers": 3, "limit": 2, "work": 1.0} == trace.meta["params"]
    assert manifest.path == str(scenario.path)
    # described from the source in the file: the same as from the file on disk, Chinese too
    assert got.scenario.text("zh_CN") == scenario.text("zh_CN") != scenario.text("en")
    assert got.scenario.params == scenario.params
    # and a person without the app can unzip it: four plain members, the manifest readable
    with zipfile.ZipFile(shared) as archive:
        assert archive.namelist() == [MANIFEST, "semaphore_workers.py", TRACE, CHART]
        said = json.loads(archive.read(MANIFEST))
    assert (said["format"], said["version"], said["source"]) == (
        FORMAT,
        VERSION,
        "semaphore_workers.py",
    )


def test_the_source_in_the_file_is_read_never_the_one_on_disk(
    tmp_path: Path, scenario: Scenario, trace: Trace
) -> None:
    """Shared with a source of its own (as a shared scenario is shared again): that one
    is in the file, whatever the disk holds; and reading it never runs it (a source that
    would write a file when run writes none)."""
    marker = tmp_path / "ran"
    source = scenario.path.read_bytes() + f"\nopen({str(marker)!r}, 'w').close()\n".encode()
    path = tmp_path / f"x{SUFFIX}"
    write_shared(path, scenario, trace, PNG, source=source)
    assert read_shared(path).source == source
    assert not marker.exists()


def test_a_packs_scenario_is_named_by_its_file(
    tmp_path: Path, scenario: Scenario, trace: Trace
) -> None:
    """A pack's scenario's id is PACK/NAME: the file names it NAME (an id names a file)."""
    in_a_pack = dataclasses.replace(scenario, id="course/semaphore_workers")
    path = tmp_path / f"x{SUFFIX}"
    write_shared(path, in_a_pack, trace, PNG)
    assert read_shared(path).manifest.source_name == "semaphore_workers.py"


def test_writing_is_whole_or_nothing(tmp_path: Path, scenario: Scenario, trace: Trace) -> None:
    path = tmp_path / f"x{SUFFIX}"
    path.write_bytes(b"before")
    with pytest.raises(ValueError, match="not a PNG"):
        write_shared(path, scenario, trace, b"GIF89a")
    assert path.read_bytes() == b"before"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


# --- hostile files -------------------------------------------------------------------------
def _members(shared: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(shared) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(path: Path, members: dict[str, bytes] | list[tuple[str, bytes]]) -> Path:
    items = members.items() if isinstance(members, dict) else members
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in items:
            archive.writestr(name, data)
    return path


def _manifest(members: dict[str, bytes], **changes: Any) -> dict[str, bytes]:
    doc = json.loads(members[MANIFEST])
    doc.update(changes)
    return {**members, MANIFEST: json.dumps(doc).encode()}


Hostile = Callable[[Path, dict[str, bytes]], Path]

HOSTILE: dict[str, tuple[Hostile, str]] = {
    "not a zip": (
        lambda p, m: (p.write_bytes(b'{"format": "asyncviz-trace"}'), p)[1],
        "not a zip file",
    ),
    "a zip's start, then garbage": (
        lambda p, m: (p.write_bytes(b"PK\x03\x04" + os.urandom(200)), p)[1],
        "not a zip file",
    ),
    "a zip of something else": (
        lambda p, m: _zip(p, {"notes.txt": b"hello"}),
        "a zip without manifest.json",
    ),
    "a member over its limit (a zip bomb)": (
        lambda p, m: _zip(p, {**m, TRACE: b" " * (LIMITS[TRACE] + 1)}),
        f"trace.json inflates to {LIMITS[TRACE] + 1:,} bytes, over the limit",
    ),
    "a member named ../x": (
        lambda p, m: _zip(p, {**m, "../x": b"owned"}),
        "a member named '../x': a shared scenario's members are plain file names",
    ),
    "an absolute member": (
        lambda p, m: _zip(p, [*m.items(), ("/etc/x", b"owned")]),
        "a member named '/etc/x'",
    ),
    "two members of one name": (
        lambda p, m: _zip(p, [*m.items(), (TRACE, b"{}")]),
        "two members named 'trace.json'",
    ),
    "the trace missing": (
        lambda p, m: _zip(p, {k: v for k, v in m.items() if k != TRACE}),
        "trace.json is missing",
    ),
    "the source missing": (
        lambda p, m: _zip(p, {k: v for k, v in m.items() if not k.endswith(".py")}),
        "semaphore_workers.py is missing",
    ),
    "the chart missing": (
        lambda p, m: _zip(p, {k: v for k, v in m.items() if k != CHART}),
        "chart.png is missing",
    ),
    "the manifest not JSON": (
        lambda p, m: _zip(p, {**m, MANIFEST: b"{'format': pickle}"}),
        "manifest.json is not JSON",
    ),
    "the trace not JSON": (
        lambda p, m: _zip(p, {**m, TRACE: b"\x80\x04K\x01."}),  # (a pickle)
        "trace.json: not JSON",
    ),
    "an unknown version": (
        lambda p, m: _zip(p, _manifest(m, version=2)),
        "version 2 of the shared-scenario format; this asyncviz reads version 1 (a newer",
    ),
    "another format": (
        lambda p, m: _zip(p, _manifest(m, format="asyncviz-trace")),
        "says format 'asyncviz-trace'",
    ),
    "an id that is a path": (
        lambda p, m: _zip(p, _manifest(m, id="../../x")),
        "id '../../x' is not a scenario's name",
    ),
    "a parameter that is not a value": (
        lambda p, m: _zip(p, _manifest(m, params={"workers": {"__reduce__": 1}})),
        "params.workers: dict, not a number",
    ),
    "the chart not a picture": (
        lambda p, m: _zip(p, {**m, CHART: b"<svg onload=alert(1)>"}),
        "chart.png is not a PNG picture",
    ),
    "the source not Python": (
        lambda p, m: _zip(p, {**m, "semaphore_workers.py": b"def (:\n"}),
        "semaphore_workers.py: syntax error at line 1",
    ),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
@pytest.mark.filterwarnings("ignore:Duplicate name")  # (zipfile's, writing one on purpose)
def test_a_hostile_file_is_refused_with_a_message_that_says_why(
    tmp_path: Path, shared: Path, kind: str
) -> None:
    build, expected = HOSTILE[kind]
    path = build(tmp_path / f"hostile{SUFFIX}", _members(shared))
    with pytest.raises(SharedFormatError) as info:
        read_shared(path)
    message = str(info.value)
    assert message.startswith(f"{path.name}: "), message  # (says which file)
    assert expected in message, message
    # nothing was extracted next to it, whatever a member was named
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, shared.name])


def test_what_is_not_a_regular_file_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / f"pipe{SUFFIX}"
    os.mkfifo(fifo)
    assert not looks_shared(fifo)  # (never opened for reading: no writer to wait for)
    with pytest.raises(SharedFormatError, match="not a regular file"):
        read_shared(fifo)
    with pytest.raises(SharedFormatError, match="not a regular file"):
        read_shared(tmp_path)


# --- the command line ------------------------------------------------------------------------
def test_asyncviz_share_writes_a_file_gui_opens(tmp_path: Path, scenario: Scenario) -> None:
    """``asyncviz share`` runs the scenario and writes the file, its chart drawn without a
    display; ``asyncviz gui FILE`` opens it (and says nothing went wrong)."""
    out = tmp_path / f"lesson{SUFFIX}"
    done = asyncviz(tmp_path, "share", "semaphore_workers", "--param", "workers=3", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert f"asyncviz gui {out}" in done.stdout
    got = read_shared(out)
    assert got.manifest.params["workers"] == 3 and got.manifest.clock == "virtual"
    assert [t.name for t in got.trace.tasks] == ["main", "worker-1", "worker-2", "worker-3"]
    # a real PNG: its header names a picture as wide as the chart drawn, with a title over it
    assert got.chart[12:16] == b"IHDR"
    width, height = (int.from_bytes(got.chart[at : at + 4], "big") for at in (16, 20))
    assert (width, height) > (900, 600)
    picture = tmp_path / "window.png"
    opened = asyncviz(
        tmp_path,
        "gui",
        str(out),
        "--size",
        "1280x800",
        "--screenshot",
        str(picture),
        "--exit-when-done",
    )
    assert opened.returncode == 0, opened.stderr
    assert picture.stat().st_size > 10_000
    # a shared file is opened, never run: no parameters for it
    refused = asyncviz(tmp_path, "gui", str(out), "--param", "workers=1")
    assert refused.returncode == 2 and "never runs here" in refused.stderr


def test_asyncviz_share_refuses_bad_input_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / f"x{SUFFIX}"
    bad = asyncviz(
        tmp_path, "share", "semaphore_workers", "--param", "workers=many", "-o", str(out)
    )
    assert bad.returncode == 2 and "expects an integer" in bad.stderr
    program = tmp_path / "prog.py"
    program.write_text("import asyncio\nasyncio.run(asyncio.sleep(0))\n")
    plain = asyncviz(tmp_path, "share", str(program), "-o", str(out))
    assert plain.returncode == 2 and "plain program" in plain.stderr
    broken = tmp_path / "broken.asyncviz.zip"
    broken.write_bytes(b"PK\x03\x04 not really")
    opened = asyncviz(tmp_path, "gui", str(broken), "--exit-when-done")
    assert opened.returncode == 1 and "not a zip file" in opened.stderr
    assert not out.exists()
