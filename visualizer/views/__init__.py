"""Qt widgets that draw a model: the Gantt chart and its parts. Nothing here runs a program."""
