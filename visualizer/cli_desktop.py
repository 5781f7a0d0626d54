"""``asyncviz desktop-install``: put the window in the desktop's menu, with its icon, and make
it the program that opens our trace files (freedesktop.org: Desktop Entry, Icon Theme and
Shared MIME-info specifications).

Everything goes into the user's data folder (``$XDG_DATA_HOME``, else ``~/.local/share``),
never the system's: no root needed.  ``--uninstall`` removes the files the install writes
(:func:`planned`), each named as it goes, and only those that are ours: the two text files
carry a mark (:data:`ENTRY_MARK`, :data:`MIME_MARK`) and one without it (a user's own entry
of that name) is left, and said; the icons are ours by their name alone (it is this
program's own, and a newer install draws them differently: comparing bytes would leave an
older install's icons behind).  The folders every desktop program shares (:data:`SHARED`)
are never removed, even empty: another program may be about to write there, and the
uninstall cannot know which of them the install made.  The desktop's caches are brought up
to date by their own tools where they are installed; without them the files are still
right, and the desktop reads them at its next start.

The entry starts the window as ``"<this Python>" -P -m visualizer gui %f``: the interpreter
that runs this command has this package, whatever the PATH holds (the unrelated PyPI package
``asyncviz`` installs a command of the same name), and ``-P`` keeps a folder named
``visualizer`` in the current directory from standing in for it.  An interpreter's path
with a ``%`` is written as the spec says (``%%``), but GLib's reader of entries (GNOME's
menu and file manager) refuses such an entry: the install warns (:func:`percent_problem`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Final, TextIO

from visualizer.icons import ICON_NAME, ICON_SIZES, icon_path
from visualizer.trace.safe_write import replace_atomically

#: a compact trace's type, as its ``mimetype`` member names it (``trace.compact.MIMETYPE``,
#: not imported: that module loads numpy, and this command needs none)
COMPACT_TYPE: Final = "application/x-asyncviz-trace+zip"

#: the file types the window opens (``asyncviz gui FILE``: ``model.files.is_trace_file`` and
#: ``session.shared.looks_shared``), as (type, comment, globs, magic as (offset, bytes)...,
#: parent type); JSON has its own, ``application/json``, registered by every desktop, and a
#: gzipped trace (``.json.gz``) is an ``application/gzip``: claiming every gzip would be wrong
OUR_TYPES: Final = (
    (
        COMPACT_TYPE,
        "asyncio visualizer trace (compact)",
        ("*.avz",),
        ((30, b"mimetype"), (38, COMPACT_TYPE.encode())),
        "application/zip",
    ),
    ("application/x-asyncviz-stream", "asyncio visualizer saved stream", ("*.avzs",),
     ((0, b"ASYNCVZ"),), None),
    (
        "application/x-asyncviz-scenario+zip",
        "asyncio visualizer shared scenario",
        ("*.asyncviz.zip",),
        (),
        "application/zip",
    ),
)  # fmt: skip
#: what the desktop entry says it opens
MIME_TYPES: Final = ("application/json", *(t[0] for t in OUR_TYPES))
#: the characters that make the Desktop Entry spec's Exec quote an argument
_RESERVED: Final = frozenset(" \t\n\"'\\><~|&;$*?#()`")
#: the cache tools, each as (command, its arguments but the folder, folder under data home,
#: a file the folder must already hold, if any): the icon cache only where one is there
#: already (without one, the desktop reads the folder; one made here would go stale when
#: another program adds an icon without updating it)
_REFRESHERS: Final = (
    ("update-desktop-database", ("-q",), "applications", None),
    ("update-mime-database", (), "mime", None),
    ("gtk-update-icon-cache", ("-q", "-f", "-t"), "icons/hicolor", "icon-theme.cache"),
)


#: the desktop entry's mark that the install wrote it (an ``X-`` key: the spec's own for
#: extensions, accepted by ``desktop-file-validate`` and ignored by desktops)
MARK_NAME: Final = "X-Asyncviz-Installed-By"
ENTRY_MARK: Final = f"{MARK_NAME}=asyncio-visualizer desktop-install"
#: the MIME package's mark, an XML comment (``update-mime-database`` reads past it; no
#: ``--`` may be in one, hence no ``--uninstall``)
MIME_MARK: Final = (
    f"<!-- {MARK_NAME}: asyncio-visualizer desktop-install (its uninstall removes this file) -->"
)
#: the folders under the data home that other programs share: never removed by the uninstall
SHARED: Final = ("applications", "mime", "mime/packages", "icons", "icons/hicolor")
#: the desktops the command is for (freedesktop.org's standards): not macOS nor Windows
_NOT_FREEDESKTOP: Final = {"darwin": "macOS", "win32": "Windows"}


def data_home() -> Path:
    """``$XDG_DATA_HOME`` when set to an absolute path (the spec ignores a relative one),
    else ``~/.local/share``."""
    given = os.environ.get("XDG_DATA_HOME", "")
    return Path(given) if os.path.isabs(given) else Path.home() / ".local" / "share"


def launch_argv() -> list[str]:
    """The command that opens the window, before the file's name."""
    return [sys.executable, "-P", "-m", "visualizer", "gui"]


