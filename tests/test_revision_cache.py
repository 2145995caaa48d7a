"""The per-person revision and the caches that trust it (docs/architecture.md, "Caching").

Every cache of a person's plan or pages is correct only if (1) every write to their data bumps their revision in
the same transaction, and (2) nothing else a plan depends on changes without a write, except the clock, which each
entry bounds with its `valid_until`. These tests try to break both, with two runtimes on one database standing in
for two server processes, each with its own cache.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcoach.app import accounts, guided, history, outcomes, plans, preferences, safety
from backcoach.app.cache import Memo, PersonalCache
from backcoach.app.runtime import Runtime, create_runtime
from backcoach.domain.errors import BackcoachError
from backcoach.domain.history import SessionItem, SessionRecord
from backcoach.domain.outcome import parse_outcome
from backcoach.domain.preferences import Preferences
from backcoach.domain.screening import Answers
from backcoach.settings import Settings
from backcoach.web.schemas import PlanOut
from tests.conftest import Clock, migrated
from tests.strategies import examples

DAY0 = dt.date(2026, 11, 21)


def record(day: dt.date, exercise: str = "bridge", reps: int = 10, difficulty: str = "right") -> SessionRecord:
    return SessionRecord.model_validate(
        {
            "date": day,
            "pain_before": 3,
            "pain_after": 3,
            "items": [
                {
                    "exercise": exercise,
                    "prescription": {"reps": 10, "sets": 1},
                    "completed_reps": reps,
                    "completed_sets": 1,
                    "difficulty": difficulty,
                    "pain_during": 2,
                }
            ],
        }
    )


def seeded(runtime: Runtime) -> int:
    user = runtime.local_user()
    history.add_session(runtime, user, record(DAY0 - dt.timedelta(days=1)))
    return user


WRITES: dict[str, Callable[[Runtime, int], object]] = {
    "add a session": lambda r, u: history.add_session(r, u, record(DAY0)),
    "edit a session": lambda r, u: history.edit_session(r, u, history.sessions(r, u)[0].id, {"pain_after": 5}),
    "delete a session": lambda r, u: history.delete_session(r, u, history.sessions(r, u)[0].id),
    "import history": lambda r, u: history.import_history(r, u, {"version": 1, "sessions": [record(DAY0).to_dict()]}),
    "check in the next morning": lambda r, u: history.checkin(r, u, 4),
    "take the screen": lambda r, u: safety.take_screen(r, u, Answers(age=40)),
    "record a clearance": lambda r, u: safety.record_clinician_clearance(r, u, "cleared by Dr A"),
    "report a red flag": safety.record_red_flag,
    "save preferences": lambda r, u: preferences.save(r, u, Preferences(minutes=20)),
    "record the weekly check": lambda r, u: outcomes.record_outcome(
        r,
        u,
        parse_outcome(
            {
                "date": DAY0.isoformat(),
                "activities": [{"activity": a, "score": 6} for a in ("walking", "sitting", "lifting")],
            }
        ),
    ),
    "begin a guided session": lambda r, u: guided.begin_session(r, u, 3),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_bumps_the_revision(runtime: Runtime, write: str) -> None:
    user = seeded(runtime)
    before = runtime.revision(user)
    WRITES[write](runtime, user)
    assert runtime.revision(user) != before


def test_a_guided_session_bumps_the_revision_at_every_step(runtime: Runtime) -> None:
    user = seeded(runtime)
    session = guided.begin_session(runtime, user, 3)
    seen = {runtime.revision(user)}
    item = SessionItem.model_validate(record(DAY0).items[0].model_dump())
    guided.save_exercise(runtime, user, session, item)
    seen.add(runtime.revision(user))
    guided.finish_session(runtime, user, session, pain_after=2, difficulties={}, partial=False)
    seen.add(runtime.revision(user))
    assert len(seen) == 3


READS: dict[str, Callable[[Runtime, int], object]] = {
    "today's plan": plans.todays_plan,
    "the history": history.sessions,
    "progress": history.progress,
    "the export": history.export,
    "the latest screen": safety.latest_screen,
    "the weekly checks": outcomes.outcome_summary,
    "a dose": lambda r, u: plans.next_dose(r, u, r.catalogue.get("bridge")),
}


@pytest.mark.parametrize("read", list(READS))
def test_reading_never_bumps_the_revision(runtime: Runtime, read: str) -> None:
    user = seeded(runtime)
    before = runtime.revision(user)
    READS[read](runtime, user)
    assert runtime.revision(user) == before


def test_a_failed_write_leaves_the_revision_as_it_was(runtime: Runtime) -> None:
    user = seeded(runtime)
    before = runtime.revision(user)
    with pytest.raises(BackcoachError):
        history.edit_session(runtime, user, history.sessions(runtime, user)[0].id, {"pain_after": 99})
    assert runtime.revision(user) == before


def test_one_persons_write_leaves_anothers_revision_alone(runtime: Runtime, hasher: PasswordHasher) -> None:
    user = seeded(runtime)
    other = accounts.register(runtime, "other@example.org", "a long password 1").id
    before = runtime.revision(other)
    history.add_session(runtime, user, record(DAY0))
    assert runtime.revision(other) == before


def test_an_account_with_a_deleted_accounts_id_never_matches_what_was_cached(runtime: Runtime) -> None:
    """SQLite gives a new row the highest id plus one, so a new account can get the id of one just deleted."""
    first = accounts.register(runtime, "first@example.org", "a long password 1").id
    old = runtime.revision(first)
    accounts.delete_account(runtime, first)
    second = accounts.register(runtime, "second@example.org", "a long password 1").id
    assert second == first  # the case this guards against
    assert runtime.revision(second) != old


# The cache itself


def test_the_cache_serves_only_the_revision_it_was_given_and_only_until_its_instant() -> None:
    cache = PersonalCache()
    now = dt.datetime(2026, 11, 21, 8, tzinfo=dt.UTC)
    cache.put(1, "plan", 7, now + dt.timedelta(hours=1), b"seven")
    assert cache.get(1, "plan", 7, now) == b"seven"
    assert cache.get(1, "plan", 8, now) is None
    assert cache.get(2, "plan", 7, now) is None
    assert cache.get(1, "page", 7, now) is None
    assert cache.get(1, "plan", 7, now + dt.timedelta(hours=1)) is None


def test_the_cache_keeps_to_its_size_dropping_the_least_recently_used() -> None:
    cache = PersonalCache(size=2)
    until = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    now = until - dt.timedelta(days=1)
    cache.put(1, "a", 0, until, b"1")
    cache.put(2, "a", 0, until, b"2")
    assert cache.get(1, "a", 0, now) == b"1"
    cache.put(3, "a", 0, until, b"3")
    assert len(cache) == 2
    assert cache.get(2, "a", 0, now) is None
    assert cache.get(1, "a", 0, now) == b"1"


def test_the_memo_builds_once_per_key_and_keeps_to_its_size() -> None:
    memo = Memo(size=2)
    built: list[str] = []

    def build(key: str) -> str:
        built.append(key)
        return key.upper()

    assert [memo.get(k, functools.partial(build, k)) for k in ("a", "b", "a", "c", "b", "a")] == list("ABACBA")
    # "a" was used last before "c" came, so "b" was dropped and built again, which then dropped "a".
    assert built == ["a", "b", "c", "b", "a"]
    assert len(memo) == 2
    assert (memo.hits, memo.misses) == (1, 5)


def test_a_slow_build_from_older_data_does_not_replace_a_newer_entry() -> None:
    cache = PersonalCache()
    until = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    cache.put(1, "plan", 5, until, b"new")
    cache.put(1, "plan", 4, until, b"old")
    assert cache.get(1, "plan", 5, until - dt.timedelta(days=1)) == b"new"


# Two processes, one database: the cached plan is always the plan


@pytest.fixture
def two_processes(
    database_url: str, migrated_sqlite: Path, tmp_path: Path, clock: Clock, hasher: PasswordHasher
) -> Iterator[tuple[Runtime, Runtime]]:
    url = migrated(database_url, migrated_sqlite)
    settings_ = Settings(home=tmp_path / "home", database_url=url)
    a = create_runtime(settings_, clock=clock, hasher=hasher)
    b = create_runtime(settings_, clock=clock, hasher=hasher, migrate=False)
    yield a, b
    a.dispose()
    b.dispose()


def served(runtime: Runtime, user: int) -> bytes | BaseException:
    """What the API's GET /plan serves through this runtime: its cache if the revision matches, else a new plan
    (web/cached.py does exactly this around the same two calls)."""
    revision = runtime.revision(user)
    hit = runtime.cache.get(user, "plan", revision, runtime.now())
    if hit is not None:
        return hit
    try:
        snapshot = plans.plan_snapshot(runtime, user)
    except BackcoachError as exc:
        return exc
    body = PlanOut.of(snapshot.plan).model_dump_json().encode()
    runtime.cache.put(user, "plan", snapshot.revision, snapshot.valid_until, body)
    return body


def fresh(runtime: Runtime, user: int) -> bytes | BaseException:
    """The plan worked out from nothing: no cached bytes and no memoised dose decisions (the runtime's memo, warm
    from every step before, is set aside, so a decision memoised on too little would show here)."""
    warm, runtime.memo = runtime.memo, Memo()
    try:
        return PlanOut.of(plans.todays_plan(runtime, user)).model_dump_json().encode()
    except BackcoachError as exc:
        return exc
    finally:
        runtime.memo = warm


def same(a: bytes | BaseException, b: bytes | BaseException) -> bool:
    if isinstance(a, BaseException) or isinstance(b, BaseException):
        return type(a) is type(b) and str(a) == str(b)
    return a == b


EXERCISES = ["bridge", "superman", "cat-stretch", "partial-curl"]
step = st.one_of(
    st.tuples(
        st.just("session"),
        st.integers(0, 40),
        st.sampled_from(EXERCISES),
        st.integers(1, 12),
        st.sampled_from(["easy", "right", "hard"]),
    ),
    st.tuples(st.just("edit"), st.integers(0, 10)),
    st.tuples(st.just("delete"), st.integers(0, 10)),
    st.tuples(st.just("checkin"), st.integers(0, 10)),
    st.tuples(st.just("screen"), st.sampled_from(["clear", "check-first", "red flag"])),
    st.tuples(st.just("preferences"), st.sampled_from([10, 15, 30])),
    st.tuples(st.just("clock"), st.sampled_from([1, 5, 13, 24, 24 * 7, 24 * 43])),
)


@pytest.mark.databases
@settings(max_examples=examples(40), suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(steps=st.lists(st.tuples(st.booleans(), step), min_size=1, max_size=12))
def test_a_plan_served_from_either_process_is_the_plan_after_any_write_through_the_other(
    two_processes: tuple[Runtime, Runtime], clock: Clock, steps: list[tuple[bool, tuple[object, ...]]]
) -> None:
    a, b = two_processes
    user = a.local_user()
    for runtime in (a, b):
        runtime.cache = PersonalCache()
    for through_a, (kind, *args) in steps:
        writer = a if through_a else b
        # A write the rules refuse (nothing to check in for, say) is still a step: nothing may have changed.
        with contextlib.suppress(BackcoachError):
            apply(writer, user, clock, str(kind), args)
        for reader in (a, b):
            assert same(served(reader, user), fresh(reader, user)), (kind, args)


def apply(runtime: Runtime, user: int, clock: Clock, kind: str, args: list[object]) -> None:
    today = runtime.today()
    stored = history.sessions(runtime, user)
    if kind == "session":
        days_ago, exercise, reps, difficulty = args
        assert isinstance(days_ago, int)
        history.add_session(
            runtime,
            user,
            record(today - dt.timedelta(days=days_ago), str(exercise), int(reps), str(difficulty)),  # type: ignore[call-overload]
        )
    elif kind in ("edit", "delete", "checkin") and stored:
        (n,) = args
        target = stored[int(n) % len(stored)]  # type: ignore[call-overload]
        if kind == "edit":
            history.edit_session(runtime, user, target.id, {"pain_after": int(n)})  # type: ignore[call-overload]
        elif kind == "delete":
            history.delete_session(runtime, user, target.id)
        else:
            history.checkin(runtime, user, int(n))  # type: ignore[call-overload]
    elif kind == "screen":
        (outcome,) = args
        if outcome == "red flag":
            safety.record_red_flag(runtime, user)
        elif outcome == "check-first":
            safety.take_screen(runtime, user, Answers(flags=frozenset({"previous_back_injury"}), age=40))
        else:
            safety.take_screen(runtime, user, Answers(age=40))
    elif kind == "preferences":
        (minutes,) = args
        preferences.save(runtime, user, Preferences(minutes=int(minutes)))  # type: ignore[call-overload]
    elif kind == "clock":
        (hours,) = args
        clock.advance(hours=float(hours))  # type: ignore[arg-type]
