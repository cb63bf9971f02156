"""French wording: 0 and 1 take the singular, and enum values never reach a page raw."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from backend import i18n
from backend.accounts.models import ResidenceStatus, Role
from backend.rendering import environment
from tests.budget.helpers import CORO
from tests.budget.vote_helpers import vote_edition, voter
from tests.factories import login, make_staff, make_user, page_text


def test_french_plural_rule_puts_zero_and_one_in_the_singular() -> None:
    forms = ("%(num)d projet choisi.", "%(num)d projets choisis.")
    assert [i18n.ngettext(*forms, n) % {"num": n} for n in (0, 1, 2)] == [
        "0 projet choisi.",
        "1 projet choisi.",
        "2 projets choisis.",
    ]
    template = environment().from_string(
        '{{ ngettext("%(num)d abstention", "%(num)d abstentions", n) }}'
        ' {{ ngettext("%(num)d projet choisi.", "%(num)d projets choisis.", 0) }}'
    )
    assert template.render(n=1) == "1 abstention 0 projet choisi."
    assert template.render(n=3).startswith("3 abstentions")


def test_the_ballot_says_0_projet_choisi(client: TestClient, session: Session) -> None:
    edition, _projects = vote_edition(session, ballot_min=2, ballot_max=3)
    login(client, voter(session))
    text = page_text(client.get(f"/budget-participatif/{edition.slug}/voter"))
    assert "0 projet choisi." in text and "0 projets" not in text


def test_assembly_votes_count_one_abstention_in_the_singular() -> None:
    from backend.config import ROOT

    for name in (
        "avis.html",
        "saisine.html",
        "answers.html",
        "answer_form.html",
        "avis_form.html",
        "manage.html",
    ):
        source = (ROOT / "templates" / "assembly" / name).read_text()
        assert '{{ _("abstentions") }}' not in source, name
    for name in ("meeting.html", "minutes.html", "application.html"):
        assert '{{ _("abstention(s)") }}' not in (ROOT / "templates" / "fph" / name).read_text(), name


def test_admin_user_pages_show_residence_in_french(client: TestClient, session: Session) -> None:
    admin = make_staff(session, Role.admin, "all")
    people = {
        ResidenceStatus.verified: make_user(session, qpv=CORO, display_name="Personne Vérifiée"),
        ResidenceStatus.declared: make_user(
            session, qpv=CORO, residence_status=ResidenceStatus.declared, display_name="Personne Déclarée"
        ),
        ResidenceStatus.none: make_user(session, display_name="Personne Sans Quartier"),
    }
    login(client, admin)
    listing = client.get("/admin/utilisateurs", params={"q": "Personne"})
    assert listing.status_code == 200
    for expected in ("Résidence vérifiée", "Quartier déclaré, à vérifier", "Quartier non indiqué"):
        assert expected in page_text(listing)
    for raw in ("verified", "declared", "none"):
        assert f"<td>{raw}</td>" not in listing.text
    for status, person in people.items():
        text = page_text(client.get(f"/admin/utilisateurs/{person.id}"))
        assert f"<dd>{status.value}" not in text
        assert "Résidence vérifiée" in text or "Quartier" in text
