"""Administration of editions: settings, envelopes, calendar and phase changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import col, select
from starlette.datastructures import FormData

from backend.accounts.deps import AdminPrincipal
from backend.accounts.levels import Level
from backend.accounts.models import Role
from backend.budget import phases, trust
from backend.budget.models import (
    BallotRule,
    CountingRule,
    Edition,
    EditionPhase,
    EnvelopeScope,
    TerritoryKind,
)
from backend.budget.rules import DEFAULT_CHECKLIST, DEFAULT_THEMES, parse_euros, slugify, themes_from_lines
from backend.budget.service import editions
from backend.budget.service.editions import EditionSettings
from backend.budget.views.common import PhaseChangeForm, labels
from backend.db import attempt
from backend.deps import DbSession, get_registry
from backend.errors import DomainError, Invalid
from backend.forms import parse_date, parse_int, parse_number
from backend.i18n import N_
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef
from backend.processes import PhaseHooks
from backend.rendering import render
from backend.territory.models import Commune, Qpv
from backend.territory.service import list_qpv, secteurs
from backend.views_common import Posted, WholeForm, done, refused

router = APIRouter(prefix="/admin/budget-participatif", include_in_schema=False)


@dataclass(frozen=True)
class EditedEdition:
    """An edition as an administrator edits it, and the journal's actor. The administrator is
    checked first: a stranger gets 401/403, never a hint of which editions exist."""

    edition: Edition
    actor: ActorRef


def edited_edition(session: DbSession, principal: AdminPrincipal, slug: str) -> EditedEdition:
    return EditedEdition(editions.get_edition(session, slug), principal.actor(Role.admin))


AdminEdition = Annotated[EditedEdition, Depends(edited_edition)]
MARSEILLE = "13055"
RESERVED_SLUGS = {"mes-propositions", "nouvelle"}

BALLOT_LABELS = {
    BallotRule.approval: N_("Choisir des projets (entre un minimum et un maximum)"),
    BallotRule.knapsack: N_("Choisir des projets dans la limite de l'enveloppe"),
    BallotRule.majority_judgment: N_("Jugement majoritaire (une mention par projet)"),
}
COUNTING_LABELS = {
    CountingRule.greedy: N_("Par nombre de voix, dans la limite de l'enveloppe"),
    CountingRule.greedy_no_skip: N_("Par nombre de voix, arrêt au premier projet trop cher"),
    CountingRule.greedy_threshold: N_("Par nombre de voix, avec un minimum de voix"),
    CountingRule.equal_shares: N_("Parts égales (méthode des parts égales, Add1)"),
    CountingRule.majority_judgment: N_("Jugement majoritaire"),
}


def _choices(session: DbSession) -> dict[str, Any]:
    qpvs = list_qpv(session)
    commune_ids = {q.commune_id for q in qpvs}
    communes = session.exec(
        select(Commune).where(col(Commune.id).in_(commune_ids)).order_by(Commune.name)
    ).all()
    return {
        "communes": communes,
        "secteurs": secteurs(session),
        "all_qpvs": qpvs,
        "standard_criteria": DEFAULT_CHECKLIST,
        "ballot_labels": {k.value: _(v) for k, v in BALLOT_LABELS.items()},
        "counting_labels": {k.value: _(v) for k, v in COUNTING_LABELS.items()},
        "phase_keys": phases.ORDER,
        "level_labels": {str(int(level)): trust.level_name(level) for level in Level},
        **labels(),
    }


def _iso_pair(row: EditionPhase | None) -> tuple[str, str]:
    if row is None:
        return "", ""
    return row.starts_on.isoformat(), row.ends_on.isoformat() if row.ends_on else ""


def _form_of(session: DbSession, edition: Edition) -> dict[str, Any]:
    cal = {row.phase: row for row in editions.calendar(session, edition)}
    standard = {c["key"] for c in DEFAULT_CHECKLIST}
    return {
        "name": edition.name,
        "slug": edition.slug,
        "summary": edition.summary,
        "can_decide": edition.can_decide,
        "cannot_decide": edition.cannot_decide,
        "territory_kind": edition.territory_kind,
        "codes": edition.codes,
        "envelope_scope": edition.envelope_scope,
        "default_amount": "",
        "themes": "\n".join(t["label"] for t in edition.themes),
        "criteria": [c["key"] for c in edition.checklist if c["key"] in standard],
        "extra_criteria": "\n".join(c["label"] for c in edition.checklist if c["key"] not in standard),
        "cost_cap": str(edition.cost_cap),
        "operating_share_pct": f"{edition.operating_share_max * 100:g}",
        "min_voting_age": str(edition.min_voting_age),
        "report_threshold": str(edition.report_threshold),
        "ballot_rule": edition.ballot_rule,
        "ballot_min": str(edition.ballot_min),
        "ballot_max": "" if edition.ballot_max is None else str(edition.ballot_max),
        "counting_rule": edition.counting_rule,
        "counting_threshold": "" if edition.counting_threshold is None else f"{edition.counting_threshold:g}",
        "level_to_propose": str(edition.level_to_propose),
        "level_to_support": str(edition.level_to_support),
        "level_to_vote": str(edition.level_to_vote),
        "revote_allowed": edition.revote_allowed,
        "dates": {k: _iso_pair(cal.get(k)) for k in phases.ORDER},
    }


def _blank_form(session: DbSession) -> dict[str, Any]:
    return {
        "name": "", "slug": "", "summary": "", "can_decide": "", "cannot_decide": "",
        "territory_kind": TerritoryKind.commune, "codes": [MARSEILLE], "envelope_scope": EnvelopeScope.secteur,
        "default_amount": "500000", "themes": "\n".join(t["label"] for t in DEFAULT_THEMES),
        "criteria": [c["key"] for c in DEFAULT_CHECKLIST], "extra_criteria": "", "cost_cap": "150000",
        "operating_share_pct": "5", "min_voting_age": "16", "report_threshold": "3",
        "ballot_rule": BallotRule.approval, "ballot_min": "1", "ballot_max": "5", "counting_rule": CountingRule.greedy,
        "counting_threshold": "", "level_to_propose": "1", "level_to_support": "1", "level_to_vote": "2",
        "revote_allowed": False,
        "dates": dict.fromkeys(phases.ORDER, ("", "")),
    }  # fmt: skip


def _int(value: str, field: str, label: str, *, required: bool = True) -> int | None:
    """A count of the edition's settings; `label` names it in the messages."""
    return parse_int(
        value,
        field,
        required=required,
        missing=_("Indiquez %(what)s.") % {"what": label},
        message=_("Écrivez %(what)s en chiffres.") % {"what": label},
    )


