"""Packaging shim: everything else is declared in pyproject.toml.

The scenarios that ship with asyncviz live in the top-level ``scenarios/`` folder (plain
``.py`` files, no ``__init__.py``) so that they read and run as ordinary scripts.  A wheel
carries them as ``visualizer/builtin_scenarios/``, which needs ``package_dir`` to map that
package onto a folder outside ``visualizer/``.  pyproject.toml cannot express "the packages
found under visualizer/ plus one mapped package": a ``[tool.setuptools.packages.find]`` table
there replaces the ``packages`` given here, and the scenarios silently drop out of the wheel.
So package discovery lives here instead.

An editable install maps the package too, but no ``visualizer/builtin_scenarios`` folder
exists in the checkout, so ``visualizer.session.scenarios.builtin_scenario_dir`` falls back to
the repository's ``scenarios/``.
"""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["visualizer", "visualizer.*"]),
        "visualizer.builtin_scenarios",
    ],
    package_dir={"visualizer.builtin_scenarios": "scenarios"},
)
