"""What a scenario is, as the rest of the app sees it: its description, its parameters,
its section of the list, and the error a file, a name or a parameter gives.

Split from ``scenarios`` (which finds, lists and loads scenarios) and ``scenario_file``
(which reads one file's description from its syntax tree), so that each of those stays
one job; everything here is re-exported by ``scenarios``, the name callers import from.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from visualizer.session.packs import Pack
from visualizer.session.suggest import did_you_mean, nearest

DEFAULT_ORDER = 1000
"""Sort key for scenarios without ``ORDER``: after the curated built-ins, then by id."""


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # (Qt's name: the one lupdate reads)
    """``text`` as it is: marks it for Qt's ``lupdate`` (in ``context``) without importing
    Qt here; the window shows it through ``QCoreApplication.translate(context, text)``."""
    return text


SECTIONS: Final = (
    (0, QT_TRANSLATE_NOOP("Sections", "Basics: coroutines and tasks")),
    (30, QT_TRANSLATE_NOOP("Sections", "Waiting for tasks and their results")),
    (50, QT_TRANSLATE_NOOP("Sections", "Sharing and signalling")),
    (60, QT_TRANSLATE_NOOP("Sections", "Cancellation, timeouts and task groups")),
    (70, QT_TRANSLATE_NOOP("Sections", "Blocking work, threads and processes")),
    (90, QT_TRANSLATE_NOOP("Sections", "Beyond the basics")),
    (DEFAULT_ORDER, QT_TRANSLATE_NOOP("Sections", "Your scenarios")),
)
"""The scenario list's sections, from the basics on: ``(first ORDER, title)``, in order.
A scenario is in the last section whose first ``ORDER`` it reaches (one below the first:
the first section); one without ``ORDER`` (:data:`DEFAULT_ORDER`) is the user's own."""


PROGRAMS_SECTION: Final = QT_TRANSLATE_NOOP("Sections", "Your programs")
"""The section of the plain programs (``Scenario.kind == "program"``), whatever their
``ORDER``: after every section of :data:`SECTIONS`."""

SECTION_TITLES: Final[tuple[str, ...]] = (*(title for _, title in SECTIONS), PROGRAMS_SECTION)
"""Every section's title (in English), in the order a listing shows them."""


def section_of(order: int) -> str:
    """The title (in English) of the section of a scenario with this ``ORDER``."""
    index = bisect.bisect_right([first for first, _ in SECTIONS], order) - 1
    return SECTIONS[max(index, 0)][1]


ScenarioKind = Literal["scenario", "program"]
"""A scenario (its ``main(**params)`` is run) or a plain program (run whole, as a script)."""

ParamKind = Literal["int", "float", "bool", "str", "choice"]
ParamValue = bool | int | float | str
"""The value types a scenario parameter can take (the ones a CLI string maps onto)."""

SIMPLE_KINDS: dict[str, ParamKind] = {
    "int": "int",
    "float": "float",
    "bool": "bool",
    "str": "str",
}
_TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
_FALSE_WORDS = frozenset({"false", "0", "no", "off"})


