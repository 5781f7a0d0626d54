"""Instrumentation: hooks on an asyncio loop that record every task fact into a trace store."""
