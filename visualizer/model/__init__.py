"""The model: turns trace rows into per-task spans and answers questions about them."""
