"""Writing a trace so that the file named is either the whole new trace or untouched.

A save can be cut short: Ctrl-C, a SIGTERM from a service manager, a kill, a full disk.
What the user must never find afterwards is half a trace under the name they gave, a
previous trace eaten, or a stray ``NAME.partial`` beside it.  And the temporary file
must not be a door: a fixed name such as ``NAME.partial`` can be a symlink planted by
someone else, and writing through it overwrites whatever it points at.

So (``replace_atomically``):

- the new trace is written to a file with **no name** (Linux's ``O_TMPFILE``), given one
  (a fresh random name, made by ``link``, which never follows or overwrites anything)
  only once complete, and renamed over the target; a kill at any moment before leaves
  nothing behind, since an unnamed file vanishes with its process.  Where ``O_TMPFILE``
  is missing (another system, a file system without it), the file is made with a fresh
  random name (``mkstemp``: created exclusively, so a planted symlink is refused, not
  followed) and removed if the write fails;
- Ctrl-C and SIGTERM that arrive during the write are held until it ends (``held``):
  the save finishes, then they take effect, and the caller is told which came
  (``Saved.signals``), instead of losing the new trace to a traceback.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import BinaryIO, Final

#: the end of the temporary name of a file being saved (hidden: it starts with a dot)
SUFFIX: Final = ".asyncviz-save"
#: the signals a save holds until it is done
HELD_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM)


@dataclass
class Saved:
    """What happened while saving: the signals that arrived, in order (held until the
    file was complete)."""

    signals: list[signal.Signals] = field(default_factory=list)


@contextlib.contextmanager
def held(saved: Saved) -> Iterator[None]:
    """Ctrl-C and SIGTERM wait for the end of this block: noted in ``saved`` as they
    come, then given, in order, to the handlers that were there before (Python's own
    raises ``KeyboardInterrupt``, or ends the process, once the file is complete; the
    command line's only notes them, ``session.interrupts``).  Only the main thread can
    set signal handlers; elsewhere (a window's worker) this holds nothing, and the
    thread is not interrupted by signals anyway.  A signal ignored stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def note(number: int, _frame: FrameType | None) -> None:
        saved.signals.append(signal.Signals(number))

    previous: dict[signal.Signals, Callable[[int, FrameType | None], object] | int | None] = {}
    try:
        for sig in HELD_SIGNALS:
            old = signal.getsignal(sig)
            if old == signal.SIG_IGN:
                continue
            previous[sig] = old
            signal.signal(sig, note)
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)
        for sig in saved.signals:
            signal.raise_signal(sig)


def replace_atomically(path: str | Path, write: Callable[[BinaryIO], None]) -> Saved:
    """Make ``path`` hold what ``write(file)`` writes, all of it or (on any failure)
    none of it, with the signals named in ``HELD_SIGNALS`` held meanwhile.  Raises what
    ``write`` or the file system raises; the previous ``path`` is then untouched and
    nothing is left beside it."""
    path = Path(path)
    saved = Saved()
    with held(saved):
        with _unnamed(path.parent) as (file, name_it):
            write(file)
            file.flush()
            os.fsync(file.fileno())
            named = name_it()
        try:
            os.replace(named, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(named)
            raise
    return saved


@contextlib.contextmanager
def _unnamed(folder: Path) -> Iterator[tuple[BinaryIO, Callable[[], str]]]:
    """A new file in ``folder`` for writing, and how to give it a name once written
    (the name is returned).  Unnamed until then where the system allows."""
    flag = getattr(os, "O_TMPFILE", 0)
    fd = -1
    if flag and Path("/proc/self/fd").is_dir():
        with contextlib.suppress(OSError):  # (a file system without O_TMPFILE: EOPNOTSUPP)
            fd = os.open(folder, flag | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0), 0o666)
    if fd >= 0:
        with os.fdopen(fd, "wb") as file:
            yield file, lambda: _link(file.fileno(), folder)
        return
    fd, name = tempfile.mkstemp(dir=folder, prefix=".", suffix=SUFFIX)
    try:
        with os.fdopen(fd, "wb") as file:
            _mode_as_umask(name)
            yield file, lambda: name
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


def _link(fd: int, folder: Path) -> str:
    """Give the unnamed file open as ``fd`` a fresh name in ``folder``: the name.
    ``/proc/self/fd/N`` names the open file; ``linkat`` with ``AT_SYMLINK_FOLLOW`` links
    the file it stands for (Python uses ``linkat`` only when given a folder's fd, hence
    ``src_dir_fd``), and fails, rather than follows, if the new name exists."""
    where = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        for _ in range(100):
            name = f".{secrets.token_hex(8)}{SUFFIX}"
            try:
                os.link(
                    f"/proc/self/fd/{fd}",
                    name,
                    src_dir_fd=where,
                    dst_dir_fd=where,
                    follow_symlinks=True,
                )
            except FileExistsError:
                continue
            return str(folder / name)
    finally:
        os.close(where)
    raise FileExistsError(f"{folder}: no free name for the new file")


def _mode_as_umask(name: str) -> None:
    """A saved trace gets the permissions any new file would: ``mkstemp`` makes it
    0600 (an ``O_TMPFILE`` file is made with the umask applied already)."""
    with contextlib.suppress(OSError):
        os.chmod(name, 0o666 & ~_umask())


def _umask() -> int:
    """The process's umask, read without changing it where the system says it (setting
    it to read it back would, for an instant, apply to every thread's new files)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    umask = os.umask(0o022)
    os.umask(umask)
    return umask
