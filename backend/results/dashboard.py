"""The COPIL dashboard: figures per edition, secteur and QPV, assembled from the aggregate
queries of `queries` and the maintained voter counters of `counters`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session

from backend.budget.models import ELIGIBLE_STATUSES, Edition, Envelope, PhaseKey
from backend.budget.service.editions.envelopes import edition_qpvs
from backend.budget.voting.models import EnvelopeResult
from backend.formatting import format_euros, format_number, format_percent
from backend.i18n import gettext as _
from backend.results import bands, counters, queries
from backend.results.charts import Chart, bar_chart, compare_chart
from backend.results.queries import FphFigures, QpvRow


@dataclass(frozen=True)
class Filters:
    edition: str = ""
    secteur: str = ""
    quartier: str = ""
    annee: int | None = None


@dataclass
class QpvLine:
    qpv: QpvRow
    voters: int = 0
    proposals: int = 0
    eligible: int = 0
    winners: int = 0
    fph: FphFigures = field(default_factory=FphFigures)

    @property
    def rate(self) -> float | None:
        return bands.rate(self.voters, self.qpv.population)


@dataclass
class EnvelopeLine:
    envelope: Envelope
    voters: int
    result: EnvelopeResult | None
    population: int


@dataclass
class AgeGroup:
    key: str
    title: str
    total: int
    rows: list[bands.GapRow]
    chart: Chart | None
    note: str = ""


@dataclass
class Dashboard:
    filters: Filters
    editions: list[Edition]
    edition: Edition | None
    years: list[int]
    secteurs: list[tuple[str, str]]
    qpvs: list[QpvRow]  # in scope
    lines: list[QpvLine]
    population: int
    voters: int
    voters_unknown_qpv: int
    channels: dict[str, int]
    proposals: int
    eligible: int
    winners: int
    envelopes: list[EnvelopeLine]
    bp_amount: int
    bp_decided: int
    fph: FphFigures
    saisines: list[queries.SaisineFigures]
    ages: list[AgeGroup]
    genders: list[queries.GenderRow]
    charts: dict[str, Chart]
    counters_note: str = ""
    rebuild_edition: int | None = None  # ask the view to rebuild the counters after responding

    @property
    def rate(self) -> float | None:
        return bands.rate(self.voters, self.population)


def _scope(
    all_rows: list[QpvRow], covered: set[int], f: Filters, edition_ids: set[int] | None
) -> list[QpvRow]:
    rows = [r for r in all_rows if r.id in covered]
    if edition_ids is not None:
        rows = [r for r in rows if r.id in edition_ids]
    if f.secteur:
        rows = [r for r in rows if r.secteur_slug == f.secteur]
    if f.quartier:
        rows = [r for r in rows if r.code == f.quartier]
    return rows


def _envelope_in_scope(envelope: Envelope, codes: set[str], secteurs: set[str]) -> bool:
    return envelope.scope_code in codes or envelope.scope_code in secteurs


def _age_group(key: str, title: str, counts: dict[str, int], note: str = "") -> AgeGroup:
    rows = bands.age_gaps(counts)
    total = sum(counts.values())
    chart = None
    if total:
        chart = compare_chart(
            f"age-{key}",
            title,
            [
                (r.label, r.share, r.reference, format_percent(r.share, 0), format_percent(r.reference, 0))
                for r in rows
                if r.reference
            ],
            (_("Participants"), _("Population (estimation)")),
        )
    return AgeGroup(key, title, total, rows, chart, note)


def build(session: Session, covered_qpv_ids: set[int], f: Filters, *, count_now: bool = False) -> Dashboard:
    """Everything the dashboard shows for the QPV this person covers, filtered."""
    editions = queries.public_editions(session)
    # Default: the newest edition that has reached its vote (the one with figures to show).
    voted = [e for e in editions if e.phase in (PhaseKey.vote, *queries.CLOSED_VOTE_PHASES)]
    default = voted[0] if voted else (editions[0] if editions else None)
    edition = next((e for e in editions if e.slug == f.edition), default)
    edition_ids = {r.id for r in edition_qpvs(session, edition)} if edition else None
    all_rows = queries.qpv_rows(session)
    covered_rows = [r for r in all_rows if r.id in covered_qpv_ids]
    scope = _scope(all_rows, covered_qpv_ids, f, edition_ids)
    ids = [r.id for r in scope]
    codes = {r.code for r in scope}
    secteur_slugs = {r.secteur_slug for r in scope if r.secteur_slug}
    lines = {r.id: QpvLine(r) for r in scope}
    by_code = {r.code: r for r in scope}

    # --- budget participatif
    voters = unknown = 0
    channels: dict[str, int] = defaultdict(int)
    voter_bands: dict[str, int] = dict.fromkeys((*bands.BAND_KEYS, bands.UNKNOWN), 0)
    envelope_lines: list[EnvelopeLine] = []
    proposals = eligible = winners = 0
    note = ""
    rebuild_edition = None
    if edition is not None and edition.id is not None:
        results = {r.envelope_id: r for r in queries.results(session, edition.id)}
        mark, when = counters.ensure(session, edition.id, edition.phase == PhaseKey.vote, results.values())
        if when == "now" or (when and count_now):
            counters.rebuild(session, edition.id)
        elif when == "background":
            rebuild_edition = edition.id
            if mark is None:
                note = _(
                    "Les votants sont en cours de comptage : les chiffres par quartier et par âge arrivent dans un instant."
                )
        envelope_voters: dict[int, int] = defaultdict(int)
        population_by_envelope: dict[str, int] = defaultdict(int)
        for r in all_rows:
            if edition_ids is not None and r.id in edition_ids:
                population_by_envelope[r.code] += r.population
                if r.secteur_slug:
                    population_by_envelope[r.secteur_slug] += r.population
        for envelope_id, qpv_code, band, channel, n in counters.rows(session, edition.id):
            envelope_voters[envelope_id] += n
            if qpv_code in by_code:
                voters += n
                lines[by_code[qpv_code].id].voters += n
                channels[channel] += n
                voter_bands[band] += n
            elif not qpv_code and not f.secteur and not f.quartier:
                unknown += n
        for envelope in queries.envelopes(session, edition.id):
            if _envelope_in_scope(envelope, codes, secteur_slugs):
                envelope_lines.append(
                    EnvelopeLine(
                        envelope,
                        envelope_voters.get(envelope.id or 0, 0),
                        results.get(envelope.id or 0),
                        population_by_envelope.get(envelope.scope_code, 0),
                    )
                )
        for qpv_id, statuses in queries.proposals_by_qpv(session, edition.id).items():
            if qpv_id in lines:
                line = lines[qpv_id]
                line.proposals = sum(statuses.values())
                line.eligible = sum(n for s, n in statuses.items() if s in ELIGIBLE_STATUSES)
                proposals += line.proposals
                eligible += line.eligible
        for proposal, _result in queries.winners(session, edition.id):
            if proposal.qpv_id in lines:
                lines[proposal.qpv_id].winners += 1
                winners += 1

    # --- FPH
    fph_total = FphFigures()
    for qpv_id, fig in queries.fph_by_qpv(session, f.annee).items():
        if qpv_id in lines:
            lines[qpv_id].fph = fig
            for name in ("applications", "granted", "refused", "granted_cents", "envelope_cents"):
                setattr(fph_total, name, getattr(fph_total, name) + getattr(fig, name))

    # --- assembly
    saisine_list = queries.saisines(session, {r.commune_insee for r in scope})
    saisine_ids = [s.id or 0 for s in saisine_list]
    saisine_figs = queries.saisine_figures(session, saisine_list, ids)
    member_years, member_declared = queries.member_ages(session, saisine_ids, ids)
    gender_rows = queries.genders(session, saisine_ids, ids)

    # --- who participates
    year = counters.reference_year(session, edition.id) if edition and edition.id else None
    this_year = date.today().year
    ages = []
    if edition is not None:
        ages.append(_age_group("votants", _("Votants du budget participatif"), voter_bands))
        author_years = queries.author_birth_years(session, edition.id, ids)
        ages.append(
            _age_group(
                "auteurs", _("Auteurs de propositions"), bands.count_bands(author_years, year or this_year)
            )
        )
    ages.append(
        _age_group(
            "fph",
            _("Porteurs de demandes FPH"),
            bands.count_bands(queries.applicant_birth_years(session, f.annee, ids), this_year),
        )
    )
    member_counts = bands.count_bands(member_years, this_year)
    for key, n in member_declared.items():
        member_counts[key if key in member_counts else bands.UNKNOWN] += n
    ages.append(
        _age_group(
            "assemblee",
            _("Membres de l'assemblée citoyenne"),
            member_counts,
            _("Âge déclaré à l'inscription pour les membres sans compte."),
        )
    )

    # --- charts
    charts: dict[str, Chart] = {}
    line_list = [lines[r.id] for r in scope]
    if edition is not None:
        by_secteur: dict[str, list[QpvLine]] = defaultdict(list)
        for line in line_list:
            by_secteur[line.qpv.secteur_name or _("Sans secteur")].append(line)
        if len(by_secteur) > 1:
            items = []
            for name, group in sorted(by_secteur.items()):
                pop = sum(g.qpv.population for g in group)
                v = sum(g.voters for g in group)
                share = bands.rate(v, pop)
                items.append((name, share or 0.0, format_percent(share)))
            charts["participation"] = bar_chart(
                "participation", _("Part des habitants qui ont voté, par secteur"), items
            )
        else:
            items = [(line.qpv.name, line.rate or 0.0, format_percent(line.rate)) for line in line_list]
            charts["participation"] = bar_chart(
                "participation", _("Part des habitants qui ont voté, par quartier"), items
            )
        total_voters = sum(line.voters for line in line_list)
        total_pop = sum(line.qpv.population for line in line_list)
        if total_voters and len(by_secteur) > 1:
            charts["territoire"] = compare_chart(
                "territoire",
                _("D'où viennent les votants, comparé à la population"),
                [
                    (
                        name,
                        sum(g.voters for g in group) / total_voters,
                        sum(g.qpv.population for g in group) / total_pop if total_pop else None,
                        format_percent(sum(g.voters for g in group) / total_voters, 0),
                        format_percent(
                            sum(g.qpv.population for g in group) / total_pop if total_pop else None, 0
                        ),
                    )
                    for name, group in sorted(by_secteur.items())
                ],
                (_("Votants"), _("Population")),
            )
    if envelope_lines:
        charts["argent"] = compare_chart(
            "argent",
            _("Budget participatif : argent prévu et argent décidé"),
            [
                (
                    e.envelope.label,
                    float(e.envelope.amount),
                    float(e.result.spent) if e.result else None,
                    format_euros(e.envelope.amount),
                    format_euros(e.result.spent) if e.result else _("pas encore voté"),
                )
                for e in envelope_lines
            ],
            (_("Enveloppe"), _("Projets choisis")),
        )
    if any(g.members for g in gender_rows):
        total_members = sum(g.members for g in gender_rows)
        charts["genre"] = compare_chart(
            "genre",
            _("Genre des membres de l'assemblée, comparé à la population"),
            [
                (
                    g.label,
                    g.members / total_members,
                    g.reference,
                    format_percent(g.members / total_members, 0),
                    format_percent(g.reference, 0),
                )
                for g in gender_rows
            ],
            (_("Membres"), _("Population (estimation)")),
        )

    secteur_choices = sorted(
        {(r.secteur_slug, r.secteur_name) for r in covered_rows if r.secteur_slug and r.secteur_name},
        key=lambda s: s[1],
    )
    return Dashboard(
        filters=f,
        editions=editions,
        edition=edition,
        years=queries.fph_years(session),
        secteurs=[(s, n) for s, n in secteur_choices if s is not None and n is not None],
        qpvs=[r for r in covered_rows if edition_ids is None or r.id in edition_ids],
        lines=line_list,
        population=sum(r.population for r in scope),
        voters=voters,
        voters_unknown_qpv=unknown,
        channels=dict(channels),
        proposals=proposals,
        eligible=eligible,
        winners=winners,
        envelopes=envelope_lines,
        bp_amount=sum(e.envelope.amount for e in envelope_lines),
        bp_decided=sum(e.result.spent for e in envelope_lines if e.result),
        fph=fph_total,
        saisines=saisine_figs,
        ages=ages,
        genders=gender_rows,
        charts=charts,
        counters_note=note,
        rebuild_edition=rebuild_edition,
    )


def summary_lines(d: Dashboard) -> Sequence[tuple[str, str]]:
    """The key figures as (label, value) for the PDF and the page header."""
    out = [(_("Habitants des quartiers choisis"), format_number(d.population))]
    if d.edition is not None:
        out += [
            (_("Votants"), format_number(d.voters)),
            (_("Part des habitants qui ont voté"), format_percent(d.rate)),
            (_("Propositions déposées"), format_number(d.proposals)),
            (_("Projets choisis par le vote"), format_number(d.winners)),
            (_("Argent décidé (budget participatif)"), format_euros(d.bp_decided)),
        ]
    out += [
        (_("Demandes FPH"), format_number(d.fph.applications)),
        (_("Argent accordé (FPH)"), format_euros(d.fph.granted_cents / 100)),
    ]
    return out


def as_context(d: Dashboard) -> dict[str, Any]:
    return {"d": d, "summary": summary_lines(d), "band_label": bands.band_label, "gap_text": bands.gap_text}
