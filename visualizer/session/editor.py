"""Open a scenario in the user's editor: ``$VISUAL``, ``$EDITOR``, else the desktop's.

Two callers want different things.  ``asyncviz new`` runs in a terminal: an editor named
by ``$VISUAL``/``$EDITOR`` is very often one that needs that terminal (vim, nano), so the
command runs it in the foreground and waits for it, as ``git commit`` does.  The window
never waits for anything: it starts the editor on its own (its own session, no terminal
of ours) and goes on; an editor that needs a terminal cannot work there, so for a
terminal editor it asks the desktop instead.

The desktop's editor for a ``.py`` is asked *to edit*, never to open: on Windows the
"open" verb of a ``.py`` runs it (``os.startfile(path, "edit")`` edits), and on macOS
``open`` may hand it to Python Launcher, which runs it too (``open -t``: the text
editor).  On Linux and the BSDs ``xdg-open`` asks the desktop.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = [
    "TERMINAL_EDITORS",
    "EditorError",
    "Launch",
    "editor_command",
    "is_terminal_editor",
    "open_in_editor",
]

#: editors that need a terminal: the window hands a file to the desktop rather than start
#: one of these with no terminal to draw in
TERMINAL_EDITORS: Final = frozenset(
    {"vi", "vim", "nvim", "nano", "pico", "emacs", "mg", "micro", "ed", "ex", "joe", "jed"}
    | {"hx", "helix", "kak", "ne", "mcedit", "jove", "zile", "elvis", "nvi", "vis", "amp"}
)


class EditorError(OSError):
    """No editor could be started: the message says which was tried and what to set."""


@dataclass(frozen=True)
class Launch:
    """How a file is opened: the command, and whether it is the user's own editor
    (``$VISUAL``/``$EDITOR``, waited for in a terminal) or the desktop's."""

    command: tuple[str, ...]
    own: bool
    #: Windows' "edit" verb (``os.startfile``): no command to run
    startfile: bool = False

    @property
    def shown(self) -> str:
        """The command as a shell would read it (for messages)."""
        return shlex.join(self.command)


def _users_editor(env: Mapping[str, str]) -> tuple[str, ...]:
    for variable in ("VISUAL", "EDITOR"):
        value = env.get(variable, "").strip()
        if value:
            try:  # (``code --wait``, ``"/Applications/My Editor" -w``)
                return tuple(shlex.split(value, posix=os.name != "nt"))
            except ValueError:
                return (value,)
    return ()


def _desktop(path: Path) -> Launch:
    if sys.platform == "win32":
        return Launch((str(path),), own=False, startfile=True)
    if sys.platform == "darwin":
        return Launch(("open", "-t", str(path)), own=False)
    return Launch(("xdg-open", str(path)), own=False)


def is_terminal_editor(command: tuple[str, ...]) -> bool:
    """Whether the program of ``command`` is one that draws in a terminal (``-nw`` makes
    emacs one; a plain ``emacs`` opens a window of its own where there is a display)."""
    if not command:
        return False
    program = Path(command[0]).name.lower().removesuffix(".exe")
    if program == "emacs":
        return "-nw" in command or "--no-window-system" in command
    return program in TERMINAL_EDITORS


def editor_command(
    path: Path, env: Mapping[str, str] | None = None, *, terminal: bool = True
) -> Launch:
    """What opens ``path``: ``$VISUAL``, else ``$EDITOR``, else the desktop's editor.
    ``terminal=False`` (the window): a terminal editor there is skipped for the desktop's."""
    env = os.environ if env is None else env
    own = _users_editor(env)
    if own and (terminal or not is_terminal_editor(own)):
        return Launch((*own, str(path)), own=True)
    return _desktop(path)


def open_in_editor(
    path: Path,
    *,
    wait: bool,
    env: Mapping[str, str] | None = None,
) -> Launch:
    """Open ``path`` in the editor :func:`editor_command` names.

    ``wait=True`` (a terminal's command): the user's own editor runs in the foreground
    with the terminal, and this returns when it ends (its exit code is its business: the
    file is written either way); the desktop's is started and not waited for.
    ``wait=False`` (the window): nothing is waited for, and nothing of ours is left
    behind: a thread reaps the editor when it ends.  :class:`EditorError` if it cannot
    be started (no such program), saying what to set."""
    launch = editor_command(path, env, terminal=wait)
    if launch.startfile:
        try:
            os.startfile(path, "edit")  # type: ignore[attr-defined,unused-ignore]  # (Windows only)
        except OSError as exc:
            raise EditorError(f"Windows has no editor for {path.name}: {exc}") from exc
        return launch
    program = launch.command[0]
    if shutil.which(program) is None and not Path(program).is_file():
        raise EditorError(_no_editor(launch))
    if wait and launch.own:
        try:
            subprocess.run(launch.command, check=False)
        except OSError as exc:
            raise EditorError(f"cannot start {launch.shown}: {exc.strerror or exc}") from exc
        return launch
    try:
        process = subprocess.Popen(
            launch.command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # (Ctrl-C in our terminal is not the editor's)
        )
    except OSError as exc:
        raise EditorError(f"cannot start {launch.shown}: {exc.strerror or exc}") from exc
    threading.Thread(target=process.wait, name="asyncviz-editor-reaper", daemon=True).start()
    return launch


def _no_editor(launch: Launch) -> str:
    if launch.own:
        return f"cannot start the editor {launch.command[0]!r} ($VISUAL or $EDITOR): not found"
    return (
        f"no editor: {launch.command[0]} is not here, and neither $VISUAL nor $EDITOR is set"
        " (set one, e.g. EDITOR=nano)"
    )
