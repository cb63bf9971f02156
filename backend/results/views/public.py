"""Public pages: what was decided in each QPV and what became of it, a realisation's timeline
(with subscription), redevabilité per process and per QPV, the monthly digest (HTML and PDF)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy import func, select
from sqlmodel import col

from backend.accounts.deps import CurrentPrincipal
from backend.accounts.permissions import require_authenticated
from backend.budget.models import ELIGIBLE_STATUSES, Proposal, ProposalStatus
from backend.db import attempt
from backend.deps import DbSession, get_registry
from backend.errors import DomainError, NotFound
from backend.formatting import format_month
from backend.i18n import gettext as _
from backend.ledger.service import head
from backend.rendering import fmt_date, fmt_eur, redirect, render
from backend.results import accountability, photos, queries, service
from backend.results.followables import describe, followables
from backend.results.models import RealisationStatus, Source
from backend.results.pdf import Document, generated_on, hash_block
from backend.results.permissions import RealisationDep, dashboard_policy, follow_any_policy
from backend.territory.models import Qpv
from backend.views_common import done, refused

router = APIRouter(include_in_schema=False)
PROCESS_KEYS = ("bp", "fph", "assembly")


def labels(request: Request) -> dict[str, Any]:
    return {
        "status_label": service.status_label,
        "status_falc": {k.value: _(v) for k, v in service.STATUS_FALC.items()},
        "source_label": {k.value: _(v) for k, v in service.SOURCE_LABELS.items()},
        "statuses": [(s.value, service.status_label(s)) for s in RealisationStatus],
        "processes": get_registry(request).journal_processes(),
    }


def journal_head(session: DbSession) -> dict[str, Any]:
    """The journal's entry count and last hash, which public pages show so anyone can check them."""
    count, head_hash = head(session)
    return {"journal_count": count, "head_hash": head_hash}


def _qpv(session: DbSession, code: str) -> Qpv:
    qpv = session.scalar(select(Qpv).where(col(Qpv.code) == code))
    if qpv is None:
        raise NotFound(_("Ce quartier n'existe pas."))
    return qpv


@router.get("/resultats")
def index(request: Request, session: DbSession, principal: CurrentPrincipal) -> Response:
    items = followables(session)
    per_qpv: dict[str, dict[str, Any]] = {}
    for item in items:
        if item.qpv_code is None:
            continue
        row = per_qpv.setdefault(item.qpv_code, {"name": item.qpv_name, "decided": 0, "delivered": 0})
        row["decided"] += 1
        if item.realisation and item.realisation.status == RealisationStatus.livre:
            row["delivered"] += 1
    return render(
        request,
        "results/index.html",
        {
            "qpvs": queries.qpv_rows(session),
            "per_qpv": sorted(per_qpv.items(), key=lambda kv: kv[1]["name"] or ""),
            "decided": len(items),
            "delivered": sum(
                1 for i in items if i.realisation and i.realisation.status == RealisationStatus.livre
            ),
            **journal_head(session),
            "can_dashboard": dashboard_policy(principal) is None,
            "can_follow": follow_any_policy(principal) is None,
            "this_month": date.today().strftime("%Y-%m"),
            **labels(request),
        },
    )


@router.get("/resultats/quartier")
def choose_qpv(quartier: str = "") -> Response:
    """The QPV picker of the index works without JavaScript: a GET form lands here."""
    return redirect(f"/resultats/quartiers/{quartier}" if quartier else "/resultats")


@router.get("/resultats/quartiers/{code}")
def qpv_page(request: Request, session: DbSession, code: str) -> Response:
    qpv = _qpv(session, code)
    items = followables(session, [qpv.id or 0])
    realisation_ids = [i.realisation.id for i in items if i.realisation and i.realisation.id]
    steps = service.milestones(session, realisation_ids)
    counts = dict(
        session.execute(
            select(col(Proposal.status), func.count())
            .where(col(Proposal.qpv_id) == qpv.id, col(Proposal.status) != ProposalStatus.draft)
            .group_by(col(Proposal.status))
        ).all()
    )
    row = next(r for r in queries.qpv_rows(session, [qpv.id or 0]))
    traced, total = accountability.decisions(session, territory=qpv.code, limit=8)
    return render(
        request,
        "results/qpv.html",
        {
            "qpv": row,
            "bp_items": [i for i in items if i.source == Source.bp],
            "fph_items": [i for i in items if i.source == Source.fph],
            "steps": steps,
            "proposals": sum(counts.values()),
            "eligible": sum(n for s, n in counts.items() if s in ELIGIBLE_STATUSES),
            "saisines": queries.saisines(session, [row.commune_insee]),
            "decisions": traced,
            "decision_total": total,
            **labels(request),
        },
    )


