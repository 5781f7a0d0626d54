"""``visualizer.about``: the facts a bug report needs, read without loading what they name.

Real metadata of the installed libraries and real extension modules; the environment switch
that turns the compiled hot paths off is the one the tracer and the span model obey.
"""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

import visualizer
from visualizer import about


def test_the_version_is_the_installed_distribution_s() -> None:
    """One version, written once (``visualizer.__version__``): pip's metadata agrees."""
    assert metadata.version(about.DISTRIBUTION) == visualizer.__version__


def test_facts_name_python_every_library_and_each_hot_path() -> None:
    rows = dict(about.facts((("Qt", "6.0.0"),)))
    assert rows[about.DISTRIBUTION] == visualizer.__version__
    assert rows["Python"].startswith(".".join(map(str, sys.version_info[:2])))
    for name, distribution in about.LIBRARIES:
        assert rows[name] == metadata.version(distribution)
    assert rows["Qt"] == "6.0.0"
    names = list(rows)
    assert names.index("Qt") > names.index("msgspec")  # (the window's Qt after the libraries)
    for what, _module in about.HOT_PATHS:
        assert rows[f"{what} hot path"] in ("compiled", "pure Python (not built)")


def test_a_hot_path_reads_as_the_tracer_decides_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compiled where the extension imports; pure where it is switched off or missing."""
    from visualizer.instrument.recorder import hot

    state = about.hot_path_state("visualizer.instrument._hot")
    assert state == ("compiled" if hot is not None else "pure Python (not built)")
    assert about.hot_path_state("visualizer.instrument._no_such_module") == (
        "pure Python (not built)"
    )
    monkeypatch.setenv(about.PURE_PYTHON_ENV, "1")
    assert about.hot_path_state("visualizer.instrument._hot") == (
        f"pure Python ({about.PURE_PYTHON_ENV} is set)"
    )


def test_a_build_that_does_not_load_is_pure_python_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A damaged or mismatched extension is found on disk, but the tracer's import of it
    fails and the pure-Python twin runs: the report must say pure, not "compiled"."""
    package = tmp_path / "damaged_build"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / f"_hot{EXTENSION_SUFFIXES[0]}").write_bytes(b"not a shared object" * 8)
    monkeypatch.syspath_prepend(str(tmp_path))
    state = about.hot_path_state("damaged_build._hot")
    assert state.startswith("pure Python (cannot load: "), state


def test_the_report_is_a_fenced_aligned_block() -> None:
    extra = (("Qt", "6.0.0"),)
    lines = about.report_text(extra).splitlines()
    assert lines[0] == lines[-1] == "```"
    body, rows = lines[1:-1], about.facts(extra)
    assert [line.split()[0] for line in body] == [name.split()[0] for name, _ in rows]
    columns = {line.index(value) for line, (_, value) in zip(body, rows, strict=True)}
    assert len(columns) == 1  # every value starts in one column


def test_reading_the_facts_loads_neither_numpy_nor_qt() -> None:
    """What ``--version`` needs must stay light: a fresh interpreter, its modules listed."""
    probe = (
        "import sys; from visualizer import about; about.version_text(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('numpy', 'PySide6', 'pyqtgraph', 'msgspec', 'qasync')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
