"""Creating a saisine and setting its stratification quotas (computed from the QPV populations)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from backend.assembly.models import (
    CategoryKind,
    QuotaCategory,
    QuotaFeature,
    RegistrationMode,
    Saisine,
    SaisineStatus,
)
from backend.assembly.service.common import commune_of, journal, quota_categories, territory_qpvs
from backend.errors import Conflict, FormCheck, Invalid
from backend.forms import clean_text
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef
from backend.territory.models import Secteur

MIN_PANEL, MAX_PANEL = 6, 300
# Personal data of volunteers is kept this long after the avis deadline (replacements, follow-up contact).
RETENTION_AFTER_AVIS = timedelta(days=180)


@dataclass(frozen=True)
class Preset:
    """A stratification category the COPIL can pick. Shares of "choice" presets are estimates of the
    QPV population aged 16 and over (INSEE orders of magnitude) that the COPIL adjusts."""

    key: str
    label: str
    question: str
    kind: str
    features: tuple[tuple[str, str, float], ...] = ()


PRESETS: dict[str, Preset] = {
    p.key: p
    for p in (
        Preset("genre", "Genre", "Vous êtes :", CategoryKind.choice,
               (("femme", "une femme", 0.52), ("homme", "un homme", 0.46), ("autre", "autre réponse", 0.02))),
        Preset("age", "Âge", "Quel âge avez-vous ?", CategoryKind.choice,
               (("16-18", "16 à 18 ans", 0.05), ("19-29", "19 à 29 ans", 0.19), ("30-44", "30 à 44 ans", 0.26),
                ("45-59", "45 à 59 ans", 0.24), ("60-74", "60 à 74 ans", 0.17), ("75+", "75 ans et plus", 0.09))),
        Preset("secteur", "Secteur", "", CategoryKind.secteur),
        Preset("quartier", "Quartier", "", CategoryKind.qpv),
        Preset("diplome", "Diplôme", "Quel est votre plus haut diplôme ?", CategoryKind.choice,
               (("aucun", "aucun diplôme ou le brevet", 0.46), ("cap-bep", "CAP ou BEP", 0.24),
                ("bac", "le baccalauréat", 0.16), ("superieur", "un diplôme après le bac", 0.14))),
        Preset("logement", "Logement", "Dans quel logement vivez-vous ?", CategoryKind.choice,
               (("hlm", "locataire d'un logement social (HLM)", 0.58), ("prive", "locataire dans le privé", 0.22),
                ("proprietaire", "propriétaire", 0.14), ("heberge", "hébergé·e ou autre situation", 0.06))),
    )
}  # fmt: skip


def suggested_bounds(share: float, panel_size: int, slack: int) -> tuple[int, int]:
    """Seats for a feature: the proportional target rounded down and up, widened by `slack` seats."""
    target = share * panel_size
    low = max(0, math.floor(target + 1e-9) - slack)
    high = min(panel_size, math.ceil(target - 1e-9) + slack)
    return low, max(low, high)


def default_slack(panel_size: int) -> int:
    """One seat of tolerance on small panels, about 3 % of the seats on large ones."""
    return max(1, round(panel_size * 0.03))


def territorial_features(session: Session, commune_insee: str, kind: str) -> list[tuple[str, str, float]]:
    """Features of a secteur or QPV category with each one's share of the territory's population."""
    qpvs = [q for q in territory_qpvs(session, commune_insee) if q.population]
    total = sum(q.population or 0 for q in qpvs)
    if not qpvs or total == 0:
        raise Invalid(
            _(
                "La population des quartiers de cette commune n'est pas connue : impossible de calculer les quotas."
            )
        )
    if kind == CategoryKind.qpv:
        return [(q.code, q.name, (q.population or 0) / total) for q in qpvs]
    secteurs = {s.id: s for s in session.exec(select(Secteur)).all()}
    population: dict[int, int] = {}
    for q in qpvs:
        if q.secteur_id is None:
            raise Invalid(
                _(
                    "Le quartier {name} n'est rattaché à aucun secteur : choisissez plutôt « quartier »."
                ).format(name=q.name)
            )
        population[q.secteur_id] = population.get(q.secteur_id, 0) + (q.population or 0)
    ordered = sorted(population, key=lambda sid: secteurs[sid].name)
    return [(secteurs[sid].slug, secteurs[sid].name, population[sid] / total) for sid in ordered]


def create_saisine(
    session: Session,
    actor: ActorRef,
    *,
    title: str,
    question: str,
    context: str,
    commune_insee: str,
    panel_size: int,
    avis_deadline: date | None,
    registration_mode: str,
    registration_deadline: date | None,
    categories: Sequence[str],
    adoption_threshold_pct: int = 50,
    quorum_pct: int = 50,
    today: date | None = None,
) -> Saisine:
    """A COPIL member refers a question to the assembly; quotas are computed for the chosen categories."""
    today = today or date.today()
    title = clean_text(title, 200)
    question = question.strip()
    check = FormCheck()  # every problem at once, in the order of the form
    if len(title) < 5:
        check.fail(_("Donnez un titre court à la saisine (5 caractères au moins)."), "title")
    if len(question) < 10:
        check.fail(_("Écrivez la question posée à l'assemblée (10 caractères au moins)."), "question")
    commune_of(session, commune_insee)
    if not MIN_PANEL <= panel_size <= MAX_PANEL:
        check.fail(
            _("Le panel compte entre {low} et {high} membres.").format(low=MIN_PANEL, high=MAX_PANEL),
            "panel_size",
        )
    chosen = [key for key in PRESETS if key in set(categories)]
    if not chosen:
        check.fail(
            _("Choisissez au moins un critère de tirage (par exemple le genre et l'âge)."), "categories"
        )
    elif "secteur" in chosen and "quartier" in chosen:
        check.fail(_("Choisissez le secteur ou le quartier, pas les deux."), "categories")
    if registration_mode not in set(RegistrationMode):
        check.fail(_("Choisissez comment les volontaires s'inscrivent."), "registration_mode")
    future = avis_deadline is not None and avis_deadline > today
    if registration_deadline is not None and not (
        today <= registration_deadline and (not future or registration_deadline < avis_deadline)  # type: ignore[operator]
    ):
        check.fail(
            _("La fin des inscriptions doit être entre aujourd'hui et la date limite de l'avis."),
            "registration_deadline",
        )
    if not future:
        check.fail(_("La date limite de l'avis doit être dans le futur."), "avis_deadline")
    if not 0 <= adoption_threshold_pct < 100:
        check.fail(_("Le seuil d'adoption est un pourcentage entre 0 et 99."), "adoption_threshold_pct")
    if not 0 <= quorum_pct <= 100:
        check.fail(_("Le quorum est un pourcentage entre 0 et 100."), "quorum_pct")
    check.done()
    assert avis_deadline is not None

    saisine = Saisine(
        title=title,
        question=question,
        context=context.strip(),
        commune_insee=commune_insee,
        panel_size=panel_size,
        avis_deadline=avis_deadline,
        registration_mode=registration_mode,
        registration_deadline=registration_deadline,
        retention_until=avis_deadline + RETENTION_AFTER_AVIS,
        adoption_threshold_pct=adoption_threshold_pct,
        quorum_pct=quorum_pct,
        created_by=actor.id,
    )
    session.add(saisine)
    session.flush()
    slack = default_slack(panel_size)
    for position, key in enumerate(chosen):
        preset = PRESETS[key]
        features = (
            list(preset.features)
            if preset.kind == CategoryKind.choice
            else territorial_features(session, commune_insee, preset.kind)
        )
        category = QuotaCategory(
            saisine_id=saisine.id,
            key=preset.key,
            label=preset.label,
            question=preset.question,
            kind=preset.kind,
            position=position,
        )
        session.add(category)
        session.flush()
        for index, (fkey, label, share) in enumerate(features):
            low, high = suggested_bounds(share, panel_size, slack)
            session.add(
                QuotaFeature(
                    category_id=category.id,
                    key=fkey,
                    label=label,
                    population_share=share,
                    min=low,
                    max=high,
                    position=index,
                )
            )
    session.flush()
    journal(
        session,
        actor,
        "saisine_created",
        saisine,
        _(
            "Le COPIL pose une question à l'Assemblée citoyenne des quartiers : « {title} ». Panel de {n} habitants. Avis attendu pour le {deadline}."
        ).format(title=title, n=panel_size, deadline=avis_deadline.strftime("%d/%m/%Y")),
        payload={
            "title": title,
            "question": question,
            "panel_size": panel_size,
            "avis_deadline": avis_deadline.isoformat(),
            "registration_mode": registration_mode,
            "categories": chosen,
            "quotas": quota_rows(session, saisine),
            "adoption_threshold_pct": adoption_threshold_pct,
            "quorum_pct": quorum_pct,
        },
    )
    return saisine


def quota_rows(session: Session, saisine: Saisine) -> list[list[object]]:
    """[category, feature, min, max] rows, the public form of the quotas."""
    return [
        [group.category.key, f.key, f.min, f.max]
        for group in quota_categories(session, saisine.id or 0)
        for f in group.features
    ]


def set_quotas(
    session: Session, actor: ActorRef, saisine: Saisine, bounds: Mapping[int, tuple[str, str]]
) -> None:
    """Change the min/max of features (by feature id, as typed); allowed until the seed is fixed.

    Each category's minimums must fit in the panel and its maximums must be able to fill it."""
    if saisine.status != SaisineStatus.recruiting:
        raise Conflict(_("Les quotas ne changent plus une fois la graine du tirage fixée."))
    groups = quota_categories(session, saisine.id or 0)
    for group in groups:
        for feature in group.features:
            if feature.id is None or feature.id not in bounds:
                continue
            raw_low, raw_high = bounds[feature.id]
            name = f"{group.category.label} : {feature.label}"
            try:
                low, high = int(str(raw_low).strip()), int(str(raw_high).strip())
            except ValueError:
                raise Invalid(
                    _("Quota « {name} » : écrivez des nombres entiers.").format(name=name),
                    field=f"q{feature.id}",
                ) from None
            if not 0 <= low <= high <= saisine.panel_size:
                raise Invalid(
                    _("Quota « {name} » : il faut 0 ≤ minimum ≤ maximum ≤ {n} (taille du panel).").format(
                        name=name, n=saisine.panel_size
                    ),
                    field=f"q{feature.id}",
                )
            feature.min, feature.max = low, high
            session.add(feature)
    for group in groups:
        total_min = sum(f.min for f in group.features)
        total_max = sum(f.max for f in group.features)
        if total_min > saisine.panel_size:
            raise Invalid(
                _("« {label} » : les minimums font {total} sièges, plus que les {n} du panel.").format(
                    label=group.category.label, total=total_min, n=saisine.panel_size
                ),
                field=f"q{group.features[0].id}",
            )
        if total_max < saisine.panel_size:
            raise Invalid(
                _(
                    "« {label} » : les maximums ne font que {total} sièges, moins que les {n} du panel."
                ).format(label=group.category.label, total=total_max, n=saisine.panel_size),
                field=f"q{group.features[0].id}",
            )
    session.flush()
    journal(
        session,
        actor,
        "quotas_set",
        saisine,
        _("Quotas du tirage au sort modifiés pour « {title} ».").format(title=saisine.title),
        payload={"quotas": quota_rows(session, saisine)},
    )