class ScenarioError(ValueError):
    """A scenario file, name or parameter that cannot be used.

    It subclasses :class:`ValueError` so callers that only care about "bad input"
    can catch one thing.  ``path`` names the offending file when there is one,
    so a listing can show the error next to the file it belongs to; ``line`` (1-based)
    the line the error is at, when there is one, so the window's source pane can show
    it there (the message says it too, for a terminal).
    """

    def __init__(self, message: str, path: Path | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


@dataclass(frozen=True)
class ScenarioParam:
    """One tunable keyword parameter of a scenario's ``main``.

    ``annotation`` keeps the source text (``"int"``, ``"Literal['a', 'b']"``) for
    display; ``kind`` is what the rest of the program dispatches on.
    """

    name: str
    annotation: str
    default: ParamValue
    kind: ParamKind
    choices: tuple[ParamValue, ...] = ()

    def convert(self, text: str) -> ParamValue:
        """Parse a command-line string (the ``3`` of ``--param n=3``) into this type.

        Raises :class:`ValueError` whose message names the parameter and says what
        was expected, because it is shown to the user as-is.
        """
        stripped = text.strip()
        if self.kind == "str":
            return text
        if self.kind == "bool":
            word = stripped.lower()
            if word in _TRUE_WORDS:
                return True
            if word in _FALSE_WORDS:
                return False
            raise ValueError(
                f"parameter {self.name!r} expects a bool (true/false, yes/no, 1/0), got {text!r}"
            )
        if self.kind == "int":
            try:
                return int(stripped)
            except ValueError:
                raise ValueError(
                    f"parameter {self.name!r} expects an integer, got {text!r}"
                ) from None
        if self.kind == "float":
            try:
                return float(stripped)
            except ValueError:
                raise ValueError(
                    f"parameter {self.name!r} expects a number, got {text!r}"
                ) from None
        # choice: compare against the printed form so ``Literal[1, 2]`` accepts "2".
        for choice in self.choices:
            if str(choice) == stripped:
                return choice
        options = ", ".join(str(choice) for choice in self.choices)
        raise ValueError(f"parameter {self.name!r} must be one of: {options}; got {text!r}")

    def to_json(self) -> dict[str, object]:
        """Plain-data form, as embedded in :meth:`Scenario.to_json`."""
        return {
            "name": self.name,
            "type": self.annotation,
            "default": self.default,
            "choices": list(self.choices),
        }


@dataclass(frozen=True)
class Scenario:
    """What a listing knows about a scenario file, read without executing it."""

    id: str
    title: str
    explanation: str
    tags: tuple[str, ...]
    path: Path
    params: tuple[ScenarioParam, ...]
    builtin: bool
    order: int = DEFAULT_ORDER
    #: ``EXPLAIN_ZH``, the docstring in Simplified Chinese (title line, then the rest),
    #: shown when the app's language is Chinese; empty if the scenario has none
    title_zh: str = ""
    explanation_zh: str = ""
    #: "program": a plain program (no parameters), run whole as ``python FILE``, never
    #: through :func:`load_main` (see the module's docstring)
    kind: ScenarioKind = "scenario"
    #: the installed pack it came with (``visualizer.session.packs``); its id is then
    #: ``PACK/NAME``, and its section the pack's
    pack: Pack | None = None

    @property
    def read_only(self) -> bool:
        """Installed with the app or with a pack: the user reads it (and may copy it),
        never edits it in place (a reinstall would undo the edit)."""
        return self.builtin or self.pack is not None

    def text(self, language: str) -> tuple[str, str]:
        """(title, explanation) in ``language`` (``"zh"`` or a ``zh_*`` locale: the
        Chinese, where the scenario has it), else the docstring's."""
        if language.startswith("zh") and self.title_zh:
            return self.title_zh, self.explanation_zh
        return self.title, self.explanation

    @property
    def section(self) -> str:
        """The title (in English) of the scenario list's section it is in (:data:`SECTIONS`;
        a program's is :data:`PROGRAMS_SECTION`; a pack's, whatever it is, the pack's name)."""
        if self.pack is not None:
            return self.pack.name
        if self.kind == "program":
            return PROGRAMS_SECTION
        return section_of(self.order)

    def param(self, name: str) -> ScenarioParam:
        """Look up parameter ``name``; :class:`ScenarioError` listing valid names."""
        for param in self.params:
            if param.name == name:
                return param
        valid = ", ".join(p.name for p in self.params) or "(none)"
        hint = did_you_mean(nearest(name, [p.name for p in self.params]))
        raise ScenarioError(
            f"scenario {self.id!r} has no parameter {name!r}{'; ' + hint if hint else ''}"
            f" (valid parameters: {valid})",
            self.path,
        )

    def to_json(self) -> dict[str, object]:
        """Plain-data form for ``asyncviz list --json`` and trace metadata."""
        return {
            "id": self.id,
            "title": self.title,
            "tags": list(self.tags),
            "order": self.order,
            "section": self.section,
            "path": str(self.path),
            "params": [param.to_json() for param in self.params],
            "builtin": self.builtin,
            "kind": self.kind,
            "pack": None if self.pack is None else self.pack.to_json(),
        }
