"""A big trace file's insights, worked out in a process of their own (issue 18).

The window at 100,000 tasks: its insights' working data (~90 MB) and their largest
step's temporaries (~75 MB) came on top of the chart's memory when they were worked out
in a thread of the window's process (``insights_worker``): 6 times the file's decoded
columns where the target is 3 (``docs/performance.md``).  A trace opened from a file
need not be sent anywhere: this child reads the same file itself (``load_any``, every
check as in the window), works out its insights, and writes them to its stdout as one
JSON document (``model.insights.document``: data, never a pickle), then ends, and its
memory with it.

The words are the window's: the child is given the window's language and translates
through Qt's translation files as the window does (``QCoreApplication``, no display).

The window kills it when the insights are no longer wanted (another trace shown, the
window closed: ``kill_group``, its own process group).  And it ends by itself when the
window is gone: it watches its stdin, a pipe the window holds open and never writes,
whose end means the window ended, however it ended.

What it writes (one JSON object): ``{"spans": N, "tasks": N, "insights": [...]}`` (the
counts let the window check that the file is still the trace it shows), or
``{"error": "..."}`` for a file it could not read.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import msgspec

from visualizer.model.insights import Insight
from visualizer.model.insights.document import Said, from_plain
from visualizer.session.check_runner import kill_group
from visualizer.session.process import bootstrap, package_root

#: the last of the child's stderr said when it failed (a traceback's last line)
_TAIL = 4000


class ChildFailed(Exception):
    """The child ended without the insights: the file could not be read there (the
    message is the reader's), or the process died (``code``: its exit code, -N for
    signal N) or said something that is not the document."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


# --- the window's side -------------------------------------------------------------------
class Child:
    """The child at work on ``path`` (its insights in ``language``'s words), in its own
    process group (``kill_group``), the package found as ``process.bootstrap`` finds it."""

    def __init__(self, path: str | Path, language: str) -> None:
        # (stderr to a file, read only if it failed: a pipe left unread would fill and
        # hold the child; the temporary file is gone once closed)
        self._stderr = tempfile.TemporaryFile(prefix="asyncviz-insights-")  # noqa: SIM115
        code = bootstrap(package_root(), "visualizer.app.insights_child")
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, str(path), language],
            stdin=subprocess.PIPE,  # (held open, never written: its end is the window's)
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            start_new_session=True,
        )

    def answer(self) -> tuple[int, int, list[Insight]]:
        """The spans and tasks the child counted and the insights it found, once it
        ended (blocks: a thread's call); ``ChildFailed`` if it ended without them."""
        process = self.process
        assert process.stdout is not None and process.stdin is not None
        try:
            said = process.stdout.read()
        finally:
            process.stdout.close()
            process.stdin.close()
            code = process.wait()
            last = self._last_words() if code else ""
            self._stderr.close()
        if code != 0:
            raise ChildFailed(last, code)
        try:
            answer = _decoder.decode(said)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise ChildFailed(f"its answer is not the insights ({exc})") from None
        if answer.error is not None:
            raise ChildFailed(answer.error)
        return answer.spans, answer.tasks, [from_plain(x) for x in answer.insights]

    def stop(self) -> None:
        """Kill the child (its reader's ``answer`` ends as its pipe closes)."""
        if self.process.poll() is None:
            kill_group(self.process.pid)

    def _last_words(self) -> str:
        """The last line the child wrote on stderr (a traceback's: what went wrong)."""
        with contextlib.suppress(OSError, ValueError):
            self._stderr.seek(0, os.SEEK_END)
            self._stderr.seek(max(self._stderr.tell() - _TAIL, 0))
            lines = self._stderr.read().decode(errors="replace").strip().splitlines()
            return lines[-1] if lines else ""
        return ""


class _Answer(msgspec.Struct):
    spans: int = 0
    tasks: int = 0
    insights: list[Said] = []
    error: str | None = None


_decoder = msgspec.json.Decoder(_Answer)


# --- the child's side --------------------------------------------------------------------
def main(argv: list[str]) -> int:
    """``argv``: the trace file, the window's language."""
    path, language = argv[0], argv[1] if len(argv) > 1 else "en"
    threading.Thread(target=_end_with_the_window, name="asyncviz-orphan", daemon=True).start()
    from PySide6.QtCore import QCoreApplication

    from visualizer.app.translations import use_language
    from visualizer.model.files import load_any
    from visualizer.model.insights import insights_of
    from visualizer.model.insights.document import document, plain
    from visualizer.trace.fileformat import TraceFormatError
    from visualizer.trace.safe_read import UnsafeInput

    _app = QCoreApplication([])  # (its translators: the window's language)
    use_language(language)
    said: dict[str, Any]
    try:
        trace = load_any(path)
    except (TraceFormatError, UnsafeInput, OSError) as exc:
        said = {"error": str(exc)}
    except MemoryError:
        said = {"error": "too big to hold in memory"}
    else:
        found = insights_of(trace, translate=QCoreApplication.translate)
        said = {
            "spans": len(trace.spans),
            "tasks": len(trace.tasks),
            "insights": document(found, trace.tasks.names),
        }
    sys.stdout.buffer.write(msgspec.json.encode(said, enc_hook=plain))
    sys.stdout.buffer.flush()
    return 0


def _end_with_the_window() -> None:
    """In a thread: stdin ends when the window does (it never writes to it): end too,
    at once, whatever the insights' step is doing."""
    with contextlib.suppress(OSError):  # (raw reads: a buffered stdin's lock, held by
        while os.read(0, 4096):  # this thread, would hold the interpreter's exit)
            pass
    os._exit(1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
