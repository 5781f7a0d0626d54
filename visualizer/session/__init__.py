"""Scenario discovery and headless run / record drivers (no Qt)."""
