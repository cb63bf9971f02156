"""Screens of the paper ballots: printing ballot papers with a stub, the dépouillement of a voting
point (ballot by ballot or a ``code;choix`` file) and the reconciliation of every voting point.

For the staff of the voting points (agents, tables de quartier), during the vote; each action is one
service call of :mod:`.depouillement`, in the request's transaction."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from backend.accounts.security import flash
from backend.budget.models import Edition
from backend.budget.voting import depouillement as dep
from backend.budget.voting import depouillement_file as dep_file
from backend.budget.voting.ballot_form import context_of, form_value
from backend.budget.voting.context import GRADES, VoteContext
from backend.budget.voting.voting_point import PointDep, VotingPoint
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import DomainError, Forbidden, Invalid
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef
from backend.rendering import redirect, render
from backend.territory.models import QpvRef
from backend.views_common import WholeForm

router = APIRouter(include_in_schema=False)


def _base(edition: Edition) -> str:
    return f"/budget-participatif/{edition.slug}/bureau"


def _point_url(edition: Edition, point: str) -> str:
    return f"{_base(edition)}/depouillement/point?bureau={quote(point)}"


class Staff:
    """Who acts, where: the edition, the covered QPV, their envelopes and the journal's actor."""

    def __init__(self, request: Request, session: DbSession, point: VotingPoint):
        self.edition: Edition = point.edition
        self.covered: list[QpvRef] = point.covered
        self.ctx: VoteContext = context_of(request, session, point.edition)
        self.envelopes = {
            self.ctx.envelope_by_qpv[r.id] for r in self.covered if r.id in self.ctx.envelope_by_qpv
        }
        role = point.role()
        if role is None:
            raise Forbidden(_("Cette action est réservée aux personnes qui ont ce rôle."))
        self.actor: ActorRef = point.principal.actor(role)


def staff(request: Request, session: DbSession, point: PointDep) -> Staff:
    return Staff(request, session, point)


StaffDep = Annotated[Staff, Depends(staff)]


# --- printing ballot papers ----------------------------------------------------------------------


def _print_form(
    request: Request,
    session: DbSession,
    edition: Edition,
    who: Staff,
    form: dict[str, str],
    error: DomainError | None = None,
) -> Response:
    envelopes = [who.ctx.envelopes[e] for e in sorted(who.envelopes) if e in who.ctx.envelopes]
    return render(
        request,
        "budget/bureau_bulletins.html",
        {
            "edition": edition,
            "base": _base(edition),
            "envelopes": envelopes,
            "points": dep.points(session, who.ctx.edition_id),
            "form": form,
            "error": error,
            "max_papers": dep.MAX_PAPERS,
        },
        status_code=error.status_code if error else 200,
    )


@router.get("/budget-participatif/{slug}/bureau/bulletins")
def print_form(request: Request, session: DbSession, who: StaffDep) -> Response:
    edition = who.edition
    return _print_form(request, session, edition, who, {"nombre": "50"})


def _print(session: DbSession, edition: Edition, who: Staff, form: dict[str, str]) -> dep.PrintBatch:
    envelope = next((who.ctx.envelopes[e] for e in who.envelopes if str(e) == form["enveloppe"]), None)
    if envelope is None:
        raise Invalid(_("Choisissez l'enveloppe des bulletins."), field="enveloppe")
    if not form["nombre"].isdigit():
        raise Invalid(
            _("Indiquez un nombre de bulletins entre 1 et %(max)d.") % {"max": dep.MAX_PAPERS}, field="nombre"
        )
    return dep.print_papers(
        session,
        actor=who.actor,
        edition=edition,
        envelope=envelope,
        point=form["bureau"],
        count=int(form["nombre"]),
    )


@router.post("/budget-participatif/{slug}/bureau/bulletins")
def print_papers(request: Request, session: DbSession, who: StaffDep, raw: WholeForm) -> Response:
    """Draw the codes and show the papers to print. The codes are shown this once only."""
    edition = who.edition
    form = {k: form_value(raw, k) for k in ("bureau", "enveloppe", "nombre")}
    batch = attempt(session, lambda: _print(session, edition, who, form))
    if isinstance(batch, DomainError):
        return _print_form(request, session, edition, who, form, batch)
    return render(
        request,
        "budget/bureau_bulletins_print.html",
        {
            "edition": edition,
            "base": _base(edition),
            "batch": batch,
            "graded": who.ctx.graded,
            "knapsack": who.ctx.ballot_rule == "knapsack",
            "ctx": who.ctx,
            "grade_labels": [_(g) for g in GRADES],
            "check_url": str(request.base_url).rstrip("/")
            + f"/budget-participatif/{edition.slug}/verifier-recu",
        },
        headers={"Cache-Control": "no-store"},
    )


# --- reconciliation and the dépouillement of one voting point ------------------------------------


