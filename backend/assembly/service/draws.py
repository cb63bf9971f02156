"""The public draw: freeze the pool and fix the seed from public values (journaled first), draw the
panel with the sortition core, replace members who withdraw from the ranked reserve."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from backend.assembly import sortition
from backend.assembly.models import (
    Draw,
    Invitation,
    Member,
    MemberStatus,
    Saisine,
    SaisineStatus,
    Volunteer,
    VolunteerStatus,
)
from backend.assembly.service.common import CategoryQuotas, journal, quota_categories
from backend.assembly.service.recruitment import volunteers as registered_volunteers
from backend.db import utcnow
from backend.errors import Conflict, Invalid, NotFound, Unavailable
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef

ALGORITHM = "leximin"
MIN_PUBLIC_VALUES = 2


# --- the public files ----------------------------------------------------------------------------


def categories_csv(groups: Sequence[CategoryQuotas]) -> str:
    """The quotas in the `qp draw --categories` format."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["category", "feature", "min", "max"])
    for group in groups:
        for feature in group.features:
            writer.writerow([group.category.key, feature.key, feature.min, feature.max])
    return out.getvalue()


def pool_csv(groups: Sequence[CategoryQuotas], rows: Sequence[tuple[str, Volunteer]]) -> str:
    """The pseudonymised pool in the `qp draw --people` format: row id, hashed household, answers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    keys = [group.category.key for group in groups]
    writer.writerow(["id", "household", *keys])
    for pool_id, volunteer in sorted(rows, key=lambda row: int(row[0])):
        writer.writerow([pool_id, volunteer.household_key, *(volunteer.characteristics[k] for k in keys)])
    return out.getvalue()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parsed_pool(draw: Draw) -> tuple[list[sortition.Quota], list[sortition.Volunteer]]:
    """Quotas and volunteers exactly as anyone re-running the draw reads them from the public files."""
    quotas = sortition.parse_categories(draw.categories_csv, "quotas.csv")
    return quotas, sortition.parse_people(draw.pool_csv, quotas, "volontaires.csv")


def rerun_command(saisine: Saisine, draw: Draw) -> str:
    if draw.seed is None:
        return ""
    return (
        f"qp draw --categories assemblee-{saisine.id}-quotas.csv --people assemblee-{saisine.id}-volontaires.csv "
        f"--number {saisine.panel_size} --seed {draw.seed} --algorithm {draw.algorithm}"
    )


# --- explaining impossible quotas in plain French -------------------------------------------------


def explain_problems(
    problems: Sequence[sortition.QuotaProblem],
    groups: Sequence[CategoryQuotas],
    people: Sequence[sortition.Volunteer],
    panel_size: int,
) -> list[str]:
    """One French sentence per failing quota, naming it with the words of the form."""
    labels = {g.category.key: g.category.label for g in groups}
    features = {(g.category.key, f.key): (f.label, f.min, f.max) for g in groups for f in g.features}
    homes = {v.household or f"p:{v.id}" for v in people}
    lines = []
    for problem in problems:
        if "=" in problem.quota:
            category, feature = problem.quota.split("=", 1)
            label, low, high = features.get((category, feature), (feature, 0, 0))
            name = f"{labels.get(category, category)} : {label}"
            having = [v for v in people if v.features.get(category) == feature]
            having_homes = len({v.household or f"p:{v.id}" for v in having})
            if having_homes < low:
                lines.append(
                    _(
                        "Quota « {name} » : il faut au moins {low} personnes, mais seulement {n} volontaires "
                        "(de foyers différents) ont cette réponse."
                    ).format(name=name, low=low, n=having_homes)
                )
            elif ": max" in problem.message or problem.message.endswith(f"max {high}"):
                lines.append(
                    _(
                        "Quota « {name} » : le maximum de {high} ne peut pas être respecté avec les autres quotas."
                    ).format(name=name, high=high)
                )
            else:
                lines.append(
                    _(
                        "Quota « {name} » : le minimum de {low} ne peut pas être atteint avec les autres quotas."
                    ).format(name=name, low=low)
                )
        elif problem.quota in labels:
            lines.append(
                _(
                    "Critère « {label} » : ses minimums et maximums ne permettent pas de composer un panel de {n} "
                    "personnes avec ces volontaires."
                ).format(label=labels[problem.quota], n=panel_size)
            )
        else:
            lines.append(
                _(
                    "Pas assez de volontaires : {v} volontaires dans {h} foyers pour un panel de {n} personnes "
                    "(une seule personne par foyer)."
                ).format(v=len(people), h=len(homes), n=panel_size)
            )
    return list(dict.fromkeys(lines))


def infeasible(lines: list[str]) -> Invalid:
    return Invalid(
        _("Le tirage est impossible avec ces quotas.") + " " + " ".join(lines),
        extra={"problems": lines},
    )


def _check_feasible(
    quotas: Sequence[sortition.Quota], people: Sequence[sortition.Volunteer], size: int
) -> None:
    """Refuse impossible quotas before the seed is published, without computing the whole lottery."""
    # Thin adapter over the core's internals; if they move, the draw itself still checks.
    try:
        from backend.assembly.sortition.feasibility import check_feasible
        from backend.assembly.sortition.pool import reduce_pool
    except ImportError:  # pragma: no cover
        return
    check_feasible(reduce_pool(quotas, people), size)


# --- seed, draw, replacement ---------------------------------------------------------------------


def get_draw(session: Session, saisine: Saisine) -> Draw | None:
    return session.exec(select(Draw).where(Draw.saisine_id == saisine.id)).first()


def clean_public_values(values: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """Witnesses' values, in the order they were read out; each needs a value, labels are optional."""
    rows = [
        {"label": " ".join(label.split())[:120], "value": " ".join(value.split())[:60]}
        for label, value in values
        if label.strip() or value.strip()
    ]
    for index, row in enumerate(rows, start=1):
        if not row["value"]:
            raise Invalid(_("Le témoin n° {i} n'a pas de valeur.").format(i=index), field="values")
        if not row["label"]:
            row["label"] = _("Témoin {i}").format(i=index)
    if len(rows) < MIN_PUBLIC_VALUES:
        raise Invalid(
            _("Il faut au moins {n} valeurs données par des témoins différents.").format(n=MIN_PUBLIC_VALUES),
            field="values",
        )
    return rows


