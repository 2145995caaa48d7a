"""`backcoach admin`: what the operator of a server does from its command line."""

from __future__ import annotations

import click

from backcoach.cli.base import group


@group("admin")
def admin() -> None:
    """Operator commands for the server's database."""


@admin.command("verify-clinician")
@click.argument("email")
def verify_clinician(email: str) -> None:
    """Mark the clinician account with this EMAIL as verified; patients see it."""
    from backcoach.app import accounts
    from backcoach.app.runtime import create_runtime
    from backcoach.cli.base import now

    runtime = create_runtime(clock=now)
    try:
        name = accounts.verify_clinician(runtime, email)
    finally:
        runtime.dispose()
    click.echo(f"Verified {name} <{accounts.normalise_email(email)}>.")
