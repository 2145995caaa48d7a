"""A person's session records: listing, recording, editing, deleting, importing and exporting, the next-morning
check-in and the progress summary (docs/json.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from backcoach.app import preferences, prescribing
from backcoach.app.plans import todays_decider
from backcoach.app.runtime import Runtime
from backcoach.domain.camera import CameraMeasure, CameraRules
from backcoach.domain.catalogue import Prescription
from backcoach.domain.errors import NotFound
from backcoach.domain.history import (
    HistoryError,
    SessionItem,
    SessionRecord,
    StoredSession,
    export_history,
    parse_history,
)
from backcoach.domain.progress import ProgressSummary, summarise


class ItemError(HistoryError):
    """A session item that names an unknown exercise, a rung not on its exercise's ladder, or a camera measure its
    exercise's rule set cannot have made."""

    def __init__(self, index: int, field: str, detail: str, *within: str) -> None:
        super().__init__(detail, ("items", index, field, *within))
        self.index = index
        self.field = ".".join((field, *within))
        self.detail = detail

    def __str__(self) -> str:
        # The command line's wording since the first release: the field, quoted, without the item's position.
        return f"field {self.field!r}: {self.detail}"


def no_such_session(session_id: int) -> NotFound:
    return NotFound(f"session {session_id} does not exist")


def check_items(runtime: Runtime, items: Iterable[SessionItem]) -> None:
    """Every item names a known exercise, and a rung on that exercise's ladder."""
    for index, item in enumerate(items):
        if item.exercise not in runtime.catalogue:
            raise ItemError(index, "exercise", f"unknown exercise {item.exercise!r}")
        ladder = runtime.ladders[item.exercise]
        if item.rung is not None and item.rung not in ladder:
            allowed = ", ".join(ladder.ids)
            raise ItemError(index, "rung", f"{item.rung!r} is not a rung of {item.exercise}; allowed: {allowed}")
        if item.camera is not None:
            _check_camera(index, item, item.camera, runtime.catalogue.get(item.exercise).camera)


def _check_camera(index: int, item: SessionItem, measure: CameraMeasure, rules: CameraRules | None) -> None:
    """A camera measure only where the camera can follow the exercise, with flags only from its own form rules,
    and held seconds only for a dose that holds: anything else was not measured by our Player."""
    if rules is None or not rules.reliable:
        raise ItemError(
            index, "camera", f"{item.exercise} has no reliable camera signal, so an item of it carries no camera"
        )
    codes = [rule.code for rule in rules.form]
    for code in measure.flags:
        if code not in codes:
            allowed = ", ".join(codes) or "none"
            raise ItemError(
                index, "camera", f"{code!r} is not a form rule of {item.exercise}; allowed: {allowed}", "flags", code
            )
    holds = item.prescription.hold_s is not None or item.prescription.hold_s_max is not None
    if measure.held_seconds is not None and not holds:
        raise ItemError(index, "camera", "must be null: this dose holds nothing (allowed: null)", "held_seconds")


def sessions(runtime: Runtime, user_id: int) -> list[StoredSession]:
    """Every session in the order it was stored."""
    with runtime.unit(user_id) as repo:
        return repo.sessions()


def newest_first(runtime: Runtime, user_id: int) -> list[StoredSession]:
    return sorted(sessions(runtime, user_id), key=lambda s: (s.record.date, s.id), reverse=True)


def records(runtime: Runtime, user_id: int) -> list[SessionRecord]:
    """Every session record, oldest first (by date, then as stored)."""
    return [s.record for s in sorted(sessions(runtime, user_id), key=lambda s: (s.record.date, s.id))]


def get_session(runtime: Runtime, user_id: int, session_id: int) -> StoredSession:
    with runtime.unit(user_id) as repo:
        stored = repo.get_session(session_id)
    if stored is None:
        raise no_such_session(session_id)
    return stored


def add_session(runtime: Runtime, user_id: int, record: SessionRecord) -> StoredSession:
    check_items(runtime, record.items)
    with runtime.unit(user_id) as repo:
        stored = repo.add_session(record, runtime.now())
        prescribing.mark_following(repo, stored.id, record.date)
        return stored


