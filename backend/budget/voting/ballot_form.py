"""What the vote screens share: the per-app context cache, reading a ballot from a form, the
running count shown while choosing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fastapi import Request
from sqlmodel import Session
from starlette.datastructures import FormData

from backend.budget.models import BallotRule, Edition
from backend.budget.voting.context import (
    GRADES,
    Choice,
    ContextCache,
    EnvelopeBallot,
    VoteContext,
    build_context,
)
from backend.counting.ballots import BallotProblem
from backend.formatting import format_euros as fmt_eur
from backend.i18n import gettext as _
from backend.i18n import ngettext


def vote_cache(request: Request) -> ContextCache:
    """The app's cache of vote contexts (created on first use)."""
    cache = getattr(request.app.state, "bp_vote_cache", None)
    if cache is None:
        cache = ContextCache()
        request.app.state.bp_vote_cache = cache
    return cache


def context_of(request: Request, session: Session, edition: Edition) -> VoteContext:
    assert edition.id is not None
    cache = vote_cache(request)
    ctx = cache.get(edition.id, edition.slug, (edition.phase, edition.phase_changed_at))
    if ctx is None:
        ctx = build_context(session, edition)
        cache.put(ctx)
    return ctx


def form_value(raw: FormData, name: str) -> str:
    item = raw.get(name)
    return item.strip() if isinstance(item, str) else ""


def read_choice(ctx: VoteContext, raw: FormData) -> Choice:
    """The ballot as the form sent it: ``projet`` boxes, or one ``note-<id>`` radio per project."""
    if ctx.graded:
        grades: dict[str, int] = {}
        for key, value in raw.multi_items():
            if key.startswith("note-") and isinstance(value, str) and value != "":
                grades[key[5:]] = int(value) if value.isdigit() else -1
        return Choice(grades=grades)
    return Choice(projects=tuple(v for v in raw.getlist("projet") if isinstance(v, str)))


@dataclass(frozen=True)
class Counter:
    """The running count shown under the ballot (updated by htmx, or on « Vérifier »)."""

    lines: list[str]
    problems: list[BallotProblem]
    ok: bool


def counter(ctx: VoteContext, envelope: EnvelopeBallot, choice: Choice, *, check: bool = False) -> Counter:
    """What to show while choosing; ``check`` adds every problem (an empty ballot too)."""
    lines: list[str] = []
    if ctx.graded:
        graded = len([p for p in envelope.projects if p.id in (choice.grades or {})])
        lines.append(
            ngettext(
                "%(n)d projet sur %(total)d a une mention.",
                "%(n)d projets sur %(total)d ont une mention.",
                graded,
            )
            % {"n": graded, "total": len(envelope.projects)}
        )
    else:
        chosen = [p for p in envelope.projects if p.id in set(choice.projects)]
        n = len(chosen)
        lines.append(ngettext("%(num)d projet choisi.", "%(num)d projets choisis.", n) % {"num": n})
        if ctx.ballot_rule == BallotRule.knapsack:
            total = sum((p.cost for p in chosen), Decimal(0))
            lines.append(
                _("Total : %(total)s sur %(amount)s. Il reste %(left)s.")
                % {
                    "total": fmt_eur(float(total)),
                    "amount": fmt_eur(envelope.amount),
                    "left": fmt_eur(float(max(Decimal(0), envelope.amount - total))),
                }
            )
        elif ctx.ballot_max:
            lines.append(
                _("Choisissez entre %(min)d et %(max)d projets.")
                % {"min": ctx.ballot_min, "max": ctx.ballot_max}
            )
    problems = ctx.problems(envelope, choice)
    if not check:
        # While choosing, only say what must be undone (too many, over budget, unknown grade).
        problems = [
            p for p in problems if p.code in ("too_many", "over_envelope", "invalid_grade", "unknown_project")
        ]
    return Counter(lines, problems, not ctx.problems(envelope, choice))


def ballot_context(
    ctx: VoteContext, envelope: EnvelopeBallot, choice: Choice, *, check: bool = False
) -> dict[str, Any]:
    """Template variables of the ballot partial (shared by the online and the paper screens)."""
    return {
        "ctx": ctx,
        "envelope": envelope,
        "chosen": set(choice.projects),
        "grades": dict(choice.grades or {}),
        "grade_labels": [_(g) for g in GRADES],
        "counter": counter(ctx, envelope, choice, check=check),
        "graded": ctx.graded,
        "knapsack": ctx.ballot_rule == BallotRule.knapsack,
    }


@dataclass(frozen=True)
class Screen:
    """Where a ballot is chosen and confirmed (``budget/vote.html``, ``budget/vote_confirm.html``):
    online, in the site's layout, or on the voting point's tablet (the isoloir), alone."""

    layout: str
    action: str  # where the form posts; the running count posts to ``action + "/compteur"``
    title: str
    heading: str
    confirm_note: str
    tablet: bool


def ballot_screen(base: str, *, tablet: bool = False) -> Screen:
    """Online (``base`` is the edition's page) or on the tablet (``base`` is the voting point's)."""
    if tablet:
        note = _(
            "Quand vous confirmez, votre vote est mis dans l'urne. Il n'est pas relié à votre nom, "
            "ni à votre signature."
        )
    else:
        note = _(
            "Quand vous confirmez, votre vote est enregistré. Il est secret : il n'est pas relié à votre nom."
        )
    return Screen(
        layout="budget/_isoloir_layout.html" if tablet else "budget/_vote_layout.html",
        action=f"{base}/isoloir" if tablet else f"{base}/voter",
        title=_("Votre vote") if tablet else _("Voter"),
        heading=_("Votre vote") if tablet else _("Mon vote"),
        confirm_note=note,
        tablet=tablet,
    )
