"""``qp export-pb EDITION``: write a closed edition's published ballots as pabulib files.
``qp receipt check --file FILE --code CODE``: check a receipt offline in the published ballots."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path


def export_pb_command(slug: str, out: Path) -> int:
    """Write one ``.pb`` per envelope into ``out`` (byte for byte the published files, whose
    SHA-256 is in the journal) and print each path with its SHA-256; 2 if nothing to export."""
    from backend.budget.voting.results import export_pb
    from backend.config import Settings
    from backend.db import make_engine, session_scope
    from backend.errors import DomainError

    engine = make_engine(Settings().database_url)
    try:
        with session_scope(engine) as session:
            files = export_pb(session, slug)
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if not files:
        print("error: this edition has no published ballots", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    for name, text in sorted(files.items()):
        path = out / name
        path.write_bytes(text.encode("utf-8"))
        print(f"{path} {hashlib.sha256(text.encode('utf-8')).hexdigest()}")
    return 0


def receipt_check_command(file: Path, code: str) -> int:
    """``qp receipt check --file FILE --code CODE``: is this receipt in a published ballots file
    (the edition's CSV)? Offline: only the file and the code are read. 0 if found, 1 otherwise."""
    import csv
    import io

    from backend.budget.voting.secrecy import fingerprint, receipt_hash
    from backend.i18n import gettext as _

    try:
        digest = receipt_hash(code)
    except ValueError:
        print(_("Ce code n'est pas un reçu. Un reçu a 12 lettres et chiffres, par exemple 7K3M-Q9XD-2HRA."))
        return 1
    try:
        content = file.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        print(_("Le fichier %(file)s ne peut pas être lu.") % {"file": file})
        return 1
    rows = csv.DictReader(io.StringIO(content), delimiter=";")
    if not rows.fieldnames or "choix" not in rows.fieldnames:
        print(_("Le fichier %(file)s n'est pas un fichier de bulletins publié (CSV).") % {"file": file})
        return 1
    print(_("Empreinte SHA-256 de votre reçu : %(hash)s") % {"hash": digest})
    for row in rows:
        # Files published before the full hash was added carry only its first 16 digits.
        if row.get("recu_sha256") == digest or (
            not row.get("recu_sha256") and row.get("empreinte_recu") == fingerprint(digest)
        ):
            print(_("Oui : votre reçu est dans le fichier %(file)s.") % {"file": file.name})
            print(_("Enveloppe : %(envelope)s") % {"envelope": row.get("enveloppe", "")})
            print(_("Choix : %(choices)s") % {"choices": row.get("choix") or _("aucun projet")})
            return 0
    print(
        _(
            "Non : ce reçu n'est pas dans le fichier %(file)s. Vérifiez le code. "
            "Si vous avez changé votre vote, seul le dernier reçu compte."
        )
        % {"file": file.name}
    )
    return 1
