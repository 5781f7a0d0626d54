"""The lesson checks' verdict on the run shown: one line over the details pane, and each
check under it on demand (issue 17, point 3).

The line is the first thing in the column a user reads after a run (the details, then
the source): "Checks: 4 of 4 passed" in green, "Checks: 1 of 4 failed: <claim>" in red.
It stays there whatever bar is clicked (the details under it change with each click;
the verdict is the run's).  The arrow before it opens the list: each check's claim, and
under a failed one its assert, its message and the values in it; a click on a check's
"line N" shows that line in the source pane.

Everything here is the author's text (a claim, an assert, a value's repr): it is shown
as plain text, never as rich text (a claim may say "<b>"): in a label set to plain
text, and in the list escaped, every word of it.

On a clock that is not the one the checks are written for (``CHECK_CLOCK``, else the
ideal clock), times move with the load: a check that did not hold there is said calmly,
in grey, with where they are meant to run, never as a red FAILED in the middle of a
lecture.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from visualizer.checks import CheckReport, CheckResult

Tone = Literal["good", "bad", "quiet"]

#: the line's colour for each tone, by theme (light and presenter: on white; dark: on black)
COLOURS: Final = {
    "light": {"good": "#1b7a2f", "bad": "#c62828", "quiet": "#6b6b6b"},
    "presenter": {"good": "#0b6623", "bad": "#b00020", "quiet": "#444444"},
    "dark": {"good": "#66bb6a", "bad": "#ef5350", "quiet": "#a0a0a0"},
}
#: before a check in the list (and a scenario's title in the browser: the verdict)
PASSED_MARK: Final = "\u2713"
FAILED_MARK: Final = "\u2717"
SKIPPED_MARK: Final = "\u2013"


@dataclass(frozen=True)
class Shown:
    """What the line says: the checks of a run of ``scenario`` on ``clock`` (written for
    ``check_clock``), ``state`` "done" with its ``report``, "running", "not-run" (the run
    ended early) or "saved" (the file changed since)."""

    scenario: str
    clock: str
    check_clock: str
    state: Literal["done", "running", "not-run", "saved"]
    report: CheckReport | None = None

    @property
    def on_check_clock(self) -> bool:
        return self.clock == self.check_clock


class ChecksLine(QWidget):
    """The verdict's line (plain text, coloured by its tone), the arrow that opens the
    list of checks, and the list.  ``site_clicked``: a check's ``path:line`` to show."""

    site_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shown: Shown | None = None
        self.theme = "light"
        #: told when the language changed (the window's words are made again)
        self.language_changed: Callable[[], None] | None = None
        self.arrow = QToolButton()
        self.arrow.setCheckable(True)
        self.arrow.setAutoRaise(True)
        self.arrow.setArrowType(Qt.ArrowType.RightArrow)
        self.arrow.toggled.connect(self._open)
        self.arrow.clicked.connect(self._chosen)
        self._opened_by_us = False  #: the list was opened by a failure, not by the user
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # (the author's words, as they are)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        #: each check's entry in the list: its head (mark, claim), the lines under it,
        #: its ``path:line`` (plain text, as the author wrote it)
        self.entries: list[tuple[str, list[str], str | None]] = []
        self.list = QTextBrowser()
        self.list.setOpenLinks(False)
        self.list.setMaximumHeight(240)
        self.list.anchorClicked.connect(self._clicked)
        self.list.hide()
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.arrow, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.label, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 2, 4, 2)
        column.addLayout(top)
        column.addWidget(self.list)
        self.hide()
        self.retranslate()

    def retranslate(self) -> None:
        self.arrow.setToolTip(
            self.tr("Each check's claim, and for a failed one its line and its values")
        )
        self.show_verdict(self.shown)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            if self.language_changed is not None:
                self.language_changed()
        super().changeEvent(event)

    # --- what it says ------------------------------------------------------------------------
    def show_verdict(self, shown: Shown | None) -> None:
        """``shown`` on the line and in the list (None: the line hidden)."""
        self.shown = shown
        self.list.clear()
        self.entries = []
        if shown is None:
            self.hide()
            return
        text, tone = self.summary(shown)
        self.label.setText(text)
        colour = COLOURS.get(self.theme, COLOURS["light"])[tone]
        weight = "bold" if tone != "quiet" else "normal"
        self.label.setStyleSheet(f"color: {colour}; font-weight: {weight}")
        report = shown.report if shown.state == "done" else None
        if report is not None:
            self._fill(report)
        self.arrow.setVisible(bool(self.entries))
        if tone == "bad" and report is not None and not self.arrow.isChecked():
            self.arrow.setChecked(True)  # (what failed, and its values, in view at once)
            self._opened_by_us = True
        elif tone != "bad" and self._opened_by_us:  # (shut again, unless the user chose)
            self.arrow.setChecked(False)
            self._opened_by_us = False
        self.list.setVisible(self.arrow.isVisible() and self.arrow.isChecked())
        self.show()

    def summary(self, shown: Shown) -> tuple[str, Tone]:
        """The line's words and tone: the verdict on the check clock in green or red; on
        another clock, what held, and where the checks are meant to run, calmly."""
        if shown.state == "running":
            return self.tr("Checks: running..."), "quiet"
        if shown.state == "not-run":
            return self.tr("Checks: not run (the run did not finish)"), "quiet"
        if shown.state == "saved":
            return self.tr("Checks: the file changed; they run again after its next run"), "quiet"
        report = shown.report
        assert report is not None
        strict = shown.on_check_clock
        failure = report.failure
        if failure is not None:
            said = self._failure(report)
            return said, "bad" if strict else "quiet"
        counts = report.counts()
        skipped = counts["skipped"]
        total = len(report.checks) - skipped
        if total == 0:
            return self.tr("Checks: none applies to this run ({skipped} skipped)").format(
                skipped=skipped
            ), "quiet"
        passed = counts["passed"]
        more = self.tr(" ({skipped} skipped)").format(skipped=skipped) if skipped else ""
        if passed == total:
            if strict:
                said = self.tr("Checks: {passed} of {total} passed")
            else:
                said = self.tr("Checks: {passed} of {total} passed on the {clock} clock")
            return said.format(
                passed=passed, total=total, clock=_clock_word(shown.clock)
            ) + more, "good"
        if not strict:
            return self.tr(
                "Checks: {passed} of {total} held on this {clock}-clock run. They are written"
                " for the {check} clock, where times do not vary: `asyncviz check-scenario`"
                " runs them there."
            ).format(
                passed=passed,
                total=total,
                clock=_clock_word(shown.clock),
                check=_clock_word(shown.check_clock),
            ) + more, "quiet"
        first = next(c for c in report.checks if c.status in ("failed", "error"))
        return self.tr("Checks: {failed} of {total} failed: {claim}").format(
            failed=total - passed, total=total, claim=first.claim
        ) + more, "bad"

    def _failure(self, report: CheckReport) -> str:
        """Why the checks did not all run: one that never ended (killed), a file that
        could not be loaded, a process that died."""
        failure = report.failure
        assert failure is not None
        if failure.kind == "timeout":
            if report.unfinished:
                return self.tr(
                    "Checks: {check}() did not end within {seconds} s, and was stopped"
                ).format(check=report.unfinished, seconds=f"{report.timeout:g}")
            return self.tr("Checks: did not end within {seconds} s, and were stopped").format(
                seconds=f"{report.timeout:g}"
            )
        if failure.kind == "crashed":
            return self.tr("Checks: their process ended without a verdict (it exited or crashed)")
        return self.tr("Checks: the file could not be loaded to run them: {error}").format(
            error=failure.message
        )

    # --- the list ------------------------------------------------------------------------------
    def _fill(self, report: CheckReport) -> None:
        """Each check, and what stopped them if something did, as entries of plain text
        (``entries``), shown escaped: a claim's "<b>" is two letters and a bracket."""
        self.entries = [self._entry(check, report.path) for check in report.checks]
        if report.failure is not None:
            why = self._failure(report)
            if report.unfinished:
                self.entries.append((f"{FAILED_MARK} {report.unfinished}()", [why], None))
            else:
                lines = report.failure.traceback.strip().splitlines()[-3:]
                self.entries.append((f"{FAILED_MARK} {why}", lines, None))
        colours = dict(COLOURS.get(self.theme, COLOURS["light"]))
        if self.shown is not None and not self.shown.on_check_clock:
            colours["bad"] = colours["quiet"]  # (not the verdict: no red)
        marks = {PASSED_MARK: colours["good"], FAILED_MARK: colours["bad"]}
        self.list.setHtml(
            "".join(_entry_html(*entry, self.tr("line {line}"), marks) for entry in self.entries)
        )

    def _entry(self, check: CheckResult, path: str) -> tuple[str, list[str], str | None]:
        """A check: its mark and claim; under a failed one, its assert (or what it
        raised), its message, the values in it; under a skipped one, why; its site."""
        mark = {"passed": PASSED_MARK, "skipped": SKIPPED_MARK}.get(check.status, FAILED_MARK)
        lines: list[str] = []
        if check.status in ("failed", "error"):
            if check.text:
                lines.append(check.text)
            if check.message:
                lines.append(check.message)
            if check.exception:
                lines.append(self.tr("raised {exception}").format(exception=check.exception))
            lines += [f"{name} = {value}" for name, value in check.values]
        elif check.status == "skipped" and check.message:
            lines.append(self.tr("skipped: {why}").format(why=check.message))
        return f"{mark} {check.claim}", lines, check.where or f"{path}:{check.line}"

    def _open(self, on: bool) -> None:
        self.arrow.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self.list.setVisible(on)

    def _chosen(self) -> None:
        self._opened_by_us = False  # (the user's: left as they set it)

    def _clicked(self, url: QUrl) -> None:
        site = url.toString()
        if site.startswith("site:"):
            self.site_clicked.emit(site[len("site:") :])


def _entry_html(
    head: str, lines: list[str], site: str | None, line_words: str, marks: dict[str, str]
) -> str:
    """One check in the list: its head (its mark in its colour), a grey link to its
    line, the lines under it in the code's type; every word of it escaped."""
    link = ""
    if site is not None:
        href = html.escape(f"site:{site}", quote=True)
        said = html.escape(line_words.format(line=site.rpartition(":")[2]))
        link = f" <a href='{href}' style='color:gray'>{said}</a>"
    under = "".join(
        f"<div style='margin-left:14px;font-family:monospace;white-space:pre-wrap'>"
        f"{html.escape(line)}</div>"
        for line in lines
    )
    mark, _, claim = head.partition(" ")
    colour = marks.get(mark, "gray")
    said = f"<b style='color:{colour}'>{html.escape(mark)}</b> {html.escape(claim)}"
    return f"<p style='margin:3px 0 0 0'>{said}{link}</p>{under}"


def _clock_word(clock: str) -> str:
    """A clock's name as the window's clock menu says it (its words: ``MainWindow``'s)."""
    return QCoreApplication.translate("MainWindow", clock)
