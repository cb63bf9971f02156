"""Public results: per envelope, winners, votes per project, money, participation, the rule in
plain French, and the published files with their SHA-256."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from backend.budget import falc
from backend.budget.models import CountingRule, Edition
from backend.budget.permissions import EditionDep
from backend.budget.service import editions
from backend.budget.service.proposal_lists import ballot_projects
from backend.budget.voting import results
from backend.budget.voting.context import GRADES
from backend.budget.voting.models import EnvelopeResult
from backend.deps import DbSession
from backend.errors import NotFound
from backend.i18n import gettext as _
from backend.ledger.service import entries_for
from backend.rendering import render

router = APIRouter(include_in_schema=False)


def rule_explanation(edition: Edition) -> list[str]:
    """How the count works, in plain words (FALC), and how ties are broken."""
    lines = [falc.counting_rule(edition)]
    if edition.counting_rule == CountingRule.equal_shares:
        lines.append(
            _(
                "Chaque votant reçoit la même part de l'enveloppe. Un projet est réalisé si ses votants peuvent le payer "
                "ensemble avec leurs parts. On augmente les parts un euro à la fois tant que le résultat tient dans l'enveloppe."
            )
        )
    if edition.counting_rule == CountingRule.majority_judgment:
        lines.append(
            _(
                "En cas d'égalité de mention, on retire une mention du milieu à chaque projet et on compare de nouveau. "
                "Si tout est égal, le projet le moins cher passe d'abord, puis celui qui a le plus petit numéro."
            )
        )
    else:
        lines.append(
            _(
                "En cas d'égalité : le projet qui a le plus de voix passe d'abord, puis le moins cher, puis celui qui a le plus petit numéro."
            )
        )
    lines.append(
        _("Tout le monde peut refaire le calcul avec le fichier publié. On trouve le même résultat.")
    )
    return lines


def _titles(session: DbSession, edition: Edition) -> dict[str, Any]:
    return {str(p.id): p for items in ballot_projects(session, edition).values() for p in items}


def _rows(result: EnvelopeResult, titles: dict[str, Any]) -> list[dict[str, Any]]:
    """Projects in result order: winners in the order chosen, then the others by score."""
    chosen = list(result.selected)
    others = [pid for pid in result.scores if pid not in chosen]
    if result.ballot_rule == "majority_judgment":
        others.sort(key=lambda pid: (-result.scores[pid]["majority"], int(pid) if pid.isdigit() else 0))
    else:
        others.sort(key=lambda pid: (-result.scores[pid]["votes"], int(pid) if pid.isdigit() else 0))
    top = max([s.get("votes", 0) for s in result.scores.values()] or [0]) or 1
    rows = []
    for pid in chosen + others:
        p = titles.get(pid)
        score = result.scores.get(pid, {})
        rows.append(
            {
                "id": pid,
                "title": p.title if p else pid,
                "cost": p.vote_cost if p else None,
                "won": pid in chosen,
                "votes": score.get("votes"),
                "share": (score.get("votes", 0) / top) if "votes" in score else None,
                "grades": score.get("grades"),
                "majority": GRADES[score["majority"]] if "majority" in score else None,
            }
        )
    return rows


def _overview(session: DbSession, edition: Edition) -> list[dict[str, Any]]:
    found = results.results_of(session, edition)
    if not found:
        raise NotFound(_("Les résultats seront publiés à la fin du vote."))
    envs = results.envelope_labels(session, edition)
    items = []
    for r in sorted(found, key=lambda r: envs[r.envelope_id].label):
        items.append(
            {
                "result": r,
                "envelope": envs[r.envelope_id],
                "participation": (r.voters / r.population) if r.population else None,
            }
        )
    return items


@router.get("/budget-participatif/{slug}/resultats")
def results_page(request: Request, session: DbSession, edition: EditionDep) -> Response:
    items = _overview(session, edition)
    return render(
        request,
        "budget/results.html",
        {
            "edition": edition,
            "items": items,
            "voters": sum(i["result"].voters for i in items),
            "files": results.publications(session, edition),
            "explanation": rule_explanation(edition),
            "journal": [
                e for e in entries_for(session, "bp_edition", edition.slug) if e.action.startswith("bp.")
            ][-6:],
        },
    )


@router.get("/budget-participatif/{slug}/resultats/fichiers/{name}")
def published_file(session: DbSession, edition: EditionDep, name: str) -> Response:
    """A published file, byte for byte as journaled."""
    pub = results.publication(session, edition, name)
    return Response(
        pub.content.encode("utf-8"),
        media_type=pub.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{pub.name}"',
            "Cache-Control": "public, max-age=3600",
        },
    )


@router.get("/budget-participatif/{slug}/resultats/{code}")
def envelope_page(request: Request, session: DbSession, edition: EditionDep, code: str) -> Response:
    items = _overview(session, edition)
    item = next((i for i in items if i["envelope"].scope_code == code), None)
    if item is None:
        raise NotFound(_("Cette enveloppe n'existe pas."))
    result: EnvelopeResult = item["result"]
    return render(
        request,
        "budget/results_envelope.html",
        {
            "edition": edition,
            "item": item,
            "result": result,
            "rows": _rows(result, _titles(session, edition)),
            "grade_labels": [_(g) for g in GRADES],
            "explanation": rule_explanation(edition),
            "left": result.amount - result.spent,
            "qpv_count": len(
                [
                    r
                    for r in editions.edition_qpvs(session, edition)
                    if editions.envelope_code(edition, r) == code
                ]
            ),
        },
    )
