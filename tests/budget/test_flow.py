"""The whole path through the screens, every refusal with its reason, scoping and safety."""

from __future__ import annotations

import io

from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, select

from backend.accounts.models import Role
from backend.budget.models import Proposal, ProposalReport, ProposalStatus
from backend.budget.service import editions
from backend.ledger.service import entries_for
from tests.budget.helpers import (
    ADMIN,
    BP_HOOKS,
    CENTRE,
    CORO,
    agent,
    make_edition,
    make_proposal,
    moderator,
    open_depot,
    proposal_form,
    resident,
)
from tests.factories import login, post
from tests.notifications.conftest import queued


def logout(client: TestClient) -> None:
    post(client, "/deconnexion")


def test_full_path_submit_moderate_instruct_eligible(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    edition = make_edition(session)
    author = resident(session)
    mod = moderator(session)
    ag = agent(session)
    base = f"/budget-participatif/{edition.slug}"

    login(client, author)
    response = post(client, f"{base}/proposer", proposal_form(point="4-5", map_qpv=CORO))
    assert response.status_code == 303, response.text
    proposal = session.exec(select(Proposal).where(Proposal.edition_id == edition.id)).one()
    assert proposal.status == ProposalStatus.submitted and proposal.location_lat is not None
    assert response.headers["location"] == f"{base}/propositions/{proposal.id}"
    assert client.get(base + "/propositions").text.count(f"propositions/{proposal.id}") == 0  # not public yet

    logout(client)
    login(client, mod)
    assert "1 proposition à relire" in client.get(f"{base}/moderation").text
    assert (
        post(client, f"{base}/propositions/{proposal.id}/moderation", {"decision": "publier"}).status_code
        == 303
    )
    session.refresh(proposal)
    assert proposal.status == ProposalStatus.published

    editions.change_phase(session, ADMIN, edition, "instruction", hooks=BP_HOOKS)
    logout(client)
    login(client, ag)
    assert client.get(f"{base}/instruction").status_code == 200
    decision = {"c-competence": "oui", "r-competence": "Espace vert de la Ville.", "c-faisable": "oui",
                "r-faisable": "Vérifié sur place.", "services_cost": "11 500", "decision": "eligible"}  # fmt: skip
    response = post(client, f"{base}/propositions/{proposal.id}/instruction", decision)
    assert response.status_code == 303, response.text
    session.refresh(proposal)
    assert proposal.status == ProposalStatus.eligible and proposal.services_cost == 11_500

    page = client.get(f"{base}/propositions/{proposal.id}").text
    assert "Recevable" in page and "Espace vert de la Ville." in page and "11\u202f500\u202f€" in page
    actions = [e.action for e in entries_for(session, "bp_proposal", proposal.id)]
    assert actions == ["bp.proposal_submitted", "bp.proposal_published", "bp.eligibility_decided"]
    # The author hears of each step through the outbox (the worker sends it), nothing directly.
    assert app.state.mailer.sent == []
    mails = [m for m in queued(session, author.id) if m.channel == "email"]
    assert [m.subject for m in mails] == [  # sending one's own proposal is not news
        "Votre proposition est publiée",
        "Votre proposition est recevable",
    ]
    assert mails[-1].url == f"{base}/propositions/{proposal.id}"
    assert "Coût estimé par les services : 11\u202f500\u202f€." in mails[-1].body
    assert client.get("/api/v1/budget/editions/" + edition.slug + "/projets").json()[0]["cost"] == 11_500


def test_validation_error_keeps_everything_typed(client: TestClient, session: Session) -> None:
    depot = open_depot(client, session)
    edition, author = depot.edition, depot.author
    response = post(client, depot.url, proposal_form(estimated_cost="douze", description="Trop court"))
    assert response.status_code == 422
    assert "Des bancs à l&#39;ombre près de l&#39;école" in response.text and "Trop court" in response.text
    assert 'aria-describedby="f-estimated_cost-hint f-estimated_cost-error"' in response.text
    assert "gardé dans votre brouillon" in response.text
    draft = session.exec(select(Proposal).where(Proposal.author_id == author.id)).one()
    assert draft.status == ProposalStatus.draft and draft.title.startswith("Des bancs")
    # The draft is private, then sent once corrected.
    assert (
        client.get(f"/budget-participatif/{edition.slug}/propositions/{draft.id}/modifier").status_code == 200
    )
    response = post(
        client, f"/budget-participatif/{edition.slug}/propositions/{draft.id}/modifier", proposal_form()
    )
    assert response.status_code == 303
    session.refresh(draft)
    assert draft.status == ProposalStatus.submitted


def test_refusals_carry_their_reasons(client: TestClient, session: Session) -> None:
    edition = make_edition(session)
    base = f"/budget-participatif/{edition.slug}"
    author = resident(session)
    spam = make_proposal(session, edition, author)
    vague = make_proposal(session, edition, author)
    login(client, moderator(session))

    response = post(
        client, f"{base}/propositions/{spam.id}/moderation", {"decision": "refuser", "reason": "Pub"}
    )
    assert response.status_code == 422 and "Choisissez le motif" in response.text
    response = post(
        client,
        f"{base}/propositions/{spam.id}/moderation",
        {"decision": "refuser", "category": "spam", "reason": ""},
    )
    assert response.status_code == 422 and "raison du refus" in response.text
    post(client, f"{base}/propositions/{spam.id}/moderation",
         {"decision": "refuser", "category": "spam", "reason": "Publicité sans rapport avec le quartier."})  # fmt: skip
    public = client.get(f"{base}/propositions/{spam.id}").text
    assert (
        "Refusée par la table de quartier" in public and "Publicité sans rapport avec le quartier." in public
    )

    response = post(
        client, f"{base}/propositions/{vague.id}/moderation", {"decision": "modifier", "message": ""}
    )
    assert response.status_code == 422
    post(
        client,
        f"{base}/propositions/{vague.id}/moderation",
        {"decision": "modifier", "message": "Précisez le lieu exact."},
    )
    session.refresh(vague)
    assert vague.status == ProposalStatus.changes_requested
    assert any("Précisez le lieu exact." in m.body for m in queued(session, author.id))

    logout(client)
    login(client, author)
    assert "Précisez le lieu exact." in client.get(f"{base}/propositions/{vague.id}").text
    assert (
        post(
            client, f"{base}/propositions/{vague.id}/modifier", proposal_form(location_text="Square Corot")
        ).status_code
        == 303
    )
    assert entries_for(session, "bp_proposal", vague.id)[-1].action == "bp.proposal_resubmitted"


def test_ineligible_always_shows_reasons(client: TestClient, session: Session) -> None:
    edition = make_edition(session, phase="instruction")
    proposal = make_proposal(session, edition, status=ProposalStatus.published)
    login(client, agent(session))
    url = f"/budget-participatif/{edition.slug}/propositions/{proposal.id}/instruction"
    response = post(client, url, {"c-competence": "oui", "r-competence": "Ville.", "c-faisable": "oui", "r-faisable": "Oui.",
                                  "decision": "ineligible"})  # fmt: skip
    assert response.status_code == 422 and "indiquez le critère" in response.text.replace("&#39;", "'")
    response = post(client, url, {"c-competence": "non", "r-competence": "", "c-faisable": "oui", "r-faisable": "Oui.",
                                  "decision": "ineligible"})  # fmt: skip
    assert response.status_code == 422 and "Donnez la raison" in response.text
    reason = "Les transports relèvent de la Métropole."
    response = post(client, url, {"c-competence": "non", "r-competence": reason, "c-faisable": "oui", "r-faisable": "Oui.",
                                  "decision": "ineligible"})  # fmt: skip
    assert response.status_code == 303
    logout(client)
    page = client.get(f"/budget-participatif/{edition.slug}/propositions/{proposal.id}").text
    assert "Non recevable" in page and reason in page


def test_merge_credits_both_authors(client: TestClient, session: Session) -> None:
    edition = make_edition(session)
    first = make_proposal(session, edition, resident(session, display_name="Amina"))
    second = make_proposal(session, edition, resident(session, display_name="Bilal"))
    login(client, moderator(session))
    url = f"/budget-participatif/{edition.slug}/propositions/{second.id}/moderation"
    response = post(client, url, {"decision": "fusionner", "target": str(first.id), "merge_reason": "x"})
    assert response.status_code == 422
    response = post(
        client,
        url,
        {"decision": "fusionner", "target": str(first.id), "merge_reason": "Même idée, même lieu."},
    )
    assert response.status_code == 303
    session.refresh(second)
    assert second.status == ProposalStatus.merged and second.merged_into_id == first.id
    page = client.get(f"/budget-participatif/{edition.slug}/propositions/{first.id}").text
    assert "Amina, Bilal" in page


def test_moderators_act_only_on_their_qpv(client: TestClient, session: Session) -> None:
    edition = make_edition(session)
    corot = make_proposal(session, edition, status=ProposalStatus.published)
    waiting = make_proposal(session, edition)
    draft = make_proposal(session, edition, status=ProposalStatus.draft)
    base = f"/budget-participatif/{edition.slug}"
    login(client, moderator(session, CENTRE))
    assert client.get(f"{base}/propositions/{corot.id}/moderation").status_code == 403
    assert client.get(f"{base}/propositions/{waiting.id}").status_code == 404  # not public, not theirs
    assert (
        post(client, f"{base}/propositions/{corot.id}/moderation", {"decision": "publier"}).status_code == 403
    )
    assert client.get(f"{base}/propositions/999999/moderation").status_code == 404
    assert client.get(f"{base}/propositions/{draft.id}").status_code == 404  # someone else's draft
    assert client.get(f"{base}/moderation?quartier={CORO}").status_code == 404
    assert "Rien à relire" in client.get(f"{base}/moderation").text
    logout(client)
    login(client, resident(session))
    assert client.get(f"{base}/moderation").status_code == 403
    assert client.get(f"{base}/propositions/{corot.id}/moderation").status_code == 403
    assert client.get(f"{base}/instruction").status_code == 403


def test_phases_decide_who_may_act(client: TestClient, session: Session) -> None:
    edition = make_edition(session, phase="instruction")
    published = make_proposal(session, edition, status=ProposalStatus.published)
    login(client, resident(session))
    response = client.get(f"/budget-participatif/{edition.slug}/proposer")
    assert response.status_code == 403 and "Étude des idées" in response.text
    logout(client)
    login(client, agent(session))
    assert (
        client.get(f"/budget-participatif/{edition.slug}/propositions/{published.id}/instruction").status_code
        == 200
    )
    editions.change_phase(session, ADMIN, edition, "depot", "Erreur de calendrier.", hooks=BP_HOOKS)
    assert (
        client.get(f"/budget-participatif/{edition.slug}/propositions/{published.id}/instruction").status_code
        == 403
    )


def test_resident_outside_the_territory_cannot_submit(client: TestClient, session: Session) -> None:
    edition = make_edition(session)
    login(client, resident(session, "QN01354M"))  # La Castellane: not in this edition
    response = client.get(f"/budget-participatif/{edition.slug}/proposer")
    assert response.status_code == 403 and "autres quartiers que le vôtre" in response.text


def test_reports_hide_a_proposal_until_reviewed(client: TestClient, session: Session) -> None:
    edition = make_edition(session, report_threshold=2)
    author = resident(session)
    proposal = make_proposal(session, edition, author, status=ProposalStatus.published)
    base = f"/budget-participatif/{edition.slug}"
    url = f"{base}/propositions/{proposal.id}"
    for n in range(2):
        login(client, resident(session))
        if n == 0:
            assert post(client, url + "/signaler", {"reason": "nope"}).status_code == 303
            assert (
                session.exec(select(ProposalReport).where(ProposalReport.proposal_id == proposal.id)).first()
                is None
            )
        assert post(client, url + "/signaler", {"reason": "abusive"}).status_code == 303
        logout(client)
    session.refresh(proposal)
    assert proposal.is_hidden and proposal.report_count == 2
    assert f"propositions/{proposal.id}" not in client.get(f"{base}/propositions").text
    page = client.get(url)
    assert "Proposition masquée" in page.text and proposal.title not in page.text
    assert any("masquée" in m.subject for m in queued(session, author.id))
    assert entries_for(session, "bp_proposal", proposal.id)[-1].actor_role == "system"

    login(client, moderator(session))
    assert "1 proposition masquée" in client.get(f"{base}/moderation").text
    response = post(
        client, url + "/moderation", {"decision": "reafficher", "restore_reason": "Rien de choquant."}
    )
    assert response.status_code == 303
    session.refresh(proposal)
    assert not proposal.is_hidden


def test_xss_payloads_are_rendered_inert(client: TestClient, session: Session) -> None:
    edition = make_edition(session)
    title = '<script>alert("t")</script> Bancs'
    description = '<img src=x onerror=alert(1)> <a href="javascript:alert(2)">clic</a> et encore du texte ici'
    proposal = make_proposal(
        session, edition, status=ProposalStatus.published, title=title, description=description
    )
    base = f"/budget-participatif/{edition.slug}"
    for url in (f"{base}/propositions", f"{base}/propositions/{proposal.id}"):
        html = client.get(url).text
        assert "<script>alert" not in html and "<img src=x" not in html and 'href="javascript:' not in html
        assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in html
    login(client, moderator(session))
    html = client.get(f"{base}/propositions/{proposal.id}/moderation").text
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_photo_attacks_refused_and_metadata_stripped(client: TestClient, session: Session, uploads) -> None:  # type: ignore[no-untyped-def]
    depot = open_depot(client, session)
    edition, url = depot.edition, depot.url
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    response = post(
        client, url, proposal_form(), files={"photo": ("photo.jpg", gif.getvalue(), "image/jpeg")}
    )
    assert response.status_code == 422 and "est pas une photo JPEG, PNG ou WebP" in response.text
    assert "Des bancs à l&#39;ombre" in response.text  # nothing typed is lost
    bomb = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(bomb, format="PNG")
    response = post(
        client, url, proposal_form(), files={"photo": ("photo.png", bomb.getvalue(), "image/png")}
    )
    assert response.status_code == 422 and "trop grande" in response.text
    response = post(
        client,
        url,
        proposal_form(),
        files={"photo": ("big.jpg", b"\xff" * (8 * 1024 * 1024 + 10), "image/jpeg")},
    )
    assert response.status_code == 422 and "trop lourde" in response.text

    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (43.0, 20.0, 10.0)}
    good = io.BytesIO()
    Image.new("RGB", (50, 50), (10, 120, 200)).save(good, format="JPEG", exif=exif)
    response = post(client, url, proposal_form(), files={"photo": ("p.jpg", good.getvalue(), "image/jpeg")})
    assert response.status_code == 303, response.text
    proposal = session.exec(
        select(Proposal).where(Proposal.edition_id == edition.id, Proposal.status == ProposalStatus.submitted)
    ).one()
    stored = (uploads / "budget" / proposal.photo).read_bytes()
    assert not Image.open(io.BytesIO(stored)).getexif()
    served = client.get(f"/budget-participatif/{edition.slug}/propositions/{proposal.id}/photo")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    logout(client)  # not public until moderated
    assert (
        client.get(f"/budget-participatif/{edition.slug}/propositions/{proposal.id}/photo").status_code == 404
    )


