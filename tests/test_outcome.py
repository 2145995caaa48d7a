"""The weekly check (the Patient-Specific Functional Scale): validation, when it is due, change against the minimal
detectable change, and storage on SQLite and PostgreSQL, including an upgrade from revision 0002."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import inspect, text

from backcoach.app import history, outcomes
from backcoach.app.runtime import Runtime, create_runtime
from backcoach.domain.outcome import (
    MDC_ACTIVITY,
    MDC_AVERAGE,
    OutcomeError,
    OutcomeRecord,
    is_due,
    next_due,
    parse_outcome,
    summarise,
)
from backcoach.settings import Settings
from backcoach.storage.engine import HEAD, current_revision, make_engine, upgrade
from backcoach.storage.models import User
from backcoach.storage.repository import UserRepository
from tests.conftest import Clock

SOCKS, SITTING, GROCERIES = "bending to put on socks", "sitting for an hour", "lifting a bag of groceries"


def check(date: str, *scores: int, names: tuple[str, ...] = (SOCKS, SITTING, GROCERIES)) -> dict[str, Any]:
    return {"date": date, "activities": [{"activity": n, "score": s} for n, s in zip(names, scores, strict=True)]}


def record(date: str, *scores: int, names: tuple[str, ...] = (SOCKS, SITTING, GROCERIES)) -> OutcomeRecord:
    return parse_outcome(check(date, *scores, names=names))


# Validation


def test_a_check_is_three_named_activities_with_their_scores() -> None:
    parsed = parse_outcome(check("2026-11-21", 3, 4, 5))
    assert parsed.date == dt.date(2026, 11, 21)
    assert [a.activity for a in parsed.activities] == [SOCKS, SITTING, GROCERIES]
    assert parsed.total == 12
    assert parsed.average == 4
    assert parse_outcome(parsed.to_dict()) == parsed


def test_names_are_tidied_and_compared_without_case_or_spacing() -> None:
    parsed = parse_outcome(check("2026-11-21", 1, 2, 3, names=("  Sitting   for an hour ", "abc", "x" * 80)))
    assert parsed.activities[0].activity == "Sitting for an hour"
    assert parsed.score_of("sitting for an HOUR") == 1
    assert parsed.score_of("standing") is None


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        (lambda c: c["activities"].pop(), ("activities",)),
        (lambda c: c["activities"].append({"activity": "walking", "score": 1}), ("activities",)),
        (lambda c: c["activities"][1].update(score=11), ("activities", 1, "score")),
        (lambda c: c["activities"][1].update(score=-1), ("activities", 1, "score")),
        (lambda c: c["activities"][1].update(score="5"), ("activities", 1, "score")),
        (lambda c: c["activities"][1].update(score=5.0), ("activities", 1, "score")),
        (lambda c: c["activities"][1].update(score=True), ("activities", 1, "score")),
        (lambda c: c["activities"][2].update(activity="ab"), ("activities", 2, "activity")),
        (lambda c: c["activities"][2].update(activity="  ab   "), ("activities", 2, "activity")),
        (lambda c: c["activities"][2].update(activity="x" * 81), ("activities", 2, "activity")),
        (lambda c: c["activities"][2].update(activity=42), ("activities", 2, "activity")),
        (lambda c: c["activities"][2].update(activity="Bending  to put on SOCKS"), ("activities",)),
        (lambda c: c["activities"][0].update(note="x"), ("activities", 0, "note")),
        (lambda c: c.update(date="21/11/2026"), ("date",)),
        (lambda c: c.update(date=1795219200), ("date",)),
        (lambda c: c.pop("date"), ("date",)),
        (lambda c: c.update(average=4), ("average",)),
    ],
)
def test_an_invalid_check_names_the_field(change: Any, loc: tuple[str | int, ...]) -> None:
    raw = check("2026-11-21", 3, 4, 5)
    change(raw)
    with pytest.raises(OutcomeError) as caught:
        parse_outcome(raw)
    assert caught.value.loc == loc
    assert str(caught.value).startswith(".".join(str(p) for p in loc))


def test_exactly_three_activities_is_said_in_words() -> None:
    with pytest.raises(OutcomeError, match="exactly 3 activities"):
        parse_outcome({"date": "2026-11-21", "activities": []})
    with pytest.raises(OutcomeError, match="must be an object"):
        parse_outcome([])


def test_a_check_cannot_be_changed_once_made() -> None:
    parsed = record("2026-11-21", 3, 4, 5)
    with pytest.raises(ValidationError):
        parsed.date = dt.date(2026, 1, 1)  # type: ignore[misc]


# When the next one is due


def test_the_first_check_is_due_at_once_and_then_a_week_after_the_latest() -> None:
    today = dt.date(2026, 11, 21)
    assert is_due([], today)
    assert next_due([]) is None
    latest = record("2026-11-15", 1, 2, 3)
    older = record("2026-11-01", 1, 2, 3)
    assert next_due([latest, older]) == dt.date(2026, 11, 22)
    assert not is_due([latest, older], today)
    assert is_due([latest, older], today + dt.timedelta(days=1))
    assert is_due([older], today)


@given(age=st.integers(0, 60), today=st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1)))
def test_due_exactly_when_the_latest_is_a_week_old_or_more(age: int, today: dt.date) -> None:
    latest = OutcomeRecord.model_validate({**check("2026-01-01", 1, 2, 3), "date": today - dt.timedelta(days=age)})
    assert is_due([latest], today) == (age >= 7)


def test_a_check_at_the_end_of_the_calendar_never_overflows() -> None:
    last = OutcomeRecord.model_validate({**check("2026-01-01", 1, 2, 3), "date": dt.date.max})
    assert next_due([last]) == dt.date.max
    assert not is_due([last], dt.date(2026, 11, 21))


# Change against the minimal detectable change


def test_the_minimal_detectable_changes_are_stratfords() -> None:
    assert (MDC_AVERAGE, MDC_ACTIVITY) == (2, 3)


def test_two_points_on_the_average_and_three_on_one_activity_are_more_than_noise() -> None:
    first = record("2026-11-01", 2, 3, 4)
    summary = summarise([first, record("2026-11-08", 5, 4, 6)], dt.date(2026, 11, 9))
    average = summary.average_change
    assert average is not None
    assert (average.first, average.latest, average.change, average.checks) == (3, 5, 2.0, 2)
    assert average.beyond_noise
    assert "more than the 2 points" in average.words()
    assert "real improvement" in average.words()
    socks, sitting, groceries = summary.activity_changes
    assert (socks.change, socks.beyond_noise) == (3, True)
    assert (sitting.change, sitting.beyond_noise) == (1, False)
    assert (groceries.change, groceries.beyond_noise) == (2, False)
    assert "within the 3 points that measurement noise alone can explain" in groceries.words()


def test_a_change_just_short_of_two_points_is_noise_even_where_rounding_would_say_two() -> None:
    # 5 points over three activities is 1.67 on the average: not 2, however it is rounded for display.
    summary = summarise([record("2026-11-01", 2, 3, 4), record("2026-11-08", 4, 5, 5)], dt.date(2026, 11, 9))
    assert summary.average_change is not None
    assert summary.average_change.change == 1.7
    assert not summary.average_change.beyond_noise


def test_a_drop_beyond_noise_suggests_seeing_someone() -> None:
    summary = summarise([record("2026-11-01", 8, 8, 8), record("2026-11-08", 5, 6, 7)], dt.date(2026, 11, 9))
    assert summary.average_change is not None
    assert summary.average_change.change == -2.0
    assert summary.average_change.beyond_noise
    assert "doctor or physical therapist" in summary.average_change.words()
    assert summary.activity_changes[0].words().startswith("Bending to put on socks: 5 out of 10, down 3")


def test_the_first_check_is_the_starting_point() -> None:
    summary = summarise([record("2026-11-01", 2, 3, 4)], dt.date(2026, 11, 1))
    assert summary.count == 1
    assert summary.average_change is not None
    assert summary.average_change.checks == 1
    assert not summary.average_change.beyond_noise
    assert "starting point" in summary.average_change.words()
    assert summarise([], dt.date(2026, 11, 1)).average_change is None


def test_changing_an_activity_starts_its_comparisons_again() -> None:
    walking = (SOCKS, "walking the dog", GROCERIES)
    checks = [
        record("2026-11-01", 2, 3, 4),
        record("2026-11-08", 4, 4, 5),
        record("2026-11-15", 6, 2, 6, names=walking),
        record("2026-11-22", 7, 5, 7, names=walking),
    ]
    summary = summarise(checks, dt.date(2026, 11, 22))
    average = summary.average_change
    assert average is not None
    assert (average.since, average.checks, average.restarted) == (dt.date(2026, 11, 15), 2, True)
    assert "when you last changed an activity" in average.words()
    socks, dog, groceries = summary.activity_changes
    assert (socks.since, socks.first, socks.checks, socks.restarted) == (dt.date(2026, 11, 1), 2, 4, False)
    assert (dog.since, dog.first, dog.checks, dog.restarted) == (dt.date(2026, 11, 15), 2, 2, True)
    assert groceries.change == 3
    just_changed = summarise(checks[:3], dt.date(2026, 11, 15))
    assert just_changed.average_change is not None
    assert "comparisons of the average start again" in just_changed.average_change.words()
    assert "its comparisons start again" in just_changed.activity_changes[1].words()


def test_an_activity_dropped_and_taken_up_again_starts_again() -> None:
    other = (SOCKS, "walking the dog", GROCERIES)
    checks = [record("2026-11-01", 2, 1, 4), record("2026-11-08", 2, 5, 4, names=other), record("2026-11-15", 2, 9, 4)]
    sitting = summarise(checks, dt.date(2026, 11, 15)).activity_changes[1]
    assert (sitting.since, sitting.checks, sitting.change) == (dt.date(2026, 11, 15), 1, 0)


def test_records_of_any_order_are_read_oldest_first() -> None:
    checks = [record("2026-11-08", 5, 5, 5), record("2026-11-01", 2, 2, 2)]
    average = summarise(checks, dt.date(2026, 11, 9)).average_change
    assert average is not None
    assert (average.first, average.latest) == (2, 5)


scores = st.integers(0, 10)


@given(st.lists(st.tuples(scores, scores, scores), min_size=1, max_size=8))
def test_beyond_noise_is_exactly_the_mdc_on_the_points(weeks: list[tuple[int, int, int]]) -> None:
    checks = [record((dt.date(2026, 1, 5) + dt.timedelta(weeks=n)).isoformat(), *week) for n, week in enumerate(weeks)]
    summary = summarise(checks, dt.date(2027, 1, 1))
    first, last = weeks[0], weeks[-1]
    assert summary.average_change is not None
    assert summary.average_change.beyond_noise == (abs(sum(last) - sum(first)) >= 3 * MDC_AVERAGE)
    assert summary.average_change.checks == len(weeks)
    for change, before, after in zip(summary.activity_changes, first, last, strict=True):
        assert change.beyond_noise == (abs(after - before) >= MDC_ACTIVITY)
        assert change.change == after - before
    assert summary.due
    data = summary.to_dict()
    assert set(data) == {"count", "due", "next_due", "average_change", "activity_changes"}
    assert json.loads(json.dumps(data)) == data


@given(
    names=st.lists(
        st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=3, max_size=80).filter(
            lambda s: 3 <= len(" ".join(s.split())) <= 80
        ),
        min_size=3,
        max_size=3,
        unique_by=lambda s: " ".join(s.split()).casefold(),
    ),
    points=st.tuples(scores, scores, scores),
)
def test_every_valid_check_round_trips(names: list[str], points: tuple[int, int, int]) -> None:
    parsed = record("2026-11-21", *points, names=tuple(names))
    assert parse_outcome(json.loads(json.dumps(parsed.to_dict()))) == parsed


# Storage, on SQLite and PostgreSQL


def other_user(runtime: Runtime, clock: Clock) -> int:
    with runtime.transactions.begin() as session:
        row = User(email="bob@example.org", created_at=clock())
        session.add(row)
        session.flush()
        return row.id


@pytest.mark.databases
def test_checks_round_trip_through_the_store_oldest_first(runtime: Runtime, clock: Clock) -> None:
    user = runtime.local_user()
    later, earlier = record("2026-11-08", 5, 6, 7), record("2026-11-01", 1, 2, 3)
    same_day = record("2026-11-08", 9, 9, 9)
    with runtime.unit(user) as repo:
        ids = [repo.add_outcome(r, clock()).id for r in (later, earlier, same_day)]
    with runtime.unit(user) as repo:
        stored = repo.outcomes()
        latest = repo.latest_outcome()
    assert [s.id for s in stored] == [ids[1], ids[0], ids[2]]
    assert [s.record for s in stored] == [earlier, later, same_day]
    assert latest is not None
    assert latest.id == ids[2]
    assert stored[0].to_dict() == {"id": ids[1], **earlier.to_dict(), "average": 2.0}


@pytest.mark.databases
def test_a_repository_sees_only_its_own_users_checks(runtime: Runtime, clock: Clock) -> None:
    alice = runtime.local_user()
    bob = other_user(runtime, clock)
    with runtime.unit(alice) as repo:
        repo.add_outcome(record("2026-11-01", 1, 2, 3), clock())
    with runtime.transactions.begin() as session:
        theirs = UserRepository(session, bob)
        assert theirs.outcomes() == []
        assert theirs.latest_outcome() is None
    assert outcomes.outcome_due(runtime, bob)
    assert len(outcomes.outcomes(runtime, alice)) == 1


@pytest.mark.databases
def test_deleting_a_user_deletes_their_checks(runtime: Runtime, clock: Clock) -> None:
    user = runtime.local_user()
    with runtime.unit(user) as repo:
        repo.add_outcome(record("2026-11-01", 1, 2, 3), clock())
    with runtime.transactions.begin() as session:
        session.delete(session.get(User, user))
    with runtime.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outcomes")).scalar() == 0


def test_recording_tells_which_activities_start_again(runtime: Runtime) -> None:
    user = runtime.local_user()
    first = outcomes.record_outcome(runtime, user, record("2026-11-14", 1, 2, 3))
    assert first.restarted == []
    again = outcomes.record_outcome(
        runtime, user, record("2026-11-21", 1, 2, 3, names=(SOCKS, "walking the dog", "abc"))
    )
    assert again.restarted == ["walking the dog", "abc"]


def test_due_follows_the_persons_own_calendar(runtime: Runtime, clock: Clock) -> None:
    user = runtime.local_user()
    assert outcomes.outcome_due(runtime, user)
    outcomes.record_outcome(runtime, user, parse_outcome({**check("2026-01-01", 3, 3, 3), "date": runtime.today()}))
    assert not outcomes.outcome_due(runtime, user)
    clock.advance(days=6)
    assert not outcomes.outcome_due(runtime, user)
    clock.advance(days=1)
    assert outcomes.outcome_due(runtime, user)
    report = outcomes.outcome_report(runtime, user)
    assert report["due"] is True
    assert len(report["outcomes"]) == 1


def test_a_check_dated_in_the_future_is_refused(runtime: Runtime) -> None:
    user = runtime.local_user()
    tomorrow = runtime.today() + dt.timedelta(days=1)
    outcomes.record_outcome(runtime, user, parse_outcome({**check("2026-01-01", 3, 3, 3), "date": tomorrow}))
    later = parse_outcome({**check("2026-01-01", 3, 3, 3), "date": tomorrow + dt.timedelta(days=1)})
    with pytest.raises(OutcomeError) as caught:
        outcomes.record_outcome(runtime, user, later)
    assert caught.value.loc == ("date",)
    assert len(outcomes.outcomes(runtime, user)) == 1


@pytest.mark.databases
def test_an_old_database_upgrades_with_its_data_and_gains_the_checks(
    database_url: str, tmp_path: Path, clock: Clock
) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0002")
    at = {"at": clock().replace(tzinfo=None) if engine.dialect.name == "sqlite" else clock()}
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, is_local, created_at) VALUES (1, true, :at)"), at)
        conn.execute(
            text(
                "INSERT INTO sessions (id, user_id, date, pain_before, pain_after, status, created_at) "
                "VALUES (1, 1, '2026-11-20', 3, 2, 'complete', :at)"
            ),
            at,
        )
    assert "outcomes" not in inspect(engine).get_table_names()
    engine.dispose()

    runtime = create_runtime(Settings(home=tmp_path / "home", database_url=database_url), clock=clock)
    try:
        assert current_revision(runtime.engine) == HEAD
        user = runtime.local_user()
        assert user == 1
        assert [s.record.pain_before for s in history.sessions(runtime, user)] == [3]
        assert outcomes.outcome_due(runtime, user)
        outcomes.record_outcome(runtime, user, record("2026-11-21", 4, 5, 6))
        assert [s.record.total for s in outcomes.outcomes(runtime, user)] == [15]
    finally:
        runtime.dispose()
