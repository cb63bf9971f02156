"""``qp export-pb EDITION``: write a closed edition's published ballots as pabulib files."""

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
