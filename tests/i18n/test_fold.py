"""`make messages`' last step: new translations written as JSON land in the catalogues."""

from __future__ import annotations

import json
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from backend.i18n_fold import fold


def _catalogue(root: Path, language: str) -> Path:
    catalog = Catalog(locale=language)
    catalog.add("Bonjour", "")
    catalog.add(("%(n)s vote", "%(n)s votes"), ("", ""))
    catalog.add("Déjà traduit", "Already translated" if language == "en" else "مترجم")
    path = root / language / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    with path.open("wb") as f:
        write_po(f, catalog)
    return path


def _strings(path: Path) -> dict[str, object]:
    with path.open("rb") as f:
        catalog = read_po(f)
    return {str(m.id if isinstance(m.id, str) else m.id[0]): m.string for m in catalog if m.id}


def test_new_translations_fill_the_catalogues_and_the_file_goes(tmp_path: Path) -> None:
    en, ar = _catalogue(tmp_path, "en"), _catalogue(tmp_path, "ar")
    (tmp_path / "new").mkdir()
    source = tmp_path / "new" / "topic.json"
    source.write_text(
        json.dumps(
            {
                "Bonjour": {"en": "Hello", "ar": "مرحبا"},
                "%(n)s vote": {"en": ["%(n)s vote", "%(n)s votes"], "ar": ["a", "b", "c", "d", "e", "f"]},
            }
        ),
        encoding="utf-8",
    )
    assert fold(tmp_path) == {"en": [], "ar": []}
    assert _strings(en)["Bonjour"] == "Hello"
    assert _strings(ar)["Bonjour"] == "مرحبا"
    assert _strings(en)["%(n)s vote"] == ("%(n)s vote", "%(n)s votes")
    plural = _strings(ar)["%(n)s vote"]
    assert isinstance(plural, tuple) and len(plural) == 6
    assert _strings(ar)["Déjà traduit"] == "مترجم"
    assert not source.exists()


def test_an_entry_without_its_msgid_keeps_its_file_and_gaps_are_listed(tmp_path: Path) -> None:
    _catalogue(tmp_path, "en")
    _catalogue(tmp_path, "ar")
    (tmp_path / "new").mkdir()
    source = tmp_path / "new" / "topic.json"
    source.write_text(json.dumps({"Inconnu": {"en": "Unknown", "ar": "مجهول"}}), encoding="utf-8")
    missing = fold(tmp_path)
    assert source.exists()  # nothing lost: extract the msgid first, then fold again
    assert missing == {"en": ["Bonjour", "%(n)s vote"], "ar": ["Bonjour", "%(n)s vote"]}
