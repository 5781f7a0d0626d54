"""asyncio-visualizer: trace asyncio programs and draw them as Gantt charts."""