def _level(value: str, field: str) -> int:
    message = _("Choisissez ce qu'il faut pour participer, dans la liste.")
    level = parse_int(value, field, message=message)
    if not trust.is_level(level):
        raise Invalid(message, field=field)
    return level


def _parse(raw: FormData) -> tuple[dict[str, Any], EditionSettings | None, DomainError | None]:
    """The form as typed, and the settings (or the first problem)."""

    def value(name: str) -> str:
        item = raw.get(name)
        return item if isinstance(item, str) else ""

    def values(name: str) -> list[str]:
        return [v for v in raw.getlist(name) if isinstance(v, str)]

    kind = value("territory_kind")
    codes = {
        TerritoryKind.commune: [value("commune")],
        TerritoryKind.secteur: values("secteurs"),
        TerritoryKind.qpv: values("qpvs"),
    }
    form: dict[str, Any] = {
        name: value(name)
        for name in (
            "name", "slug", "summary", "can_decide", "cannot_decide", "territory_kind", "envelope_scope", "default_amount",
            "themes", "extra_criteria", "cost_cap", "operating_share_pct", "min_voting_age", "report_threshold",
            "ballot_rule", "ballot_min", "ballot_max", "counting_rule", "counting_threshold", "level_to_propose",
            "level_to_support", "level_to_vote",
        )
    }  # fmt: skip
    form["codes"] = [c for c in codes.get(kind, []) if c]  # type: ignore[call-overload]
    form["criteria"] = values("criteria")
    form["revote_allowed"] = bool(value("revote_allowed"))
    form["dates"] = {k: (value(f"start-{k}"), value(f"end-{k}")) for k in phases.ORDER}
    try:
        if slugify(form["slug"] or form["name"], 80) in RESERVED_SLUGS:
            raise Invalid(_("Cette adresse de page est réservée : choisissez-en une autre."), field="slug")
        checklist = [dict(c) for c in DEFAULT_CHECKLIST if c["key"] in form["criteria"]]
        checklist += [
            {"key": slugify(line), "label": " ".join(line.split())[:200], "hint": ""}
            for line in form["extra_criteria"].splitlines()
            if slugify(line)
        ]
        share = (
            parse_number(
                form["operating_share_pct"],
                "operating_share_pct",
                unit="%",
                required=False,
                message=_("Écrivez la part de fonctionnement en chiffres, par exemple 5."),
            )
            or 0.0
        ) / 100
        threshold = parse_number(
            form["counting_threshold"],
            "counting_threshold",
            required=False,
            message=_("Écrivez le nombre de voix minimum en chiffres."),
        )
        settings = EditionSettings(
            name=form["name"],
            slug=form["slug"],
            summary=form["summary"].strip()[:4000],
            can_decide=form["can_decide"].strip()[:4000],
            cannot_decide=form["cannot_decide"].strip()[:4000],
            territory_kind=kind,
            territory_codes=form["codes"],
            envelope_scope=form["envelope_scope"],
            default_amount=parse_euros(form["default_amount"], "default_amount") or 0,
            themes=themes_from_lines(form["themes"]),
            checklist=checklist,
            cost_cap=parse_euros(form["cost_cap"], "cost_cap", required=True) or 0,
            operating_share_max=share,
            min_voting_age=_int(form["min_voting_age"], "min_voting_age", _("l'âge minimum pour voter")) or 0,
            report_threshold=_int(
                form["report_threshold"], "report_threshold", _("le nombre de signalements")
            )
            or 0,
            ballot_rule=form["ballot_rule"],
            ballot_min=_int(form["ballot_min"], "ballot_min", _("le nombre minimum de projets")) or 0,
            ballot_max=_int(
                form["ballot_max"], "ballot_max", _("le nombre maximum de projets"), required=False
            ),
            counting_rule=form["counting_rule"],
            counting_threshold=threshold,
            level_to_propose=_level(form["level_to_propose"], "level_to_propose"),
            level_to_support=_level(form["level_to_support"], "level_to_support"),
            level_to_vote=_level(form["level_to_vote"], "level_to_vote"),
            revote_allowed=form["revote_allowed"],
            dates={
                k: (parse_date(s, f"start-{k}"), parse_date(e, f"end-{k}"))
                for k, (s, e) in form["dates"].items()
            },
        )
    except DomainError as exc:
        return form, None, exc
    return form, settings, None