def exec_quote(arg: str) -> str:
    """``arg`` as one argument of an ``Exec`` key: in double quotes, with ``"`` `` ` `` ``$``
    and ``\\`` escaped, if it has a reserved character; ``%`` doubled (a field code else)."""
    arg = arg.replace("%", "%%")
    if not _RESERVED.intersection(arg):
        return arg
    for special in ("\\", '"', "`", "$"):  # (the backslash first)
        arg = arg.replace(special, "\\" + special)
    return f'"{arg}"'


def entry_value(text: str) -> str:
    """``text`` as a string value of a desktop entry (its escapes: ``\\\\ \\n \\t \\r``)."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def desktop_entry() -> str:
    """The ``.desktop`` file: the menu's entry, and the opener of :data:`MIME_TYPES`."""
    command = " ".join(exec_quote(arg) for arg in launch_argv())
    lines = [
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.4",
        "Name=asyncio visualizer",
        "GenericName=asyncio Tracer",
        "Comment=Trace asyncio programs and see what every task did, when and why",
        # (the window speaks Simplified Chinese too: its menu entry does as well)
        "Name[zh_CN]=asyncio 可视化工具",
        "GenericName[zh_CN]=asyncio 跟踪器",
        "Comment[zh_CN]=跟踪 asyncio 程序，看清每个任务何时做了什么、为什么",
        f"Exec={entry_value(command)} %f",
        f"TryExec={entry_value(sys.executable)}",
        f"Icon={ICON_NAME}",
        "Terminal=false",
        "Categories=Development;Debugger;",
        f"MimeType={';'.join(MIME_TYPES)};",
        "Keywords=asyncio;event loop;tasks;trace;timeline;gantt;python;",
        f"StartupWMClass={ICON_NAME}",
        ENTRY_MARK,  # (an uninstall removes only an entry that has it)
    ]
    return "\n".join(lines) + "\n"


def mime_package() -> str:
    """The Shared MIME-info package that names our file types."""

    def escaped(value: bytes) -> str:
        return value.decode("ascii").replace("&", "&amp;").replace("<", "&lt;")

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        MIME_MARK,
        '<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">',
    ]
    for name, comment, globs, magic, parent in OUR_TYPES:
        out.append(f'  <mime-type type="{name}">')
        out.append(f"    <comment>{comment}</comment>")
        if parent:
            out.append(f'    <sub-class-of type="{parent}"/>')
        out.append(f'    <generic-icon name="{ICON_NAME}"/>')
        if magic:
            # nested matches: each must hold (the outer one, then the inner)
            opened = "".join(
                f'<match type="string" offset="{at}" value="{escaped(value)}">'
                for at, value in magic
            )
            out.append(f'    <magic priority="60">{opened}{"</match>" * len(magic)}</magic>')
        out.extend(f'    <glob pattern="{glob}" weight="60"/>' for glob in globs)
        out.append("  </mime-type>")
    out.append("</mime-info>")
    return "\n".join(out) + "\n"


