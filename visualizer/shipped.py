"""Where a folder the package ships is: installed, or in the repository beside it.

A wheel carries top-level folders of the repository inside the package (setup.py maps
``scenarios/`` to ``visualizer/builtin_scenarios/`` and ``assets/`` to
``visualizer/assets/``); a source checkout or an editable install has no such folder
inside the package, so the repository's own, next to the package, is the one.  Imports
nothing: ``asyncviz list`` and ``desktop-install`` start quickly.
"""

from __future__ import annotations

from pathlib import Path


def shipped_folder(in_package: str, in_repository: str) -> Path:
    """``visualizer/<in_package>`` where installed, else the repository's
    ``<in_repository>/``."""
    package = Path(__file__).resolve().parent  # .../visualizer
    packaged = package / in_package
    if packaged.is_dir():
        return packaged
    return package.parent / in_repository
