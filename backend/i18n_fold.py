"""Fold new translations into the catalogues: the last step of ``make messages``.

Engineers adding strings in parallel each write the English and Arabic of their new msgids in
``backend/locale/new/<topic>.json`` (``{"msgid": {"en": "...", "ar": "..."}}``; a plural message
gives a list of forms: ``{"en": ["one", "other"], "ar": [six forms]}``) instead of editing the
``.po`` files, which would conflict line by line. After ``pybabel update`` has added the new msgids,
this fills their ``msgstr`` from those files, deletes each file whose every entry found its msgid,
and lists the msgids still untranslated (``tests/i18n/test_catalogue_completeness.py`` fails on them).

    .venv/bin/python -m backend.i18n_fold
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

from backend.i18n import DEFAULT_LOCALE, LOCALE_DIR, SUPPORTED, catalogue_file

LANGUAGES = tuple(language for language in SUPPORTED if language != DEFAULT_LOCALE)


def _load(locale_dir: Path, language: str) -> Catalog:
    with catalogue_file(language, locale_dir).open("rb") as f:
        return read_po(f, locale=language)


def _save(locale_dir: Path, language: str, catalog: Catalog) -> None:
    with catalogue_file(language, locale_dir).open("wb") as f:
        write_po(f, catalog, width=100, ignore_obsolete=True)


def _fill(message: Message, text: str | list[str]) -> bool:
    """Set the translation (plural forms from a list); False when its shape does not fit."""
    plural = isinstance(message.id, tuple | list)
    if plural != isinstance(text, list):
        return False
    message.string = tuple(text) if isinstance(text, list) else text
    if "fuzzy" in message.flags:
        message.flags.discard("fuzzy")
    return True


def _untranslated(catalog: Catalog) -> list[str]:
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        if not all(strings):
            missing.append(message.id[0] if isinstance(message.id, tuple | list) else message.id)
    return missing


def fold(locale_dir: Path = LOCALE_DIR) -> dict[str, list[str]]:
    """Apply every ``new/*.json``; return the msgids still untranslated, per language."""
    catalogs = {language: _load(locale_dir, language) for language in LANGUAGES}
    for source in sorted((locale_dir / "new").glob("*.json")):
        entries: dict[str, dict[str, str | list[str]]] = json.loads(source.read_text("utf-8"))
        unplaced = []
        for msgid, texts in entries.items():
            for language, catalog in catalogs.items():
                message = catalog.get(msgid)
                if message is None or language not in texts or not _fill(message, texts[language]):
                    unplaced.append(f"{language}: {msgid}")
        if unplaced:
            print(f"{source.name}: kept, not placed:\n  " + "\n  ".join(unplaced), file=sys.stderr)
        else:
            source.unlink()
    for language, catalog in catalogs.items():
        _save(locale_dir, language, catalog)
    return {language: _untranslated(catalog) for language, catalog in catalogs.items()}


def main() -> None:
    missing = fold()
    for language, msgids in missing.items():
        for msgid in msgids:
            print(f"untranslated ({language}): {msgid}", file=sys.stderr)
    if any(missing.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
