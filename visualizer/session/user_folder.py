"""The user's scenario folder: where ``asyncviz new`` and File > New scenario... write, and
the folder every listing searches right after the built-ins.

Which folder, first that applies:

1. ``$ASYNCVIZ_USER_SCENARIOS`` (a script's or a test's choice, for that process);
2. the window's setting (``user_scenarios`` in the window's settings file, chosen in the
   New scenario dialog): read here, without Qt, so ``asyncviz list`` and ``asyncviz new``
   in a terminal find the folder the window writes to;
3. the documents folder + ``/asyncviz-scenarios``: the documents folder is the desktop's
   (``XDG_DOCUMENTS_DIR`` in ``$XDG_CONFIG_HOME/user-dirs.dirs``), else ``~/Documents``
   if it exists, else the home folder.

The folder is not made until something is written to it (:func:`ensure`): a listing of
a folder that does not exist yet is an empty listing, not an error: nobody asked for it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Final

__all__ = [
    "ENV_VAR",
    "FOLDER_NAME",
    "SETTING",
    "default_folder",
    "documents_folder",
    "ensure",
    "settings_file",
    "user_folder",
    "window_setting",
]

ENV_VAR: Final = "ASYNCVIZ_USER_SCENARIOS"
"""The user's scenario folder for this process, whatever the window's setting says."""

FOLDER_NAME: Final = "asyncviz-scenarios"
"""The folder's name in the documents folder, by default."""

SETTING: Final = "user_scenarios"
"""The window's settings key (``app.settings``) holding the folder the user chose."""

#: the window's settings file, under the config folder (QSettings' INI, user scope:
#: ORGANIZATION/APPLICATION.ini, as ``app.settings.open_settings`` names them)
_SETTINGS_FILE: Final = ("asyncviz", "asyncio-visualizer.ini")


def _home(env: Mapping[str, str]) -> Path:
    home = env.get("HOME") or env.get("USERPROFILE")
    return Path(home) if home else Path.home()


def _config_folder(env: Mapping[str, str]) -> Path:
    """Where the desktop keeps its settings: ``$XDG_CONFIG_HOME``, else ``~/.config``
    (Qt's choice for an INI file on Linux and macOS; ``%APPDATA%`` on Windows)."""
    if sys.platform == "win32" and env.get("APPDATA"):
        return Path(env["APPDATA"])
    configured = env.get("XDG_CONFIG_HOME", "")
    return Path(configured) if os.path.isabs(configured) else _home(env) / ".config"


def documents_folder(env: Mapping[str, str] | None = None) -> Path:
    """The user's documents folder: the desktop's ``XDG_DOCUMENTS_DIR`` (a French desktop
    says ``~/Documents`` too, a German one may say ``~/Dokumente``), else ``~/Documents``
    if there is one, else the home folder itself."""
    env = os.environ if env is None else env
    home = _home(env)
    dirs = _config_folder(env) / "user-dirs.dirs"
    try:
        lines = dirs.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    for line in lines:
        name, _, value = line.strip().partition("=")
        if name.strip() != "XDG_DOCUMENTS_DIR":
            continue
        # (the file is sh: XDG_DOCUMENTS_DIR="$HOME/Documents", or an absolute path)
        value = value.strip().strip('"')
        if value.startswith("$HOME"):
            folder = home / value.removeprefix("$HOME").lstrip("/")
        elif value.startswith("/"):
            folder = Path(value)
        else:
            continue
        # (one that is the home folder means "none": xdg-user-dirs' way to switch it off)
        if folder != home and folder.is_dir():
            return folder
    documents = home / "Documents"
    return documents if documents.is_dir() else home


def default_folder(env: Mapping[str, str] | None = None) -> Path:
    """The folder when neither the environment nor the window names one."""
    return documents_folder(env) / FOLDER_NAME


def settings_file(env: Mapping[str, str] | None = None) -> Path:
    """The window's settings file (which QSettings writes; read by :func:`window_setting`)."""
    return _config_folder(os.environ if env is None else env).joinpath(*_SETTINGS_FILE)


def window_setting(env: Mapping[str, str] | None = None) -> str:
    """The folder chosen in the window ("" if none, or if the file cannot be read): one
    key of a QSettings INI file, read as Qt writes it (a value in quotes where it has a
    comma, a semicolon or spaces at its ends; backslashes and quotes escaped; a leading
    ``@`` doubled).  Anything else Qt might write there (a list, a typed ``@Variant``)
    is not a folder: ""."""
    try:
        text = settings_file(env).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    section = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1]
            continue
        key, equals, value = stripped.partition("=")
        if equals and section == "General" and key.strip() == SETTING:
            return _ini_string(value.strip())
    return ""


_ESCAPES: Final = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "0": "\0"}


def _ini_string(raw: str) -> str:
    """One string as QSettings wrote it in an INI file (``QSettingsPrivate::
    iniUnescapedStringList``, the part a single string needs), or "" if it is not one."""
    if raw.startswith("@") and not raw.startswith("@@"):
        return ""  # (a typed value: @ByteArray(...), @Variant(...))
    out: list[str] = []
    quoted = False
    chars = iter(raw)
    for char in chars:
        if char == '"':
            quoted = not quoted
        elif char == "\\":
            following = next(chars, "")
            out.append(_ESCAPES.get(following, following))
        elif char in ",;" and not quoted:
            return ""  # (a list, or a comment: not one folder)
        else:
            out.append(char)
    value = "".join(out)
    return value[1:] if value.startswith("@@") else value


def user_folder(env: Mapping[str, str] | None = None) -> Path:
    """The user's scenario folder now (see the module's docstring), made absolute; it may
    not exist yet."""
    env = os.environ if env is None else env
    chosen = env.get(ENV_VAR, "") or window_setting(env)
    folder = Path(chosen).expanduser() if chosen else default_folder(env)
    return folder if folder.is_absolute() else _home(env) / folder


def ensure(folder: Path) -> Path:
    """``folder``, made (with its parents) if it is not there yet: the first time
    something is written to it.  ``OSError`` if it cannot be (a file there by its name,
    no permission): the caller says so."""
    folder.mkdir(parents=True, exist_ok=True)
    return folder
