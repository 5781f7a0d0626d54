"""asyncio's default task names, numbered per run.

A task made without a name is called ``Task-N``, N from a counter of the whole process.
A program run alone numbers its tasks from 1, but traced beside others it would not: in
the window the window's own tasks (and every earlier run's) have taken numbers before
it, in a test process the tests' have, and a program streamed from its own process
starts afresh.  So the same program would be drawn with ``Task-2`` on the command line
and ``Task-58`` in the window.  The tracer renames each of the run's tasks that got a
default name, as it is made, ``Task-k`` with ``k`` counted by the run: the numbers a
fresh process would give, whatever ran before, and the task itself carries the name (the
program's own ``get_name()``, its logs and its output say what the chart says).

A default name is told from a name of the program's own that merely looks like one by
its number: asyncio's counter only grows, so a default name always has a number above
every default name seen before it.  (A name the program gives afterwards,
``create_task(name=...)`` through a task factory or ``set_name``, replaces ours, as it
replaces asyncio's.)
"""

from __future__ import annotations

from typing import Any

_PREFIX = "Task-"


class DefaultNames:
    """Renames a run's tasks that asyncio named by its process-wide counter."""

    __slots__ = ("count", "last")

    def __init__(self) -> None:
        self.count = 0  #: default names given in this run so far
        self.last = 0  #: the highest asyncio number renamed (its counter only grows)

    def renumber(self, task: Any) -> None:
        """``task``, just made, as a fresh process would have named it."""
        name = task.get_name()
        if not name.startswith(_PREFIX):
            return
        number = name[len(_PREFIX) :]
        if not (number.isascii() and number.isdigit()) or int(number) <= self.last:
            return
        self.last = int(number)
        self.count += 1
        task.set_name(f"{_PREFIX}{self.count}")
