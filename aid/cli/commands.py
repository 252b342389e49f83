"""flask aid seed | places | worker | match | purge | sweep | vapid-keys: running the app."""
import os

import click
from flask import current_app

from aid import edge
from aid.cli import aid_cli


@aid_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing if there is already a union.")
def seed(if_empty):
    """Load the demo: a union around Lewes, skills, a dozen volunteers, one coordinator."""
    from aid.services import demo

    logins = demo.seed(if_empty=if_empty)
    edge.commit()
    if logins is None:
        click.echo("Demo data already present (logins: coordinator@example.org / sam@example.org, password demo-password).")
        return
    port = os.environ.get("PORT", "5000")
    click.echo(f"Demo data loaded. Log in at http://127.0.0.1:{port}/login with password 'demo-password':")
    for role, email, about in logins:
        click.echo(f"  {role:<12} {email:<26} {about}")


@aid_cli.command("places")
def places():
    """Build the offline gazetteer's place index now, so no one's first lookup waits for it."""
    from aid.adapters.geocoding import geocoding

    ready = getattr(geocoding().geocoder, "ready", None)
    if ready is None:
        click.echo(f"GEOCODER={current_app.config['GEOCODER']}: no offline place index to build.")
    elif ready():
        click.echo("Place index built.")


@aid_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst):
    """Run an rq worker on REDIS_URL (start as many as you need)."""
    from aid.jobs import worker as rq_worker

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("Set REDIS_URL: without it, jobs already run inside the web process.")
    rq_worker.run(burst=burst)


@aid_cli.command("match")
@click.option("--all", "everything", is_flag=True, required=True, help="Offer the whole backlog at once.")
@click.option("--enqueue", is_flag=True, help="Run it as a background job instead of here.")
def match(everything, enqueue):
    """After a surge: offer every waiting need at once, fairly (most urgent and oldest first)."""
    from aid.jobs import backend
    from aid.jobs.tasks import match_backlog

    if enqueue:
        backend().enqueue(match_backlog)
        click.echo("Backlog run queued.")
        return
    click.echo(f"{match_backlog()} offer(s) made")


@aid_cli.command("purge")
@click.option("--days", type=int, default=None, help="Override RETENTION_DAYS.")
def purge(days):
    """Erase contact, details and exact place of needs closed more than RETENTION_DAYS ago."""
    from aid.models import utcnow
    from aid.services import retention

    count = retention.purge(utcnow(), days)
    edge.commit()
    click.echo(f"{count} closed need(s) erased")


@aid_cli.command("sweep")
def sweep():
    """Expire overdue offers, send next waves, re-enqueue stranded work (cron-friendly)."""
    from aid.jobs.tasks import sweep as run_sweep

    click.echo(f"{run_sweep()} work item(s) enqueued")


@aid_cli.command("vapid-keys")
@click.option("--subject", default="mailto:aid@example.org", show_default=True,
              help="A mailto: (or https:) address push services can write to about this server.")
def vapid_keys(subject):
    """Print a new VAPID key pair for web push, as lines to put in the environment."""
    from aid.adapters.push import new_vapid_keys

    private, public = new_vapid_keys()
    click.echo(f"VAPID_PRIVATE_KEY={private}\nVAPID_PUBLIC_KEY={public}\nVAPID_SUBJECT={subject}")


@aid_cli.command("outbox")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
def outbox(limit):
    """List the newest outbox messages: when, kind, channel, masked address, state, and why not sent."""
    from aid.adapters.channels import mask_address, mask_number
    from aid.models import OutboxState
    from aid.services import outbox_log, texts

    for row in outbox_log.recent(limit):
        to = mask_address(row.to) if "@" in row.to else mask_number(row.to)
        # A phone code with no SMS channel to send it: the volunteer is told to ask whoever runs the site.
        code = f" {texts.preview(row)}" if row.kind == "verify" and row.state == OutboxState.UNSENT else ""
        click.echo(f"{row.id:>6} {row.created_at:%Y-%m-%d %H:%M} {row.kind:<10} {row.channel or '-':<5} "
                   f"{to:<18} {row.state.value:<9} {row.error}{code}")
