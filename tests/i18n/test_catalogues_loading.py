"""Catalogues are read from the .po files (no .mo to build), untranslated messages stay French."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backend import i18n
from backend.accounts.models import ResidenceStatus
from backend.rendering import residence_label, role_label

TINY_PO = r"""msgid ""
msgstr ""
"Language: {lang}\n"
"Content-Type: text/plain; charset=utf-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "Quartiers Participatifs"
msgstr "Participatory Neighbourhoods"

msgid "Aller au contenu"
msgstr "Skip to content"

msgid "Se connecter"
msgstr ""

msgid "Résidence vérifiée"
msgstr "Verified residence"

msgid "Administration"
msgstr "Administrator"

msgid "%(n)d projet"
msgid_plural "%(n)d projets"
msgstr[0] "%(n)d project"
msgstr[1] "%(n)d projects"

msgid "%(n)d vote"
msgid_plural "%(n)d votes"
msgstr[0] "%(n)d ballot"
msgstr[1] ""
"""


@pytest.fixture
def tiny_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(TINY_PO.replace("{lang}", "en"), encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    return folder / "messages.po"


@pytest.mark.usefixtures("tiny_catalogue")
def test_messages_and_plurals_from_the_po_file() -> None:
    with i18n.using("en"):
        assert i18n.gettext("Aller au contenu") == "Skip to content"
        assert i18n.gettext("Se connecter") == "Se connecter"  # empty msgstr: the French msgid
        assert i18n.gettext("Pas dans le catalogue") == "Pas dans le catalogue"
        assert i18n.ngettext("%(n)d projet", "%(n)d projets", 3) == "%(n)d projects"
        # A plural with a blank form is not half-translated: French for every count.
        assert i18n.ngettext("%(n)d vote", "%(n)d votes", 1) == "%(n)d vote"
        assert i18n.ngettext("%(n)d vote", "%(n)d votes", 2) == "%(n)d votes"
        # Labels kept as data (marked N_) are translated where shown.
        assert residence_label(ResidenceStatus.verified) == "Verified residence"
        assert role_label("admin") == "Administrator"
    assert i18n.gettext("Aller au contenu") == "Aller au contenu"


def test_an_edited_catalogue_is_read_again(tiny_catalogue: Path) -> None:
    with i18n.using("en"):
        assert i18n.gettext("Aller au contenu") == "Skip to content"
        text = tiny_catalogue.read_text(encoding="utf-8").replace("Skip to content", "Go to content")
        tiny_catalogue.write_text(text, encoding="utf-8")
        stat = tiny_catalogue.stat()
        os.utime(tiny_catalogue, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        assert i18n.gettext("Aller au contenu") == "Go to content"


@pytest.mark.usefixtures("tiny_catalogue")
def test_a_page_renders_translated(client: TestClient) -> None:
    page = client.get("/", headers={"Accept-Language": "en"}).text
    assert '<html lang="en" dir="ltr">' in page
    assert "Skip to content" in page and "Participatory Neighbourhoods" in page
    assert "Aller au contenu" not in page


def test_a_language_without_catalogue_is_french(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    with i18n.using("ar"):
        assert i18n.gettext("Aller au contenu") == "Aller au contenu"


def test_residents_texts_find_their_own_direction_and_are_marked_with_their_language() -> None:
    from backend.rendering import environment

    template = environment().from_string("<h3>{{ title | user_text }}</h3>{{ body | user_text('div') }}")
    html = template.render(title="ملعب <جديد>", body="Un terrain")
    assert html == (
        '<h3><bdi dir="auto" lang="ar">ملعب &lt;جديد&gt;</bdi></h3><div dir="auto" lang="fr">Un terrain</div>'
    )
