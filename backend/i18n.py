"""Translation: every user-facing string goes through gettext.

Message ids are written in French (the platform's language); catalogues under
`backend/locale/<lang>/LC_MESSAGES/messages.po` translate them (English, Arabic…). They are read
straight from the `.po` files and compiled in memory, so no build step (`.mo`) is needed by
`make run`, the CI or the Docker image. The active locale lives in a context variable set per
request (`backend.middleware`), or by `using(locale)` to render an e-mail or SMS in its
recipient's language.
"""

from __future__ import annotations

import gettext as _gettext
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
SUPPORTED = {"fr": "ltr", "en": "ltr", "ar": "rtl"}
DEFAULT_LOCALE = "fr"
# Each language named in itself, in the order the switch shows them.
LANGUAGE_NAMES = {"fr": "Français", "ar": "العربية", "en": "English"}
LANG_COOKIE = "lang"

_current: ContextVar[str] = ContextVar("locale", default=DEFAULT_LOCALE)


def N_(message: str) -> str:  # noqa: N802 - the usual name of gettext's no-op marker
    """Mark a label stored as data (an enum's, a phase's) for extraction; it is translated where it
    is displayed, with `gettext`, in the reader's language."""
    return message


def catalogue_file(locale: str, root: Path | None = None) -> Path:
    """The `.po` file of a language (read by the app; written by `make messages`), under `root`
    (default: LOCALE_DIR, looked up at each call)."""
    return (root or LOCALE_DIR) / locale / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=8)
def _load(locale: str, path: str, mtime_ns: int) -> _gettext.NullTranslations:
    with open(path, "rb") as po:
        catalog = read_po(po, locale=locale)
    for message in catalog:
        if isinstance(message.string, tuple) and not all(message.string):
            message.string = ""  # a plural with a form left blank: the French msgid, not a blank
    compiled = BytesIO()
    # An empty msgstr is left out of the compiled catalogue (write_mo skips untranslated and fuzzy
    # messages), so gettext falls back to the French msgid.
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain="messages")


def translations(locale: str) -> _gettext.NullTranslations:
    """The catalogue for a locale; French (the source language) needs none. Cached, and read again
    when its `.po` file changes (keyed on its modification time)."""
    if locale == DEFAULT_LOCALE or locale not in SUPPORTED:
        return NullTranslations()
    path = catalogue_file(locale)
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return NullTranslations()
    return _load(locale, str(path), mtime)


def set_locale(locale: str) -> None:
    _current.set(locale if locale in SUPPORTED else DEFAULT_LOCALE)


def get_locale() -> str:
    return _current.get()


@contextmanager
def using(locale: str | None) -> Iterator[str]:
    """Render in another language for a while (an e-mail or SMS in its recipient's language),
    then come back to the request's."""
    token = _current.set(locale if locale in SUPPORTED else DEFAULT_LOCALE)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


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

_LANGUAGE_RANGE = re.compile(r"^([a-zA-Z]{1,8})(?:-[a-zA-Z0-9]{1,8})*$")


def _weight(params: list[str]) -> float:
    for param in params:
        name, _sep, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0


def parse_accept_language(header: str | None) -> list[str]:
    """The primary languages of an Accept-Language header, most wanted first (`ar-MA,ar;q=0.9,
    fr;q=0.5` → ar, ar, fr); `*` and ranges that are not language tags are dropped, q=0 means « not
    this one »."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "")[:500].split(",")):
        tag, *params = part.split(";")
        match = _LANGUAGE_RANGE.match(tag.strip())
        weight = _weight(params)
        if match and weight > 0:
            ranked.append((-weight, index, match.group(1).lower()))
    return [code for _w, _i, code in sorted(ranked)]


def negotiate(accept_language: str | None, cookie: str | None) -> str:
    """Pick the locale: explicit choice (cookie) first, then the browser's languages."""
    if cookie in SUPPORTED:
        return cookie
    for code in parse_accept_language(accept_language):
        if code in SUPPORTED:
            return code
    return DEFAULT_LOCALE
