"""The `qp` command on a scratch SQLite database: migrate, demo (idempotent), import-qpv, ledger verify."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend.cli import app

DATA = Path(__file__).resolve().parents[1] / "backend" / "territory" / "data"


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"DATABASE_URL": f"sqlite:///{db}", "APP_ENV": "test"})
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch database after `qp migrate` and `qp demo` (each test works on its own copy)."""
    db = tmp_path_factory.mktemp("cli") / "qp.sqlite3"
    code, out = run(db, "migrate")
    assert code == 0, out
    code, out = run(db, "demo")
    assert code == 0, out
    assert "admin@demo.quartiers.fr" in out and "quartiers2026" in out
    return db


@pytest.fixture
def scratch(demo_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "qp.sqlite3"
    with sqlite3.connect(demo_db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return copy


def test_migrate_demo_and_verify(scratch: Path) -> None:
    code, first = run(scratch, "ledger", "verify")
    assert code == 0 and first.startswith("ok ")
    # The demo is idempotent: running it again adds nothing.
    code, _ = run(scratch, "demo")
    assert code == 0
    code, second = run(scratch, "ledger", "verify")
    assert second == first
    with sqlite3.connect(scratch) as db:
        assert db.execute("select count(*) from qpv").fetchone()[0] == 71
        from backend.demo import PEOPLE

        emails = [p.identifier for p in PEOPLE if "@" in p.identifier]
        marks = ",".join("?" * len(emails))
        found = db.execute(f"select count(*) from user_account where email in ({marks})", emails).fetchone()[
            0
        ]  # noqa: S608
        assert found == len(emails) == 9  # one more resident: e-mail confirmed, address declared


def test_import_qpv_both_formats_and_bad_file(scratch: Path, tmp_path: Path) -> None:
    code, out = run(scratch, "import-qpv", str(DATA / "qpv-paca.geojson"))
    assert code == 0, out
    assert out.startswith("ok 64 created 0 updated 71 unchanged")
    anct = tmp_path / "anct.geojson"
    anct.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {
                            "code_qp": "QN01342I",
                            "lib_qp": "Malpassé-Corot",
                            "insee_com": "13055",
                            "lib_com": "Marseille",
                        },
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[5.40, 43.32], [5.41, 43.32], [5.41, 43.33], [5.40, 43.32]]],
                        },
                    }
                ],
            }
        )
    )
    code, out = run(scratch, "import-qpv", str(anct))
    assert code == 0 and out.startswith("ok 0 created 1 updated"), out
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"properties": {"code_qp": "QN1"}}]}')
    code, out = run(scratch, "import-qpv", str(bad))
    assert code == 2
    assert "Fichier refusé" in out and "code de quartier invalide" in out
    code, out = run(scratch, "import-qpv", str(tmp_path / "missing.geojson"))
    assert code == 2 and "impossible de lire" in out


def test_ledger_verify_names_the_first_bad_entry(scratch: Path) -> None:
    code, out = run(scratch, "ledger", "verify")
    assert code == 0
    head = out.split()[-1]
    code, out = run(scratch, "ledger", "verify", "--expect-head", head)
    assert code == 0
    code, out = run(scratch, "ledger", "verify", "--expect-head", "0" * 64)
    assert code == 1 and "bad head" in out
    with sqlite3.connect(scratch) as db:
        db.execute("update ledger_entry set reason = 'falsifié' where seq = 3")
    code, out = run(scratch, "ledger", "verify")
    assert code == 1
    assert out.startswith("bad entry 3:")


def test_purge_runs(scratch: Path) -> None:
    code, out = run(scratch, "purge")
    assert code == 0, out
    assert out.startswith("erased 0 volunteer(s)")


def test_purge_deletes_old_codes_and_document_hashes_once_no_edition_needs_them(scratch: Path) -> None:
    from datetime import timedelta

    from sqlmodel import Session, col, select

    from backend.accounts.models import OneTimeCode, User
    from backend.budget.models import Edition
    from backend.db import make_engine, utcnow
    from backend.ledger.models import LedgerEntry

    engine = make_engine(f"sqlite:///{scratch}")
    now = utcnow()
    with Session(engine) as session:
        people = session.exec(select(User).order_by(col(User.id)).limit(2)).all()
        old_doc, new_doc = people
        old_doc.id_document_hash, old_doc.id_document_kind = "a" * 64, "carte_identite"
        old_doc.id_document_seen_at = now - timedelta(days=100)
        new_doc.id_document_hash, new_doc.id_document_kind = "b" * 64, "passeport"
        new_doc.id_document_seen_at = now - timedelta(days=10)
        ages = {  # code: (created, expires, used) in days from now
            "used-long-ago": (-50, 10, -40),
            "expired-long-ago": (-100, -40, None),
            "used-lately": (-6, 10, -5),
            "live": (-1, 59, None),
        }
        for name, (created, expires, used) in ages.items():
            session.add(
                OneTimeCode(
                    user_id=old_doc.id,
                    purpose="postal",
                    code_hash=name,
                    created_at=now + timedelta(days=created),
                    expires_at=now + timedelta(days=expires),
                    used_at=None if used is None else now + timedelta(days=used),
                )
            )
        session.add_all([old_doc, new_doc])
        session.commit()
        ids = (old_doc.id, new_doc.id)

    code, out = run(scratch, "purge")
    assert code == 0, out
    assert "erased 2 one-time code(s) and 0 identity-document hash(es)" in out  # the demo's vote is open
    with Session(engine) as session:
        left = set(session.exec(select(OneTimeCode.code_hash)).all())
        assert {"used-lately", "live"} <= left and not {"used-long-ago", "expired-long-ago"} & left
        for edition in session.exec(select(Edition)).all():  # every edition closed long ago
            edition.phase = "realisation"
            edition.phase_changed_at = now - timedelta(days=200)
            session.add(edition)
        session.commit()

    code, out = run(scratch, "purge")
    assert "erased 0 one-time code(s) and 1 identity-document hash(es)" in out
    with Session(engine) as session:
        old_doc, new_doc = (session.get(User, i) for i in ids)  # type: ignore[assignment]
        assert old_doc.id_document_hash is None and old_doc.id_document_seen_at is None
        assert new_doc.id_document_hash == "b" * 64  # seen lately: kept
        entry = session.exec(
            select(LedgerEntry).where(LedgerEntry.action == "accounts.verification_data_erased")
        ).all()[-1]
        assert json.loads(entry.payload) == {"codes": 0, "documents": 1}
    engine.dispose()
