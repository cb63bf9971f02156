"""Proposal drafts: one draft per form however often it is sent, a description over the limit
refused with its length and kept, and the dépôt deadline shown before drafts get stranded."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response  # what TestClient answers
from PIL import Image
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from backend.budget.models import EditionPhase, Proposal, ProposalStatus
from backend.budget.rules import DESCRIPTION_MAX
from backend.budget.service import editions
from backend.formatting import PARIS
from backend.rendering import fmt_date
from tests.budget.helpers import (
    ADMIN,
    BP_HOOKS,
    make_edition,
    make_proposal,
    open_depot,
    proposal_form,
    resident,
)
from tests.factories import login, post
from tests.factories import page_text as raw_text


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    """The visible words, tags dropped and spaces squeezed."""
    return " ".join(re.sub(r"<[^>]+>", " ", raw_text(response)).split()).replace(" .", ".")


def form_key(client: TestClient, slug: str) -> str:
    found = re.search(
        r'name="form_key" value="([^"]+)"', client.get(f"/budget-participatif/{slug}/proposer").text
    )
    assert found
    return found.group(1)


def test_sending_the_first_form_again_reuses_its_draft(client: TestClient, session: Session) -> None:
    depot = open_depot(client, session)
    edition, author, url = depot.edition, depot.author, depot.url
    key = form_key(client, edition.slug)
    bad = proposal_form(estimated_cost="douze", form_key=key)
    for _ in range(3):  # a reload, the back button, a double tap: the same form sent again
        response = post(client, url, bad)
        assert response.status_code == 422
    drafts = session.exec(select(Proposal).where(Proposal.author_id == author.id)).all()
    assert len(drafts) == 1 and drafts[0].status == ProposalStatus.draft
    draft = drafts[0]
    # The form shown again sends to that same draft.
    assert f'action="/budget-participatif/{edition.slug}/propositions/{draft.id}/modifier"' in response.text
    sent = post(client, url, proposal_form(form_key=key))
    assert sent.status_code == 303
    again = post(client, url, proposal_form(form_key=key))  # a second tap on « Envoyer »
    assert again.status_code == 303
    assert again.headers["location"] == f"/budget-participatif/{edition.slug}/propositions/{draft.id}"
    session.refresh(draft)
    assert draft.status == ProposalStatus.submitted
    assert len(session.exec(select(Proposal).where(Proposal.author_id == author.id)).all()) == 1
    # A new form is a new idea.
    other = post(client, url, proposal_form(action="brouillon", form_key=form_key(client, edition.slug)))
    assert other.status_code == 303
    assert len(session.exec(select(Proposal).where(Proposal.author_id == author.id)).all()) == 2


def test_a_description_over_the_limit_is_refused_and_kept(client: TestClient, session: Session) -> None:
    depot = open_depot(client, session)
    edition, author = depot.edition, depot.author
    text = "Un grand jardin partagé pour le quartier. " * 110  # 4,620 characters
    length = len(text.strip())
    assert length > DESCRIPTION_MAX
    message = (
        f"Votre texte est trop long : il a 4\u202f{length - 4000:03d} caractères. "
        "Le maximum est 4\u202f000 caractères."
    )
    for action in ("brouillon", "envoyer"):
        response = post(client, depot.url, proposal_form(description=text, action=action))
        assert response.status_code == 422
        shown = raw_text(response)
        assert message in shown and text.strip() in shown
        assert "gardé dans votre brouillon" in shown
    drafts = session.exec(select(Proposal).where(Proposal.author_id == author.id)).all()
    for draft in drafts:
        assert draft.status == ProposalStatus.draft and draft.description == text.strip()  # nothing cut
    # Coming back to the draft says it again.
    page = client.get(f"/budget-participatif/{edition.slug}/propositions/{drafts[0].id}/modifier")
    assert page.status_code == 200 and message in raw_text(page)
    assert "4\u202f000 caractères au plus." in raw_text(page)
    shorter = post(
        client,
        f"/budget-participatif/{edition.slug}/propositions/{drafts[0].id}/modifier",
        proposal_form(description=text[:3000]),
    )
    assert shorter.status_code == 303


def paris_today() -> date:
    return datetime.now(PARIS).date()


def set_depot_end(session: Session, edition_id: int, days: int) -> None:
    today = paris_today()
    row = session.exec(
        select(EditionPhase).where(EditionPhase.edition_id == edition_id, EditionPhase.phase == "depot")
    ).first() or EditionPhase(edition_id=edition_id, phase="depot", starts_on=today - timedelta(days=30))
    row.ends_on = today + timedelta(days=days)
    session.add(row)
    session.flush()


def test_drafts_show_the_deadline_and_warn_in_the_last_days(client: TestClient, session: Session) -> None:
    edition = make_edition(session)
    assert edition.id is not None
    author = resident(session)
    draft = make_proposal(session, edition, author=author, status=ProposalStatus.draft)
    login(client, author)
    mine = "/budget-participatif/mes-propositions"
    edit = f"/budget-participatif/{edition.slug}/propositions/{draft.id}/modifier"

    set_depot_end(session, edition.id, 30)
    end = fmt_date(paris_today() + timedelta(days=30))
    for url in (mine, edit, f"/budget-participatif/{edition.slug}/proposer"):
        text = page_text(client.get(url))
        assert f"Votre brouillon doit être envoyé avant le {end} au soir." in text
        assert "Il reste" not in text

    set_depot_end(session, edition.id, 3)
    end = fmt_date(paris_today() + timedelta(days=3))
    for url in (mine, edit):
        text = page_text(client.get(url))
        assert f"Il reste 3 jours. Votre brouillon doit être envoyé avant le {end} au soir." in text
    set_depot_end(session, edition.id, 1)
    assert "Il reste 1 jour." in page_text(client.get(mine))
    set_depot_end(session, edition.id, 0)
    assert "C'est le dernier jour." in page_text(client.get(mine))

    editions.change_phase(session, ADMIN, edition, "instruction", hooks=BP_HOOKS)
    text = page_text(client.get(mine))
    assert "Le dépôt des idées est terminé." in text and "ne peut plus être envoyé" in text
    assert edit not in text  # the list opens the draft to read it, not the form that would refuse it
    page = client.get(f"/budget-participatif/{edition.slug}/propositions/{draft.id}")
    assert page.status_code == 200
    text = page_text(page)
    assert "Le dépôt des idées est terminé." in text and "Reprendre mon brouillon" not in text
    refused = client.get(edit)
    assert refused.status_code == 403
    assert "Le dépôt des idées est terminé : ce brouillon ne peut plus être envoyé." in page_text(refused)


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), colour).save(out, format="JPEG")
    return out.getvalue()


class _FailingCommit(Session):
    def commit(self) -> None:
        raise RuntimeError("the database went away while committing")


@contextmanager
def failing_commits(app: FastAPI) -> Iterator[None]:
    """Every request of `app` fails at its commit, as if the database went away."""
    working = app.state.sessionmaker
    app.state.sessionmaker = sessionmaker(class_=_FailingCommit, **working.kw)
    try:
        yield
    finally:
        app.state.sessionmaker = working


def send_photo(
    client: TestClient,
    url: str,
    name: str,
    colour: tuple[int, int, int],
    action: str = "brouillon",
    **form: str,
) -> Response:
    """The proposal form, with a small JPEG photo."""
    files = {"photo": (name, _jpeg(colour), "image/jpeg")}
    return post(client, url, proposal_form(action=action, **form), files=files)


def draft_with_photo(
    client: TestClient, session: Session, uploads: Path, **form: str
) -> tuple[Proposal, Path, str]:
    """A resident's draft saved with a photo: the draft, its photo's file and the draft's edit form."""
    depot = open_depot(client, session)
    response = send_photo(client, depot.url, "a.jpg", (200, 10, 10), **form)
    assert response.status_code == 303, response.text
    draft = session.exec(select(Proposal).where(Proposal.edition_id == depot.edition.id)).one()
    assert draft.photo is not None
    edit = f"/budget-participatif/{depot.edition.slug}/propositions/{draft.id}/modifier"
    return draft, uploads / "budget" / draft.photo, edit


