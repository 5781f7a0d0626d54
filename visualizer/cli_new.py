"""``asyncviz new NAME [--template T] [--dir DIR] [--no-edit]``: a new scenario from a
template, in the user's scenario folder, opened in the user's editor.

The path is printed first (on stdout, alone on its line: a script can read it), then the
editor starts: ``$VISUAL``/``$EDITOR`` in the foreground (a terminal editor needs this
terminal: the command ends when it does), else the desktop's editor, not waited for
(``session.editor``).  The file is written whatever happens to the editor: an editor
that cannot start is a warning, not a failure (exit 0): the file is there to open.

No Qt here: the command runs where the window cannot (``.importlinter``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from visualizer.session.editor import EditorError, open_in_editor
from visualizer.session.scenarios import discover, scenario_dirs
from visualizer.session.templates import (
    DEFAULT_TEMPLATE,
    find_template,
    templates,
    write_new,
)
from visualizer.session.user_folder import ENV_VAR, user_folder

__all__ = ["add_new_options", "new"]


def add_new_options(p: argparse.ArgumentParser) -> None:
    """The ``new`` command's words (``--help`` lists the templates, each in a line)."""
    known = templates()
    width = max(len(t.id) for t in known)
    listed = "\n".join(f"  {t.id.ljust(width)}  {t.summary}" for t in known)
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.description = (
        "Write NAME.py, a scenario that runs and passes its own checks as it is,\n"
        "into your scenario folder (listed by `asyncviz list` and the window), print\n"
        "its path and open it in $VISUAL, $EDITOR or the desktop's editor."
    )
    p.epilog = (
        f"templates (--template):\n{listed}\n\n"
        f"Your scenario folder: {user_folder()}\n"
        f"(${ENV_VAR} or the window's File > New scenario... sets it).\n"
        "An existing file is never overwritten."
    )
    p.add_argument("name", metavar="NAME", help="the scenario's name: a Python identifier")
    p.add_argument(
        "--template",
        default=DEFAULT_TEMPLATE,
        metavar="T",
        help=f"the template (default {DEFAULT_TEMPLATE}; the templates are listed below)",
    )
    p.add_argument(
        "--dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="write it in DIR instead of your scenario folder (made if missing)",
    )
    p.add_argument(
        "--no-edit", action="store_true", help="do not open it in an editor: only write it"
    )


def new(args: argparse.Namespace) -> int:
    """Write the scenario, say where, open it.  A ``ScenarioError`` (a bad name, a file
    there already, a template that is not one) goes up to ``cli.main``: one message."""
    template = find_template(args.template)
    folder = (args.dir.expanduser() if args.dir is not None else user_folder()).resolve()
    scenarios, _errors = discover()
    taken = {s.id for s in scenarios if s.path.parent != folder}
    path = write_new(args.name, template, folder, taken)
    print(path)
    sys.stdout.flush()  # (before an editor takes the terminal)
    if folder not in scenario_dirs():
        print(
            f"asyncviz: note: {folder} is not a folder asyncviz lists: run it with"
            f" `asyncviz run {path}`, or list it with --scenarios {folder}",
            file=sys.stderr,
        )
    if args.no_edit:
        return 0
    try:
        open_in_editor(path, wait=True)
    except EditorError as exc:
        print(f"asyncviz: warning: {exc}; the file is written: {path}", file=sys.stderr)
    return 0
