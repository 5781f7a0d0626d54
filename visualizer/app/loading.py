"""Opening a trace file without freezing the window: big ones load in a process of
their own, with progress and Cancel; one over the size limit is refused before any of
it is decoded.

A small file (``IN_LINE_BYTES`` of JSON or less: almost every trace a program makes)
is loaded right here, as before: it takes under a quarter of a second, and a process
of its own would cost more than that to start (0.4 s).  A bigger one goes to
``visualizer.model.background``'s loader process (why a process: see there); a thread
of this module reads its frames and puts the trace back together, and tells the
window by Qt signals (queued to the window's thread).  The progress dialog shows only
if the loading takes more than ``SHOW_AFTER_MS``, so a file that opens quickly opens
without a flash.  Cancel kills the loader: the window keeps what it showed.

The limit (``safe_read.check_size``): ``ASYNCVIZ_MAX_TRACE`` bytes of JSON, 1 GiB
unless set; what it costs is measured in ``docs/performance.md``, "Big trace files".
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from visualizer.model.background import (
    CHECK,
    READ,
    SEND,
    LoaderFailed,
    Receiver,
    command_line,
    read_frames,
)
from visualizer.model.files import load_any
from visualizer.trace.data import Trace
from visualizer.trace.fileformat import TraceFormatError
from visualizer.trace.safe_read import TooBig, UnsafeInput, check_size

#: files with at most this many bytes of JSON load in the window's own thread
IN_LINE_BYTES: Final = 16 << 20
#: the memory a loading takes at its peak, loader and window together, per byte of JSON
#: (``bench/big_file.py``; a rounded-up figure, said in the refusal)
MEMORY_MULTIPLE: Final = 6
#: the progress dialog shows only once a loading took this long
SHOW_AFTER_MS: Final = 300
#: the dialog is told how far the loading is at most this often (seconds)
PROGRESS_EVERY: Final = 0.2
#: where each phase starts and ends on the progress bar (of 1,000)
_PHASES: Final = {READ: (0, 150), CHECK: (150, 700), SEND: (700, 950)}
_DRAW: Final = 950


class TraceLoading(QObject):
    """The window's file loading: ``open(path)``; what was read goes to ``show`` (with
    its path), what went wrong to ``refuse`` (a title's ``path`` and a message)."""

    _progressed = Signal(str, int, int)
    _loaded = Signal(object, int)  # (the trace, the loading it belongs to)
    _failed = Signal(str, int)

    def __init__(
        self,
        parent: QWidget,
        show: Callable[[Trace, str], None],
        refuse: Callable[[str, str], None],
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self._show = show
        self._refuse = refuse
        self._process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._path = ""
        self._serial = 0  #: the loading going on (a cancelled one's signals are ignored)
        #: the progress dialog of the loading going on (None: none going on)
        self.dialog: QProgressDialog | None = None
        self._progressed.connect(self._progress)
        self._loaded.connect(self._done)
        self._failed.connect(self._fail)

    # --- starting -----------------------------------------------------------------------
    def open(self, path: str | Path) -> bool:
        """Open ``path``: False if it was refused at once; else True (a big file: loading
        goes on, and ends in ``show`` or ``refuse``)."""
        self.cancel()
        try:
            size = check_size(path)
        except TooBig as exc:
            self._refuse(str(path), self._too_big(Path(path).name, exc))
            return False
        except (UnsafeInput, OSError) as exc:
            self._refuse(str(path), f"{Path(path).name}: {exc}")
            return False
        if size <= IN_LINE_BYTES:
            try:
                trace = load_any(path)
            except (TraceFormatError, OSError) as exc:
                self._refuse(str(path), str(exc))
                return False
            self._show(trace, str(path))
            return True
        self._start(str(path))
        return True

    def _too_big(self, name: str, exc: TooBig) -> str:
        """Why, and how to open it anyway (the memory: ``docs/performance.md``, about 4
        times the JSON while loading, 2 times kept)."""
        gb = 1e9
        return self.tr(
            "{name} holds {size} GB of trace data (uncompressed), over this window's limit"
            " of {limit} GB: loading it would take about {need} GB of memory.\n\nTo open it"
            " anyway, start asyncviz with the environment variable ASYNCVIZ_MAX_TRACE set to"
            " a larger number of bytes, e.g. ASYNCVIZ_MAX_TRACE={suggest}."
        ).format(
            name=name,
            size=f"{exc.size / gb:.2f}",
            limit=f"{exc.limit / gb:.2f}",
            need=f"{exc.size * MEMORY_MULTIPLE / gb:.0f}",
            suggest=f"{(exc.size // (1 << 30) + 1) << 30}",
        )

    def _start(self, path: str) -> None:
        self._serial += 1
        serial = self._serial
        self._path = path
        dialog = QProgressDialog(
            self.tr("Reading {name}...").format(name=Path(path).name),
            self.tr("Cancel"),
            0,
            1000,
            self._parent,
        )
        dialog.setWindowTitle(self.tr("Opening a trace"))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(SHOW_AFTER_MS)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.cancel)
        dialog.setValue(0)  # (starts the clock of its minimum duration)
        self.dialog = dialog
        self._process = process = subprocess.Popen(
            command_line(path), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self._reader = threading.Thread(
            target=self._read, args=(process, serial), name="asyncviz-open", daemon=True
        )
        self._reader.start()

    # --- the reader thread --------------------------------------------------------------
    def _read(self, process: subprocess.Popen[bytes], serial: int) -> None:
        """Frames to a trace (off the window's thread); the outcome as a signal."""
        assert process.stdout is not None and process.stderr is not None
        said_at = [0.0]

        def progress(phase: str, done: int, total: int) -> None:
            # (at most every PROGRESS_EVERY s: each update costs the window a relayout
            # and a repaint of the dialog, and a hundred of them queued up held it back)
            now = time.monotonic()
            if now - said_at[0] >= PROGRESS_EVERY or (phase == READ and done >= total):
                said_at[0] = now
                self._progressed.emit(phase, done, total)

        receiver = Receiver(progress)
        try:
            for frame in read_frames(process.stdout):
                receiver.take(frame)
                if frame[0] == "progress" and frame[1] == READ and frame[2] >= frame[3]:
                    self._progressed.emit(CHECK, 0, 0)  # (read: now decoded and checked)
        except LoaderFailed as exc:
            self._failed.emit(str(exc), serial)
            return
        finally:
            process.stdout.close()
            said = process.stderr.read().decode(errors="replace").strip()
            process.stderr.close()
            code = process.wait()
        if receiver.trace is not None:
            self._loaded.emit(receiver.trace, serial)
        elif code >= 0 or serial == self._serial:  # (killed by Cancel: nothing to say)
            last = said.splitlines()[-1] if said else ""
            self._failed.emit(
                self.tr("The loader ended without a trace (exit code {code}). {said}").format(
                    code=code, said=last
                ),
                serial,
            )

    # --- back on the window's thread ----------------------------------------------------
    def _progress(self, phase: str, done: int, total: int) -> None:
        dialog = self.dialog
        if dialog is None:
            return
        name = Path(self._path).name
        if phase == READ:
            text = self.tr("Reading {name}: {done} of {total} MB").format(
                name=name, done=f"{done / 1e6:,.0f}", total=f"{total / 1e6:,.0f}"
            )
        elif phase == CHECK:
            text = self.tr("Decoding and checking {name}...").format(name=name)
        else:
            text = self.tr("Receiving {name}: {done} of {total} tasks").format(
                name=name, done=f"{done:,}", total=f"{total:,}"
            )
        dialog.setLabelText(text)
        # (last: a modal dialog's setValue handles the events queued meanwhile, the next
        # progress among them, whose words must not be overwritten by these)
        lo, hi = _PHASES.get(phase, (0, 0))
        dialog.setValue(lo + (hi - lo) * done // max(total, 1) if total else lo)

    def _done(self, trace: Trace, serial: int) -> None:
        if serial != self._serial or self.dialog is None:
            return  # (cancelled meanwhile)
        self.dialog.setLabelText(
            self.tr("Drawing {count} tasks...").format(count=f"{len(trace.tasks):,}")
        )
        self.dialog.setValue(_DRAW)
        self._end()
        self._show(trace, self._path)

    def _fail(self, message: str, serial: int) -> None:
        if serial != self._serial or self.dialog is None:
            return
        path = self._path
        self._end()
        self._refuse(path, message)

    def _end(self) -> None:
        """The loading is over: no dialog, no loader."""
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.hide()
            self.dialog.deleteLater()
            self.dialog = None
        self._process = None

    # --- stopping -----------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop the loading going on, if any, at once: the loader is killed (its reader
        thread ends as its pipe closes), the window keeps what it shows."""
        self._serial += 1
        process = self._process
        self._end()
        if process is not None and process.poll() is None:
            process.kill()

    @property
    def busy(self) -> bool:
        """A loader process or its reader thread is still there."""
        reader = self._reader
        return (self._process is not None and self._process.poll() is None) or (
            reader is not None and reader.is_alive()
        )
