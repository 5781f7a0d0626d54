"""An example course for asyncio-visualizer: its lessons are in ``scenarios/``."""