def edit_session(runtime: Runtime, user_id: int, session_id: int, changes: Mapping[str, Any]) -> StoredSession:
    """Replace the fields given in `changes` (any of a record's fields) and keep the rest. The result is checked
    like a new record, items included, before anything is stored."""
    with runtime.unit(user_id) as repo:
        stored = repo.get_session(session_id)
        if stored is None:
            raise no_such_session(session_id)
        # Only the fields each part was given, so an edit leaves untouched prescriptions exactly as they were stored.
        merged = {**stored.record.model_dump(exclude_unset=True), **changes}
        try:
            record = SessionRecord.model_validate(merged)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise HistoryError(first["msg"].removeprefix("Value error, "), tuple(first["loc"])) from None
        check_items(runtime, record.items)
        updated = repo.replace_session(session_id, record)
        if updated is None:
            raise no_such_session(session_id)
        return updated


def delete_session(runtime: Runtime, user_id: int, session_id: int) -> None:
    with runtime.unit(user_id) as repo:
        if not repo.delete_session(session_id):
            raise no_such_session(session_id)


def import_history(runtime: Runtime, user_id: int, raw: object) -> int:
    """Validate every session first, then store them all in one transaction: all or nothing."""
    parsed = parse_history(raw, runtime.catalogue.exercises)
    for index, record in enumerate(parsed, 1):
        try:
            check_items(runtime, record.items)
        except HistoryError as exc:
            raise HistoryError(f"session {index} ({record.date.isoformat()}): {exc}") from None
    with runtime.unit(user_id) as repo:
        for record in parsed:
            repo.add_session(record, runtime.now())
    return len(parsed)


def export(runtime: Runtime, user_id: int) -> dict[str, Any]:
    return export_history([s.record for s in sessions(runtime, user_id)])


def checkin(runtime: Runtime, user_id: int, pain: int) -> StoredSession:
    """Record the next-morning pain of the latest session."""
    with runtime.unit(user_id) as repo:
        latest = repo.latest_session_id()
        stored = repo.get_session(latest) if latest is not None else None
        if latest is None or stored is None:
            raise NotFound("there is no session yet to check in for")
        record = stored.record.model_copy(update={"pain_next_morning": pain})
        updated = repo.replace_session(latest, record)
        if updated is None:
            raise no_such_session(latest)
        return updated


def progress(runtime: Runtime, user_id: int) -> ProgressSummary:
    return summarise(records(runtime, user_id), preferences.today(runtime, user_id))


LoggedItem = tuple[str, int, int, str, int | None]
"""(exercise id, repetitions done, sets done, difficulty, pain during)"""


def log_session(
    runtime: Runtime, user_id: int, *, date: dt.date, pain_before: int, pain_after: int, done: list[LoggedItem]
) -> StoredSession:
    """A session done away from the app; each item's prescription is the dose backcoach would have given."""
    decide = todays_decider(runtime, user_id)
    items = []
    for exercise_id, reps, sets, difficulty, pain in done:
        planned = decide(runtime.catalogue.get(exercise_id))
        items.append(
            session_item(
                exercise_id,
                rung=planned.rung,
                prescription=planned.prescription,
                completed_reps=reps,
                completed_sets=sets,
                difficulty=difficulty,
                pain_during=pain,
            )
        )
    record = SessionRecord(date=date, pain_before=pain_before, pain_after=pain_after, items=items)
    return add_session(runtime, user_id, record)


def session_item(
    exercise_id: str,
    *,
    rung: str | None = None,
    prescription: Prescription,
    completed_reps: int,
    completed_sets: int,
    difficulty: str,
    pain_during: int | None,
) -> SessionItem:
    return SessionItem.model_validate(
        {
            "exercise": exercise_id,
            "rung": rung,
            "prescription": prescription,
            "completed_reps": completed_reps,
            "completed_sets": completed_sets,
            "difficulty": difficulty,
            "pain_during": pain_during,
        }
    )


def sessions_on(runtime: Runtime, user_id: int, day: dt.date) -> int:
    """How many sessions are dated `day`: Today says how many of the day's sessions are done."""
    with runtime.unit(user_id) as repo:
        return sum(1 for date, _ in repo.pains_before(day) if date == day)
