"""The window's own words in the user's language, through Qt's translation system.

The English is in the code (``self.tr(...)``, ``QCoreApplication.translate(...)``); the
other languages are Qt translation files in ``i18n/``: ``asyncviz_zh_CN.ts`` (the source,
made by ``lupdate`` and translated by hand) and ``asyncviz_zh_CN.qm`` (compiled by
``lrelease``, the one loaded). ``tools/translations`` makes both again after a change.
Qt's own words (a dialog's "Cancel") come from the ``qtbase`` translations PySide6 ships.

The language is the system's (``QLocale.system()``: ``LANGUAGE``, ``LC_ALL``,
``LC_MESSAGES``, ``LANG`` on Linux) until the user picks one in View > Language; the
window then remembers it (settings' ``language``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

#: the window's languages: code -> its name in the View > Language menu, in itself
LANGUAGES = {"en": "English", "zh": "简体中文"}
#: where the translation files are (package data)
I18N = Path(__file__).resolve().parent / "i18n"
#: a language's translation files, ours first: (folder, file name without ``.qm``)
FILES = {
    "en": (),
    "zh": (
        (I18N, "asyncviz_zh_CN"),
        (Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)), "qtbase_zh_CN"),
    ),
}

_installed: list[QTranslator] = []  #: the translators in use (Qt keeps no reference)


def ui_language(language: str) -> str:
    """The window's language for a locale name or code: ``"zh"`` for any Chinese
    (``zh_CN``, ``zh_TW``, ``zh``: Simplified Chinese is the one there is), else ``"en"``."""
    return "zh" if language.startswith("zh") else "en"


def use_language(language: str) -> str:
    """Translate the application's words into ``language`` (a locale name, ``zh_CN``, or a
    code of ``LANGUAGES``) from now on; returns the code used. Qt sends every window a
    ``LanguageChange`` event, where it sets its words again. A missing file leaves those
    words in English."""
    code = ui_language(language)
    app = QCoreApplication.instance()
    if app is None:
        return code
    while _installed:
        app.removeTranslator(_installed.pop())
    for folder, name in FILES[code]:
        translator = QTranslator(app)
        if translator.load(name, str(folder)):
            app.installTranslator(translator)
            _installed.append(translator)
    return code
