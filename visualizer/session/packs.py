"""Scenario packs: a course's scenarios, installed with pip, found through an entry point.

A course ships its scenarios as an ordinary distribution that declares an entry point in
the group :data:`GROUP`; its *name* is the pack's name (the browser's section, the
qualifier of its ids: ``asyncviz run mycourse/hello``), its *value* the dotted name of
the package whose folder holds the scenario files::

    [project.entry-points."asyncviz.scenarios"]
    mycourse = "mycourse.scenarios"

Why a package's name and not an object (``"mycourse:folder"``, a callable returning a
path): the window and ``asyncviz list`` read every pack at every start, and a listing
runs no one's code (``visualizer.session.scenarios``: a user's, or a course's, may be
slow, broken or hostile).  An object can only be had by importing its module, which runs
the package's ``__init__``; a package's folder is found by the import system's finders
alone (:func:`importlib.util.find_spec` for the top-level name, which imports nothing,
then the folders below it on disk), the same folder
``importlib.resources.files("mycourse.scenarios")`` would give once imported.  An
editable install (``pip install -e``, a finder of setuptools' own) is found the same
way, so a teacher sees their edits.  A pack installed zipped has no folder: reported.

What can go wrong with a pack (an entry point naming an object, a package that is not
installed or not a folder, a folder with no scenarios, two packs of one name) is a
:class:`PackError`, which the listing reports beside the other packs, never instead of
them.  Reading the entry points is cheap: ``importlib.metadata.entry_points(group=...)``
reads each installed distribution's ``entry_points.txt``: under a millisecond here, with
thirty distributions installed (``docs/authoring-packs.md``).
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

__all__ = ["GROUP", "Pack", "PackError", "installed_packs", "pack_of"]

GROUP: Final = "asyncviz.scenarios"
"""The entry-point group a pack declares its scenarios' package in."""

#: a pack's name: what ``asyncviz run NAME/ID`` can tell from an id and from a path
#: (no ``/``, no space: never one of the built-in sections' titles either)
_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
#: a dotted package name, nothing else (no ``:object``, no ``[extras]``)
_PACKAGE: Final = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*\Z")


class PackError(ValueError):
    """A pack that cannot be listed; ``path`` is its folder, where it has one.  (The
    listing reports it as a ``ScenarioError``: this module is below that one.)"""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class Pack:
    """An installed pack: where its scenarios are, and what it is called."""

    #: the entry point's name: the section's title, and ``NAME/`` before its ids
    name: str
    #: the distribution that installed it (``pip show`` knows it by that name)
    distribution: str
    version: str
    #: the folder of its scenario files (read-only to the user, like the built-ins')
    folder: Path
    #: the distribution's one-line summary (its ``description``), if it has one
    summary: str = ""

    @property
    def title(self) -> str:
        """The pack's section header: its name and version (a course changes between
        terms; the student should see which one is installed)."""
        return f"{self.name} {self.version}"

    def to_json(self) -> dict[str, str]:
        """Plain-data form, as embedded in ``Scenario.to_json``."""
        return {"name": self.name, "distribution": self.distribution, "version": self.version}


def installed_packs() -> tuple[list[Pack], list[PackError]]:
    """Every installed pack, by name, and a :class:`PackError` for each that cannot be
    used.  Nothing of a pack is imported.  Two packs of one name: the first on
    :data:`sys.path` is kept (the one ``import`` would find), the other reported."""
    # (imported here: 10 ms of a command's start that lists no scenarios, as record's)
    from importlib.metadata import entry_points

    packs: dict[str, Pack] = {}
    errors: list[PackError] = []
    try:
        found = list(entry_points(group=GROUP))
    except Exception as exc:  # a distribution's metadata unreadable: no packs, said why
        return [], [PackError(f"cannot read the installed scenario packs: {exc}")]
    for entry in found:
        try:
            pack = _pack(entry)
        except PackError as exc:
            errors.append(exc)
            continue
        except Exception as exc:  # someone's metadata, someone's import finder: said, not fatal
            errors.append(PackError(f"scenario pack {entry.name!r} cannot be read: {exc!r}"))
            continue
        first = packs.get(pack.name)
        if first is not None:
            errors.append(
                PackError(
                    f"scenario pack {pack.name!r} of {pack.distribution} {pack.version}: "
                    f"ignored in favour of the one of {first.distribution} {first.version}"
                    f" ({first.folder})",
                    pack.folder,
                )
            )
            continue
        packs[pack.name] = pack
    return sorted(packs.values(), key=lambda p: p.name.casefold()), errors


