"""JSON API of the published results and of the receipt check: after the vote, or during it
for a voter checking that their ballot is recorded (the code goes in the body, never the address)."""

from __future__ import annotations

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from backend.api import API_V1, ApiRouter
from backend.budget.service import editions
from backend.budget.voting import results, service
from backend.budget.voting.secrecy import normalize_receipt, receipt_hash
from backend.deps import DbSession
from backend.errors import Invalid, NotFound, error_responses
from backend.i18n import gettext as _

router = ApiRouter(prefix="/budget", tags=["budget participatif : vote"])


class EnvelopeResultPublic(BaseModel):
    envelope: str
    label: str
    counting_rule: str
    voters: int
    population: int | None
    amount: int
    spent: int
    selected: list[str]
    scores: dict[str, dict[str, int | list[int]]] = Field(
        description="Par numéro de projet : « votes » (nombre de voix), ou pour le jugement majoritaire "
        "« grades » (nombre de chaque mention, d'Insuffisant à Très bien) et « majority » (la mention majoritaire)."
    )
    file: str
    sha256: str


class ResultsPublic(BaseModel):
    edition: str
    envelopes: list[EnvelopeResultPublic]
    files: dict[str, str]


class ReceiptCheckPublic(BaseModel):
    found: bool
    published: bool
    envelope: str | None = None
    fingerprint: str | None = None
    choices: str | None = None


@router.get("/editions/{slug}/resultats", responses=error_responses(404))
def edition_results(session: DbSession, slug: str) -> ResultsPublic:
    """Published results per envelope, with each published file's SHA-256."""
    edition = editions.public_edition(session, slug)
    found = results.results_of(session, edition)
    if not found:
        raise NotFound(_("Les résultats seront publiés à la fin du vote."))
    envs = results.envelope_labels(session, edition)
    return ResultsPublic(
        edition=edition.slug,
        envelopes=[
            EnvelopeResultPublic(
                envelope=envs[r.envelope_id].scope_code,
                label=envs[r.envelope_id].label,
                counting_rule=r.counting_rule,
                voters=r.voters,
                population=r.population,
                amount=r.amount,
                spent=r.spent,
                selected=r.selected,
                scores=r.scores,
                file=r.file_name,
                sha256=r.file_sha256,
            )
            for r in found
        ],
        files={p.name: p.sha256 for p in results.publications(session, edition)},
    )


class ReceiptIn(BaseModel):
    code: str = Field(max_length=40, description="Le code du reçu, par exemple 7K3M-Q9XD-2HRA.")


@router.post(
    "/editions/{slug}/recus/verifier",
    responses=error_responses(
        403, 404, e422="Code mal formé (12 caractères), ou informations manquantes ou pas au bon format"
    ),
)
def check_receipt(session: DbSession, slug: str, body: ReceiptIn) -> ReceiptCheckPublic:
    """Is the ballot of this receipt recorded (during the vote) or in the published file (after)?
    The code goes in the body, never in the address (browser history, server logs)."""
    edition = editions.public_edition(session, slug)
    canonical = normalize_receipt(body.code)
    if canonical is None:
        raise Invalid(
            _("Ce code n'a pas la bonne forme : il a 12 caractères, par exemple 7K3M-Q9XD-2HRA."),
            field="code",
        )
    if results.results_of(session, edition):
        check = results.check_published_receipt(session, edition, receipt_hash(canonical))
        return ReceiptCheckPublic(
            found=check.found,
            published=True,
            envelope=check.envelope,
            fingerprint=check.fingerprint,
            choices=check.choices,
        )
    recorded = service.ballot_by_receipt(session, edition.id, canonical) is not None
    return ReceiptCheckPublic(found=recorded, published=False)


@router.get("/editions/{slug}/recus/{code}", include_in_schema=False)
def old_receipt_check(slug: str, code: str) -> JSONResponse:
    """The former check, with the code in the address: it answers without looking the code up."""
    return JSONResponse(
        {
            "detail": _("Pour vérifier un reçu, envoyez son code par POST à %(url)s (jamais dans l'adresse).")
            % {"url": f"{API_V1}{router.prefix}/editions/{slug}/recus/verifier"},
            "field": "code",
        },
        status_code=410,
        headers={"Cache-Control": "no-store"},
    )


__all__ = ["router"]