def _phase_hooks(request: Request) -> PhaseHooks:
    return get_registry(request).phase_hooks("bp")


def _edit_page(
    request: Request,
    session: DbSession,
    edition: Edition | None,
    form: dict[str, Any],
    error: DomainError | None = None,
) -> Response:
    ctx: dict[str, Any] = {"edition": edition, "form": form, "error": error, **_choices(session)}
    if edition is not None:
        ctx["envelopes"] = editions.envelopes(session, edition)
        ctx["configurable"] = phases.allows(edition.phase, phases.Act.configure, Role.admin)
        moves = []
        for target in (phases.next_phase(edition.phase), phases.previous_phase(edition.phase)):
            if target:
                moves.append(
                    (
                        target,
                        editions.phase_problems(session, edition, target, _phase_hooks(request)),
                        phases.ORDER.index(target) < phases.ORDER.index(edition.phase),
                    )
                )
        ctx["moves"] = moves
    return render(request, "budget/admin_edition.html", ctx, status_code=error.status_code if error else 200)


@router.get("")
def admin_index(request: Request, session: DbSession, principal: AdminPrincipal) -> Response:
    shown = editions.list_editions(session, public_only=False)
    return render(request, "budget/admin_index.html", {"editions": shown, **labels()})


@router.get("/nouvelle")
def new_edition_form(request: Request, session: DbSession, principal: AdminPrincipal) -> Response:
    return _edit_page(request, session, None, _blank_form(session))


