"""The Qt application: the GUI event loop, the main window, and its automation flags."""