def planned(data: Path) -> list[tuple[Path, Callable[[], bytes]]]:
    """Every file the install writes under ``data``, with what makes its contents (read only
    by an install: an uninstall needs no icon)."""
    icons = data / "icons" / "hicolor"
    files: list[tuple[Path, Callable[[], bytes]]] = [
        (data / "applications" / f"{ICON_NAME}.desktop", lambda: desktop_entry().encode()),
        (data / "mime" / "packages" / f"{ICON_NAME}.xml", lambda: mime_package().encode()),
        (icons / "scalable" / "apps" / f"{ICON_NAME}.svg", icon_path().read_bytes),
    ]
    files += [
        (icons / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png", icon_path(size).read_bytes)
        for size in ICON_SIZES
    ]
    return files


def mark_of(path: Path) -> str | None:
    """The line that marks the planned text file ``path`` as the install's, or None (an
    icon: ours by its name)."""
    return {".desktop": ENTRY_MARK, ".xml": MIME_MARK}.get(path.suffix)


def why_not_ours(path: Path) -> str | None:
    """Why the file at a planned ``path`` is not the install's to remove, or None: the
    install writes a plain file (never a link), and a text file with its mark."""
    if path.is_symlink():
        return "a symbolic link, which desktop-install never writes"
    mark = mark_of(path)
    if mark is None:
        return None
    try:
        lines = path.read_bytes().splitlines()
    except OSError as exc:
        return f"cannot read it ({exc.strerror})"
    if mark.encode() not in (line.strip() for line in lines):
        return f"it has no {MARK_NAME} line: not written by desktop-install, or edited since"
    return None


def _writer(contents: bytes) -> Callable[[BinaryIO], None]:
    def write(file: BinaryIO) -> None:
        file.write(contents)

    return write


def install(data: Path, out: TextIO, err: TextIO) -> None:
    """Write every planned file (anew: a second install leaves the same files), saying each,
    and bring the desktop's caches up to date."""
    for path, make in planned(data):
        contents = make()  # (before any folder is made: a missing icon stops it here)
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(path, _writer(contents))
        print(f"wrote {path}", file=out)
    refresh(data, err)


def uninstall(data: Path, out: TextIO, err: TextIO) -> None:
    """Remove the planned files that are there and ours (:func:`why_not_ours`; another is
    left, saying why), bring the caches up to date without them, then remove the icon's
    size folders that are empty now; never the :data:`SHARED` ones."""
    removed, left = [], False
    for path, _ in planned(data):
        if not (path.is_file() or path.is_symlink()):
            continue
        if (why := why_not_ours(path)) is not None:
            print(f"left {path}: {why}", file=out)
            left = True
            continue
        path.unlink()
        removed.append(path)
        print(f"removed {path}", file=out)
    if not removed and not left:
        print(f"nothing to remove: no file of asyncio visualizer's in {data}", file=out)
    refresh(data, err)
    keep = {data, *(data / shared for shared in SHARED)}
    for path in removed:
        folder = path.parent
        while folder not in keep and folder.is_relative_to(data):
            try:
                folder.rmdir()  # (only an empty one)
            except OSError:
                break
            folder = folder.parent


def refresh(data: Path, err: TextIO) -> list[str]:
    """Bring the desktop's caches up to date with the tools that are installed; a tool that
    is missing is skipped and one that fails is reported, never the install's failure."""
    ran = []
    for command, options, under, needs in _REFRESHERS:
        tool = shutil.which(command)
        folder = data / under
        if tool is None or not folder.is_dir():
            continue
        if needs is not None and not (folder / needs).is_file():
            continue
        done = subprocess.run(
            [tool, *options, str(folder)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no message"]
            print(f"asyncviz: warning: {command} {folder} failed: {said[0]}", file=err)
        ran.append(command)
    return ran


def other_visualizer() -> str | None:
    """Why the entry's command would not start this copy of the window, or None: the
    interpreter given no ``PYTHONPATH`` finds another ``visualizer`` package, or none (a
    checkout run with ``PYTHONPATH=.``, not installed)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    found = subprocess.run(
        [sys.executable, "-P", "-c", "import visualizer; print(visualizer.__file__)"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=Path.home() if Path.home().is_dir() else None,
    )
    ours = Path(__file__).resolve().parent
    if found.returncode != 0:
        return f"{sys.executable} cannot import visualizer without PYTHONPATH: install it first"
    theirs = Path(found.stdout.strip()).resolve().parent
    if theirs != ours:
        return f"the menu's entry starts the visualizer in {theirs}, not this one ({ours})"
    return None


def percent_problem() -> str | None:
    """Why the entry may not start from some desktops, or None: GLib (2.74 tried) looks for
    the ``Exec`` program with its ``%%`` not undone, finds none, and drops the entry."""
    if "%" not in sys.executable:
        return None
    return (
        f"the Python's path has a '%' ({sys.executable}): the entry is written as the spec"
        " says, but GLib's reader of entries (GNOME's menu and file manager) refuses it, and"
        " other desktops may too; a venv at a path without '%' avoids it"
    )


def desktop_install(args: argparse.Namespace) -> int:
    if (system := _NOT_FREEDESKTOP.get(sys.platform)) is not None:
        print(
            f"asyncviz: desktop-install is for Linux and BSD desktops (freedesktop.org),"
            f" not {system}: nothing was written",
            file=sys.stderr,
        )
        return 2
    data = data_home()
    try:
        if args.uninstall:
            uninstall(data, sys.stdout, sys.stderr)
        else:
            install(data, sys.stdout, sys.stderr)
    except OSError as exc:
        print(f"asyncviz: desktop-install: {exc}", file=sys.stderr)
        return 1
    if not args.uninstall:
        for problem in (percent_problem(), other_visualizer()):
            if problem is not None:
                print(f"asyncviz: warning: {problem}", file=sys.stderr)
    return 0
