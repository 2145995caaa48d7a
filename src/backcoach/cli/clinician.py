"""`backcoach clinician`: the patient's side of clinician mode for the local user (docs/clinician.md): link to a
clinician with their invitation's code, list them, end a link."""

from __future__ import annotations

import click

from backcoach.cli.base import group, runtime_for_cli


@group("clinician")
def clinician() -> None:
    """Link to a clinician, list your clinicians, end a link."""


@clinician.command("link")
@click.argument("code")
@click.option("--accept", "answer", flag_value="accept", help="Accept without asking (after showing what is shared).")
@click.option("--decline", "answer", flag_value="decline", help="Decline the invitation; the code stops working.")
def link(code: str, answer: str | None) -> None:
    """Show what the clinician whose CODE this is would see and do, then accept or decline."""
    from backcoach.app import clinic

    with runtime_for_cli() as (runtime, user):
        if answer == "decline":
            clinic.decline(runtime, user, code)
            click.echo("Declined: the code no longer works.")
            return
        preview = clinic.preview(runtime, user, code)
        who = preview.clinician
        verified = "verified" if who.verified else "not verified"
        profession = f", {who.profession}" if who.profession else ""
        click.echo(f"{who.name}{profession} ({verified}) asks to follow your exercise.")
        click.echo("If you accept, they will be able to see:")
        for line in preview.can_see:
            click.echo(f"  - {line}")
        click.echo("and to:")
        for line in preview.can_do:
            click.echo(f"  - {line}")
        click.echo("They will not see:")
        for line in preview.cannot_see:
            click.echo(f"  - {line}")
        click.echo("Every read or change is logged for you; end the link at any time with backcoach clinician unlink.")
        if answer != "accept" and not click.confirm("Accept?", default=False):
            click.echo("Not linked. The code still works until it expires; run this again to accept or --decline.")
            return
        clinic.accept(runtime, user, code)
        click.echo(f"Linked to {who.name}.")


@clinician.command("list")
def list_() -> None:
    """Your clinicians, active first, then past links."""
    from backcoach.app import clinic

    with runtime_for_cli() as (runtime, user):
        links = clinic.links(runtime, user)
    if not links:
        click.echo("No clinicians. Link to one with: backcoach clinician link CODE")
        return
    for item in links:
        who = item.clinician
        state = "active" if item.active else f"ended {item.ended_at.date() if item.ended_at else ''}"
        email = f" <{item.email}>" if item.email else ""
        verified = "verified" if who.verified else "not verified"
        click.echo(
            f"{who.name}{email}, {who.profession or 'no profession given'} ({verified}): since {item.since.date()}, "
            f"{state}{', sees your other clinicians’ notes' if item.shares_notes and item.active else ''}"
        )


@clinician.command("unlink")
@click.argument("name")
def unlink(name: str) -> None:
    """End the link to the clinician with this display NAME or email; they lose access at once."""
    from backcoach.app import clinic

    with runtime_for_cli() as (runtime, user):
        ended = clinic.unlink_by_name(runtime, user, name)
    click.echo(f"Ended the link to {ended.clinician.name}: they can no longer see your record.")
