"""A person's whole record as one JSON document: export it, and import it back all or nothing.

The document extends the CLI's history format (`{"version": 1, "sessions": [...]}`) with the account's email, plan
preferences, safety screens and weekly checks, so an export is also a valid input to `backcoach history import` once
those extra keys are dropped. Every key but `version` may be missing: older exports (before weekly checks) still
import.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from backcoach import content, service
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
from backcoach.domain.vocab import Equipment, PlanLevel
from backcoach.storage.models import Screening, User

KEYS = ("version", "account", "preferences", "screenings", "sessions", "outcomes")


class TransferError(ValueError):
    def __init__(self, loc: list[str | int], message: str) -> None:
        super().__init__(f"{'.'.join(str(p) for p in loc)}: {message}")
        self.loc = loc
        self.message = message


class Preferences(BaseModel):
    model_config = ConfigDict(extra="forbid")
    minutes: int = 15
    equipment: list[Equipment] = []
    floor: bool = True
    level: PlanLevel = "beginner"


class ScreenEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    taken_at: dt.datetime
    answers: dict[str, Any] = {}
    clinician_note: str | None = None


def export_account(coach: service.Coach, user_id: int) -> dict[str, Any]:
    with coach.sessions.begin() as session:
        user = session.get(User, user_id)
        assert user is not None
        screens = session.query(Screening).filter(Screening.user_id == user_id).order_by(Screening.id).all()
        screenings = [
            {
                "taken_at": s.taken_at.isoformat(),
                "answers": s.answers,
                "clearance": s.clearance,
                "clinician_note": s.clinician_note,
            }
            for s in screens
        ]
        email, prefs = user.email, user.preferences
    return {
        "version": FORMAT_VERSION,
        "account": {"email": email},
        "preferences": prefs,
        "screenings": screenings,
        "sessions": [s.record.to_dict() for s in service.sessions(coach, user_id)],
        "outcomes": [s.record.to_dict() for s in service.outcomes(coach, user_id)],
    }


def _reevaluate(answers: dict[str, Any], clinician_note: str | None) -> ScreenResult:
    """A screen as today's rules read its answers. A clinician's clearance keeps the answers it carried; a warning
    sign before a session stays an emergency; a screen from before age was required is read without one (age only
    matters together with a new episode, which that version did not ask)."""
    exercises = content.catalogue()
    if clinician_note:
        return clinician_clearance(clinician_note, stored_answers(answers), exercises)
    if answers.get("pre_session_red_flag") is True and len(answers) == 1:
        return pre_session_red_flag()
    if answers.get("age") is None:
        parse_answers({**answers, "age": 40})
        return evaluate(Answers(stored_answers(answers).flags, None), exercises)
    return evaluate(parse_answers(answers), exercises)


def import_account(coach: service.Coach, user_id: int, raw: dict[str, Any]) -> dict[str, int]:
    """Validate everything first, then store it in one transaction. Screens are re-evaluated from their answers
    (the rules may have changed since), so an import can never make someone look clearer than they are."""
    unknown = [k for k in raw if k not in KEYS]
    if unknown:
        raise TransferError([unknown[0]], f"unknown key; allowed: {', '.join(KEYS)}")
    try:
        history = {"version": raw.get("version"), "sessions": raw.get("sessions", [])}
        records = parse_history(history, content.catalogue().exercises)
    except HistoryError as exc:
        raise TransferError(["sessions"], str(exc)) from None
    prefs = None
    if raw.get("preferences") is not None:
        try:
            prefs = Preferences.model_validate(raw["preferences"]).model_dump()
        except ValidationError as exc:
            first = exc.errors()[0]
            raise TransferError(["preferences", *first["loc"]], first["msg"]) from None
    screens = []
    for index, entry in enumerate(raw.get("screenings") or []):
        try:
            parsed = ScreenEntry.model_validate({k: v for k, v in entry.items() if k != "clearance"})
            if parsed.taken_at.tzinfo is None:
                raise TransferError(["screenings", index, "taken_at"], "needs a time zone, e.g. 2026-11-21T08:00:00Z")
            result = _reevaluate(parsed.answers, parsed.clinician_note)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise TransferError(["screenings", index, *first["loc"]], first["msg"]) from None
        except AnswersError as exc:
            raise TransferError(["screenings", index, "answers", exc.key or ""], str(exc)) from None
        except AttributeError:
            raise TransferError(["screenings", index], "must be an object") from None
        screens.append((parsed, result))
    checks = _outcomes(coach, raw.get("outcomes"))
    with coach.unit(user_id) as repo:
        for parsed, result in screens:
            repo.add_screening(result, parsed.answers, parsed.taken_at, clinician_note=parsed.clinician_note)
        for record in records:
            repo.add_session(record, coach.now())
        for check in checks:
            repo.add_outcome(check, coach.now())
        if prefs is not None:
            user = repo.session.get(User, user_id)
            assert user is not None
            user.preferences = prefs
    return {"sessions": len(records), "screenings": len(screens), "outcomes": len(checks)}


def _outcomes(coach: service.Coach, raw: object) -> list[OutcomeRecord]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise TransferError(["outcomes"], "must be a list of weekly checks")
    checks = []
    for index, entry in enumerate(raw):
        try:
            check = parse_outcome(entry)
            service.check_outcome_date(coach, check)
        except OutcomeError as exc:
            raise TransferError(["outcomes", index, *exc.loc], exc.message) from None
        checks.append(check)
    return checks
