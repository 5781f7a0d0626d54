"""Packaging shim: everything else is declared in pyproject.toml.

The scenarios that ship with asyncviz live in the top-level ``scenarios/`` folder (plain
``.py`` files, no ``__init__.py``) so that they read and run as ordinary scripts.  A wheel
carries them as ``visualizer/builtin_scenarios/``, which needs ``package_dir`` to map that
package onto a folder outside ``visualizer/``.  pyproject.toml cannot express "the packages
found under visualizer/ plus one mapped package": a ``[tool.setuptools.packages.find]`` table
there replaces the ``packages`` given here, and the scenarios silently drop out of the wheel.
So package discovery lives here instead.  The application's icon (the top-level ``assets/``:
an SVG and its PNGs, package data) is mapped the same way, as ``visualizer/assets/``
(``visualizer.icons`` finds either).

The tracer's hot path also has a C twin, ``visualizer/instrument/_hot.c``, and so has the
span model's inner loop, ``visualizer/model/_derive.c`` (docs/performance.md): built where a
C compiler and the Python headers are found, and *optional*: if they cannot be built the
install still succeeds and the Python code (the reference) runs.

An editable install maps the package too, but no ``visualizer/builtin_scenarios`` folder
exists in the checkout, so ``visualizer.session.scenarios.builtin_scenario_dir`` falls back to
the repository's ``scenarios/`` (and ``visualizer.icons.assets_dir`` to ``assets/``).
"""

from setuptools import Extension, find_packages, setup

setup(
    ext_modules=[
        Extension(
            name,
            [source],
            optional=True,
            extra_compile_args=["-O2"] if __import__("os").name == "posix" else [],
        )
        for name, source in (
            ("visualizer.instrument._hot", "visualizer/instrument/_hot.c"),
            ("visualizer.model._derive", "visualizer/model/_derive.c"),
        )
    ],
    packages=[
        *find_packages(include=["visualizer", "visualizer.*"]),
        "visualizer.builtin_scenarios",
        "visualizer.assets",
    ],
    package_dir={"visualizer.builtin_scenarios": "scenarios", "visualizer.assets": "assets"},
)
