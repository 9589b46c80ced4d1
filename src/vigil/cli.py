"""``vigil``: the command line. User mistakes print one clear line and exit non-zero;
tracebacks are for bugs only."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from alembic.util import CommandError
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError

import vigil.models  # noqa: F401 - register every model so any command's mappers resolve
from vigil import __version__
from vigil.audit.cli import audit_app
from vigil.backup.cli import backup_command, restore_command
from vigil.companies.cli import companies_app
from vigil.companies.import_cli import export_app
from vigil.contacts.cli import contacts_app
from vigil.core.audit import audit_seal, configure_audit
from vigil.core.config import ConfigError, Settings, load_settings
from vigil.core.db import database_session, make_engine
from vigil.core.errors import VigilError
from vigil.diligence.countries.cli import diligence_app, import_country_scores_command
from vigil.diligence.market_entry.cli import report_app
from vigil.forgetting.cli import people_app
from vigil.imports.cli import import_app
from vigil.imports.linking.cli import incidents_app
from vigil.intake.cli import retention_app
from vigil.keys.cli import keys_app
from vigil.playbooks.cli import playbooks_app
from vigil.public.cli import export_incidents, public_app

app = typer.Typer(
    help="Vigil: protect human rights defenders threatened because of business activity.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema and migrations.", no_args_is_help=True)
users_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
orgs_app = typer.Typer(help="Organisations.", no_args_is_help=True)
demo_app = typer.Typer(help="Fictional demonstration data.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(orgs_app, name="orgs")
app.add_typer(demo_app, name="demo")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
app.add_typer(people_app, name="people")
app.command("backup")(backup_command)
app.command("restore")(restore_command)
app.add_typer(retention_app, name="retention")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(companies_app, name="companies")
app.add_typer(contacts_app, name="contacts")
app.add_typer(playbooks_app, name="playbooks")
app.add_typer(public_app, name="public")
app.add_typer(incidents_app, name="incidents")
export_app.command("incidents")(export_incidents)
import_app.command("country-scores")(import_country_scores_command)
app.add_typer(diligence_app, name="diligence")
app.add_typer(report_app, name="report")


class UserError(Exception):
    """A mistake on the command line: shown as one line, exit status 2."""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vigil {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Vigil command line."""
    # Entries recorded by any command are signed with this installation's audit key, read
    # only when the first one is recorded (`vigil keys init` itself needs no key).
    configure_audit(lambda: audit_seal(load_settings()))


def _settings() -> Settings:
    return load_settings()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
) -> None:
    """Serve the web application (no access log with client addresses)."""
    import uvicorn

    from vigil.app import create_app
    from vigil.core.logs import configure_logging

    settings = _settings()
    _require_migrated(settings)
    configure_logging(settings)
    typer.echo(f"Vigil listening on http://{host}:{port}")
    uvicorn.run(
        create_app(settings),
        log_config=None,  # keep configure_logging's handlers (no client addresses)
        host=host,
        port=port,
        access_log=False,  # uvicorn's access log prints client addresses; ours does not
        proxy_headers=False,
        server_header=False,
    )


