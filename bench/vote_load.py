"""Load test of the vote: many concurrent clients submitting ballots to a running server on
PostgreSQL or SQLite, through the JSON API (bearer tokens), as phones would.

    .venv/bin/python bench/vote_load.py                      # 200 clients, 20 s, 2 workers
    .venv/bin/python bench/vote_load.py --clients 200 --duration 30 --workers 2 --client-procs 2
    .venv/bin/python bench/vote_load.py --database-url sqlite:////tmp/vote_bench.sqlite3 --rate 200

What it does: creates its own database next to ``--database-url`` (default
postgresql://postgres@127.0.0.1:5432/test → ``test_vote_bench``; with a ``sqlite:///path`` URL,
a fresh file at that path, deleted afterwards), migrates it, loads the territories, creates an edition in its vote phase (one envelope per QPV, 6 projects each,
approval 1 to 3), inserts the voters (residents of the edition's QPV), mints their API tokens,
starts ``uvicorn backend.app:create_app --factory --workers N``, warms it up, then runs
``--clients`` concurrent clients (asyncio, one keep-alive connection each, split over
``--client-procs`` processes) for
``--duration`` seconds: each client casts ballots for fresh voters, one request per ballot.
It prints the sustained ballots per second, the latency percentiles and the answers by HTTP
status (``server_errors`` counts the 5xx, which must be 0), checks that the
database holds exactly one voter row and one ballot per accepted request, then stops the
server and drops the database (``--keep`` keeps it).

Everything runs on this machine: the load generator, the two workers and PostgreSQL share the
same cores, so the figures are a lower bound of what the server alone would do. Nothing is
asserted: the figures are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402
from sqlmodel import col  # noqa: E402

from backend.db import (  # noqa: E402
    create_sibling_database,
    drop_sibling_database,
    make_engine,
    normalize_url,
    run_migrations,
    session_scope,
    utcnow,
)

SECRET = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105 - a throwaway bench database
QPV = ("QN01342I", "QN01344M", "QN01352M", "QN01332M", "QN01330M", "QN01354M", "QN01338I", "QN01334I")


def prepare(url: str, voters: int) -> tuple[str, list[str], dict[int, list[str]]]:
    """The edition (in vote), its projects per QPV and the voters' tokens."""
    from backend.accounts.models import Role
    from backend.budget.demo import edition_settings
    from backend.budget.models import ProposalStatus
    from backend.budget.rules import DEFAULT_CHECKLIST, DEFAULT_THEMES, Answer, ProposalInput
    from backend.budget.service import editions, instruction, moderation, proposals
    from backend.budget.voting.context import build_context
    from backend.budget.voting.tokens import issue_token
    from backend.demo import load_territories
    from backend.ledger.service import ActorRef
    from backend.registry import build_registry
    from backend.territory.models import Qpv

    admin = ActorRef(role=Role.admin, id="bench")
    registry = build_registry()
    registry.import_models()
    hooks = registry.phase_hooks("bp")
    engine = make_engine(url)
    with session_scope(engine) as session:
        load_territories(session)
        edition = editions.create_edition(
            session,
            admin,
            edition_settings(
                name="Banc d'essai du vote",
                slug="banc-essai",
                territory_kind="qpv",
                territory_codes=list(QPV),
                envelope_scope="qpv",
                default_amount=300_000,
                min_voting_age=16,
                ballot_min=1,
                ballot_max=3,
                dates={"vote": (date(2026, 11, 9), date(2026, 12, 6))},
            ),
        )
        editions.change_phase(session, admin, edition, "depot", hooks=hooks)
        author_id = None
        from backend.accounts import service as accounts

        author = accounts.register(
            session,
            identifier="auteur@bench.test",
            password=None,
            display_name="Auteur",
            registered_by="bench",
        )
        author_id = author.id
        made = []
        for code in QPV:
            for n in range(6):
                data = ProposalInput(
                    f"Projet {n + 1} du quartier {code}",
                    "Un projet pour le banc d'essai du vote, avec une description assez longue pour être valable.",
                    DEFAULT_THEMES[0]["key"], code, "", str(20_000 + 10_000 * n), "",
                )  # fmt: skip
                p = proposals.save_draft(session, edition, None, data, author=author)
                proposals.submit(session, admin, edition, p, data)
                moderation.publish(session, admin, p)
                made.append((p, 20_000 + 10_000 * n))
        editions.change_phase(session, admin, edition, "instruction", hooks=hooks)
        answers = {c["key"]: Answer(True, "Oui.") for c in DEFAULT_CHECKLIST}
        for p, cost in made:
            instruction.instruct(
                session, admin, edition, p, answers=answers, decision=ProposalStatus.eligible,
                services_cost=cost, services_operating_cost=None,
            )  # fmt: skip
        editions.change_phase(session, admin, edition, "vote", hooks=hooks)
        ctx = build_context(session, edition)
        qpv_ids = list(session.execute(select(col(Qpv.id)).where(col(Qpv.code).in_(QPV))).scalars())
        projects = {q: [p.id for p in ctx.envelopes[ctx.envelope_by_qpv[q]].projects] for q in qpv_ids}
        assert author_id is not None
        assert session.get(Qpv, qpv_ids[0]) is not None
    # Voters: inserted in bulk (registering them one by one is not what is measured).
    rows = [
        {
            "public_id": f"b{n:015d}",
            "email": f"votant{n}@bench.test",
            "display_name": f"Votant {n}",
            "birth_year": 1950 + n % 50,
            "qpv_id": qpv_ids[n % len(qpv_ids)],
            "created_at": utcnow(),
        }
        for n in range(voters)
    ]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO user_account (public_id, email, display_name, birth_year, qpv_id, residence_status, "
                "session_version, is_active, created_at) VALUES (:public_id, :email, :display_name, :birth_year, "
                ":qpv_id, 'declared', 0, :active, :created_at)"
            ),
            [{**row, "active": True} for row in rows],
        )
        ids = conn.execute(
            text(
                "SELECT id, qpv_id FROM user_account WHERE email LIKE '%@bench.test' AND id <> :a ORDER BY id"
            ),
            {"a": author_id},
        ).all()
    engine.dispose()
    tokens = [f"{issue_token(SECRET, uid, 0)}|{qpv}" for uid, qpv in ids]
    return "banc-essai", tokens, projects


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "APP_SECRET_KEY": SECRET,
        "APP_DOCUMENT_KEY": SECRET + "-documents",
        "APP_ENV": "test",  # prod refuses the console backends and a password-less DATABASE_URL; nothing else differs
        "APP_GEOCODER_ENABLED": "false",
        "APP_MAIL_BACKEND": "console",
    }
    cmd = [
        sys.executable, "-m", "uvicorn", "backend.app:create_app", "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(cmd, cwd=ROOT, env=env)


async def _client_proc(
    base: str,
    slug: str,
    tokens: list[str],
    projects: dict[int, list[str]],
    clients: int,
    duration: float,
    seed: int,
    rate: float = 0.0,
) -> dict[str, Any]:
    """``clients`` concurrent clients, each on its own keep-alive HTTP/1.1 connection.

    The requests are written by hand on asyncio streams: httpx's AsyncClient spent 12 to 37 ms
    of CPU per request here (more than the server), which measured the load generator, not the
    server. httpx is still used for the readiness checks."""
    rng = random.Random(seed)
    queue = list(reversed(tokens))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    host, port = base.removeprefix("http://").split(":")
    path = f"/api/v1/budget/editions/{slug}/bulletin"
    started = time.perf_counter()
    window = [float("inf"), 0.0]
    deadline = started + duration

    # Paced mode (rate > 0): each client sends on its own Poisson schedule, so the server is
    # offered `rate` ballots/s in total; latency counts from the *scheduled* time, so a slow
    # server cannot hide its queue (no coordinated omission).
    per_client = rate / clients if rate else 0.0

    async def one_client() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        scheduled = time.perf_counter() + (rng.expovariate(per_client) if per_client else 0.0)
        try:
            while queue and time.perf_counter() < deadline:
                if per_client:
                    wait = scheduled - time.perf_counter()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    if scheduled >= deadline:
                        break
                token, qpv = queue.pop().split("|")
                body = json.dumps({"projects": rng.sample(projects[int(qpv)], rng.randint(1, 3))}).encode()
                head = (
                    f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                ).encode()
                t0 = scheduled if per_client else time.perf_counter()
                if per_client:
                    scheduled += rng.expovariate(per_client)
                writer.write(head + body)
                try:
                    status = int((await reader.readline()).split()[1])
                    length = 0
                    while (line := await reader.readline()) not in (b"\r\n", b""):
                        if line.lower().startswith(b"content-length:"):
                            length = int(line.split(b":")[1])
                    await reader.readexactly(length)
                except (ConnectionError, IndexError, asyncio.IncompleteReadError):
                    # The server closed the connection (it does after an error): count it, reconnect.
                    statuses[0] = statuses.get(0, 0) + 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, int(port))
                    continue
                done = time.perf_counter()
                latencies.append(done - t0)
                window[0] = min(window[0], t0)
                window[1] = max(window[1], done)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    await asyncio.gather(*(one_client() for _ in range(clients)))
    # The measured window: first request sent (or scheduled) to last answer received.
    elapsed = window[1] - window[0] if latencies else time.perf_counter() - started
    return {"elapsed": elapsed, "latencies": latencies, "statuses": statuses}