@router.get("/resultats/realisations/{realisation_id}")
def realisation_page(
    request: Request, session: DbSession, principal: CurrentPrincipal, realisation: RealisationDep
) -> Response:
    item = describe(session, realisation)
    steps = service.milestones(session, [realisation.id or 0])[realisation.id or 0]
    history = accountability.follow_up_history(session, realisation)
    return render(
        request,
        "results/realisation.html",
        {
            "r": realisation,
            "item": item,
            "steps": steps,
            "history": history,
            "subscribed": service.is_subscribed(session, realisation, principal.user),
            "subscribers": service.subscriber_count(session, realisation),
            "can_follow": follow_any_policy(principal) is None,
            "amount": fmt_eur(item.amount) if item.amount is not None else "—",
            **labels(request),
        },
    )


@router.post("/resultats/realisations/{realisation_id}/abonnement")
def toggle_subscription(
    request: Request, session: DbSession, principal: CurrentPrincipal, realisation: RealisationDep
) -> Response:
    user = require_authenticated(principal)
    url = f"/resultats/realisations/{realisation.id}"
    if service.is_subscribed(session, realisation, user):
        service.unsubscribe(session, realisation, user)
        return done(request, url, _("Vous ne suivez plus ce projet."))
    outcome = attempt(session, lambda: service.subscribe(session, realisation, user))
    if isinstance(outcome, DomainError):
        return refused(request, url, outcome)
    return done(request, url, _("C'est noté : nous vous préviendrons quand le projet avance."))


@router.get("/resultats/realisations/{realisation_id}/etapes/{milestone_id}/photo")
def milestone_photo(
    request: Request, session: DbSession, realisation: RealisationDep, milestone_id: int
) -> Response:
    from backend.results.models import Milestone

    milestone = session.get(Milestone, milestone_id)
    if milestone is None or milestone.realisation_id != realisation.id:
        raise NotFound(_("Cette photo n'existe pas."))
    found = photos.path(request.app.state.settings.upload_dir, milestone.photo)
    if found is None:
        raise NotFound(_("Cette photo n'existe pas."))
    return FileResponse(found, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=86400"})


# --- redevabilité ---------------------------------------------------------------------------------


@router.get("/resultats/redevabilite")
def accountability_index(request: Request, session: DbSession) -> Response:
    return render(
        request,
        "results/accountability_index.html",
        {
            "process_rows": [
                (key, accountability.counts_by_action(session, process=key)) for key in PROCESS_KEYS
            ],
            "descriptions": {k: _(v) for k, v in accountability.PROCESS_DESCRIPTIONS.items()},
            "qpvs": queries.qpv_rows(session),
            **journal_head(session),
            **labels(request),
        },
    )


def _page_of(page: int) -> int:
    return max(1, min(page, 10_000))


def _accountability_page(
    request: Request,
    session: DbSession,
    page: int,
    heading: tuple[str, str],
    links: tuple[str, str],
    *,
    process: str | None = None,
    territory: str | None = None,
) -> Response:
    """The decisions of one process or one quartier, a page at a time; ``heading`` is the title and
    its description, ``links`` this page's address and the journal filtered the same way."""
    page = _page_of(page)
    traced, total = accountability.decisions(session, process=process, territory=territory, page=page)
    return render(
        request,
        "results/accountability.html",
        {
            "title": heading[0],
            "description": heading[1],
            "summary": accountability.counts_by_action(session, process=process, territory=territory),
            "traced": traced,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // accountability.PAGE_SIZE)),
            "base": links[0],
            "journal_filter": links[1],
            **journal_head(session),
            **labels(request),
        },
        block="decisions",
    )


@router.get("/resultats/redevabilite/processus/{key}")
def accountability_process(request: Request, session: DbSession, key: str, page: int = 1) -> Response:
    if key not in PROCESS_KEYS:
        raise NotFound(_("Ce processus n'existe pas."))
    heading = (
        get_registry(request).journal_processes().get(key, key),
        _(accountability.PROCESS_DESCRIPTIONS[key]),
    )
    links = (f"/resultats/redevabilite/processus/{key}", f"/journal?processus={key}")
    return _accountability_page(request, session, page, heading, links, process=key)


@router.get("/resultats/redevabilite/quartiers/{code}")
def accountability_qpv(request: Request, session: DbSession, code: str, page: int = 1) -> Response:
    qpv = _qpv(session, code)
    description = _("Les décisions prises pour le quartier %(name)s, avec leur raison.") % {"name": qpv.name}
    links = (f"/resultats/redevabilite/quartiers/{qpv.code}", f"/journal?quartier={qpv.code}")
    return _accountability_page(request, session, page, (qpv.name, description), links, territory=qpv.code)


# --- monthly digest ---------------------------------------------------------------------------------


def _month(value: str) -> tuple[int, int]:
    try:
        year, month = (int(p) for p in value.split("-", 1))
        date(year, month, 1)
    except ValueError as exc:
        raise NotFound(_("Ce mois n'existe pas.")) from exc
    if not 2000 <= year <= 2100:
        raise NotFound(_("Ce mois n'existe pas."))
    return year, month


def _month_name(year: int, month: int) -> str:
    return format_month(year, month)


def _neighbours(year: int, month: int) -> tuple[str, str]:
    prev = f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}"
    nxt = f"{year + (month == 12)}-{month % 12 + 1:02d}"
    return prev, nxt