def test_a_failing_save_after_a_photo_replacement_keeps_the_old_file(
    client: TestClient, app: FastAPI, session: Session, uploads: Path
) -> None:
    draft, old, edit = draft_with_photo(client, session, uploads, form_key="k1")
    assert old.is_file()

    with failing_commits(app):
        failed = send_photo(client, edit, "b.jpg", (10, 200, 10))
    assert failed.status_code == 500
    session.refresh(draft)
    assert draft.photo is not None
    assert (uploads / "budget" / draft.photo) == old and old.is_file()

    response = send_photo(client, edit, "c.jpg", (10, 10, 200))
    assert response.status_code == 303, response.text
    session.refresh(draft)
    assert draft.photo is not None
    assert (uploads / "budget" / draft.photo).is_file() and not old.exists()  # deleted once committed


def test_a_failed_save_keeps_the_old_photo_and_leaves_no_new_file(
    client: TestClient, app: FastAPI, session: Session, uploads: Path
) -> None:
    draft, old, edit = draft_with_photo(client, session, uploads)

    with failing_commits(app):
        for action in ("brouillon", "envoyer"):
            failed = send_photo(client, edit, "b.jpg", (10, 200, 10), action=action)
            assert failed.status_code == 500
    session.refresh(draft)
    assert draft.photo is not None
    assert draft.status == ProposalStatus.draft and (uploads / "budget" / draft.photo) == old
    assert list((uploads / "budget").iterdir()) == [old]  # the photos of the failed saves are gone