def freeze_pool(session: Session, actor: ActorRef, saisine: Saisine) -> Draw:
    """Close recruitment and publish the pseudonymised pool and the quotas, with their hashes
    (journaled). Impossible quotas are refused here, naming the failing quota. The seed is fixed
    afterwards, in public: nobody can then change the pool to steer the outcome."""
    if saisine.status != SaisineStatus.recruiting or get_draw(session, saisine) is not None:
        raise Conflict(_("La liste des volontaires est déjà figée."))
    groups = quota_categories(session, saisine.id or 0)
    people = registered_volunteers(session, saisine)
    if not people:
        raise infeasible(explain_problems([sortition.QuotaProblem("", "")], groups, [], saisine.panel_size))
    # Row ids in a random order, so that they reveal nothing (not even the order of registration).
    shuffled = sorted(people, key=lambda _v: secrets.token_bytes(8))
    rows = [(str(number), volunteer) for number, volunteer in enumerate(shuffled, start=1)]
    categories_text = categories_csv(groups)
    pool_text = pool_csv(groups, rows)
    pool: list[sortition.Volunteer] = []
    try:
        quotas = sortition.parse_categories(categories_text, "quotas.csv")
        pool = sortition.parse_people(pool_text, quotas, "volontaires.csv")
        _check_feasible(quotas, pool, saisine.panel_size)
    except sortition.InfeasibleQuotasError as exc:
        raise infeasible(explain_problems(exc.problems, groups, pool, saisine.panel_size)) from exc
    except sortition.PoolFormatError as exc:
        raise Invalid(_("Les quotas ne sont pas utilisables : {detail}").format(detail=exc)) from exc
    for pool_id, volunteer in rows:
        volunteer.pool_id = pool_id
        session.add(volunteer)
    draw = Draw(
        saisine_id=saisine.id,  # type: ignore[arg-type]
        algorithm=ALGORITHM,
        pool_csv=pool_text,
        categories_csv=categories_text,
        pool_file_sha256=sha256(pool_text),
        categories_file_sha256=sha256(categories_text),
        pool_sha256=sortition.pool_hash(pool),
        quotas_sha256=sortition.quotas_hash(quotas, saisine.panel_size),
        volunteer_count=len(pool),
        pool_frozen_by=actor.id,
    )
    saisine.status = SaisineStatus.pool_frozen
    session.add_all([draw, saisine])
    # Recruitment is over: the addresses of the letters are no longer needed.
    for invitation in session.exec(select(Invitation).where(Invitation.saisine_id == saisine.id)).all():
        invitation.address = None
        invitation.recipient = None
        session.add(invitation)
    session.flush()
    journal(
        session,
        actor,
        "pool_frozen",
        saisine,
        _(
            "Inscriptions closes. Liste des volontaires figée et publiée sans les noms : {v} volontaires "
            "(empreinte du fichier {h}). La graine du tirage sera fixée en public."
        ).format(v=len(pool), h=draw.pool_file_sha256[:12]),
        payload={
            "algorithm": ALGORITHM,
            "panel_size": saisine.panel_size,
            "volunteers": len(pool),
            "households": len({v.household for v in pool}),
            "pool_file_sha256": draw.pool_file_sha256,
            "categories_file_sha256": draw.categories_file_sha256,
            "pool_sha256": draw.pool_sha256,
            "quotas_sha256": draw.quotas_sha256,
        },
    )
    return draw