def test_filing_for_a_resident_met_in_person(client: TestClient, session: Session) -> None:
    edition = make_edition(session)
    login(client, moderator(session))
    url = f"/budget-participatif/{edition.slug}/deposer-pour"
    response = post(client, url, {**proposal_form(), "author_label": ""})
    assert response.status_code == 422 and "Indiquez le nom de la personne" in response.text
    response = post(
        client,
        url,
        {**proposal_form(), "author_label": "Mme Benali", "author_identifier": "nobody@example.org"},
    )
    assert response.status_code == 422 and "Aucun compte" in response.text
    response = post(client, url, {**proposal_form(qpv_code=CENTRE), "author_label": "Mme Benali"})
    assert response.status_code == 422 and "dont vous avez la charge" in response.text
    response = post(client, url, {**proposal_form(), "author_label": "Mme Benali"})
    assert response.status_code == 303
    proposal = session.exec(select(Proposal).where(Proposal.edition_id == edition.id)).one()
    assert (
        proposal.author_id is None
        and proposal.author_label == "Mme Benali"
        and proposal.filed_by_role == Role.moderator
    )
    entry = entries_for(session, "bp_proposal", proposal.id)[0]
    assert entry.action == "bp.proposal_filed_in_person" and "Mme Benali" not in entry.reason


