"""What a bug report needs: this program's version and what it runs on.

``asyncviz --version`` prints :func:`version_text`; Help > About shows :func:`facts` with the
window's own Qt facts added, and copies :func:`report_text`.  Kept light on purpose: the
command line's ``--version`` must answer without loading numpy or Qt, so the versions of the
libraries come from their installed metadata (``importlib.metadata``), never from importing
them; only the window, which has Qt loaded already, adds the Qt it really runs on.

Also here: whether each compiled hot path is in use (a report from a pure-Python run is a
different program's timing), and whether the ``asyncviz`` command on the PATH is ours (the
PyPI package ``asyncviz`` 0.1.0, an unrelated project, installs a command of the same name).
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
from importlib import import_module, metadata
from importlib.util import find_spec
from pathlib import Path
from typing import Final

from visualizer import __version__

#: the distribution's name on PyPI and in pip (``asyncviz`` is the command, and also the
#: name of an unrelated package)
DISTRIBUTION: Final = "asyncio-visualizer"
#: the command that is ours alone, beside ``asyncviz``
OWN_COMMAND: Final = "asyncio-visualizer"
#: the libraries a report names, as (shown name, distribution)
LIBRARIES: Final = (
    ("PySide6", "PySide6-Essentials"),
    ("pyqtgraph", "pyqtgraph"),
    ("qasync", "qasync"),
    ("numpy", "numpy"),
    ("msgspec", "msgspec"),
)
#: the compiled hot paths, as (what it speeds up, module); each has a pure-Python twin
HOT_PATHS: Final = (
    ("tracer", "visualizer.instrument._hot"),
    ("span model", "visualizer.model._derive"),
)
#: set to 1 to run the pure-Python twins (``visualizer.instrument.recorder``)
PURE_PYTHON_ENV: Final = "ASYNCVIZ_PURE_PYTHON"


def installed_version(distribution: str) -> str:
    """``distribution``'s version as pip installed it, or ``"not installed"``."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def hot_path_state(module: str) -> str:
    """``compiled`` (built, and it loads), ``pure Python (ASYNCVIZ_PURE_PYTHON is set)``,
    ``pure Python (not built)`` or ``pure Python (cannot load: why)``: as the tracer and
    the span model decide it when they load, by importing it.  (A damaged or mismatched
    build is found on disk but does not load: the pure-Python twin runs, and a bug report
    must say so.)  Both extensions are plain C: importing one costs about 3 ms."""
    if os.environ.get(PURE_PYTHON_ENV, "") not in ("", "0"):
        return f"pure Python ({PURE_PYTHON_ENV} is set)"
    try:
        found = find_spec(module)
    except (ImportError, ValueError):
        found = None
    if found is None:
        return "pure Python (not built)"
    try:
        import_module(module)
    except ImportError as exc:
        return f"pure Python (cannot load: {exc})"
    return "compiled"


#: the largest file on the PATH read to tell whose ``asyncviz`` it is (pip's scripts are a
#: few hundred bytes; a binary that big is neither ours nor the other package's)
SCRIPT_READ_LIMIT: Final = 1 << 20


def foreign_asyncviz() -> str | None:
    """The path of the ``asyncviz`` on the PATH if it is another program's, else None:
    none found (``python -m visualizer`` and ``asyncio-visualizer`` still work), ours, or
    one that cannot be told (a pyenv or asdf shim, a Nix wrapper, a Windows launcher,
    whose script is zipped).  Said only on positive evidence, since a false warning in
    every ``--help`` and a red line in the About box would be worse than none.

    Read, never run: a script pip wrote names its entry point, ``visualizer.cli`` for
    ours and ``asyncviz.cli`` for the PyPI package ``asyncviz`` 0.1.0."""
    found = shutil.which("asyncviz")
    if found is None or not os.path.isfile(found):
        return None
    try:
        if os.path.getsize(found) > SCRIPT_READ_LIMIT:
            return None
        with open(found, "rb") as script:
            text = script.read()
    except OSError:
        return None
    if b"visualizer.cli" in text or b"asyncviz.cli" not in text:
        return None
    return found


def command_clash() -> str | None:
    """What is wrong with the ``asyncviz`` on the PATH (:func:`foreign_asyncviz`), in
    words, or None."""
    found = foreign_asyncviz()
    return None if found is None else clash_said(found)


def clash_said(found: str) -> str:
    """The words for a foreign ``asyncviz`` at ``found`` (English: a report's)."""
    return (
        f"the 'asyncviz' command on the PATH ({found}) is another program (most likely the"
        f" PyPI package 'asyncviz', an unrelated project); use '{OWN_COMMAND}' or"
        " 'python -m visualizer' for this one"
    )


def program_name(argv0: str | None = None) -> str:
    """The command line's name for itself (``--help``'s usage, its errors): the name it
    was started by, ``asyncio-visualizer`` or ``asyncviz``, so that what it tells a user
    to type works; ``python -m visualizer`` for ``-m``; else ``asyncviz``."""
    name = Path(sys.argv[0] if argv0 is None else argv0).name.removesuffix(".exe")
    if name == "__main__.py":
        return "python -m visualizer"
    return name if name in (OWN_COMMAND, "asyncviz") else "asyncviz"


def facts(extra: tuple[tuple[str, str], ...] = ()) -> list[tuple[str, str]]:
    """(name, value) pairs for a bug report; ``extra`` (the window's Qt facts) after the
    libraries."""
    python = f"{platform.python_version()} ({platform.python_implementation()})"
    rows = [
        (DISTRIBUTION, __version__),
        ("Python", python),
        *((name, installed_version(dist)) for name, dist in LIBRARIES),
        *extra,
        *((f"{what} hot path", hot_path_state(module)) for what, module in HOT_PATHS),
        ("platform", platform.platform()),
        ("executable", sys.executable),
        ("package", str(Path(__file__).resolve().parent)),
    ]
    clash = command_clash()
    if clash is not None:
        rows.append(("warning", clash))
    return rows


def version_text() -> str:
    """What ``--version`` prints: the first line as other tools print it, then the facts."""
    lines = [f"asyncviz {__version__} ({DISTRIBUTION})"]
    lines += [f"  {name}: {value}" for name, value in facts()[1:]]
    return "\n".join(lines)


def report_text(extra: tuple[tuple[str, str], ...] = ()) -> str:
    """The About box's "Copy for a bug report": plain text that pastes well in an issue
    (a fenced block keeps its alignment on GitHub and GitLab)."""
    rows = facts(extra)
    width = max(len(name) for name, _ in rows)
    body = "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)
    return f"```\n{body}\n```\n"
