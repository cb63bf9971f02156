"""What the issue asks of the catalogues: every message translated into each language, and no French
left outside `_()` in the templates."""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from backend import i18n
from backend.config import ROOT

# The keywords of `make messages` (the Makefile's MESSAGE_KEYWORDS).
KEYWORDS: dict[str, tuple[int, ...] | None] = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
TEMPLATES = ROOT / "templates"
# Being rewritten by another engineer (vote, isoloir, bureau, dépouillement, paper ballots).
NOT_YET = (
    "budget/vote",
    "budget/isoloir",
    "budget/_isoloir",
    "budget/bureau",
    "budget/depouillement",
    "budget/paper",
)


@lru_cache(maxsize=1)
def extracted() -> dict[str, tuple[str, ...]]:
    """Every message of the code and templates, extracted as `make messages` does (in-process)."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)  # type: ignore[no-untyped-call]  # Babel has no annotations here
    found: dict[str, tuple[str, ...]] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        ids = (message,) if isinstance(message, str) else tuple(message)
        found[ids[0]] = ids
    return found


def test_extraction_finds_the_labels_kept_as_data() -> None:
    messages = extracted()
    for label in (
        "Résidence vérifiée",
        "Administration",
        "Dépôt des idées",
        "Fonds habitants",
        "Page introuvable",
    ):
        assert label in messages


@pytest.mark.parametrize("locale", sorted(set(i18n.SUPPORTED) - {i18n.DEFAULT_LOCALE}))
def test_every_message_is_translated(locale: str) -> None:
    with open(i18n.LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale=locale)
    missing = []
    for msgid in extracted():
        message = catalog.get(msgid)
        strings = message.string if message is not None else ""
        forms = strings if isinstance(strings, tuple) else (strings,)
        if message is None or message.fuzzy or not all(forms):
            missing.append(msgid)
    assert not missing, f"{len(missing)} messages untranslated in {locale}, e.g. {missing[:5]}"


# ---- (b) templates: no French outside _() ----------------------------------------------------------

JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)
LETTERS = re.compile(r"[^\W\d_]{2,}")
# Names and symbols that read the same in every language: acronyms, a hash's name, domains and files.
NAMES = re.compile(
    r"[\w.-]+\.(?:fr|org|com|json|csv)\b|SHA-256|\b(?:QPV|COPIL|FPH|CSV|JSON|ODS|XLSX|PDF|API|SMS)\b"
)
# A macro that writes attributes (name="value" …) outside any tag: markup, not text.
ATTRIBUTE = re.compile(r'[\w:-]+="[^"]*"')
READABLE = {"placeholder", "title", "alt", "aria-label", "aria-description"}
SKIPPED = {"script", "style", "code", "pre", "kbd", "samp"}  # code and commands are not translated


class TextFinder(HTMLParser):
    """Text nodes and readable attribute values of a template with its Jinja parts taken out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skipping += 1
        named = dict(attrs)
        readable = set(READABLE)
        if tag == "input" and named.get("type") in ("submit", "button", "reset"):
            readable.add("value")  # shown on the button (a <button>'s value is not)
        if tag == "meta" and (
            named.get("name") == "description" or (named.get("property") or "").startswith("og:")
        ):
            readable.add("content")
        self.found += [value for name, value in attrs if name in readable and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.found.append(data)


def unwrapped_text(source: str) -> list[str]:
    """The French (any run of letters) a template shows without `_()`."""
    finder = TextFinder()
    finder.feed(JINJA.sub(" ", source))
    finder.close()
    return [
        " ".join(text.split())
        for text in finder.found
        if LETTERS.search(NAMES.sub(" ", ATTRIBUTE.sub(" ", text)))
    ]


def test_the_finder_catches_french_and_lets_jinja_through() -> None:
    source = (
        '<p>{{ _("Bonjour") }} Bonsoir</p><input placeholder="Votre nom" type="text">'
        '<script>var x = "y";</script><img alt="{{ _(\'Carte\') }}"> <abbr>QPV</abbr> 12 € — {# note #}'
        '<input type="submit" value="Envoyer"><button name="action" value="envoyer">{{ _("Envoyer") }}</button>'
        "<p>SHA-256 cnil.fr</p><pre>qp serve</pre><p>{% if x %}Oui{% endif %}</p>"
        '{% macro m() %}data-map="{{ x }}" data-tiles="{{ y }}"{% endmacro %}'
    )
    assert unwrapped_text(source) == ["Bonsoir", "Votre nom", "Envoyer", "Oui"]


def _templates(shared: bool) -> list[Path]:
    return sorted(
        path
        for path in TEMPLATES.rglob("*.html")
        if path.relative_to(TEMPLATES).as_posix().startswith(NOT_YET) is not shared
    )


@pytest.mark.parametrize(
    "template", _templates(shared=True), ids=lambda p: p.relative_to(TEMPLATES).as_posix()
)
def test_templates_have_no_french_outside_gettext(template: Path) -> None:
    assert unwrapped_text(template.read_text(encoding="utf-8")) == []
