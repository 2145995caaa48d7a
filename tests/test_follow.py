"""Following patients: each attention rule as a table that tries to break it, the dashboard's order, isolation and
the access log, notes and who reads them, and clearances (docs/clinician.md "Following patients", "Clearances")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from backcoach.app import accounts, follow, safety
from backcoach.app.runtime import Runtime
from backcoach.domain import dosing
from backcoach.domain import follow as rules
from backcoach.domain.clinic import NotAClinician
from backcoach.domain.errors import InvalidInput, NotFound
from backcoach.domain.follow import NotClearable, PatientFacts, Schedule, SessionPains
from backcoach.domain.history import SessionRecord
from backcoach.domain.screening import Answers, Reason, ScreenResult, StoredScreen
from backcoach.storage.models import AccessLogRow, CareLink, User
from tests.conftest import Clock

TODAY = dt.date(2026, 11, 21)  # a Saturday: the test clock's day
MONDAY = dt.date(2026, 11, 16)


def day(n: int) -> dt.date:
    """`n` days before TODAY."""
    return TODAY - dt.timedelta(days=n)


def facts(**changes: Any) -> PatientFacts:
    values: dict[str, Any] = {
        "today": TODAY,
        "linked_on": day(60),
        "screen": None,
        "sessions": [],
        "last_session": day(1),
        "schedule": None,
        "names": {"bridge": "Bridge"},
    }
    values.update(changes)
    values.setdefault("exercise_days", rules.last_days(values["sessions"]))
    return PatientFacts(**values)


def screen(clearance: str, item: str = "cancer_history", n: int = 1) -> StoredScreen:
    result = ScreenResult(clearance, [Reason(item, "why")], "advice")  # type: ignore[arg-type]
    return StoredScreen(n, dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC), result, {}, None)


# The rules, each a table


@pytest.mark.parametrize(
    ("latest", "flagged", "words"),
    [
        (None, False, ""),
        (screen("clear"), False, ""),
        (screen("check-first"), False, ""),  # a clearance is stored at check-first: it ends the flag
        (screen("see-doctor"), True, "see a doctor before you exercise"),
        (screen("urgent"), True, "see a doctor today"),
        (screen("emergency", "pre_session_red_flag"), True, "new warning sign at the pre-session question"),
    ],
)
def test_red_flag_is_the_latest_screen_stopping_sessions(
    latest: StoredScreen | None, flagged: bool, words: str
) -> None:
    found = rules.red_flag(facts(screen=latest))
    assert (found is not None) == flagged
    if found:
        assert words in found.words


def session(n: int, before: int, after: int | None = None, morning: int | None = None, during: int | None = None):
    return SessionPains(day(n), before, after, morning, (("bridge", during),))


@pytest.mark.parametrize(
    ("sessions", "flagged"),
    [
        ([session(1, 3, 3 + dosing.AFTER_RISE, 3)], False),  # up by exactly the allowed rise: not a flare
        ([session(1, 3, 3 + dosing.AFTER_RISE + 1, 3)], True),
        ([session(1, 3, 3, 3 + dosing.MORNING_RISE)], False),
        ([session(1, 3, 3, 3 + dosing.MORNING_RISE + 1)], True),
        ([session(1, 2, 2, 2, during=dosing.DURING_LIMIT)], False),
        ([session(1, 2, 2, 2, during=dosing.DURING_LIMIT + 1)], True),
        ([session(rules.WINDOW_DAYS, 3, 9, 9)], False),  # a week ago: out of the window
        ([session(rules.WINDOW_DAYS - 1, 3, 9, 9)], True),
        ([session(1, 3, None, None)], False),  # missing answers are unknown, never a flare
        # A patient who lives at 6 has a limit of 7 (the dose rules' baseline): pain 7 during is within it.
        ([session(n, 6, 6, 6) for n in (10, 8, 6)] + [session(1, 6, 6, 6, during=7)], False),
    ],
)
def test_a_flare_is_what_the_dose_rules_call_unacceptable(sessions: list[SessionPains], flagged: bool) -> None:
    assert (rules.flare(facts(sessions=sessions)) is not None) == flagged


@pytest.mark.parametrize(
    ("overs", "flagged"),
    [
        ([(3, True), (1, True)], True),
        ([(3, True)], False),  # once is not twice
        ([(5, True), (3, False), (1, True)], False),  # not in a row
        ([(3, True), (1, False)], False),  # the latest went well
        ([(12, True), (9, True)], False),  # twice in a row, but over a week ago
        ([(4, True), (2, True), (1, False)], False),
    ],
)
def test_stepped_down_twice_in_a_row(overs: list[tuple[int, bool]], flagged: bool) -> None:
    sessions = [session(n, 2, 2, 2, during=dosing.DURING_LIMIT + 1 if over else 1) for n, over in overs]
    found = rules.stepped_down(facts(sessions=sessions))
    assert bool(found) == flagged
    if found:
        assert found[0].words.startswith("Bridge stepped down twice in a row")


@pytest.mark.parametrize(
    ("last", "linked", "flagged"),
    [
        (day(rules.NO_SESSION_DAYS - 1), day(60), False),
        (day(rules.NO_SESSION_DAYS), day(60), True),
        (None, day(rules.NO_SESSION_DAYS - 1), False),  # linked less than a week ago: time to start
        (None, day(rules.NO_SESSION_DAYS), True),
        (day(30), day(3), False),  # sessions before the link: the new clinician waits a week too
    ],
)
def test_no_session_for_seven_days(last: dt.date | None, linked: dt.date, flagged: bool) -> None:
    assert (rules.no_session(facts(last_session=last, linked_on=linked)) is not None) == flagged


EVERY_OTHER_DAY = Schedule(("mon", "wed", "fri"), 2, dt.date(2026, 1, 1))


@pytest.mark.parametrize(
    ("today", "done", "schedule", "flagged"),
    [
        (TODAY, 0, None, False),  # no program: nothing prescribed
        (MONDAY, 0, EVERY_OTHER_DAY, False),  # nothing is due before today on a Monday
        (TODAY, 3, EVERY_OTHER_DAY, False),  # 6 due by Friday: 3 is half, not under it
        (TODAY, 2, EVERY_OTHER_DAY, True),
        (TODAY, 0, Schedule(("mon", "wed", "fri"), 1, TODAY), False),  # starts today: nothing due yet
        (TODAY, 0, Schedule(("mon", "wed", "fri"), 1, day(1)), True),  # started Friday: 1 due
    ],
)
def test_adherence_under_half_of_what_was_due(
    today: dt.date, done: int, schedule: Schedule | None, flagged: bool
) -> None:
    sessions = [SessionPains(today, 2, 2, 2) for _ in range(done)]
    found = rules.adherence(facts(today=today, sessions=sessions, schedule=schedule))
    assert (found is not None) == flagged


def test_the_order_is_the_most_urgent_reason_then_more_reasons_then_the_name() -> None:
    red, flare, away = (rules.Signal(k, "") for k in ("red-flag", "flare", "no-session"))
    people = {"zed": [red], "amy": [away], "bea": [flare, away], "cal": [flare], "dan": []}
    order = sorted(people, key=lambda name: rules.priority(people[name], name))
    assert order == ["zed", "bea", "cal", "amy", "dan"]


@pytest.mark.parametrize(
    ("latest", "screen_id", "clears"),
    [
        (None, 1, False),
        (screen("see-doctor", n=1), 1, True),
        (screen("urgent", n=1), 1, True),
        (screen("see-doctor", n=2), 1, False),  # an older screen's id never clears a newer one
        (screen("check-first", n=1), 1, False),  # does not block: nothing to clear
        (screen("emergency", n=1), 1, False),  # an emergency is not cleared from the dashboard
        (screen("emergency", "pre_session_red_flag", n=1), 1, False),
    ],
)
def test_what_a_clearance_may_clear(latest: StoredScreen | None, screen_id: int, clears: bool) -> None:
    if clears:
        assert rules.check_clearable(latest, screen_id) is latest
    else:
        with pytest.raises(NotClearable):
            rules.check_clearable(latest, screen_id)


# Through the store, on SQLite and PostgreSQL

PASSWORD = "a long enough password"


def clinician(runtime: Runtime, email: str, name: str) -> int:
    found = accounts.register(runtime, email, PASSWORD).id
    with runtime.transactions.begin() as db:
        user = db.get(User, found)
        assert user is not None
        user.role, user.display_name = "clinician", name
    return found


def patient(runtime: Runtime, email: str, *clinicians: int, linked: dt.datetime | None = None) -> int:
    found = accounts.register(runtime, email, PASSWORD).id
    with runtime.transactions.begin() as db:
        for c in clinicians:
            db.add(CareLink(clinician_id=c, patient_id=found, accepted_at=linked or runtime.now()))
    return found


def add_session(runtime: Runtime, who: int, on: dt.date, before: int, after: int, during: int = 1) -> None:
    record = SessionRecord.model_validate(
        {
            "date": on,
            "pain_before": before,
            "pain_after": after,
            "pain_next_morning": before,
            "items": [
                {
                    "exercise": "bridge",
                    "prescription": {"reps": 10},
                    "completed_reps": 10,
                    "completed_sets": 1,
                    "difficulty": "right",
                    "pain_during": during,
                }
            ],
        }
    )
    with runtime.unit(who) as repo:
        repo.add_session(record, runtime.now())


def log_lines(runtime: Runtime, who: int) -> list[tuple[str, str]]:
    with runtime.transactions.begin() as db:
        rows = db.scalars(select(AccessLogRow).where(AccessLogRow.patient_id == who).order_by(AccessLogRow.id))
        return [(r.action, r.what) for r in rows]


@pytest.mark.databases
def test_the_dashboard_orders_patients_and_logs_one_read_each(runtime: Runtime) -> None:
    ada = clinician(runtime, "ada@example.org", "Dr Ada")
    bo = clinician(runtime, "bo@example.org", "Dr Bo")
    long_ago = runtime.now() - dt.timedelta(days=60)
    calm = patient(runtime, "calm@example.org", ada, linked=long_ago)
    flaring = patient(runtime, "flaring@example.org", ada, linked=long_ago)
    away = patient(runtime, "away@example.org", ada, linked=long_ago)
    flagged = patient(runtime, "flagged@example.org", ada, linked=long_ago)
    someone_else = patient(runtime, "else@example.org", bo, linked=long_ago)
    add_session(runtime, calm, day(1), 2, 2)
    add_session(runtime, flaring, day(2), 2, 2 + dosing.AFTER_RISE + 1)
    add_session(runtime, away, day(10), 2, 2)
    add_session(runtime, someone_else, day(1), 2, 9)
    safety.take_screen(runtime, flagged, Answers(frozenset({"cancer_history"})))
    add_session(runtime, flagged, day(1), 2, 2)

    board = follow.dashboard(runtime, ada)
    assert [e.patient.email for e in board] == [
        "flagged@example.org",
        "flaring@example.org",
        "away@example.org",
        "calm@example.org",
    ]
    assert [[s.kind for s in e.signals] for e in board] == [["red-flag"], ["flare"], ["no-session"], []]
    for who in (calm, flaring, away, flagged):
        assert log_lines(runtime, who) == [("read", follow.DASHBOARD_READ)]
    assert log_lines(runtime, someone_else) == []
    before = runtime.revision(calm)
    follow.dashboard(runtime, ada)
    assert runtime.revision(calm) == before  # a read is not a change

    with runtime.transactions.begin() as db:
        link = db.scalars(select(CareLink).where(CareLink.patient_id == flaring)).one()
        link.ended_at, link.ended_by = runtime.now(), "patient"
    assert flaring not in {e.patient.id for e in follow.dashboard(runtime, ada)}
    with pytest.raises(NotAClinician):
        follow.dashboard(runtime, calm)


@pytest.mark.databases
def test_a_patient_page_is_only_for_a_linked_clinician(runtime: Runtime) -> None:
    ada = clinician(runtime, "ada@example.org", "Dr Ada")
    bo = clinician(runtime, "bo@example.org", "Dr Bo")
    pat = patient(runtime, "pat@example.org", ada)
    add_session(runtime, pat, day(1), 2, 3)
    found = follow.summary(runtime, ada, pat)
    assert (found.patient.email, len(found.pain.sessions), [d.exercise for d in found.doses]) == (
        "pat@example.org",
        1,
        ["bridge"],
    )
    assert log_lines(runtime, pat) == [("read", follow.PAGE_READ)]
    with pytest.raises(NotFound):
        follow.summary(runtime, bo, pat)
    with pytest.raises(NotAClinician):
        follow.summary(runtime, pat, pat)
    assert "<svg" in follow.chart(runtime, ada, pat, "pain")


@pytest.mark.databases
def test_notes_are_shared_only_when_the_patient_allows_it(runtime: Runtime) -> None:
    ada = clinician(runtime, "ada@example.org", "Dr Ada")
    bo = clinician(runtime, "bo@example.org", "Dr Bo")
    pat = patient(runtime, "pat@example.org", ada, bo)
    add_session(runtime, pat, day(1), 2, 3)
    with runtime.unit(pat) as repo:
        session_id = repo.sessions()[0].id
    follow.add_note(runtime, ada, pat, "Bridge looks good.", session_id)
    follow.add_note(runtime, bo, pat, "Watch the flare.", None)
    assert [n.body for n in follow.summary(runtime, ada, pat).notes] == ["Bridge looks good."]
    assert [n.body for n in follow.summary(runtime, bo, pat).notes] == ["Watch the flare."]
    with runtime.transactions.begin() as db:
        db.scalars(select(CareLink).where(CareLink.clinician_id == ada)).one().shares_notes = True
    assert [n.body for n in follow.summary(runtime, ada, pat).notes] == ["Watch the flare.", "Bridge looks good."]
    assert [n.body for n in follow.summary(runtime, bo, pat).notes] == ["Watch the flare."]  # Bo's link shares none
    assert ("change", "a note about you") in log_lines(runtime, pat)

    other = patient(runtime, "other@example.org", ada)
    with pytest.raises(InvalidInput) as problem:  # another patient's session is not this patient's
        follow.add_note(runtime, ada, other, "Wrong session.", session_id)
    assert problem.value.loc == ("session_id",)
    with pytest.raises(InvalidInput):
        follow.add_note(runtime, ada, pat, "   ", None)
    with pytest.raises(NotFound):
        follow.add_note(runtime, ada, patient(runtime, "stranger@example.org"), "Hello.", None)


@pytest.mark.databases
def test_a_clearance_opens_the_safety_gate_only_for_the_screen_it_names(runtime: Runtime, clock: Clock) -> None:
    ada = clinician(runtime, "ada@example.org", "Dr Ada")
    pat = patient(runtime, "pat@example.org", ada)
    answers = Answers(frozenset({"cancer_history", "worse_bending_forward"}))
    safety.take_screen(runtime, pat, answers)
    first = safety.latest_screen(runtime, pat)
    assert first is not None
    with pytest.raises(safety.Blocked):
        safety.ensure_allowed(runtime, pat, session=True)
    clock.advance(hours=1)
    cleared = follow.record_clearance(runtime, ada, pat, first.id, "Seen in clinic, scan clear.")
    assert (cleared.clinician_name, cleared.screening_id) == ("Dr Ada", first.id)
    latest = safety.ensure_allowed(runtime, pat, session=True)
    assert latest is not None
    assert latest.result.clearance == "check-first"  # as the patient's own record of a clearance: start gently
    assert "Dr Ada" in latest.result.reasons[0].message
    assert "Seen in clinic, scan clear." in safety.screen_cautions(latest, runtime.now())[1]
    assert "cat-stretch" in latest.result.excludes  # bending forward still hurts: still left out
    assert [s.kind for s in follow.summary(runtime, ada, pat).signals if s.kind == "red-flag"] == []

    clock.advance(hours=1)  # a new blocking screen: the earlier clearance does not clear it
    safety.take_screen(runtime, pat, Answers(frozenset({"unexplained_weight_loss"})))
    with pytest.raises(safety.Blocked):
        safety.ensure_allowed(runtime, pat, session=True)
    with pytest.raises(NotClearable):  # nor does naming the older screen
        follow.record_clearance(runtime, ada, pat, first.id, "Again.")
    clock.advance(hours=1)
    safety.record_red_flag(runtime, pat)
    red = safety.latest_screen(runtime, pat)
    assert red is not None
    with pytest.raises(NotClearable):  # an emergency is not cleared from the dashboard
        follow.record_clearance(runtime, ada, pat, red.id, "Fine.")
    with pytest.raises(safety.Blocked):
        safety.ensure_allowed(runtime, pat, session=True)
    bo = clinician(runtime, "bo@example.org", "Dr Bo")
    with pytest.raises(NotFound):
        follow.record_clearance(runtime, bo, pat, red.id, "Not my patient.")
