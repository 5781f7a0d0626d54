"""The course's lessons, one scenario per file (asyncviz lists every ``.py`` here whose
name does not start with ``_``); nothing imports this package to list them."""