@router.get("/budget-participatif/{slug}/bureau/depouillement")
def reconciliation(request: Request, session: DbSession, who: StaffDep) -> Response:
    edition = who.edition
    tallies = dep.tally(session, who.ctx.edition_id)
    return render(
        request,
        "budget/bureau_depouillement.html",
        {
            "edition": edition,
            "base": _base(edition),
            "tallies": tallies,
            "point_url": lambda p: _point_url(edition, p),
        },
    )


def _point_page(
    request: Request,
    session: DbSession,
    edition: Edition,
    who: Staff,
    point: str,
    *,
    form: dict[str, str] | None = None,
    error: DomainError | None = None,
    report: dep_file.CountReport | None = None,
    status_code: int | None = None,
) -> Response:
    """The dépouillement of one point; the status is the error's unless given."""
    point = " ".join(point.split())
    envelopes = [who.ctx.envelopes[e] for e in sorted(who.envelopes) if e in who.ctx.envelopes]
    context: dict[str, Any] = {
        "edition": edition,
        "base": _base(edition),
        "point": point,
        "tally": dep.tally(session, who.ctx.edition_id, point)[0] if point else None,
        "envelopes": envelopes,
        "graded": who.ctx.graded,
        "form": form or {},
        "error": error,
        "report": report,
        "columns": dep_file.COLUMNS,
    }
    status = status_code or (error.status_code if error else 200)
    return render(request, "budget/bureau_depouillement_point.html", context, status_code=status)


@router.get("/budget-participatif/{slug}/bureau/depouillement/point")
def point_page(request: Request, session: DbSession, who: StaffDep, bureau: str = "") -> Response:
    edition = who.edition
    point = " ".join(bureau.split())
    if not point:
        return redirect(f"{_base(edition)}/depouillement")
    try:
        point = dep.clean_point(point)
    except Invalid as exc:
        return _point_page(request, session, edition, who, "", error=exc, status_code=422)
    return _point_page(request, session, edition, who, point)


@router.post("/budget-participatif/{slug}/bureau/depouillement/saisie")
def enter_ballot(request: Request, session: DbSession, who: StaffDep, raw: WholeForm) -> Response:
    """One paper ballot: its code and its choices (or blank, or spoiled). Never a name."""
    edition = who.edition
    form = {k: form_value(raw, k) for k in ("bureau", "code", "bulletin", "choix")}
    now = attempt(
        session,
        lambda: dep.enter_ballot(
            session,
            actor=who.actor,
            edition=edition,
            point=form["bureau"],
            code=form["code"],
            kind=form["bulletin"],
            choices=form["choix"],
            envelopes=who.envelopes,
            ctx=who.ctx,
        ),
    )
    if isinstance(now, DomainError):
        return _point_page(request, session, edition, who, form["bureau"], form=form, error=now)
    flash(request, _("Bulletin compté. Total du bureau : %(n)d bulletins.") % {"n": now.counted}, "success")
    return redirect(_point_url(edition, now.point), request)


@router.post("/budget-participatif/{slug}/bureau/depouillement/import")
def import_count(request: Request, session: DbSession, who: StaffDep, raw: WholeForm) -> Response:
    """Check (« Vérifier ») or record (« Enregistrer ») a ``code;choix`` file: all or nothing."""
    edition = who.edition
    point = form_value(raw, "bureau")
    upload = raw.get("fichier")
    content = upload.file.read(dep_file.MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
    filename = (upload.filename or "") if isinstance(upload, UploadFile) else ""
    if not content:
        error = Invalid(_("Choisissez le fichier CSV du dépouillement."), field="fichier")
        return _point_page(request, session, edition, who, point, error=error, status_code=422)
    report = dep_file.import_count(
        session,
        actor=who.actor,
        edition=edition,
        point=point,
        filename=filename,
        raw=content,
        apply=form_value(raw, "action") == "enregistrer",
        envelopes=who.envelopes,
        ctx=who.ctx,
    )
    ok = not report.refused and not report.problem
    return _point_page(request, session, edition, who, point, report=report, status_code=200 if ok else 422)


@router.post("/budget-participatif/{slug}/bureau/depouillement/clore")
def close_point(request: Request, session: DbSession, who: StaffDep, raw: WholeForm) -> Response:
    """Close the point's dépouillement; a difference with the émargements needs an explanation."""
    edition = who.edition
    form = {k: form_value(raw, k) for k in ("bureau", "explication")}
    now = attempt(
        session,
        lambda: dep.close_point(
            session, actor=who.actor, edition=edition, point=form["bureau"], explanation=form["explication"]
        ),
    )
    if isinstance(now, DomainError):
        return _point_page(request, session, edition, who, form["bureau"], form=form, error=now)
    flash(
        request,
        _("Dépouillement du bureau « %(point)s » clos : %(status)s.")
        % {"point": now.point, "status": now.status},
        "success",
    )
    return redirect(f"{_base(edition)}/depouillement", request)