def pack_of(path: Path) -> Pack | None:
    """The installed pack whose folder holds the file ``path`` (resolved), if any: a
    pack's scenario named by its path is the same scenario as named by its id."""
    parent = path.parent
    return next((p for p in installed_packs()[0] if p.folder == parent), None)


def _pack(entry: EntryPoint) -> Pack:
    """The pack ``entry`` declares; :class:`PackError` saying what is wrong with it."""
    dist = entry.dist
    distribution = dist.name if dist is not None else "?"
    version = dist.version if dist is not None else "?"
    who = f"scenario pack {entry.name!r} of {distribution} {version}"
    if not _NAME.match(entry.name):
        raise PackError(
            f"{who}: a pack's name is letters, digits and . _ - (it is written before"
            " the / of its scenarios' ids)"
        )
    value = entry.value.strip()
    if not _PACKAGE.match(value):
        guess = value.replace(":", ".").replace(" ", "")
        example = guess if _PACKAGE.match(guess) else "mycourse.scenarios"
        raise PackError(
            f"{who}: the entry point's value {value!r} is not a package's name; name the"
            f' package whose folder holds the scenarios, as in {entry.name} = "{example}"'
            " (a listing imports no pack: it cannot call or read an object of one)"
        )
    folder = _folder(value, who)
    try:
        files = [path.name for path in folder.iterdir() if path.suffix == ".py"]
    except OSError as exc:
        raise PackError(f"{who}: cannot read {folder}: {exc.strerror or exc}", folder) from exc
    if not any(not name.startswith(("_", ".")) for name in files):
        raise PackError(
            f"{who}: {folder} holds no scenarios (no .py files: were they left out of the wheel?)",
            folder,
        )
    # (a missing key is None before 3.14's metadata, a KeyError after: asked first)
    metadata = dist.metadata if dist is not None else None
    summary = metadata["Summary"] if metadata is not None and "Summary" in metadata else ""
    return Pack(entry.name, distribution, version, folder, str(summary or "").strip())


def _folder(package: str, who: str) -> Path:
    """The folder of ``package`` on disk, found without importing anything: the top-level
    package through the import system's finders (``find_spec`` imports nothing for a
    top-level name; for a dotted one it would import the parents), the rest below it."""
    top, *below = package.split(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError) as exc:
        raise PackError(f"{who}: package {top!r} cannot be found: {exc}") from exc
    if spec is None:
        raise PackError(f"{who}: package {top!r} is not installed (its files are missing)")
    folders = [Path(location) for location in spec.submodule_search_locations or ()]
    if not folders:
        raise PackError(f"{who}: {top!r} is a module ({spec.origin}), not a package's folder")
    on_disk = [folder for folder in folders if folder.is_dir()]
    if not on_disk:
        raise PackError(f"{who}: package {top!r} is not a folder on disk (installed zipped?)")
    for part in below:
        inside = [folder / part for folder in on_disk if (folder / part).is_dir()]
        if not inside:
            missing = on_disk[0] / part
            raise PackError(f"{who}: package {package!r} is missing: no folder {missing}", missing)
        on_disk = inside
    try:
        return on_disk[0].resolve()
    except (OSError, RuntimeError) as exc:
        raise PackError(f"{who}: {on_disk[0]}: {exc}", on_disk[0]) from exc