def client_proc(args: tuple[Any, ...]) -> dict[str, Any]:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    return asyncio.run(_client_proc(*args))


def _cpu_seconds(pid: int) -> float:
    """utime + stime of one process, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


def _postgres_backends(database: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if cmdline.startswith("postgres:") and f" {database} " in cmdline.replace("\x00", " "):
                pids.append(int(entry.name))
    return pids


def cpu_snapshot(server_pid: int, database: str) -> dict[str, dict[int, float]]:
    """CPU seconds used so far by each process of the server (master and workers) and by each
    backend of the bench database."""
    return {
        "server": {p: _cpu_seconds(p) for p in [server_pid, *_children(server_pid)]},
        "postgres": {p: _cpu_seconds(p) for p in _postgres_backends(database)},
    }


def cpu_used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]], key: str) -> float:
    """CPU seconds between the snapshots (a process started in between counts from zero)."""
    return sum(max(0.0, cpu - before[key].get(pid, 0.0)) for pid, cpu in after[key].items())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def measure(
    args: argparse.Namespace,
    server: subprocess.Popen[bytes],
    name: str,
    url: str,
    base: str,
    slug: str,
    tokens: list[str],
    projects: dict[int, list[str]],
    rate: float,
) -> dict[str, Any]:
    """One measured run (saturation when rate is 0, else paced at `rate`); prints and returns it."""
    before = cpu_snapshot(server.pid, name)
    client_before = os.times()
    per = max(1, args.client_procs)
    shares = [tokens[i::per] for i in range(per)]
    jobs = [
        (base, slug, shares[i], projects, args.clients // per, args.duration, i + 1, rate / per)
        for i in range(per)
    ]
    if per == 1:
        outs = [client_proc(jobs[0])]
    else:
        with mp.get_context("spawn").Pool(per) as pool:
            outs = pool.map(client_proc, jobs)
    after = cpu_snapshot(server.pid, name)
    client_after = os.times()
    client_cpu = sum(
        getattr(client_after, f) - getattr(client_before, f)
        for f in ("user", "system", "children_user", "children_system")
    )
    latencies = [x for o in outs for x in o["latencies"]]
    statuses: dict[int, int] = {}
    for o in outs:
        for k, v in o["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    elapsed = max(o["elapsed"] for o in outs)
    accepted = statuses.get(201, 0)
    engine = make_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        n_voters = conn.execute(text("SELECT count(*) FROM bp_voter")).scalar()
        n_ballots = conn.execute(text("SELECT count(*) FROM bp_ballot")).scalar()
    engine.dispose()
    warm_ok = 400
    ballots = max(1, accepted)
    cpu_ms = {
        "server_ms_per_ballot": round(cpu_used(before, after, "server") * 1000 / ballots, 2),
        "postgres_ms_per_ballot": round(cpu_used(before, after, "postgres") * 1000 / ballots, 2),
        "client_ms_per_ballot": round(client_cpu * 1000 / ballots, 2),
    }
    busy = sum(cpu_ms.values())
    cores = os.cpu_count() or 1
    report = {
        "mode": f"paced at {rate:g} ballots/s offered" if rate else "saturation (clients send back to back)",
        "clients": args.clients,
        "client_procs": per,
        "workers": args.workers,
        "duration_s": round(elapsed, 2),
        "requests": len(latencies),
        "statuses": statuses,
        # 5xx answers, and connections the server dropped without an answer (status 0).
        "server_errors": sum(n for status, n in statuses.items() if status >= 500 or status == 0),
        "ballots_per_s": round(accepted / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p90_ms": round(percentile(latencies, 0.90) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        "db_voters": n_voters,
        "db_ballots": n_ballots,
        "db_matches_accepted": n_voters == n_ballots and n_ballots is not None and n_ballots >= accepted,
        "warmup_ballots": warm_ok,
        "cpu": cpu_ms,
        "machine_load_avg_1min": round(os.getloadavg()[0], 2),
        # What the cores could do if this test had them to itself (server + database + client).
        "cpu_bound_ceiling_ballots_per_s": round(cores * 1000 / busy, 0) if busy else None,
        "cpu_bound_ceiling_without_client": round(cores * 1000 / (busy - cpu_ms["client_ms_per_ballot"]), 0)
        if busy > cpu_ms["client_ms_per_ballot"]
        else None,
    }
    print(json.dumps(report, indent=2))
    print(
        f"\n[{report['mode']}] {report['ballots_per_s']} ballots/s sustained over {report['duration_s']} s with {args.clients} clients; "
        f"p50 {report['p50_ms']} ms, p99 {report['p99_ms']} ms (target: >= 1000 ballots/s, p99 < 100 ms)"
    )
    print(f"statuses: {dict(sorted(statuses.items()))}; server errors (5xx): {report['server_errors']}")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--clients", type=int, default=200, help="concurrent clients (in total)")
    parser.add_argument("--client-procs", type=int, default=1, help="processes running the clients")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of measured load")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument(
        "--voters", type=int, default=0, help="voters to create (default: enough for 2,500 ballots/s)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--rate",
        type=float,
        default=1000.0,
        help="offered ballots/s of the paced run, run first (0: skip it); a saturation run follows",
    )
    args = parser.parse_args()

    parsed = make_url(normalize_url(args.database_url))
    sqlite_file = Path(parsed.database or "") if parsed.get_backend_name() == "sqlite" else None
    if sqlite_file is not None and (not parsed.database or parsed.database == ":memory:"):
        parser.error("SQLite needs a file shared by the workers: --database-url sqlite:////path/to/file")
    voters = args.voters or int((2_500 + args.rate) * args.duration * 1.2) + 3_000
    t0 = time.perf_counter()
    if sqlite_file is not None:
        name = sqlite_file.name
        _remove_sqlite(sqlite_file)
        url = args.database_url
    else:
        name = f"{parsed.database}_vote_bench"
        url = create_sibling_database(args.database_url, name)
    server = None
    try:
        run_migrations(url)
        slug, tokens, projects = prepare(url, voters)
        print(
            f"setup: {voters} voters, {sum(len(p) for p in projects.values())} projects in {len(projects)} envelopes ({time.perf_counter() - t0:.1f} s)"
        )
        port = free_port()
        server = start_server(url, port, args.workers)
        base = f"http://127.0.0.1:{port}"
        import httpx

        for _ in range(200):
            try:
                if httpx.get(f"{base}/api/v1/budget/editions/{slug}", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        # Warm-up: every worker builds its vote context and fills its connection pool.
        warm, tokens = tokens[:400], tokens[400:]
        client_proc((base, slug, warm, projects, 50, 30.0, 0))

        # The paced run first: it must not inherit the backlog (autovacuum, checkpoint) of saturation.
        for rate in (args.rate, 0.0) if args.rate else (0.0,):
            # Each run takes fresh voters: nobody votes twice across runs.
            count = int((rate or 2_500) * args.duration * 1.2) + 500
            batch, tokens = tokens[:count], tokens[count:]
            measure(args, server, name, url, base, slug, batch, projects, rate)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        if args.keep:
            pass
        elif sqlite_file is not None:
            _remove_sqlite(sqlite_file)
        else:
            drop_sibling_database(args.database_url, name)


def _remove_sqlite(path: Path) -> None:
    """The database file and its write-ahead log."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