@router.post("/nouvelle")
def create_edition(
    request: Request, session: DbSession, principal: AdminPrincipal, raw: WholeForm
) -> Response:
    form, settings, error = _parse(raw)
    edition = (
        attempt(session, lambda: editions.create_edition(session, principal.actor(Role.admin), settings))
        if settings is not None
        else None
    )
    if isinstance(edition, DomainError):
        error = edition
    if error is not None or edition is None or isinstance(edition, DomainError):
        return _edit_page(request, session, None, form, error)
    return done(
        request,
        f"/admin/budget-participatif/{edition.slug}",
        _("Édition créée, en préparation. Vérifiez les enveloppes puis ouvrez le dépôt des idées."),
    )


@router.get("/{slug}")
def edit_edition_form(request: Request, session: DbSession, admin: AdminEdition) -> Response:
    return _edit_page(request, session, admin.edition, _form_of(session, admin.edition))


@router.post("/{slug}")
def update_edition(request: Request, session: DbSession, admin: AdminEdition, raw: WholeForm) -> Response:
    edition = admin.edition
    form, settings, error = _parse(raw)
    if settings is not None:
        outcome = attempt(session, lambda: editions.update_edition(session, admin.actor, edition, settings))
        if isinstance(outcome, DomainError):
            error = outcome
    if error is not None:
        session.refresh(edition)
        return _edit_page(request, session, edition, form, error)
    return done(request, f"/admin/budget-participatif/{edition.slug}", _("Règles enregistrées."))


@router.post("/{slug}/enveloppes")
def update_envelopes(request: Request, session: DbSession, admin: AdminEdition, raw: WholeForm) -> Response:
    edition = admin.edition

    def save() -> None:
        amounts: dict[int, int] = {}
        for envelope in editions.envelopes(session, edition):
            item = raw.get(f"envelope-{envelope.id}")
            if isinstance(item, str) and item.strip():
                amounts[envelope.id] = parse_euros(item, f"envelope-{envelope.id}", required=True) or 0
        editions.set_envelope_amounts(session, admin.actor, edition, amounts)

    url = f"/admin/budget-participatif/{edition.slug}#enveloppes"
    outcome = attempt(session, save)
    if isinstance(outcome, DomainError):
        return refused(request, url, outcome)
    return done(request, url, _("Enveloppes enregistrées."))


@router.post("/{slug}/phase")
def change_phase(
    request: Request, session: DbSession, admin: AdminEdition, posted: Posted[PhaseChangeForm]
) -> Response:
    edition = admin.edition
    url = f"/admin/budget-participatif/{edition.slug}#phase"
    outcome = attempt(
        session,
        lambda: editions.change_phase(
            session, admin.actor, edition, posted.target, posted.reason, hooks=_phase_hooks(request)
        ),
    )
    if isinstance(outcome, DomainError):
        return refused(request, url, outcome)
    return done(
        request,
        url,
        _("L'édition est maintenant en phase « %(phase)s ».") % {"phase": phases.label(posted.target)},
    )


def qpv_label(qpv: Qpv) -> str:
    return f"{qpv.name} ({qpv.code})"