def fix_seed(session: Session, actor: ActorRef, saisine: Saisine, values: Sequence[tuple[str, str]]) -> Draw:
    """Fix the seed from values read out by witnesses at a public session, after the pool was frozen.
    Journaled with the pool's hash before the draw, so that anyone can re-run it."""
    draw = get_draw(session, saisine)
    if saisine.status != SaisineStatus.pool_frozen or draw is None or draw.seed is not None:
        if saisine.status == SaisineStatus.recruiting:
            raise Conflict(_("Figez d'abord la liste des volontaires : la graine se fixe après."))
        raise Conflict(_("La graine de ce tirage est déjà fixée."))
    public = clean_public_values(values)
    draw.public_inputs = public
    draw.seed = sortition.derive_seed([row["value"] for row in public])
    draw.seed_fixed_by = actor.id
    draw.seed_fixed_at = utcnow()
    saisine.status = SaisineStatus.seed_fixed
    session.add_all([draw, saisine])
    session.flush()
    journal(
        session,
        actor,
        "seed_fixed",
        saisine,
        _(
            "Graine du tirage au sort fixée en public à partir de {n} valeurs de témoins, avant le tirage, "
            "pour la liste figée de {v} volontaires (empreinte du fichier {h})."
        ).format(n=len(public), v=draw.volunteer_count, h=draw.pool_file_sha256[:12]),
        payload={
            "public_inputs": public,
            "seed": draw.seed,
            "seed_derivation": 'sha256(json(["qp-sortition-seed-v1", value1, value2, ...]))',
            "algorithm": draw.algorithm,
            "panel_size": saisine.panel_size,
            "pool_file_sha256": draw.pool_file_sha256,
            "pool_sha256": draw.pool_sha256,
            "quotas_sha256": draw.quotas_sha256,
        },
    )
    return draw


