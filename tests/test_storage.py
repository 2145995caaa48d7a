from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from backcoach.app.runtime import Runtime
from backcoach.domain.history import SessionRecord
from backcoach.domain.screening import Answers, evaluate
from backcoach.settings import Settings, load_settings
from backcoach.storage.engine import HEAD, MIGRATIONS, current_revision, database_url, make_engine, upgrade
from backcoach.storage.models import Base, User
from backcoach.storage.repository import AccountRepository, UserRepository
from tests.conftest import Clock

pytestmark = pytest.mark.databases

RECORD = SessionRecord.model_validate(
    {
        "date": "2026-11-20",
        "pain_before": 4,
        "pain_after": 3,
        "items": [
            {
                "exercise": "bridge",
                "prescription": {"reps": 15, "sets": 3, "rest_s": 60},
                "completed_reps": 15,
                "completed_sets": 3,
                "difficulty": "right",
                "pain_during": 2,
            }
        ],
    }
)


def test_the_migrations_and_the_models_agree(runtime: Runtime) -> None:
    with runtime.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_head_matches_the_newest_migration() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD


def test_upgrading_twice_changes_nothing(runtime: Runtime) -> None:
    assert current_revision(runtime.engine) == HEAD
    upgrade(runtime.engine)
    assert current_revision(runtime.engine) == HEAD
    assert {"users", "screenings", "sessions", "session_items"} <= set(inspect(runtime.engine).get_table_names())


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_the_default_database_lives_in_backcoach_home(tmp_path: Path) -> None:
    settings = load_settings({"BACKCOACH_HOME": str(tmp_path / "h")})
    assert database_url(settings) == f"sqlite:///{tmp_path / 'h' / 'backcoach.db'}"
    pg = Settings(home=tmp_path, database_url="postgresql://u@h/db")
    assert database_url(pg) == "postgresql+psycopg://u@h/db"


def test_without_backcoach_home_the_platform_data_directory_is_used() -> None:
    settings = load_settings({})
    assert settings.home.name == "backcoach"


def test_the_local_user_is_created_once(runtime: Runtime) -> None:
    first = runtime.local_user()
    assert runtime.local_user() == first
    with runtime.transactions.begin() as session:
        assert session.query(User).count() == 1


def test_times_come_back_in_utc(runtime: Runtime, clock: Clock) -> None:
    user = runtime.local_user()
    with runtime.unit(user) as repo:
        stored = repo.add_screening(evaluate(Answers()), {}, clock())
    with runtime.unit(user) as repo:
        latest = repo.latest_screening()
    assert latest is not None
    assert latest.id == stored.id
    assert latest.taken_at == clock()
    assert latest.taken_at.tzinfo is not None


def test_a_repository_sees_only_its_own_users_rows(runtime: Runtime, clock: Clock) -> None:
    with runtime.transactions.begin() as session:
        alice = AccountRepository(session).local_user_id(clock())
        bob_row = User(email="bob@example.org", created_at=clock())
        session.add(bob_row)
        session.flush()
        bob = bob_row.id
    with runtime.unit(alice) as repo:
        mine = repo.add_session(RECORD, clock())
        repo.add_screening(evaluate(Answers(frozenset({"saddle_numbness"}))), {}, clock())
    with runtime.transactions.begin() as session:
        other = UserRepository(session, bob)
        assert other.sessions() == []
        assert other.get_session(mine.id) is None
        assert other.latest_screening() is None
        assert other.delete_session(mine.id) is False
        assert other.replace_session(mine.id, RECORD) is None
        assert other.add_item(mine.id, RECORD.items[0]) is None
        assert other.latest_session_id() is None
    with runtime.unit(alice) as repo:
        assert [s.id for s in repo.sessions()] == [mine.id]


def test_deleting_a_user_deletes_everything_of_theirs(runtime: Runtime, clock: Clock) -> None:
    user = runtime.local_user()
    with runtime.unit(user) as repo:
        repo.add_session(RECORD, clock())
    with runtime.transactions.begin() as session:
        session.delete(session.get(User, user))
    with runtime.engine.connect() as conn:
        for table in ("sessions", "session_items"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0


def test_a_session_round_trips_through_the_store(runtime: Runtime, clock: Clock) -> None:
    user = runtime.local_user()
    with runtime.unit(user) as repo:
        stored = repo.add_session(RECORD, clock())
    with runtime.unit(user) as repo:
        again = repo.get_session(stored.id)
    assert again is not None
    assert again.record == RECORD
    assert again.record.to_dict() == RECORD.to_dict()
    assert again.record.date == dt.date(2026, 11, 20)


def test_recent_attempts_give_the_dose_rules_what_the_whole_history_would(runtime: Runtime, clock: Clock) -> None:
    """A plan reads only each exercise's last two days and the last two weeks; nothing else may differ."""
    from backcoach.app import history, plans
    from backcoach.domain.dosing import attempts_by_exercise

    user = runtime.local_user()
    today = clock().astimezone().date()
    exercises = ["bridge", "superman", "cat-stretch"]
    with runtime.unit(user) as repo:
        for day in range(40, -1, -3):
            items = [
                {
                    "exercise": exercises[(day + k) % 3],
                    "prescription": {"reps": 5 + day % 4, "hold_s": 2},
                    "completed_reps": 5,
                    "completed_sets": 1,
                    "difficulty": ["easy", "right", "hard"][(day + k) % 3],
                    "pain_during": (day * k) % 8,
                }
                for k in range(2)
            ]
            record = SessionRecord.model_validate(
                {"date": today - dt.timedelta(days=day), "pain_before": 3, "pain_after": 2, "items": items}
            )
            repo.add_session(record, clock())
        # Long ago: an exercise never done since, one done once since, and two sessions on one day.
        for day, exercise in ((100, "partial-curl"), (90, "partial-curl"), (90, "partial-curl"), (80, "bridge")):
            item = {
                "exercise": exercise,
                "prescription": {"reps": day % 7 + 1},
                "completed_reps": 1,
                "completed_sets": 1,
            }
            item["difficulty"] = "hard"
            old = SessionRecord.model_validate(
                {"date": today - dt.timedelta(days=day), "pain_before": day % 5, "pain_after": 1, "items": [item, item]}
            )
            repo.add_session(old, clock())
    full = attempts_by_exercise(history.records(runtime, user))
    recent = plans.attempts(runtime, user)
    since = today - dt.timedelta(days=14)
    assert set(recent) == set(full)
    # Every attempt on its last two days, the two sessions on one day included.
    assert recent["partial-curl"] == full["partial-curl"]
    for exercise, tries in full.items():
        last_days = sorted({a.date for a in tries})[-2:]
        assert recent[exercise] == [a for a in tries if a.date > since or a.date in last_days]
