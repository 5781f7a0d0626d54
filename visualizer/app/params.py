"""The selected scenario's parameters as form controls (int, float, bool, str, choices).

The form gives back text, and the scenario's own ``bind_params`` converts and checks
it, exactly as for ``--param NAME=VALUE``: one set of rules, one set of messages.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from visualizer.session.scenarios import Scenario, ScenarioParam

_BIG = 1_000_000_000


class ParamsForm(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self._layout = QFormLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._editors: dict[str, QWidget] = {}
        self._params: dict[str, ScenarioParam] = {}
        self._empty: QLabel | None = None  #: "(no parameters)", if shown

    def set_scenario(self, scenario: Scenario) -> None:
        while self._layout.rowCount():
            self._layout.removeRow(0)
        self._editors = {}
        self._params = {p.name: p for p in scenario.params}
        self._empty = None
        if not scenario.params:
            self._empty = QLabel(self.tr("(no parameters)"))
            self._layout.addRow(self._empty)
        for param in scenario.params:
            editor = _editor(param)
            editor.setToolTip(f"{param.name}: {param.annotation} = {param.default!r}")
            self._editors[param.name] = editor
            self._layout.addRow(param.name, editor)

    def clear(self) -> None:
        """No scenario's parameters: an opened trace of a program the window does not
        list has none to show, and the last selection's would say it ran with them."""
        while self._layout.rowCount():
            self._layout.removeRow(0)
        self._editors, self._params = {}, {}
        self._empty = QLabel(self.tr("(no parameters)"))
        self._layout.addRow(self._empty)

    def retranslate(self) -> None:
        """The form's own words in the application's language."""
        if self._empty is not None:
            self._empty.setText(self.tr("(no parameters)"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def values(self) -> dict[str, str]:
        """Every parameter's value as text, for ``bind_params``."""
        return {name: _text(editor) for name, editor in self._editors.items()}

    def set_values(self, values: Mapping[str, object]) -> None:
        for name, value in values.items():
            editor = self._editors.get(name)
            if editor is not None:
                _set(editor, value)


def _editor(param: ScenarioParam) -> QWidget:
    if param.kind == "choice":
        combo = QComboBox()
        combo.addItems([str(choice) for choice in param.choices])
        combo.setCurrentText(str(param.default))
        return combo
    if param.kind == "bool":
        box = QCheckBox()
        box.setChecked(bool(param.default))
        return box
    if param.kind == "int":
        spin = QSpinBox()
        spin.setRange(-_BIG, _BIG)
        spin.setValue(int(param.default))  # type: ignore[arg-type]
        return spin
    if param.kind == "float":
        real = QDoubleSpinBox()
        real.setRange(-_BIG, _BIG)
        real.setDecimals(3)
        real.setSingleStep(0.1)
        real.setValue(float(param.default))  # type: ignore[arg-type]
        return real
    return QLineEdit(str(param.default))


def _text(editor: QWidget) -> str:
    if isinstance(editor, QComboBox):
        return editor.currentText()
    if isinstance(editor, QCheckBox):
        return "true" if editor.isChecked() else "false"
    if isinstance(editor, QSpinBox | QDoubleSpinBox):
        return repr(editor.value())
    assert isinstance(editor, QLineEdit)
    return editor.text()


def _set(editor: QWidget, value: object) -> None:
    if isinstance(editor, QComboBox):
        editor.setCurrentText(str(value))
    elif isinstance(editor, QCheckBox):
        editor.setChecked(bool(value))
    elif isinstance(editor, QSpinBox):
        editor.setValue(int(value))  # type: ignore[call-overload]
    elif isinstance(editor, QDoubleSpinBox):
        editor.setValue(float(value))  # type: ignore[arg-type]
    elif isinstance(editor, QLineEdit):
        editor.setText(str(value))
