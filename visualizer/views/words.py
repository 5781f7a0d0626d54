"""Words the chart draws that come from the model in English: the names of the rows
under the task lanes (``visualizer.model.loop_lanes``), in the application's language."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from visualizer.model.loop_lanes import LOOP_LANE, PROCESS_POOL, THREAD_ROW, WINDOW_ROW


def row_name(name: str) -> str:
    """A row's name as shown: ``event loop``, ``thread NAME`` (the thread's own name, as
    the program gave it, stays as it is)."""
    if name == LOOP_LANE:
        return QCoreApplication.translate("GanttView", "event loop")
    if name == WINDOW_ROW:
        return QCoreApplication.translate("GanttView", "window drawing")
    if name.startswith(THREAD_ROW):
        return QCoreApplication.translate("GanttView", "thread {name}").format(
            name=name[len(THREAD_ROW) :]
        )
    if name.startswith(PROCESS_POOL + " "):
        return QCoreApplication.translate("GanttView", "process pool {n}").format(
            n=name[len(PROCESS_POOL) + 1 :]
        )
    return name
