"""Open data: the index with licence and schemas, every dataset as CSV, JSON, ODS and XLSX for
anyone without an account, the data package, the PDF report of an edition's results."""

from __future__ import annotations

import json
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from backend.deps import DbSession
from backend.errors import NotFound
from backend.i18n import gettext as _
from backend.ledger.service import head
from backend.rendering import fmt_eur, fmt_int, fmt_pct, render
from backend.results import opendata, queries
from backend.results.pdf import Document, generated_on, hash_block
from backend.results.views.public import journal_head

router = APIRouter(include_in_schema=False)
CSV = "text/csv; charset=utf-8"
JSON = "application/json; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
FORMATS = ("csv", "json", "ods", "xlsx")


def _base(request: Request) -> str:
    return str(request.app.state.settings.base_url).rstrip("/")


def _split(filename: str, allowed: tuple[str, ...]) -> tuple[opendata.Dataset, str]:
    name, _dot, ext = filename.rpartition(".")
    dataset = opendata.BY_NAME.get(name)
    if dataset is None or ext not in allowed:
        raise NotFound(_("Ce fichier de données n'existe pas."))
    return dataset, ext


@router.get("/open-data")
def index(request: Request, session: DbSession) -> Response:
    return render(
        request,
        "results/opendata.html",
        {
            "datasets": opendata.DATASETS,
            "licence": opendata.LICENCE,
            "editions": queries.public_editions(session),
            "publications": queries.publications(session),
            "formats": FORMATS,
            **journal_head(session),
        },
    )


@router.get("/open-data/datapackage.json")
def datapackage(request: Request) -> Response:
    body = json.dumps(opendata.datapackage(_base(request)), ensure_ascii=False, indent=1)
    return Response(body, media_type=JSON)


@router.get("/open-data/budget/{slug}/rapport.pdf")
def edition_report(session: DbSession, slug: str) -> Response:
    edition = opendata.edition_of(session, slug)
    if edition is None or edition.id is None:
        raise NotFound(_("Ce budget participatif n'existe pas."))
    results = {r.envelope_id: r for r in queries.results(session, edition.id)}
    envelopes = queries.envelopes(session, edition.id)
    doc = Document(
        _("Résultats — %(name)s") % {"name": edition.name},
        _("Quartiers Participatifs — rapport des résultats"),
    )
    voters = sum(r.voters for r in results.values())
    doc.facts(
        [
            (_("Argent prévu"), fmt_eur(sum(e.amount for e in envelopes))),
            (_("Argent des projets choisis"), fmt_eur(sum(r.spent for r in results.values()))),
            (_("Votants"), fmt_int(voters) if results else _("pas encore compté")),
        ]
    )
    if not results:
        doc.para(
            _("Le vote n'est pas encore compté. Ce rapport sera complet après la publication des résultats.")
        )
    titles = dict(queries.proposal_titles(session, edition.id))
    for envelope in envelopes:
        result = results.get(envelope.id or 0)
        doc.h2(envelope.label)
        if result is None:
            doc.para(
                _("Enveloppe de %(amount)s. Pas encore de résultat.") % {"amount": fmt_eur(envelope.amount)}
            )
            continue
        rate = result.voters / result.population if result.population else None
        doc.para(
            _(
                "%(voters)s votants (%(rate)s des habitants). Enveloppe : %(amount)s ; projets choisis : %(spent)s."
            )
            % {
                "voters": fmt_int(result.voters),
                "rate": fmt_pct(rate),
                "amount": fmt_eur(result.amount),
                "spent": fmt_eur(result.spent),
            }
        )
        selected = {str(s) for s in result.selected}
        rows = []
        for pid, score in sorted(
            result.scores.items(),
            key=lambda kv: (
                -(kv[1].get("votes") or kv[1].get("majority") or 0) if isinstance(kv[1], dict) else 0
            ),
        ):
            value = score.get("votes", score.get("majority")) if isinstance(score, dict) else None
            rows.append(
                (
                    f"n° {pid}",
                    titles.get(int(pid), "") if str(pid).isdigit() else "",
                    fmt_int(value) if value is not None else "—",
                    _("oui") if str(pid) in selected else _("non"),
                )
            )
        doc.grid((_("Projet"), _("Titre"), _("Voix"), _("Retenu")), rows, (18, 110, 24, 22))
        doc.para(
            _("Fichier des bulletins : %(name)s — SHA-256 %(hash)s")
            % {"name": result.file_name, "hash": result.file_sha256},
            size=8,
            muted=True,
        )
    count, head_hash = head(session)
    hash_block(doc, count, head_hash)
    doc.para(generated_on(date.today()), size=8, muted=True)
    return Response(
        doc.output_bytes(),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="resultats-{edition.slug}.pdf"'},
    )


@router.get("/open-data/{filename}")
def dataset_file(request: Request, session: DbSession, filename: str) -> Response:
    dataset, ext = _split(filename, FORMATS)
    if ext == "csv":
        return Response(
            opendata.to_csv(dataset, session),
            media_type=CSV,
            headers={"Content-Disposition": f'inline; filename="{dataset.name}.csv"'},
        )
    if ext == "json":
        return Response(opendata.to_json(dataset, session, _base(request)), media_type=JSON)
    body = opendata.to_xlsx(dataset, session) if ext == "xlsx" else opendata.to_ods(dataset, session)
    return Response(
        body,
        media_type=XLSX if ext == "xlsx" else ODS,
        headers={"Content-Disposition": f'attachment; filename="{dataset.name}.{ext}"'},
    )


@router.get("/resultats/exports/{filename}")
def former_spreadsheet(filename: str) -> Response:
    """The spreadsheets' former, staff-only address: links and bookmarks lead to the open file."""
    dataset, ext = _split(filename, ("xlsx", "ods"))
    return RedirectResponse(f"/open-data/{dataset.name}.{ext}", status_code=308)
