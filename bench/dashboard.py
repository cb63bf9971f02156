"""COPIL dashboard with 1,000,000 ballots: how long a page takes once the counters exist.

Creates its own database next to the one named by DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test → « test_bench_dashboard »), migrates it, loads the
territories, one edition of the budget participatif in its vote phase with one envelope per
Marseille secteur, then bulk-loads (COPY) N residents, N voters (bp_voter) and N ballots
(bp_ballot). It prints:

* the live count of voters per envelope (index-only, done on every view);
* the first build of the maintained counters (once per edition, or a reconciliation);
* the dashboard page itself (HTML, every query and the chart rendering), warm, over 30 requests;
* an incremental refresh after 1,000 more voters arrived, and the page right after.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/dashboard.py [N]

Figures are printed, never asserted: the tests check the figures are right, this checks speed.
"""

from __future__ import annotations

import os
import random
import secrets
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from backend.db import create_sibling_database, make_engine, normalize_url, run_migrations, session_scope  # noqa: E402

BASE = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "bench password 2026"  # noqa: S105 - a throwaway account in a throwaway database


def fresh_database(base: str) -> str:
    return create_sibling_database(base, f"{make_url(normalize_url(base)).database}_bench_dashboard")


def setup(url: str) -> tuple[int, dict[str, int], list[tuple[int, str]]]:
    """Territories, one edition in its vote phase with an envelope per secteur, a COPIL member."""
    from backend.accounts import service as accounts
    from backend.accounts.grants import grant_role
    from backend.accounts.models import Role, ScopeKind
    from backend.budget.models import PhaseKey
    from backend.budget.service.editions import EditionSettings, create_edition
    from backend.demo import load_territories
    from backend.ledger.service import SYSTEM, ActorRef

    engine = make_engine(url, poolclass=NullPool)
    with session_scope(engine) as session:
        load_territories(session)
        # Created as an administrator would (one envelope per secteur), then opened to the vote.
        settings = EditionSettings(
            name="Budget participatif (bench)",
            territory_kind="commune",
            territory_codes=["13055"],
            envelope_scope="secteur",
            slug="bench",
            default_amount=500_000,
            dates={PhaseKey.vote: (date(2026, 11, 9), None)},
        )
        edition = create_edition(session, ActorRef(role="admin", id="bench"), settings)
        edition.phase = PhaseKey.vote
        copil = accounts.register(
            session, identifier="copil@bench.example", password=PASSWORD, display_name="COPIL bench"
        )
        grant_role(session, SYSTEM, copil, Role.copil, ScopeKind.commune, "13055")
    engine.dispose()
    return existing(url)


def existing(url: str) -> tuple[int, dict[str, int], list[tuple[int, str]]]:
    """The bench edition's id, its envelope ids by secteur, and every QPV with its secteur."""
    from backend.budget.models import Edition, Envelope
    from backend.territory.models import Qpv, Secteur

    engine = make_engine(url, poolclass=NullPool)
    with Session(engine) as session:
        edition = session.exec(select(Edition).where(Edition.slug == "bench")).one()
        envelopes = {e.scope_code: int(e.id) for e in session.exec(select(Envelope)).all()}  # type: ignore[arg-type]
        rows = session.exec(select(Qpv.id, Secteur.slug).join(Secteur, Secteur.id == Qpv.secteur_id)).all()  # type: ignore[arg-type]
    engine.dispose()
    return int(edition.id), envelopes, [(int(q), s) for q, s in rows]  # type: ignore[arg-type]