def run_draw(session: Session, actor: ActorRef, saisine: Saisine) -> Draw:
    """Draw the panel from the frozen public files and the published seed; creates the members."""
    draw = get_draw(session, saisine)
    if saisine.status != SaisineStatus.seed_fixed or draw is None or draw.seed is None:
        raise Conflict(_("Le tirage n'est possible qu'une fois, après avoir fixé la graine en public."))
    groups = quota_categories(session, saisine.id or 0)
    quotas, pool = parsed_pool(draw)
    try:
        result = sortition.draw(quotas, pool, saisine.panel_size, draw.seed, algorithm=draw.algorithm)
    except sortition.InfeasibleQuotasError as exc:
        raise infeasible(explain_problems(exc.problems, groups, pool, saisine.panel_size)) from exc
    except sortition.LegacyUnavailableError as exc:
        # Draws frozen here are LEXIMIN; a LEGACY one (set up by hand) needs the optional package.
        raise Unavailable(
            _(
                "Ce tirage utilise l'algorithme LEGACY, qui n'est pas installé sur ce serveur. "
                "Demandez à l'équipe technique d'installer l'option « legacy », puis relancez le tirage."
            )
        ) from exc
    if result.pool_sha256 != draw.pool_sha256:  # pragma: no cover - the frozen file was altered
        raise Conflict(_("Le fichier des volontaires ne correspond plus à son empreinte publiée."))
    draw.panel = list(result.panel)
    draw.reserve = list(result.reserve)
    draw.probabilities = {pid: round(p, 9) for pid, p in result.probabilities.items()}
    draw.minimum_probability = result.minimum_probability
    draw.probability_method = result.probability_method[:300]
    draw.drawn_at = utcnow()
    draw.drawn_by = actor.id
    by_pool = {
        v.pool_id: v for v in session.exec(select(Volunteer).where(Volunteer.saisine_id == saisine.id)).all()
    }
    for pid in result.panel:
        volunteer = by_pool[pid]
        session.add(
            Member(
                saisine_id=saisine.id,  # type: ignore[arg-type]
                volunteer_id=volunteer.id,  # type: ignore[arg-type]
                user_id=volunteer.user_id,
                pool_id=pid,
            )
        )
    saisine.status = SaisineStatus.drawn
    session.add_all([draw, saisine])
    session.flush()
    journal(
        session,
        actor,
        "draw_done",
        saisine,
        _(
            "Tirage au sort fait : {n} membres tirés parmi {v} volontaires, en respectant les quotas. "
            "Plus petite chance d'être tiré·e : {p} %."
        ).format(
            n=len(result.panel), v=len(pool), p=f"{result.minimum_probability * 100:.1f}".replace(".", ",")
        ),
        payload={
            "seed": draw.seed,
            "pool_sha256": draw.pool_sha256,
            "algorithm": draw.algorithm,
            "panel": list(result.panel),
            "reserve": list(result.reserve),
            "minimum_probability": result.minimum_probability,
            "probability_method": result.probability_method,
        },
    )
    return draw


def members(session: Session, saisine: Saisine, *, active_only: bool = True) -> list[Member]:
    query = select(Member).where(Member.saisine_id == saisine.id)
    if active_only:
        query = query.where(Member.status == MemberStatus.active)
    return list(session.exec(query.order_by(col(Member.id))).all())


