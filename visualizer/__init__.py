"""asyncio-visualizer: trace asyncio programs and draw them as Gantt charts.

``from visualizer import mark``: a program's own labelled pin on its timeline (does
nothing when the program is not traced; see ``visualizer.marks``).
"""

from visualizer.marks import mark

__all__ = ["mark"]
