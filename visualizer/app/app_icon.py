"""The application's icon and desktop identity, given to the QApplication of a window.

Every size of the icon goes into one QIcon (the PNGs of ``assets/``, and the SVG for any
other size): the title bar takes 16-24 px, the taskbar and the window switcher 32-64, and
each picks the PNG drawn for its size (crisp on the pixel grid) over a scaled one.

The desktop entry (``asyncviz desktop-install``) is matched to the window by name: on
Wayland by the desktop file name, on X11 by ``WM_CLASS``'s class, which Qt takes from the
application's name; both are :data:`visualizer.icons.ICON_NAME`, so the menu's entry and the
running window are one program in the taskbar.  (The settings do not depend on the
application's name: ``settings.open_settings`` names its file itself.)
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from visualizer import __version__
from visualizer.icons import ICON_NAME, ICON_SIZES, icon_path


def app_icon() -> QIcon:
    """The icon at each of ``ICON_SIZES`` (the PNGs), and the SVG for the sizes between."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = icon_path(size)
        if path.is_file():  # (a damaged install shows Qt's icon, and still opens)
            icon.addFile(str(path), QSize(size, size))
    if icon_path().is_file():
        icon.addFile(str(icon_path()))
    return icon


def dress(app: QApplication) -> None:
    """Give ``app`` the icon, the name the desktop entry knows it by, and the version."""
    app.setApplicationName(ICON_NAME)
    app.setApplicationVersion(__version__)  # (what a platform's "about" or a crash report asks)
    app.setDesktopFileName(ICON_NAME)
    app.setWindowIcon(app_icon())
