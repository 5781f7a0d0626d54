"""``asyncviz desktop-install`` (issue 19, point 2), run as a user runs it (a process of its
own) into a temporary ``XDG_DATA_HOME``: the desktop entry, the icon at every size and our
file types are written, each file named; the entry is valid (``desktop-file-validate``, where
installed) and its ``Exec`` really opens a trace; a second install writes the same files; the
uninstall removes only what is ours (an entry of our name without the install's mark is
left, and said), never a folder every desktop program shares, and another program's files
are untouched; a ``%`` in the Python's path is warned of; macOS and Windows are refused.
"""

from __future__ import annotations

import argparse
import configparser
import io
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from visualizer.cli_desktop import (
    COMPACT_TYPE,
    ENTRY_MARK,
    MARK_NAME,
    SHARED,
    desktop_entry,
    desktop_install,
    exec_quote,
    planned,
    uninstall,
)
from visualizer.icons import ICON_NAME, ICON_SIZES, icon_path
from visualizer.trace.compact import MIMETYPE
from visualizer.trace.wire import MAGIC

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("update-desktop-database", "update-mime-database", "gtk-update-icon-cache")


def asyncviz(
    data: Path, *words: str, tools: bool = False, python: str = sys.executable
) -> subprocess.CompletedProcess[str]:
    """The command, its data folder ``data``, run by ``python``; without the desktop's cache
    tools on the PATH unless ``tools`` (then exactly the files it writes are there)."""
    env = {**os.environ, "XDG_DATA_HOME": str(data)}
    if not tools:
        env["PATH"] = str(data.parent / "empty-path")
    return subprocess.run(
        [python, "-m", "visualizer", *words],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def entry(path: Path) -> dict[str, str]:
    """The ``[Desktop Entry]`` group's keys, as a desktop reads them (case kept)."""
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    assert parser.sections() == ["Desktop Entry"]
    return dict(parser["Desktop Entry"])


def exec_argv(value: str) -> list[str]:
    """An ``Exec`` value as the Desktop Entry spec reads it: the string's escapes undone,
    then split at spaces, a double-quoted argument taken whole with ``\\`` escaping
    ``" ` $ \\``, and ``%%`` a percent sign."""
    text = value.replace("\\\\", "\\")
    argv, word, quoted, i = [], "", False, 0
    started = False
    while i < len(text):
        char = text[i]
        if quoted and char == "\\":
            word, i = word + text[i + 1], i + 2
            continue
        if char == '"':
            quoted, started = not quoted, True
        elif char == " " and not quoted:
            if started:
                argv.append(word)
            word, started = "", False
        else:
            word, started = word + char, True
        i += 1
    if started:
        argv.append(word)
    return [a.replace("%%", "%") for a in argv]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    (tmp_path / "empty-path").mkdir()
    folder = tmp_path / "share"
    # another program's files, in the folders the install writes into
    (folder / "applications").mkdir(parents=True)
    (folder / "applications/other.desktop").write_text("[Desktop Entry]\nName=other\n")
    (folder / "icons/hicolor/16x16/apps").mkdir(parents=True)
    (folder / "icons/hicolor/16x16/apps/other.png").write_bytes(b"not ours")
    return folder


def test_install_writes_each_file_says_it_and_a_second_install_is_the_same(data: Path) -> None:
    before = tree(data)
    done = asyncviz(data, "desktop-install")
    assert done.returncode == 0, done.stderr
    wanted = [path for path, _ in planned(data)]
    assert done.stdout.splitlines() == [f"wrote {path}" for path in wanted]
    assert sorted(tree(data)) == sorted(
        [*before, *(str(path.relative_to(data)) for path in wanted)]
    )
    icons = data / "icons/hicolor"
    assert (icons / "scalable/apps" / f"{ICON_NAME}.svg").read_bytes() == icon_path().read_bytes()
    for size in ICON_SIZES:
        installed = icons / f"{size}x{size}/apps/{ICON_NAME}.png"
        assert installed.read_bytes() == icon_path(size).read_bytes()
    first = tree(data)
    again = asyncviz(data, "desktop-install")
    assert again.returncode == 0 and again.stdout == done.stdout
    assert tree(data) == first


def test_the_entry_starts_this_python_and_opens_what_the_window_opens(data: Path) -> None:
    assert asyncviz(data, "desktop-install").returncode == 0
    keys = entry(data / f"applications/{ICON_NAME}.desktop")
    assert keys["Type"] == "Application" and keys["Terminal"] == "false"
    assert keys["Name"] == "asyncio visualizer"
    assert keys["Name[zh_CN]"] == "asyncio 可视化工具"  # (as the window, in Chinese too)
    assert keys["Icon"] == ICON_NAME == keys["StartupWMClass"]
    assert "Development" in keys["Categories"].split(";")
    argv = exec_argv(keys["Exec"])
    assert argv == [sys.executable, "-P", "-m", "visualizer", "gui", "%f"]
    assert os.access(argv[0], os.X_OK) and keys["TryExec"] == sys.executable
    types = keys["MimeType"].rstrip(";").split(";")
    assert types[0] == "application/json" and COMPACT_TYPE == MIMETYPE.decode() in types
    # each of our types is described in the MIME package, with its globs
    package = ET.parse(data / f"mime/packages/{ICON_NAME}.xml").getroot()
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    described = {t.get("type", ""): t for t in package.findall("m:mime-type", ns)}
    assert sorted(described) == sorted(types[1:])
    globs = {g.get("pattern") for t in described.values() for g in t.findall("m:glob", ns)}
    assert globs == {"*.avz", "*.avzs", "*.asyncviz.zip"}
    stream = described["application/x-asyncviz-stream"].find("m:magic/m:match", ns)
    assert stream is not None and MAGIC.startswith(str(stream.get("value")).encode())


def test_the_entrys_exec_opens_a_trace_in_the_window(data: Path, tmp_path: Path) -> None:
    """The ``Exec`` line as the desktop runs it (``%f``: the file), offscreen and told to
    leave when done: the window opens the trace, as File > Open does."""
    trace = tmp_path / "handed over.avz"
    made = asyncviz(data, "run", "gather_basics", "--clock", "ideal", "--trace", str(trace))
    assert made.returncode == 0, made.stderr
    head = trace.read_bytes()[:80]
    assert head[30:38] == b"mimetype" and head[38:].startswith(COMPACT_TYPE.encode())
    assert asyncviz(data, "desktop-install").returncode == 0
    keys = entry(data / f"applications/{ICON_NAME}.desktop")
    argv = [str(trace) if a == "%f" else a for a in exec_argv(keys["Exec"])]
    back = tmp_path / "back.json"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "PYTHONPATH": str(ROOT),  # (-P: not the current folder, but PYTHONPATH still)
    }
    opened = subprocess.run(
        [*argv, "--save-trace", str(back), "--exit-when-done"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert opened.returncode == 0, opened.stderr
    assert '"gather_basics"' in back.read_text(encoding="utf-8")


def folders(data: Path) -> list[str]:
    return sorted(str(p.relative_to(data)) for p in data.rglob("*") if p.is_dir())


def test_uninstall_leaves_the_files_as_they_were_and_the_shared_folders(data: Path) -> None:
    """What was there stays; of what the install made, the folders every desktop program
    shares stay (empty), the icon's size folders go."""
    before = tree(data)
    folders_before = folders(data)
    assert asyncviz(data, "desktop-install").returncode == 0
    done = asyncviz(data, "desktop-install", "--uninstall")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"removed {path}" for path, _ in planned(data)]
    assert tree(data) == before
    assert folders(data) == sorted({*folders_before, *SHARED})
    again = asyncviz(data, "desktop-install", "--uninstall")
    assert again.returncode == 0 and again.stdout.startswith("nothing to remove")


def test_uninstall_keeps_the_shared_folders_made_before_even_empty(tmp_path: Path) -> None:
    """The reviewer's case: empty ``applications/`` and ``icons/hicolor/48x48/apps/`` made
    beforehand; the data home and the shared folders stay, the empty size folders go (as
    README says)."""
    data = tmp_path / "share"
    (data / "applications").mkdir(parents=True)
    (data / "icons/hicolor/48x48/apps").mkdir(parents=True)
    (tmp_path / "empty-path").mkdir()
    assert asyncviz(data, "desktop-install").returncode == 0
    assert asyncviz(data, "desktop-install", "--uninstall").returncode == 0
    assert tree(data) == {}
    assert folders(data) == sorted(SHARED)


def test_an_entry_without_the_mark_is_left_and_said(data: Path) -> None:
    """A user's own ``asyncio-visualizer.desktop`` (no mark): the uninstall leaves it, says
    why, and removes the rest; the same for the MIME package."""
    assert asyncviz(data, "desktop-install").returncode == 0
    desktop = data / f"applications/{ICON_NAME}.desktop"
    assert ENTRY_MARK in desktop.read_text(encoding="utf-8").splitlines()
    mine = desktop.read_text(encoding="utf-8").replace(ENTRY_MARK + "\n", "")
    mine = mine.replace("Name=asyncio visualizer", "Name=my own")
    desktop.write_text(mine, encoding="utf-8")
    package = data / f"mime/packages/{ICON_NAME}.xml"
    package.write_bytes(b"<mime-info/>\n")
    done = asyncviz(data, "desktop-install", "--uninstall")
    assert done.returncode == 0, done.stderr
    why = f"it has no {MARK_NAME} line: not written by desktop-install, or edited since"
    assert done.stdout.splitlines() == [
        f"left {desktop}: {why}",
        f"left {package}: {why}",
        *(f"removed {path}" for path, _ in planned(data)[2:]),
    ]
    assert desktop.read_text(encoding="utf-8") == mine
    assert package.read_bytes() == b"<mime-info/>\n"
    assert sorted(tree(data)) == sorted(
        ["applications/other.desktop", "icons/hicolor/16x16/apps/other.png"]
        + [str(p.relative_to(data)) for p in (desktop, package)]
    )


def test_an_icon_of_our_name_is_ours_a_link_is_not(tmp_path: Path) -> None:
    """The icons are ours by their name, whatever their bytes (an older install drew them
    otherwise); a symbolic link in a file's place is none of ours (the install writes files)."""
    data = tmp_path / "share"
    icons = [path for path, _ in planned(data) if path.suffix in (".png", ".svg")]
    icons[0].parent.mkdir(parents=True)
    icons[0].write_bytes(b"drawn by an older version")
    icons[1].parent.mkdir(parents=True)
    icons[1].symlink_to(tmp_path / "elsewhere.png")
    out = io.StringIO()
    uninstall(data, out, io.StringIO())
    assert out.getvalue().splitlines() == [
        f"removed {icons[0]}",
        f"left {icons[1]}: a symbolic link, which desktop-install never writes",
    ]
    assert not icons[0].parent.exists() and icons[1].is_symlink()


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in TOOLS[:2]),
    reason="update-desktop-database / update-mime-database are not installed"
    " (Debian: desktop-file-utils, shared-mime-info)",
)
def test_the_desktops_caches_know_the_entry_and_forget_it(data: Path) -> None:
    done = asyncviz(data, "desktop-install", tools=True)
    assert done.returncode == 0 and "warning" not in done.stderr.replace(
        "warning: the menu's entry starts the visualizer in", ""
    ), done.stderr
    cache = (data / "applications/mimeinfo.cache").read_text(encoding="utf-8")
    assert f"{COMPACT_TYPE}={ICON_NAME}.desktop;" in cache.splitlines()
    assert (data / "mime/application/x-asyncviz-scenario+zip.xml").is_file()
    assert asyncviz(data, "desktop-install", "--uninstall", tools=True).returncode == 0
    mentions = [
        name for name, body in tree(data).items() if b"asyncviz" in body or b"asyncio-vis" in body
    ]
    assert mentions == []