def test_pages_render_and_htmx_gets_the_block(client: TestClient, session: Session) -> None:
    edition = make_edition(session)
    make_proposal(session, edition, status=ProposalStatus.published)
    assert client.get("/budget-participatif").status_code == 200
    page = client.get(f"/budget-participatif/{edition.slug}").text
    assert "Ce que vous ne décidez pas" in page and "Une idée coûte 50\u202f000\u202f€ au plus." in page
    fragment = client.get(
        f"/budget-participatif/{edition.slug}/propositions?q=bancs", headers={"HX-Request": "true"}
    ).text
    assert "<html" not in fragment and "1 proposition" in fragment
    assert "0 proposition" in client.get(f"/budget-participatif/{edition.slug}/propositions?q=piscine").text
    hidden = make_edition(session, phase="preparation")
    assert client.get(f"/budget-participatif/{hidden.slug}").status_code == 404


def test_who_may_report_is_one_policy_for_the_page_and_the_route(
    client: TestClient, session: Session
) -> None:
    edition = make_edition(session)
    author = resident(session)
    proposal = make_proposal(session, edition, author, status=ProposalStatus.published)
    url = f"/budget-participatif/{edition.slug}/propositions/{proposal.id}"
    assert 'id="signaler"' not in client.get(url).text  # signed out: no form
    login(client, author)
    assert 'id="signaler"' not in client.get(url).text
    response = post(client, url + "/signaler", {"reason": "abusive"})
    assert response.status_code == 403 and "votre propre proposition" in response.text
    logout(client)
    login(client, resident(session))
    assert 'id="signaler"' in client.get(url).text
    assert post(client, url + "/signaler", {"reason": "abusive"}).status_code == 303
    session.refresh(proposal)
    assert proposal.report_count == 1
