"""The safety screen: taking it, a clinician's clearance, a warning sign before a session, and the gate every plan
and session passes (docs/screen.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from backcoach.app.runtime import Runtime
from backcoach.domain import screening
from backcoach.domain.errors import Refused
from backcoach.domain.screening import Answers, ScreenResult, StoredScreen


class Blocked(Refused):
    """The latest safety screen rules out exercise. The message says what to do, in no adapter's words: each
    adapter adds how to record a clinician's clearance or take the screen again."""

    def __init__(self, result: ScreenResult) -> None:
        super().__init__(screening.refusal(result))
        self.result = result


class ScreenNeeded(Refused):
    """A guided session needs a safety screen, and a recent one: none has been taken, or the latest has expired."""

    def __init__(self, taken_at: dt.datetime | None) -> None:
        if taken_at is None:
            message = "Please take the safety check before your first session: it takes about two minutes."
        else:
            message = (
                f"Your last safety check was on {taken_at.date().isoformat()}, more than "
                f"{screening.SCREEN_VALID_DAYS // 7} weeks ago. Please take it again before you start: things "
                "may have changed since."
            )
        super().__init__(message)
        self.taken_at = taken_at


def take_screen(runtime: Runtime, user_id: int, answers: Answers) -> ScreenResult:
    result = screening.evaluate(answers, runtime.catalogue)
    with runtime.unit(user_id) as repo:
        repo.add_screening(result, answers.to_dict(), runtime.now())
    return result


def record_clinician_clearance(runtime: Runtime, user_id: int, note: str) -> ScreenResult:
    """A clinician's clearance keeps the answers of the screen it follows, so what they ruled out stays out."""
    with runtime.unit(user_id) as repo:
        earlier = repo.latest_screening()
        answers = screening.stored_answers(earlier.answers) if earlier else screening.Answers()
        result = screening.clinician_clearance(note, answers, runtime.catalogue)
        kept = {k: v for k, v in answers.to_dict().items() if v} if earlier else {}
        repo.add_screening(result, kept, runtime.now(), clinician_note=note)
    return result


def record_red_flag(runtime: Runtime, user_id: int) -> ScreenResult:
    """A new warning sign reported at the pre-session check: saved as an emergency screen, which blocks exercise
    until a newer screen is clear or a clinician's clearance is recorded."""
    result = screening.pre_session_red_flag()
    with runtime.unit(user_id) as repo:
        repo.add_screening(result, {"pre_session_red_flag": True}, runtime.now())
    return result


def restored(runtime: Runtime, stored: StoredScreen) -> StoredScreen:
    """A stored screen keeps the level it was given; what its answers leave out is worked out again from them,
    so a change to the catalogue applies at once."""
    answers = screening.stored_answers(stored.answers)
    return dataclasses.replace(stored, result=screening.shaped(stored.result, answers, runtime.catalogue))


def latest_screen(runtime: Runtime, user_id: int) -> StoredScreen | None:
    with runtime.unit(user_id) as repo:
        stored = repo.latest_screening()
    return restored(runtime, stored) if stored else None


def valid_until(stored: StoredScreen) -> dt.date:
    """The last day a guided session may start on this screen."""
    return (stored.taken_at + dt.timedelta(days=screening.SCREEN_VALID_DAYS)).date()


def ensure_allowed(runtime: Runtime, user_id: int, *, session: bool = False) -> StoredScreen | None:
    """Raise Blocked while the latest screen is emergency, urgent or see-doctor. A guided `session` also needs a
    screen taken in the last 6 weeks (ScreenNeeded); a plan is only a preview and goes ahead with a caution."""
    latest = latest_screen(runtime, user_id)
    check_screen(latest)
    if session and (latest is None or screening.expired(latest.taken_at, runtime.now())):
        raise ScreenNeeded(latest.taken_at if latest else None)
    return latest


def check_screen(latest: StoredScreen | None) -> None:
    """Raise Blocked while the latest screen is emergency, urgent or see-doctor."""
    if latest is not None and latest.result.blocks:
        raise Blocked(latest.result)


def screen_cautions(latest: StoredScreen | None, now: dt.datetime) -> list[str]:
    """What a plan must say because of the safety screen: missing or old, start gently, and every answer that
    changed the plan."""
    if latest is None:
        return [
            "You have not taken the safety check yet. This plan is only a preview: take the check before you "
            "start a session."
        ]
    result = latest.result
    cautions = []
    if screening.expired(latest.taken_at, now):
        cautions.append(
            f"Your last safety check is more than {screening.SCREEN_VALID_DAYS // 7} weeks old. Take it again "
            "before you start a session."
        )
    if result.clearance == "check-first":
        cautions.append(
            "Your safety check asks you to talk to your health care provider first and start gently: plans stay at "
            "beginner level and every exercise starts at the low end of its dose."
        )
        cautions += [r.message for r in result.reasons]
    else:
        cautions += [r.message for r in result.reasons if r.item in screening.PLAN_SHAPING]
    cautions += result.plan_cautions
    if result.exclusions:
        names = ", ".join(e.name for e in result.exclusions)
        cautions.append(f"Left out because of your safety check answers: {names}.")
    return cautions
