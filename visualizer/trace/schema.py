"""The in-memory event schema: the vocabulary the instrument writes and the model reads.

The schema comes first (as in tokio-console): every number that crosses from the
instrument to the model is defined here, once, with what it means.  The store
keeps two hot tables, written on the event-loop thread at a cost of a few array
appends per task step:

``steps``  one row per task step, written when the step ends::

    task   int32    our task id (dense, 0..n-1, in creation order)
    start  float64  clock time the step began
    dur    float32  its length in seconds (relative error ~6e-8: ns for ms steps)
    code   int32    how the step ended: ``>= 0`` is a suspension id (what the task
                    now awaits, see ``Suspension``); negative codes are ``END_*``

``wakes``  one row each time a suspended task becomes ready::

    task   int32    the task made ready
    t      float64  the exact moment (when the awaited thing completed)
    waker  int32    ``pack_waker(kind, task)``: why, and which task if any

Two wakes are implied and never written, which keeps the common case small:
a task's first step is ready from its creation (``WAKE_CREATED`` by its
parent), and after a bare yield (``END_READY``, e.g. ``sleep(0)``) the task is
ready from the end of that step, woken by itself.

Times are raw clock readings; ``TraceStore.origin`` is the run's start.
"""

from __future__ import annotations

from typing import Final

SCHEMA_VERSION: Final = 1

#: what kind of seconds a trace's times are (``meta.clock``): the loop's own
#: (``time.monotonic``), the virtual clock's (idle waits skipped), or the ideal clock's
#: (idle waits skipped and steps taking no time; ``instrument.clock.IdealClock``).  A
#: lecture's are the virtual clock's, paced.
CLOCKS: Final = ("virtual", "real", "ideal")

# --- how a step ended (negative values of steps.code) ---------------------------
END_READY: Final = -1  #: bare yield (``sleep(0)``): runnable again at once
END_DONE: Final = -2  #: the coroutine returned
END_ERROR: Final = -3  #: the coroutine raised
END_CANCELLED: Final = -4  #: the task ended cancelled

END_NAMES: Final = {END_DONE: "done", END_ERROR: "error", END_CANCELLED: "cancelled"}

# --- why a task became ready (low 3 bits of a packed waker) ----------------------
WAKE_CREATED: Final = 0  #: the task was just created (task = its parent, if any)
WAKE_TASK: Final = 1  #: a task's step completed what it awaited
WAKE_TIMER: Final = 2  #: a timer handle (``call_later``/``call_at``) fired
WAKE_IO: Final = 3  #: a selector (reader/writer) callback
WAKE_THREAD: Final = 4  #: ``call_soon_threadsafe``: an executor job or another thread
WAKE_CANCEL: Final = 5  #: ``cancel()`` (task = who called it, if a task did)
WAKE_CALLBACK: Final = 6  #: any other loop callback

WAKE_NAMES: Final = ("created", "task", "timer", "io", "thread", "cancel", "callback")
WAKE_KINDS: Final = {name: i for i, name in enumerate(WAKE_NAMES)}

NO_TASK: Final = -1


def pack_waker(kind: int, task: int = NO_TASK) -> int:
    """Pack a wake kind and an optional task id into one int32."""
    return ((task + 1) << 3) | kind


def waker_kind(packed: int) -> int:
    return packed & 7


def waker_task(packed: int) -> int:
    return (packed >> 3) - 1


#: The packed waker used when nothing of ours is running: a plain loop callback.
CALLBACK_WAKER: Final = pack_waker(WAKE_CALLBACK)

# --- span states (model and file) ------------------------------------------------
READY: Final = 0
RUNNING: Final = 1
SUSPENDED: Final = 2
STATE_NAMES: Final = ("ready", "running", "suspended")

# --- task outcomes ---------------------------------------------------------------
OUTCOMES: Final = ("pending", "done", "error", "cancelled")