def bulk_load(
    url: str, edition_id: int, envelopes: dict[str, int], qpvs: list[tuple[int, str]], n: int, start: int = 0
) -> None:
    """n residents, their voter rows and n anonymous ballots, with COPY."""
    import psycopg

    rng = random.Random(2026 + start)
    now = datetime.now(UTC)

    def residents() -> Iterator[tuple[int, int, int, str]]:
        """Each new resident's number, QPV, envelope and channel: their user, voter and ballot agree."""
        for i in range(n):
            qpv_id, slug = qpvs[i % len(qpvs)]
            yield i, qpv_id, envelopes[slug], "paper" if i % 7 == 0 else "online"

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM user_account")
        first_user = cur.fetchone()[0] + 1  # type: ignore[index]
        with cur.copy(
            "COPY user_account (id, public_id, display_name, birth_year, qpv_id, residence_status, "
            "session_version, is_active, created_at) FROM STDIN"
        ) as copy:
            for i, qpv_id, _envelope_id, _channel in residents():
                birth = rng.randint(1935, 2016) if i % 50 else None
                copy.write_row(
                    (first_user + i, f"b{start + i:015x}", "Votant", birth, qpv_id, "declared", 0, True, now)
                )
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('user_account', 'id'), (SELECT max(id) FROM user_account))"
        )
        with cur.copy(
            "COPY bp_voter (edition_id, user_id, envelope_id, channel, voted_at) FROM STDIN"
        ) as copy:
            for i, _qpv_id, envelope_id, channel in residents():
                copy.write_row((edition_id, first_user + i, envelope_id, channel, now))
        with cur.copy(
            "COPY bp_ballot (id, edition_id, envelope_id, choices, receipt_hash, channel) FROM STDIN"
        ) as copy:
            for _i, _qpv_id, envelope_id, channel in residents():
                choices = " ".join(str(p) for p in sorted(rng.sample(range(1, 40), 3)))
                copy.write_row(
                    (secrets.token_hex(16), edition_id, envelope_id, choices, secrets.token_hex(32), channel)
                )
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE user_account")
        conn.execute("VACUUM ANALYZE bp_voter")
        conn.execute("VACUUM ANALYZE bp_ballot")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 1_000_000
    if "--reuse" in sys.argv:  # the database of a previous run, as it was left
        url = make_url(normalize_url(BASE))
        url = url.set(database=f"{url.database}_bench_dashboard").render_as_string(hide_password=False)
        edition_id, envelopes, qpvs = existing(url)
        print(f"reusing {make_url(url).render_as_string(hide_password=True)}")
    else:
        url = fresh_database(BASE)
        print(f"database: {make_url(url).render_as_string(hide_password=True)}")
        t = time.perf_counter()
        run_migrations(url)
        edition_id, envelopes, qpvs = setup(url)
        print(f"migrated and set up in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        bulk_load(url, edition_id, envelopes, qpvs, n)
        print(f"loaded {n:,} residents, voters and ballots in {time.perf_counter() - t:.1f} s")

    from fastapi.testclient import TestClient

    from backend.app import create_app
    from backend.config import Settings
    from backend.results import counters

    engine = make_engine(url)
    with Session(engine) as session:
        timings = []
        for _ in range(5):
            t = time.perf_counter()
            live = counters.live_counts(session, edition_id)
            timings.append(time.perf_counter() - t)
        print(
            f"live count per envelope ({sum(live.values()):,} voters):  median {ms(statistics.median(timings))}"
        )
        t = time.perf_counter()
        counters.rebuild(session, edition_id)
        session.commit()
        print(f"first build of the maintained counters:       {ms(time.perf_counter() - t)}")

    settings = Settings(
        env="test",
        database_url=url,
        secret_key="bench-secret-key-0123456789-abcdefghijkl",  # noqa: S106 - throwaway database
        geocoder_enabled=False,
    )
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        client.get("/connexion")
        import base64
        import json

        payload = client.cookies["qp_session"].split(".")[0]
        token = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))["csrf"]
        r = client.post(
            "/connexion",
            data={"identifier": "copil@bench.example", "password": PASSWORD, "csrf_token": token},
        )
        assert r.status_code == 303, r.text
        pages = {
            "dashboard (all secteurs)": "/resultats/tableau-de-bord?edition=bench",
            "dashboard (one secteur)": "/resultats/tableau-de-bord?edition=bench&secteur=nord-est",
            "dashboard (one QPV)": "/resultats/tableau-de-bord?edition=bench&quartier=QN01342I",
        }
        for label, path in pages.items():
            client.get(path)  # warm-up: templates compiled, connections open
            timings = []
            for _ in range(30):
                t = time.perf_counter()
                r = client.get(path)
                timings.append(time.perf_counter() - t)
                assert r.status_code == 200, r.text[:500]
            timings.sort()
            print(
                f"{label:<28} median {ms(statistics.median(timings))}  p95 {ms(timings[int(len(timings) * 0.95) - 1])}"
                f"  max {ms(timings[-1])}"
            )
        bulk_load(url, edition_id, envelopes, qpvs, 1000, start=n + secrets.randbelow(10**9))
        t = time.perf_counter()
        r = client.get("/resultats/tableau-de-bord?edition=bench")
        print(
            f"dashboard right after 1,000 new voters:       {ms(time.perf_counter() - t)} (incremental refresh included)"
        )
        assert r.status_code == 200
    engine.dispose()
    app.state.engine.dispose()


if __name__ == "__main__":
    main()
