"""The lecture controls: pause, step, speed, run to a time (issue 5).

A toolbar that drives the lecture of the run on screen (``attach``: a scenario's
``LectureSession``, or a program's ``RemoteLecture`` in its own process); with
none attached its controls are off.  Attributes down: the window attaches the session
and asks for ``describe()`` for its status line; the bar calls the session directly.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QToolBar, QWidget

from visualizer.session.pace import MAX_SPEED, MIN_SPEED, Lecture

#: "slower" and "faster" divide and multiply the speed by this
SPEED_STEP = 2.0


class LectureBar(QToolBar):
    """Pause / Resume, Step, Step one callback, speed, Run to."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMovable(False)
        self.session: Lecture | None = None
        self.pause_action = self._action(self.toggle_pause, "Space")
        self.step_action = self._action(self.step, "S")
        self.callback_action = self._action(self.step_callback, "Shift+S")
        self.addSeparator()
        self.slower_action = self._action(lambda: self.set_speed(self.speed() / SPEED_STEP), "[")
        self.speed_box = QDoubleSpinBox()
        self.speed_box.setRange(MIN_SPEED, MAX_SPEED)
        self.speed_box.setDecimals(2)
        self.speed_box.setSingleStep(0.25)
        self.speed_box.setValue(1.0)
        self.speed_box.setSuffix("x")
        self.speed_box.valueChanged.connect(self._speed_changed)
        self.addWidget(self.speed_box)
        self.faster_action = self._action(lambda: self.set_speed(self.speed() * SPEED_STEP), "]")
        self.addSeparator()
        self.run_to_box = QDoubleSpinBox()
        self.run_to_box.setRange(0.0, 1e6)
        self.run_to_box.setDecimals(3)
        self.run_to_box.setSingleStep(0.1)
        self.run_to_box.setSuffix(" s")
        self.run_to_action = self._action(self.run_to, None)
        self.addWidget(self.run_to_box)
        self.state = QLabel()
        self.state.setContentsMargins(8, 0, 4, 0)
        self.addWidget(self.state)
        self.retranslate()
        self.attach(None)

    def _action(self, slot: object, keys: str | None) -> QAction:
        action = self.addAction("", slot)  # type: ignore[call-overload]
        if keys is not None:
            action.setShortcut(QKeySequence(keys))
        return action  # type: ignore[no-any-return]

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Lecture"))
        self.step_action.setText(self.tr("Step"))
        self.step_action.setToolTip(self.tr("Run until the next task step ends (S)"))
        self.callback_action.setText(self.tr("Step callback"))
        self.callback_action.setToolTip(self.tr("Run the next callback only (Shift+S)"))
        self.slower_action.setText(self.tr("Slower"))
        self.slower_action.setToolTip(self.tr("Half the speed ([)"))
        self.faster_action.setText(self.tr("Faster"))
        self.faster_action.setToolTip(self.tr("Twice the speed (])"))
        self.speed_box.setToolTip(self.tr("The scenario's time per second on screen"))
        self.run_to_action.setText(self.tr("Run to"))
        self.run_to_action.setToolTip(
            self.tr("Run on until the scenario's time is this, then pause")
        )
        self._show_state()

    # --- the session -------------------------------------------------------------------
    def attach(self, session: Lecture | None) -> None:
        """Drive ``session`` (None: no lecture run on screen)."""
        self.session = session
        if session is not None:
            session.speed = self.speed()
        for action in (
            self.pause_action,
            self.step_action,
            self.callback_action,
            self.run_to_action,
        ):
            action.setEnabled(session is not None)
        self._show_state()

    def speed(self) -> float:
        return float(self.speed_box.value())

    def set_speed(self, speed: float) -> None:
        self.speed_box.setValue(min(max(speed, MIN_SPEED), MAX_SPEED))

    def _speed_changed(self, speed: float) -> None:
        if self.session is not None:
            self.session.speed = speed  # (from the next turn on: no jump)
        self._show_state()

    def toggle_pause(self) -> None:
        if self.session is not None:
            self.session.paused = not self.session.paused
            self._show_state()

    def step(self) -> None:
        if self.session is not None:
            self.session.paused = True
            self.session.step()
            self._show_state()

    def step_callback(self) -> None:
        if self.session is not None:
            self.session.paused = True
            self.session.step_callback()
            self._show_state()

    def run_to(self) -> None:
        if self.session is not None:
            self.session.run_to(float(self.run_to_box.value()))
            self._show_state()

    # --- what it says ------------------------------------------------------------------
    def describe(self) -> str:
        """The mode and speed, for the status line: always visible in a lecture."""
        session = self.session
        if session is None:
            return ""
        speed = f"{session.speed:g}x"
        if session.done:
            return self.tr("lecture {speed}, finished").format(speed=speed)
        if session.paused:
            return self.tr("lecture {speed}, paused at {t} s").format(
                speed=speed, t=f"{session.now:.3f}"
            )
        return self.tr("lecture {speed}").format(speed=speed)

    def _show_state(self) -> None:
        paused = self.session is not None and self.session.paused
        self.pause_action.setText(self.tr("Resume") if paused else self.tr("Pause"))
        self.pause_action.setToolTip(self.tr("Pause or resume the scenario's time (Space)"))
        self.state.setText(self.describe())