def test_an_interpreters_path_with_spaces_and_dollars_is_quoted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    odd = '/opt/my tools/$HOME/py"thon`3\\ 100%'
    monkeypatch.setattr(sys, "executable", odd)
    text = desktop_entry()
    (line,) = [ln for ln in text.splitlines() if ln.startswith("Exec=")]
    assert exec_argv(line.removeprefix("Exec=")) == [odd, "-P", "-m", "visualizer", "gui", "%f"]
    assert exec_quote("plain") == "plain" and exec_quote("50%") == "50%%"
    validate = shutil.which("desktop-file-validate")
    if validate is not None:
        path = tmp_path / f"{ICON_NAME}.desktop"
        path.write_text(text, encoding="utf-8")
        checked = subprocess.run([validate, str(path)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_percent_in_the_pythons_path_is_warned_of(data: Path, tmp_path: Path) -> None:
    """An interpreter in a folder named with ``%`` (a link to this one: its path is
    ``sys.executable`` as it runs): the entry is written, spec-exact (``%%``), and the
    command warns that GLib's desktops refuse it; without a ``%``, no such warning."""
    odd = tmp_path / "py 100%"
    odd.mkdir()
    (odd / "python").symlink_to(sys.executable)
    done = asyncviz(data, "desktop-install", python=str(odd / "python"))
    assert done.returncode == 0, done.stderr
    keys = entry(data / f"applications/{ICON_NAME}.desktop")
    assert exec_argv(keys["Exec"])[0] == str(odd / "python") and "100%%" in keys["Exec"]
    warned = [line for line in done.stderr.splitlines() if "'%'" in line]
    assert warned == [
        f"asyncviz: warning: the Python's path has a '%' ({odd / 'python'}): the entry is"
        " written as the spec says, but GLib's reader of entries (GNOME's menu and file"
        " manager) refuses it, and other desktops may too; a venv at a path without '%'"
        " avoids it"
    ]
    assert "'%'" not in asyncviz(data, "desktop-install").stderr


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_macos_and_windows_are_refused_and_nothing_written(
    platform: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """(``sys.platform`` set in-process: those systems cannot be had here.)"""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setattr(sys, "platform", platform)
    for uninstalling in (False, True):
        assert desktop_install(argparse.Namespace(uninstall=uninstalling)) == 2
        said = capsys.readouterr()
        system = {"darwin": "macOS", "win32": "Windows"}[platform]
        assert said.out == "" and said.err == (
            "asyncviz: desktop-install is for Linux and BSD desktops (freedesktop.org),"
            f" not {system}: nothing was written\n"
        )
    assert list(tmp_path.iterdir()) == []


def test_desktop_file_validate_passes(data: Path) -> None:
    validate = shutil.which("desktop-file-validate")
    if validate is None:
        pytest.skip("desktop-file-validate is not installed (Debian: desktop-file-utils)")
    assert asyncviz(data, "desktop-install").returncode == 0
    checked = subprocess.run(
        [validate, str(data / f"applications/{ICON_NAME}.desktop")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0 and not checked.stdout.strip(), checked.stdout