def _require_migrated(settings: Settings) -> None:
    from vigil.core.migrations import current_revision, head_revision

    url = settings.effective_database_url
    engine = make_engine(url)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    if current != head_revision(url):
        raise UserError("The database is not up to date: run `vigil db upgrade` first.")


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="Do one round and exit.")] = False,
) -> None:
    """Send alert deliveries and queued e-mail, and run periodic jobs, until SIGTERM."""
    from vigil import worker as worker_module
    from vigil.core.logs import configure_logging

    settings = _settings()
    _require_migrated(settings)
    configure_logging(settings)
    worker_module.run(settings, once=once)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Migrate the database to the latest schema and seed the vocabularies."""
    from vigil.core.migrations import upgrade
    from vigil.vocabularies.service import seed_vocabularies

    settings = _settings()
    upgrade(settings.effective_database_url, revision)
    with database_session(settings.effective_database_url) as session:
        inserted = seed_vocabularies(session)
    typer.echo(f"Database at revision {revision}; {inserted} vocabulary terms added.")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. base.")],
) -> None:
    """Migrate the database back to an earlier revision."""
    from vigil.core.migrations import downgrade

    downgrade(_settings().effective_database_url, revision)
    typer.echo(f"Database at revision {revision}.")


@db_app.command("current")
def db_current() -> None:
    """Print the revision the database is at, and whether it is the latest."""
    from vigil.core.migrations import current_revision, head_revision

    settings = _settings()
    engine = make_engine(settings.effective_database_url)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    head = head_revision(settings.effective_database_url)
    state = "up to date" if current == head else f"behind (latest is {head})"
    typer.echo(f"{current or 'empty'} — {state}")


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="E-mail address used to sign in.")],
    role: Annotated[str, typer.Option(help="coordinator, analyst or auditor.")],
    org: Annotated[str, typer.Option(help="Organisation slug.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
) -> None:
    """Create a staff user and print a one-time enrolment link."""
    from vigil.accounts.service import create_user
    from vigil.organisations.service import get_organisation_by_slug

    settings = _settings()
    with database_session(settings.effective_database_url) as session:
        organisation = get_organisation_by_slug(session, slug=org)
        user, token = create_user(
            session,
            email=email,
            role=role,
            organisation=organisation,
            display_name=name,
            enrolment_valid_hours=settings.enrolment_valid_hours,
        )
        email = user.email
    typer.echo(f"Created {email} ({role}, {org}).")
    typer.echo(f"One-time enrolment link (valid {settings.enrolment_valid_hours} h):")
    typer.echo(f"{settings.base_url.rstrip('/')}/enrol/{token}")


@orgs_app.command("set-contact-email")
def orgs_set_contact_email(
    org: Annotated[str, typer.Argument(help="Organisation slug.")],
    email: Annotated[str, typer.Argument(help='The address replies go to ("" removes it).')],
) -> None:
    """Set the address recipients' replies to alert e-mail go to (Reply-To)."""
    from vigil.organisations.service import set_contact_email

    with database_session(_settings().effective_database_url) as session:
        set_contact_email(session, slug=org, email=email)
    typer.echo(f"Replies to {org}'s alert e-mail go to {email.strip() or 'nobody (removed)'}.")


def _set_user_active(email: str, *, active: bool) -> str:
    from vigil.accounts.service import set_user_active

    settings = _settings()
    with database_session(settings.effective_database_url) as session:
        return set_user_active(session, email=email, active=active).email


@users_app.command("deactivate")
def users_deactivate(
    email: Annotated[str, typer.Option(help="E-mail address of the staff member.")],
) -> None:
    """Lock a staff member out: end every session at once and refuse sign-in (audited)."""
    email = _set_user_active(email, active=False)
    typer.echo(f"Deactivated {email}: every session ended; sign-in is refused.")


@users_app.command("reactivate")
def users_reactivate(
    email: Annotated[str, typer.Option(help="E-mail address of the staff member.")],
) -> None:
    """Let a deactivated staff member sign in again (audited)."""
    email = _set_user_active(email, active=True)
    typer.echo(f"Reactivated {email}: they can sign in again.")


@demo_app.command("load")
def demo_load() -> None:
    """Load fictional demo data (idempotent: a second run changes nothing)."""
    from vigil.core.crypto import Vault, keystore_for
    from vigil.demo.alerts import load_alert_demo
    from vigil.demo.loader import load_demo

    settings = _settings()
    ring = keystore_for(settings).current()
    with database_session(settings.effective_database_url) as session:
        report = load_demo(session, settings=settings, vault=Vault(session=session, ring=ring))
        for what, count in load_alert_demo(session).items():
            report.created[what] = count
    for line in report.lines():
        typer.echo(line)


def main() -> None:
    """Entry point: run the Typer app, turning user mistakes into one line on stderr."""
    try:
        app()
    except (UserError, VigilError, ConfigError) as error:
        typer.echo(f"Error: {error}", err=True)
        sys.exit(2)
    except ArgumentError as error:
        typer.echo(f"Error: the database URL is not valid ({error}).", err=True)
        sys.exit(2)
    except CommandError as error:
        typer.echo(f"Error: {error}", err=True)
        sys.exit(2)
    except (OperationalError, ProgrammingError) as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        typer.echo(
            f"Error: the database could not be used ({reason}). "
            "Check VIGIL_DATABASE_URL and run `vigil db upgrade`.",
            err=True,
        )
        sys.exit(2)
