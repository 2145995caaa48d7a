"""A person's plan options (`domain.preferences.Preferences`), read and saved whole."""

from __future__ import annotations

from pydantic import ValidationError

from backcoach.app.runtime import Runtime
from backcoach.domain.errors import InvalidInput
from backcoach.domain.preferences import Preferences


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
