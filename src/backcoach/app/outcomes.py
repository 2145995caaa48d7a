"""The weekly check of three activities the person chose: the Patient-Specific Functional Scale
(`backcoach.domain.outcome`, docs/outcome.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from backcoach.app import preferences
from backcoach.app.runtime import Runtime
from backcoach.domain import outcome as psfs
from backcoach.domain.outcome import StoredOutcome

FUTURE_LEEWAY_DAYS = 1
"""A check may be dated up to a day ahead of the person's own calendar (their chosen time zone): a client may
date it by a device set to another zone."""


@dataclass(frozen=True)
class RecordedOutcome:
    stored: StoredOutcome
    restarted: list[str]
    """Activities the previous check did not have: their comparisons start again from this check."""


def check_date(runtime: Runtime, record: psfs.OutcomeRecord, today: dt.date | None = None) -> None:
    """Refuse a date beyond the leeway after `today` (the person's; the server's without one)."""
    today = today or runtime.today()
    latest_allowed = today + dt.timedelta(days=FUTURE_LEEWAY_DAYS)
    if record.date > latest_allowed:
        raise psfs.OutcomeError(("date",), f"cannot be in the future (today is {today.isoformat()})")


def record_outcome(runtime: Runtime, user_id: int, record: psfs.OutcomeRecord) -> RecordedOutcome:
    check_date(runtime, record, preferences.today(runtime, user_id))
    with runtime.unit(user_id) as repo:
        previous = repo.latest_outcome()
        stored = repo.add_outcome(record, runtime.now())
    restarted = psfs.changed_activities(previous.record if previous else None, record)
    return RecordedOutcome(stored, restarted)


def outcomes(runtime: Runtime, user_id: int) -> list[StoredOutcome]:
    """Every weekly check, oldest first."""
    with runtime.unit(user_id) as repo:
        return repo.outcomes()


def latest_outcome(runtime: Runtime, user_id: int) -> StoredOutcome | None:
    with runtime.unit(user_id) as repo:
        return repo.latest_outcome()


def outcome_due(runtime: Runtime, user_id: int) -> bool:
    """None yet, or the latest is a week old by the person's own calendar."""
    latest = latest_outcome(runtime, user_id)
    return psfs.is_due([latest.record] if latest else [], preferences.today(runtime, user_id))


def outcome_summary(runtime: Runtime, user_id: int) -> psfs.OutcomeSummary:
    return psfs.summarise([s.record for s in outcomes(runtime, user_id)], preferences.today(runtime, user_id))


def outcome_report(runtime: Runtime, user_id: int) -> dict[str, Any]:
    """Every check with its changes, as `backcoach outcome history --json` and `GET /api/v1/outcomes` give it."""
    stored = outcomes(runtime, user_id)
    summary = psfs.summarise([s.record for s in stored], preferences.today(runtime, user_id))
    return {**summary.to_dict(), "outcomes": [s.to_dict() for s in stored]}