@router.get("/resultats/lettre")
def digest_current(quartier: str = "") -> Response:
    suffix = f"?quartier={quartier}" if quartier.isalnum() else ""
    return redirect(f"/resultats/lettre/{date.today().strftime('%Y-%m')}{suffix}")


@router.get("/resultats/lettre/{month}")
def digest_page(request: Request, session: DbSession, month: str, quartier: str = "") -> Response:
    if month.endswith(".pdf"):
        return digest_pdf(request, session, month.removesuffix(".pdf"), quartier)
    year, m = _month(month)
    territory = _qpv(session, quartier) if quartier else None
    d = accountability.digest(session, year, m, territory.code if territory else None)
    prev, nxt = _neighbours(year, m)
    suffix = f"?quartier={territory.code}" if territory else ""
    return render(
        request,
        "results/digest.html",
        {
            "d": d,
            "month_name": _month_name(year, m),
            "month": f"{year}-{m:02d}",
            "prev": prev,
            "next": nxt,
            "suffix": suffix,
            "territory": territory,
            "qpvs": queries.qpv_rows(session),
            **labels(request),
        },
    )


def digest_pdf(request: Request, session: DbSession, month: str, quartier: str) -> Response:
    year, m = _month(month)
    territory = _qpv(session, quartier) if quartier else None
    d = accountability.digest(session, year, m, territory.code if territory else None)
    title = _("La lettre des décisions — %(month)s") % {"month": _month_name(year, m)}
    if territory:
        title += f" — {territory.name}"
    doc = Document(title, _("Quartiers Participatifs — lettre mensuelle"))
    doc.para(
        _(
            "Ce mois-ci, voici ce qui a été décidé et pourquoi. Chaque décision a un numéro : "
            "vous pouvez la retrouver dans le journal public, sur le site, à l'adresse /journal/numéro."
        )
    )
    names = get_registry(request).journal_processes()
    if not d.total:
        doc.para(_("Aucune décision ce mois-ci."))
    for process, traced in d.by_process.items():
        doc.h2(names.get(process, process))
        for t in traced:
            doc.para(f"{fmt_date(t.entry.at)} — {t.label} (n° {t.entry.seq})", size=10, bold=True)
            doc.para(t.entry.reason, size=9.5)
    if d.milestones:
        doc.h2(_("Sur le terrain"))
        for milestone, _r in d.milestones:
            doc.para(f"{fmt_date(milestone.happened_on)} — {milestone.title}", size=10, bold=True)
            if milestone.text:
                doc.para(milestone.text, size=9.5)
    hash_block(doc, d.head_count, d.head_hash)
    doc.para(generated_on(date.today()), size=8, muted=True)
    name = f"lettre-{year}-{m:02d}{'-' + territory.code if territory else ''}.pdf"
    return Response(
        doc.output_bytes(),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )
