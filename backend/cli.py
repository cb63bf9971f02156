"""The `qp` command. Each command imports its domain lazily so `qp --help` stays instant."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from backend.config import Settings
from backend.processes import Registry

app = typer.Typer(help="Quartiers Participatifs — administration en ligne de commande.", no_args_is_help=True)
ledger_app = typer.Typer(help="Journal public (registre chaîné).", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")
receipt_app = typer.Typer(help="Reçus de vote du budget participatif.", no_args_is_help=True)
app.add_typer(receipt_app, name="receipt")


def _settings() -> Settings:
    return Settings()


def _registry() -> Registry:
    """The processes, built once per command (as `create_app` does for the web app)."""
    from backend.registry import build_registry

    registry = build_registry()
    registry.import_models()
    return registry


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema (Alembic, every branch head); on PostgreSQL, create
    the database itself when it is missing."""
    from backend.db import ensure_database, run_migrations

    settings = _settings()
    if ensure_database(settings.database_url):
        typer.echo(f"Base de données créée : {settings.safe_database_url}")
    run_migrations(settings.database_url)
    typer.echo(f"migrated {settings.safe_database_url}")


@app.command()
def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Une seule passe puis s'arrêter (tests, cron).")
    ] = False,
    interval: Annotated[float, typer.Option(help="Secondes d'attente entre deux passes.")] = 30.0,
) -> None:
    """Send the queued e-mails and SMS (retries with growing delays) and the due reminders."""
    from backend.db import make_engine
    from backend.mail import make_mailer
    from backend.notifications.worker import run
    from backend.sms import make_sms_sender

    settings = _settings()
    engine = make_engine(settings.database_url)
    result = run(
        engine,
        _registry(),
        make_mailer(settings),
        make_sms_sender(settings),
        settings.base_url,
        once=once,
        interval_s=interval,
    )
    typer.echo(f"envoyés : {result.sent}, à réessayer : {result.retried}, en échec : {result.failed}")


@app.command()
def demo() -> None:
    """Load the Marseille demo (idempotent) and print the demo logins."""
    from backend.demo import load_demo

    logins = load_demo(_settings(), _registry())
    typer.echo("Comptes de démonstration (identifiant / mot de passe) :")
    for login in logins:
        typer.echo(f"  {login.role:<38} {login.identifier:<32} {login.password}")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1, reload: bool = False) -> None:
    """Serve the web application with uvicorn."""
    import uvicorn

    settings = _settings()
    if workers > 1 and settings.is_sqlite and _sqlite_in_memory(settings.database_url):
        typer.echo(
            "Impossible de lancer plusieurs processus (--workers) sur une base SQLite en mémoire : "
            "chacun aurait sa propre base, vide. Indiquez un fichier (DATABASE_URL=sqlite:///chemin/qp.sqlite3) "
            "ou lancez un seul processus.",
            err=True,
        )
        raise typer.Exit(code=2)
    typer.echo(f"Quartiers Participatifs : http://{host}:{port}  (base : {settings.safe_database_url})")
    uvicorn.run(
        "backend.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
        log_level="info",
    )


def _sqlite_in_memory(url: str) -> bool:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory"


@app.command("import-qpv")
def import_qpv(
    file: Annotated[
        Path, typer.Argument(help="GeoJSON ANCT (code_qp, lib_qp…) ou format compact (q, n, com)")
    ],
    population: Annotated[Path | None, typer.Option(help="CSV code_qp,population (facultatif)")] = None,
) -> None:
    """Import or update QPV perimeters; a malformed file changes nothing."""
    from backend.db import make_engine, session_scope
    from backend.territory.importer import QpvImportError, import_qpv_file

    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            report = import_qpv_file(session, file, population_csv=population)
    except QpvImportError as exc:
        typer.echo(f"Fichier refusé : {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"ok {report.created} created {report.updated} updated {report.unchanged} unchanged")


@ledger_app.command("verify")
def ledger_verify(
    expect_head: Annotated[str | None, typer.Option(help="Head hash published earlier, to compare")] = None,
) -> None:
    """Recompute the hash chain; exit 1 naming the first bad entry."""
    from backend.db import make_engine, session_scope
    from backend.ledger.service import verify_ledger

    engine = make_engine(_settings().database_url)
    with session_scope(engine) as session:
        result = verify_ledger(session)
    if not result.ok:
        typer.echo(f"bad entry {result.bad_seq}: {result.problem}")
        raise typer.Exit(1)
    if expect_head and expect_head != result.head_hash:
        typer.echo(f"bad head: expected {expect_head}, found {result.head_hash}")
        raise typer.Exit(1)
    typer.echo(f"ok {result.count} entries {result.head_hash}")


@app.command()
def purge() -> None:
    """Erase personal data whose retention date has passed (run it daily, e.g. from cron)."""
    from datetime import timedelta

    from backend.accounts import retention
    from backend.assembly.service.recruitment.personal_data import erase_expired
    from backend.budget.service.editions.common import participation_pending
    from backend.db import make_engine, session_scope, utcnow
    from backend.ledger.service import SYSTEM, record

    settings = _settings()
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        erased = erase_expired(session)
        if erased:
            record(
                session,
                actor=SYSTEM,
                action="assembly.volunteers_erased",
                process="assembly",
                object_type="retention",
                object_id="volunteers",
                reason=f"Données personnelles de {erased} volontaire(s) effacées : durée de conservation dépassée.",
                payload={"erased": erased},
            )
        now = utcnow()
        codes = retention.delete_old_codes(session, now - timedelta(days=settings.code_retention_days))
        documents = 0
        if not participation_pending(session, timedelta(days=settings.contest_period_days)):
            seen_before = now - timedelta(days=settings.document_retention_days)
            documents = retention.clear_document_hashes(session, seen_before)
        if codes or documents:
            record(
                session,
                actor=SYSTEM,
                action="accounts.verification_data_erased",
                process="accounts",
                object_type="retention",
                object_id="verification",
                reason=(
                    f"Codes à usage unique effacés : {codes}. Empreintes de pièces d'identité effacées : "
                    f"{documents}. Durée de conservation dépassée."
                ),
                payload={"codes": codes, "documents": documents},
            )
    typer.echo(f"erased {erased} volunteer(s) past their retention date")
    typer.echo(f"erased {codes} one-time code(s) and {documents} identity-document hash(es)")


@app.command()
def tally(
    file: Annotated[Path, typer.Argument(help="pabulib .pb file")],
    rule: Annotated[str | None, typer.Option(help="counting rule; default: META rule of the file")] = None,
    strict: Annotated[
        bool, typer.Option(help="refuse a vote naming a project twice instead of counting it once")
    ] = False,
) -> None:
    """Count a pabulib file and print JSON {rule, selected, spent, budget}."""
    from backend.counting.tally_command import tally_command

    raise typer.Exit(tally_command(file, rule, strict))


@app.command("export-pb")
def export_pb(
    edition: Annotated[str, typer.Argument(help="edition slug, e.g. marseille-2025")],
    out: Annotated[Path, typer.Option(help="folder for the .pb files")] = Path("."),
) -> None:
    """Write a closed edition's published ballots as pabulib .pb files (one per envelope)."""
    from backend.budget.voting.publication_commands import export_pb_command

    raise typer.Exit(export_pb_command(edition, out))


@receipt_app.command("check")
def receipt_check(
    file: Annotated[
        Path, typer.Option(help="published ballots file (CSV), downloaded from the results page")
    ],
    code: Annotated[str, typer.Option(help="the receipt code, e.g. 7K3M-Q9XD-2HRA")],
) -> None:
    """Check offline that a receipt is in the published ballots file (exit 0 if it is, 1 if not)."""
    from backend.budget.voting.publication_commands import receipt_check_command

    raise typer.Exit(receipt_check_command(file, code))


@app.command()
def draw(
    categories: Annotated[Path, typer.Option(help="CSV category,feature,min,max")],
    people: Annotated[Path, typer.Option(help="CSV, one column per category")],
    number: Annotated[int, typer.Option(help="panel size")],
    seed: Annotated[str, typer.Option(help="public seed")],
    algorithm: Annotated[str, typer.Option(help="leximin or legacy")] = "leximin",
) -> None:
    """Draw a panel by lot under quotas and print JSON (panel, reserve, probabilities)."""
    from backend.assembly.draw_command import draw_command

    raise typer.Exit(draw_command(categories, people, number, seed, algorithm))


if __name__ == "__main__":  # pragma: no cover
    app()