def get_member(session: Session, saisine: Saisine, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None or member.saisine_id != saisine.id:
        raise NotFound(_("Ce membre n'existe pas."))
    return member


@dataclass(frozen=True)
class ReplacementOutcome:
    withdrawn: Member
    replacement: Member | None
    quotas_met: bool
    problems: list[str]


def replace_member(session: Session, actor: ActorRef, saisine: Saisine, member: Member) -> ReplacementOutcome:
    """A member withdraws: the first reserve who keeps every quota takes the seat (journaled)."""
    draw = get_draw(session, saisine)
    if draw is None or draw.drawn_at is None or saisine.status not in (SaisineStatus.drawn,):
        raise Conflict(_("Les remplacements se font pendant les travaux de l'assemblée."))
    if member.status != MemberStatus.active:
        raise Conflict(_("Ce membre a déjà quitté le panel."))
    quotas, pool = parsed_pool(draw)
    by_pool = {
        v.pool_id: v for v in session.exec(select(Volunteer).where(Volunteer.saisine_id == saisine.id)).all()
    }
    seated = {m.pool_id for m in members(session, saisine, active_only=False)}
    # Reserves who left the pool or whose data was erased cannot be called any more.
    available = [
        pid
        for pid in draw.reserve
        if pid in by_pool
        and by_pool[pid].status == VolunteerStatus.registered
        and by_pool[pid].erased_at is None
        and pid not in seated
    ]
    panel = [m.pool_id for m in members(session, saisine)]
    outcome = sortition.replace(panel, member.pool_id, available, quotas, pool)
    member.status = MemberStatus.withdrawn
    member.withdrawn_at = utcnow()
    session.add(member)
    newcomer: Member | None = None
    if outcome.replacement is not None:
        volunteer = by_pool[outcome.replacement]
        newcomer = Member(
            saisine_id=saisine.id,  # type: ignore[arg-type]
            volunteer_id=volunteer.id,  # type: ignore[arg-type]
            user_id=volunteer.user_id,
            pool_id=outcome.replacement,
            source="replacement",
            replaces_id=member.id,
        )
        session.add(newcomer)
    # The newcomer and anyone of their household leave the reserve.
    gone = set(available) - set(outcome.reserve)
    draw.reserve = [pid for pid in draw.reserve if pid not in gone]
    session.add(draw)
    session.flush()
    groups = quota_categories(session, saisine.id or 0)
    lines = explain_problems([p for p in outcome.problems if p.quota], groups, pool, saisine.panel_size)
    if outcome.replacement is None:
        reason = _(
            "Un membre (n° {old}) quitte le panel ; aucune personne de la liste de réserve ne peut le remplacer."
        )
    elif outcome.quotas_met:
        reason = _(
            "Un membre (n° {old}) quitte le panel ; remplacé·e par la personne n° {new} de la liste de réserve, quotas respectés."
        )
    else:
        reason = _(
            "Un membre (n° {old}) quitte le panel ; remplacé·e par la personne n° {new} de la liste de réserve, qui respecte le mieux les quotas."
        )
    journal(
        session,
        actor,
        "member_replaced",
        saisine,
        reason.format(old=member.pool_id, new=outcome.replacement),
        payload={
            "withdrawn": member.pool_id,
            "replacement": outcome.replacement,
            "quotas_met": outcome.quotas_met,
            "problems": [p.quota for p in outcome.problems],
        },
    )
    return ReplacementOutcome(member, newcomer, outcome.quotas_met, lines)


# --- composition: panel vs population --------------------------------------------------------------


@dataclass(frozen=True)
class FeatureShare:
    key: str
    label: str
    population_share: float | None
    target: float | None
    min: int
    max: int
    pool: int
    panel: int | None

    def panel_share(self, panel_size: int) -> float | None:
        return None if self.panel is None or panel_size == 0 else self.panel / panel_size

    def pool_share(self, pool_size: int) -> float | None:
        return None if pool_size == 0 else self.pool / pool_size


@dataclass(frozen=True)
class CategoryShare:
    key: str
    label: str
    features: list[FeatureShare]


@dataclass(frozen=True)
class Composition:
    panel_size: int
    pool_size: int
    categories: list[CategoryShare]


def composition(session: Session, saisine: Saisine) -> Composition:
    """For each criterion: share in the population, quotas, volunteers and seats on the panel."""
    groups = quota_categories(session, saisine.id or 0)
    draw = get_draw(session, saisine)
    if draw is not None:
        _quotas, pool = parsed_pool(draw)
        features_of = {v.id: dict(v.features) for v in pool}
    else:
        features_of = {str(v.id): v.characteristics for v in registered_volunteers(session, saisine)}
    panel_ids = [m.pool_id for m in members(session, saisine)] if draw is not None and draw.drawn_at else None
    categories = []
    for group in groups:
        key = group.category.key
        shares = []
        for feature in group.features:
            in_pool = sum(1 for f in features_of.values() if f.get(key) == feature.key)
            on_panel = (
                sum(1 for pid in panel_ids if features_of.get(pid, {}).get(key) == feature.key)
                if panel_ids is not None
                else None
            )
            shares.append(
                FeatureShare(
                    feature.key,
                    feature.label,
                    feature.population_share,
                    feature.population_share * saisine.panel_size
                    if feature.population_share is not None
                    else None,
                    feature.min,
                    feature.max,
                    in_pool,
                    on_panel,
                )
            )
        categories.append(CategoryShare(key, group.category.label, shares))
    panel_size = len(panel_ids) if panel_ids is not None else saisine.panel_size
    return Composition(panel_size, len(features_of), categories)
