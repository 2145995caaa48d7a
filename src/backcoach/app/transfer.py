"""A person's whole record as one JSON document: export it, and import it back all or nothing.

The document extends the CLI's history format (`{"version": 1, "sessions": [...]}`) with the account's email, plan
preferences, safety screens and weekly checks, so an export is also a valid input to `backcoach history import` once
those extra keys are dropped. Every key but `version` may be missing: older exports (before weekly checks) still
import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from backcoach.app import history, outcomes, preferences
from backcoach.app.runtime import Runtime
from backcoach.domain.catalogue import Catalogue
from backcoach.domain.errors import InvalidInput
from backcoach.domain.history import FORMAT_VERSION, HistoryError, parse_history
from backcoach.domain.outcome import OutcomeError, OutcomeRecord, parse_outcome
from backcoach.domain.screening import (
    Answers,
    AnswersError,
    ScreenResult,
    clinician_clearance,
    evaluate,
    parse_answers,
    pre_session_red_flag,
    stored_answers,
)

KEYS = ("version", "account", "preferences", "screenings", "sessions", "outcomes", "care_links", "access_log")
NOT_IMPORTED = ("care_links", "access_log")
"""Exported for the person's own record, and ignored on import: consent to a clinician is given by accepting their
invitation, never by a file, and a log of what others did cannot be written by the person it is about."""


class TransferError(InvalidInput):
    """An import that cannot be taken whole; `loc` is the path of the first wrong value in the document."""


class ScreenEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    taken_at: dt.datetime
    answers: dict[str, Any] = {}
    clinician_note: str | None = None


def export_account(runtime: Runtime, user_id: int) -> dict[str, Any]:
    with runtime.unit(user_id) as repo:
        email = repo.email()
        prefs = repo.preferences()
        screens = repo.screenings()
        sessions = repo.sessions()
        checks = repo.outcomes()
    from backcoach.app import clinic

    care = clinic.links(runtime, user_id)
    log = clinic.access_log(runtime, user_id)
    return {
        "version": FORMAT_VERSION,
        "account": {"email": email},
        "preferences": prefs,
        "screenings": [
            {
                "taken_at": s.taken_at.isoformat(),
                "answers": s.answers,
                "clearance": s.result.clearance,
                "clinician_note": s.clinician_note,
            }
            for s in screens
        ],
        "sessions": [s.record.to_dict() for s in sessions],
        "outcomes": [s.record.to_dict() for s in checks],
        "care_links": [
            {
                "clinician": link.clinician.name,
                "profession": link.clinician.profession,
                "verified": link.clinician.verified,
                "since": link.since.isoformat(),
                "ended_at": link.ended_at.isoformat() if link.ended_at else None,
                "ended_by": link.ended_by,
                "shares_notes": link.shares_notes,
            }
            for link in care
        ],
        "access_log": [
            {"at": e.at.isoformat(), "clinician": e.clinician, "action": e.action, "what": e.what} for e in log
        ],
    }


def _reevaluate(catalogue: Catalogue, answers: dict[str, Any], clinician_note: str | None) -> ScreenResult:
    """A screen as today's rules read its answers. A clinician's clearance keeps the answers it carried; a warning
    sign before a session stays an emergency; a screen from before age was required is read without one (age only
    matters together with a new episode, which that version did not ask)."""
    if clinician_note:
        return clinician_clearance(clinician_note, stored_answers(answers), catalogue)
    if answers.get("pre_session_red_flag") is True and len(answers) == 1:
        return pre_session_red_flag()
    if answers.get("age") is None:
        parse_answers({**answers, "age": 40})
        return evaluate(Answers(stored_answers(answers).flags, None), catalogue)
    return evaluate(parse_answers(answers), catalogue)


def import_account(runtime: Runtime, user_id: int, raw: Mapping[str, Any]) -> dict[str, int]:
    """Validate everything first, then store it in one transaction. Screens are re-evaluated from their answers
    (the rules may have changed since), so an import can never make someone look clearer than they are."""
    unknown = [k for k in raw if k not in KEYS]
    if unknown:
        raise TransferError(f"unknown key; allowed: {', '.join(KEYS)}", (unknown[0],))
    try:
        records = parse_history(
            {"version": raw.get("version"), "sessions": raw.get("sessions", [])}, runtime.catalogue.exercises
        )
        for index, record in enumerate(records):
            try:
                history.check_items(runtime, record.items)
            except history.ItemError as exc:
                raise TransferError(exc.detail, ("sessions", index, *exc.loc)) from None
    except HistoryError as exc:
        raise TransferError(str(exc), ("sessions",)) from None
    prefs = None
    if raw.get("preferences") is not None:
        try:
            prefs = preferences.parse(raw["preferences"])
        except InvalidInput as exc:
            raise TransferError(exc.message, ("preferences", *exc.loc)) from None
    screens = []
    for index, entry in enumerate(raw.get("screenings") or []):
        if not isinstance(entry, Mapping):
            raise TransferError("must be an object", ("screenings", index))
        try:
            parsed = ScreenEntry.model_validate({k: v for k, v in entry.items() if k != "clearance"})
            if parsed.taken_at.tzinfo is None:
                raise TransferError("needs a time zone, e.g. 2026-11-21T08:00:00Z", ("screenings", index, "taken_at"))
            result = _reevaluate(runtime.catalogue, parsed.answers, parsed.clinician_note)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise TransferError(first["msg"], ("screenings", index, *first["loc"])) from None
        except AnswersError as exc:
            raise TransferError(str(exc), ("screenings", index, "answers", exc.key or "")) from None
        screens.append((parsed, result))
    checks = _outcomes(runtime, raw.get("outcomes"))
    with runtime.unit(user_id) as repo:
        for parsed, result in screens:
            repo.add_screening(result, parsed.answers, parsed.taken_at, clinician_note=parsed.clinician_note)
        for record in records:
            repo.add_session(record, runtime.now())
        for check in checks:
            repo.add_outcome(check, runtime.now())
        if prefs is not None:
            repo.save_preferences(prefs.model_dump(mode="json"))
    return {"sessions": len(records), "screenings": len(screens), "outcomes": len(checks)}


def _outcomes(runtime: Runtime, raw: object) -> list[OutcomeRecord]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise TransferError("must be a list of weekly checks", ("outcomes",))
    checks = []
    for index, entry in enumerate(raw):
        try:
            check = parse_outcome(entry)
            outcomes.check_date(runtime, check)
        except OutcomeError as exc:
            raise TransferError(exc.message, ("outcomes", index, *exc.loc)) from None
        checks.append(check)
    return checks
