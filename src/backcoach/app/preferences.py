"""A person's plan options (`domain.preferences.Preferences`), read and saved whole, and the person's own day.

A person's "today" is the date in their chosen time zone (the server's local one until they choose): their plan,
the sessions and weekly checks the app dates for them, and every cached page built from those (which expires at
their midnight, `day_ends`). See docs/reminders.md for why.
"""

from __future__ import annotations

import datetime as dt

from pydantic import ValidationError

from backcoach.app.runtime import Runtime
from backcoach.domain.errors import InvalidInput
from backcoach.domain.preferences import Preferences
from backcoach.storage.repository import UserRepository


def saved(runtime: Runtime, user_id: int) -> Preferences | None:
    """The saved preferences, or None before the person has chosen any (the web app then asks for them)."""
    with runtime.unit(user_id) as repo:
        raw = repo.preferences()
    return Preferences.model_validate(raw) if raw else None


def restore(raw: dict[str, object] | None) -> Preferences:
    """Stored preferences (as the repository gives them), or the defaults before any were chosen."""
    return Preferences.model_validate(raw) if raw else Preferences()


def current(runtime: Runtime, user_id: int) -> Preferences:
    """The saved preferences, or the defaults."""
    with runtime.unit(user_id) as repo:
        return restore(repo.preferences())


def parse(raw: object) -> Preferences:
    """Preferences from a form, a query or an import, or InvalidInput naming the first wrong field."""
    try:
        return Preferences.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(first["msg"], tuple(first["loc"])) from None


def save(runtime: Runtime, user_id: int, prefs: Preferences) -> None:
    with runtime.unit(user_id) as repo:
        repo.save_preferences(prefs.model_dump(mode="json"))


def zone_of(runtime: Runtime, prefs: Preferences) -> dt.tzinfo | None:
    """The person's time zone: the chosen one, else the server's (None when the server's has no name)."""
    return runtime.zone(prefs.time_zone)


def zone_in(runtime: Runtime, repo: UserRepository) -> dt.tzinfo | None:
    """`zone_of` the person's saved preferences, inside a unit of work the caller holds."""
    return zone_of(runtime, restore(repo.preferences()))


def zone(runtime: Runtime, user_id: int) -> dt.tzinfo | None:
    with runtime.unit(user_id) as repo:
        return zone_in(runtime, repo)


def today(runtime: Runtime, user_id: int) -> dt.date:
    """The person's own calendar day now."""
    return runtime.today(zone(runtime, user_id))


def day_ends(runtime: Runtime, user_id: int) -> dt.datetime:
    """The person's next midnight (aware, UTC): when anything dated by their "today" may change with nothing
    written, so what a cache keeps for them holds until then."""
    return runtime.day_ends(zone(runtime, user_id))
