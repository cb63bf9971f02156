"""Translation: every user-facing string goes through gettext.

Message ids are written in French (the platform's language); catalogues under
`backend/locale/<lang>/LC_MESSAGES/messages.po` translate them (English, Arabic…).
The active locale lives in a context variable set per request.
"""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
SUPPORTED = {"fr": "ltr", "en": "ltr", "ar": "rtl"}
DEFAULT_LOCALE = "fr"

_current: ContextVar[str] = ContextVar("locale", default=DEFAULT_LOCALE)


@lru_cache(maxsize=8)
def translations(locale: str) -> _gettext.NullTranslations:
    """The catalogue for a locale; French (the source language) needs none."""
    if locale == DEFAULT_LOCALE:
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [locale], domain="messages")


def set_locale(locale: str) -> None:
    _current.set(locale if locale in SUPPORTED else DEFAULT_LOCALE)


def get_locale() -> str:
    return _current.get()


def text_direction(locale: str | None = None) -> str:
    return SUPPORTED.get(locale or get_locale(), "ltr")


def gettext(message: str) -> str:
    return translations(get_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Singular or plural by the count. French (the source language, with no catalogue) puts
    0 and 1 in the singular: « 0 projet choisi », « 1 abstention »."""
    locale = get_locale()
    if locale == DEFAULT_LOCALE:
        return singular if abs(n) < 2 else plural
    return translations(locale).ngettext(singular, plural, n)


_ = gettext


def negotiate(accept_language: str | None, cookie: str | None) -> str:
    """Pick the locale: explicit choice (cookie) first, then the browser's languages."""
    if cookie in SUPPORTED:
        return cookie
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in SUPPORTED and (LOCALE_DIR / code).exists():
            return code
    return DEFAULT_LOCALE
