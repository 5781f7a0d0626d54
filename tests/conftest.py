"""Test-wide setup: Qt renders offscreen unless the developer asked for a real display."""

from __future__ import annotations

import os

# Before any QApplication exists (pytest-qt's ``qapp`` fixture makes it later).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
