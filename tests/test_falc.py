"""Resident pages speak easy-to-read French (FALC): short sentences, no jargon, no middle dot.

Every msgid of the resident-facing templates and modules below is extracted with Babel (the same
extractor as `make messages`) and checked. Technical details (hashes, file formats, official codes)
may stay when residents are not forced to read them:
- in a template, inside a `<details><summary>{{ _("Pour vérifier") }}</summary>…</details>` disclosure;
- anywhere, when a translator comment `falc: technical — <why>` stands right before the string
  (`{# falc: technical — ... #}` in a template, `# falc: technical — ...` in Python).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file

from backend.config import ROOT

# Pages residents read (staff pages, and the vote pages another engineer owns, are left out).
RESIDENT_TEMPLATES = [
    "templates/home.html",
    "templates/error.html",
    "templates/legal/*.html",
    "templates/territory/*.html",
    "templates/budget/edition.html",
    "templates/budget/index.html",
    "templates/budget/list.html",
    "templates/budget/mine.html",
    "templates/budget/proposal.html",
    "templates/budget/_card.html",
    "templates/budget/_crumbs.html",
    "templates/_forms.html",
    "templates/_pagination.html",
    "templates/budget/_draft_deadline.html",
    "templates/budget/form.html",
    "templates/budget/results*.html",
    "templates/budget/vote*.html",
    "templates/budget/_vote_*.html",
    "templates/budget/_receipt_offline.html",
    "templates/notifications/*.html",
    "templates/results/index.html",
    "templates/results/qpv.html",
    "templates/results/realisation.html",
    "templates/results/accountability*.html",
    "templates/results/opendata.html",
    "templates/results/digest.html",
    "templates/results/_ui.html",
    "templates/ledger/*.html",
    "templates/fph/index.html",
    "templates/fph/fund.html",
    "templates/fph/apply.html",
    "templates/fph/application.html",
    "templates/fph/bilan.html",
    "templates/fph/my_applications.html",
    "templates/assembly/index.html",
    "templates/assembly/register.html",
    "templates/assembly/registered.html",
    "templates/assembly/saisine.html",
    "templates/assembly/avis.html",
    "templates/assembly/_ui.html",
    "templates/accounts/[!v]*.html",  # all but verification.html (staff)
]
# Staff-only screens matched by a glob above.
STAFF_TEMPLATES = {"templates/accounts/postal_letters.html"}

# Modules whose messages (flashes, form errors, labels) reach residents.
RESIDENT_MODULES = [
    "backend/budget/voting/results_views.py",
    "backend/budget/voting/ballot_form.py",
    "backend/notifications/kinds.py",
    "backend/errors.py",
    "backend/forms.py",
    "backend/accounts/service.py",
    "backend/accounts/forms.py",
    "backend/accounts/views.py",
    "backend/accounts/activation*.py",
    "backend/accounts/recovery_views.py",
    "backend/accounts/contact.py",
    "backend/accounts/codes.py",
    "backend/accounts/levels.py",
    "backend/budget/falc.py",
    "backend/budget/phases.py",
    "backend/budget/service/proposals.py",
    "backend/budget/views/public.py",
    "backend/budget/views/resident.py",
    "backend/fph/eligibility.py",
    "backend/fph/forms.py",
    "backend/fph/service/applications.py",
    "backend/fph/views/public.py",
    "backend/fph/views/applications.py",
    "backend/assembly/views/public.py",
    "backend/assembly/service/recruitment/volunteers.py",
    "backend/territory/views.py",
    "backend/results/views/public.py",
    "backend/ledger/views.py",
    "backend/*/process.py",  # the summaries on the home page
    "backend/accounts/permissions.py",  # role labels shown in the public journal
    "backend/results/accountability.py",
    "backend/fph/labels.py",
    "backend/fph/notify.py",
    "backend/fph/service/payments.py",
    "backend/fph/views/follow_up.py",
]

MAX_WORDS = 25
SENTENCE_END = re.compile(r"[.!?:;]")
JARGON = [
    (re.compile(r"\w·\w"), "point médian (écrire « les habitants et les habitantes » ou « les personnes »)"),
    (re.compile(r"SHA-?\d|\bhash", re.IGNORECASE), "empreinte technique"),
    (re.compile(r"empreinte", re.IGNORECASE), "empreinte technique"),
    (re.compile(r"\bqp\s"), "commande"),
    (re.compile(r"pseudonyme|identifiant technique|payload|token|UUID", re.IGNORECASE), "mot technique"),
    (re.compile(r"\b[0-9a-fA-F]{12,}\b"), "suite hexadécimale"),
    (re.compile(r"code officiel|\bQN\d", re.IGNORECASE), "code officiel du quartier"),
    (re.compile(r"\b(CSV|JSON|API|XLSX|ODS)\b"), "format de fichier"),
]
TECHNICAL_TAG = "falc:"
DISCLOSURE = re.compile(
    r"<details\b(?:(?!</details>).)*?Pour vérifier(?:(?!</details>).)*?</details>", re.DOTALL
)


@dataclass(frozen=True)
class Problem:
    where: str
    message: str
    why: str

    def __str__(self) -> str:
        return f"{self.where}: {self.why}: {self.message!r}"


def disclosure_lines(source: str) -> set[int]:
    """Line numbers (from 1) inside a « Pour vérifier » disclosure."""
    lines: set[int] = set()
    for match in DISCLOSURE.finditer(source):
        first = source.count("\n", 0, match.start()) + 1
        lines.update(range(first, first + match.group().count("\n") + 1))
    return lines


def sentence_problems(message: str) -> list[str]:
    """Why a message is not easy French (empty when it is)."""
    why = [
        f"phrase de {len(sentence.split())} mots (au plus {MAX_WORDS})"
        for sentence in SENTENCE_END.split(message)
        if len(sentence.split()) > MAX_WORDS
    ]
    return why + [reason for pattern, reason in JARGON if pattern.search(message)]


def file_problems(path: Path) -> list[Problem]:
    is_template = path.suffix == ".html"
    technical = disclosure_lines(path.read_text(encoding="utf-8")) if is_template else set()
    options = {"extensions": "jinja2.ext.i18n"} if is_template else {}
    problems = []
    for lineno, message, comments, _context in extract_from_file(
        "jinja2" if is_template else "python", str(path), comment_tags=(TECHNICAL_TAG,), options=options
    ):
        # Babel keeps the tag in Python comments and strips it from Jinja ones.
        tagged = (c.removeprefix(TECHNICAL_TAG).strip() for c in comments)
        if lineno in technical or any(c.startswith("technical") for c in tagged):
            continue
        for text in message if isinstance(message, tuple) else (message,):
            problems += [Problem(f"{path.name}:{lineno}", text, why) for why in sentence_problems(text or "")]
    return problems


def resident_files() -> list[Path]:
    files: list[Path] = []
    for pattern in RESIDENT_TEMPLATES + RESIDENT_MODULES:
        matched = sorted(ROOT.glob(pattern))
        assert matched, f"{pattern} matches no file: update the list"
        files += [f for f in matched if str(f.relative_to(ROOT)) not in STAFF_TEMPLATES]
    return files


@pytest.mark.parametrize("path", resident_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_resident_messages_are_easy_french(path: Path) -> None:
    problems = file_problems(path)
    assert not problems, "\n".join(map(str, problems))


def test_the_check_catches_long_and_jargon_sentences(tmp_path: Path) -> None:
    long = " ".join(["mot"] * (MAX_WORDS + 1))
    page = tmp_path / "page.html"
    page.write_text(
        "{% block content %}\n"
        f'<p>{{{{ _("{long}.") }}}}</p>\n'
        '<p>{{ _("Merci aux habitant·es.") }}</p>\n'
        '<p>{{ _("Empreinte SHA-256 du journal") }}</p>\n'
        '<p>{{ _("Une phrase courte. Puis une autre ; et une troisième.") }}</p>\n'
        '<details><summary>{{ _("Pour vérifier") }}</summary>\n'
        '<p>{{ _("Empreinte SHA-256 du fichier CSV") }}</p>\n'
        "</details>\n"
        "{# falc: technical — the command is typed by the people who check #}\n"
        '<p>{{ _("Commande : qp ledger verify") }}</p>\n'
        '<p>{{ ngettext("%(num)d votant·e", "%(num)d votants", n) }}</p>\n'
        "{% endblock %}\n",
        encoding="utf-8",
    )
    found = {(p.where, p.message) for p in file_problems(page)}
    assert found == {
        ("page.html:2", f"{long}."),
        ("page.html:3", "Merci aux habitant·es."),
        ("page.html:4", "Empreinte SHA-256 du journal"),
        ("page.html:11", "%(num)d votant·e"),
    }
    module = tmp_path / "module.py"
    module.write_text(
        "from backend.i18n import gettext as _\n"
        'A = _("Le fichier JSON est prêt.")\n'
        "# falc: technical — shown to the people who verify\n"
        'B = _("Le fichier JSON est prêt.")\n',
        encoding="utf-8",
    )
    assert [(p.where, p.why) for p in file_problems(module)] == [("module.py:2", "format de fichier")]


def test_sentences_split_on_punctuation() -> None:
    assert sentence_problems("Un. " * 40) == []
    assert sentence_problems(" ".join(["mot"] * 26)) == [f"phrase de 26 mots (au plus {MAX_WORDS})"]
    assert sentence_problems("Écrivez aux habitants et aux habitantes.") == []
