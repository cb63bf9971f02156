"""Identity documents seen in person: only a keyed hash of the number is kept.

The number is normalised (upper case, no spaces, dashes or dots), then hashed with HMAC-SHA256 under
``Settings.id_document_key``: the same document gives the same hash at every voting point and desk, so
that one document takes part once per edition whatever the channel or the account (as CONSUL does with
the document number), while the number itself is never stored and cannot be recomputed without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from sqlmodel import Session

from backend.accounts.models import User
from backend.db import utcnow
from backend.errors import Invalid
from backend.i18n import N_
from backend.i18n import gettext as _

# Kind stored on the account → the label staff see (plain French, a fixed list).
DOCUMENT_KINDS: dict[str, str] = {
    "carte_identite": N_("Carte d'identité"),
    "passeport": N_("Passeport"),
    "titre_sejour": N_("Titre de séjour"),
    "permis_conduire": N_("Permis de conduire"),
    "autre": N_("Autre document officiel avec photo"),
}
MIN_NUMBER, MAX_NUMBER = 5, 30


def kind_label(kind: str | None) -> str:
    return _(DOCUMENT_KINDS[kind]) if kind in DOCUMENT_KINDS else ""


def document_kinds() -> list[tuple[str, str]]:
    """(kind, label) pairs for a select, in the request's language."""
    return [(key, _(label)) for key, label in DOCUMENT_KINDS.items()]


def normalise_number(number: str) -> str:
    return re.sub(r"[\s\-./]", "", number).upper()


def document_hash(key: str, number: str) -> str:
    """Keyed hash of a document number as typed (checked and normalised first)."""
    value = normalise_number(number)
    if not MIN_NUMBER <= len(value) <= MAX_NUMBER or not value.isalnum():
        raise Invalid(
            _("Recopiez le numéro du document : des lettres et des chiffres, entre 5 et 30 signes."),
            field="document_number",
        )
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


def check_kind(kind: str) -> str:
    if kind not in DOCUMENT_KINDS:
        raise Invalid(_("Choisissez le document d'identité que vous avez vu."), field="document_kind")
    return kind


def record_document(session: Session, user: User, *, key: str, kind: str, number: str) -> str:
    """Note on the account that this document was seen in person (kind, hash, date); returns the hash.

    Two accounts may carry the same hash: the vote then treats them as one person."""
    kind = check_kind(kind)
    digest = document_hash(key, number)
    user.id_document_hash = digest
    user.id_document_kind = kind
    user.id_document_seen_at = utcnow()
    session.add(user)
    session.flush()
    return digest
