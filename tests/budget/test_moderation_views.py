"""The moderation screens: the queue shows what « Publier » publishes, and a refused decision
comes back next to its own form, with what was typed."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.budget.models import ProposalStatus
from tests.budget.helpers import make_edition, make_proposal, moderator
from tests.factories import login, page_text, post

LONG = (
    "Nous voulons un jardin partagé derrière le centre social, avec des bacs hauts pour les "
    "personnes âgées et un point d'eau. " * 12
) + "Dernière phrase : une fête pour l'ouvrir."


def section(html: str, anchor: str) -> str:
    found = re.search(rf'<section[^>]*id="{anchor}".*?</section>', html, re.S)
    assert found, anchor
    return found.group(0)


def test_the_queue_shows_the_whole_text_next_to_publier(client: TestClient, session: Session) -> None:
    edition = make_edition(session)
    proposal = make_proposal(session, edition, description=LONG)
    login(client, moderator(session))
    html = page_text(client.get(f"/budget-participatif/{edition.slug}/moderation"))
    card = re.search(rf'<li class="bp-card" id="proposal-{proposal.id}">.*?</li>', html, re.S)
    assert card, html
    assert LONG.strip() in card.group(0) and 'value="publier"' in card.group(0)


def test_a_refusal_without_reason_comes_back_at_its_form(client: TestClient, session: Session) -> None:
    edition = make_edition(session)
    proposal = make_proposal(session, edition)
    login(client, moderator(session))
    url = f"/budget-participatif/{edition.slug}/propositions/{proposal.id}/moderation"
    page = client.get(url).text
    assert f'action="{url}#decision-refuser"' in section(page, "decision-refuser")
    response = post(client, url, {"decision": "refuser", "category": "off_topic", "reason": "Non"})
    assert response.status_code == 422
    html = page_text(response)
    message = "Écrivez la raison du refus : elle sera publique (5 caractères au moins)."
    reject = section(html, "decision-refuser")
    assert message in reject and 'role="alert"' in reject  # next to the form, not only at the top
    assert re.search(r'<textarea id="f-reason"[^>]*aria-invalid="true"[^>]*autofocus', reject)
    assert ">Non</textarea>" in reject and 'value="off_topic" checked' in reject  # nothing typed is lost
    assert 'href="#decision-refuser"' in html  # the summary at the top links to it
    assert message not in section(html, "decision-modifier")  # the other forms stay clean
    # No category: the radio buttons get the message and the focus, the reason is kept.
    response = post(client, url, {"decision": "refuser", "reason": "Sans rapport avec le quartier."})
    reject = section(page_text(response), "decision-refuser")
    assert "Choisissez le motif du refus." in reject and "autofocus" in reject
    assert "Sans rapport avec le quartier.</textarea>" in reject
    session.refresh(proposal)
    assert proposal.status == ProposalStatus.submitted
