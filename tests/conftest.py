from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from backcoach.app.runtime import Runtime, create_runtime
from backcoach.cli.main import cli
from backcoach.domain.catalogue import Catalogue, load_catalogue
from backcoach.domain.programs import Program, load_programs
from backcoach.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
PG_URL = os.environ.get("BACKCOACH_TEST_POSTGRES_URL")
IN_CI = bool(os.environ.get("CI"))
DATABASES = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    from hypothesis import settings

    # Property tests scale their budgets by the profile's max_examples (tests.strategies.examples), so one number
    # per profile sets how hard every property is pushed. Timing on two shared cores is noise: no deadlines.
    # `make check` (no CI): a quick look that explores new examples each run.
    settings.register_profile("dev", max_examples=10, deadline=None)
    # `make test` and CI: reproducible, and twice hypothesis's default budget.
    settings.register_profile("ci", max_examples=200, derandomize=True, deadline=None, print_blob=True)
    # `make thorough`: the dose rules' history test alone runs 100,000 histories (tests marked `thorough` read this).
    settings.register_profile("thorough", deadline=None, print_blob=True)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "dev"))


WHOLLY_SLOW = re.compile(r"^pytestmark = .*\bpytest\.mark\.slow\b", re.MULTILINE)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With slow tests left out (`make check`), a module marked slow as a whole is not even imported: importing
    some (the fuzzer builds its app and loads schemathesis) takes seconds of the fast loop's minute."""
    if config.getoption("markexpr") != "not slow" or collection_path.suffix != ".py":
        return None
    if collection_path.name.startswith("test_") and WHOLLY_SLOW.search(collection_path.read_text(encoding="utf-8")):
        return True
    return None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked `databases` run once per database; every other test that needs one gets SQLite. A test that
    parametrises `database_url` itself keeps its own choice."""
    if "database_url" not in metafunc.fixturenames or metafunc.definition.get_closest_marker("databases") is None:
        return
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0]
        if "database_url" in (names.replace(" ", "").split(",") if isinstance(names, str) else names):
            return
    metafunc.parametrize("database_url", DATABASES, indirect=True)


class Clock:
    """An injected clock: tests set and advance it; nothing sleeps."""

    def __init__(self, start: dt.datetime = dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)) -> None:
        self.current = start

    def __call__(self) -> dt.datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += dt.timedelta(**kwargs)


def _new_postgres_database() -> str:
    assert PG_URL is not None
    name = f"bc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(url: str) -> None:
    assert PG_URL is not None
    name = make_url(url).database
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: SQLite in the test's folder, or (for tests marked `databases`, or asking for it by
    indirect parametrisation) a new database on the test PostgreSQL server."""
    kind = getattr(request, "param", "sqlite")
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'backcoach-test.db'}"
        return
    if not PG_URL:
        if IN_CI:
            pytest.fail("BACKCOACH_TEST_POSTGRES_URL is not set: run the tests with `make test`")
        pytest.skip("no test PostgreSQL server (run `make test`, which starts one)")
    url = _new_postgres_database()
    yield url
    _drop_postgres_database(url)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database at the newest migration, copied for each test that needs one: migrating afresh costs a
    tenth of a second a test, a copy a few milliseconds."""
    folder = tmp_path_factory.mktemp("migrated")
    create_runtime(Settings(home=folder, database_url=f"sqlite:///{folder / 'backcoach.db'}")).dispose()
    assert not (folder / "backcoach.db-wal").exists(), "closing the last connection folds the log into the file"
    return folder / "backcoach.db"


def migrated(database_url: str, template: Path, to: Path | None = None) -> str:
    """The test's database brought to the newest migration: a SQLite one is copied from the template (to `to`
    when the CLI will look for it elsewhere); PostgreSQL migrates on first use."""
    if database_url.startswith("sqlite"):
        shutil.copyfile(template, to or Path(str(make_url(database_url).database)))
    return database_url


@pytest.fixture(scope="session")
def hasher() -> PasswordHasher:
    """argon2 at its cheapest: the tests check who may sign in, not how hard a password is to crack, and the full
    cost would be paid on every sign-up and sign-in."""
    return PasswordHasher.from_parameters(CHEAPEST)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def runtime(
    database_url: str, migrated_sqlite: Path, tmp_path: Path, clock: Clock, hasher: PasswordHasher
) -> Iterator[Runtime]:
    url = migrated(database_url, migrated_sqlite)
    app = create_runtime(Settings(home=tmp_path / "home", database_url=url), clock=clock, hasher=hasher)
    yield app
    app.dispose()


@pytest.fixture
def db_home(home: Path, database_url: str, migrated_sqlite: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the CLI at the test's database (SQLite under BACKCOACH_HOME, or PostgreSQL)."""
    if database_url.startswith("sqlite"):
        home.mkdir(parents=True, exist_ok=True)
        migrated(database_url, migrated_sqlite, to=home / "backcoach.db")
    else:
        monkeypatch.setenv("BACKCOACH_DATABASE_URL", database_url)
    return home


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def programs(catalogue: Catalogue) -> dict[str, Program]:
    return load_programs(catalogue)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private BACKCOACH_HOME for the test, so nothing touches the developer's own data."""
    path = tmp_path / "home"
    monkeypatch.setenv("BACKCOACH_HOME", str(path))
    monkeypatch.delenv("BACKCOACH_DATABASE_URL", raising=False)
    return path


@pytest.fixture
def run(home: Path):
    """Invoke the CLI in-process, as a user would type it."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def run_process(home: Path):
    """Run the installed `backcoach` console script in a real process."""

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None):
        full_env = {**os.environ, "BACKCOACH_HOME": str(home), **(env or {})}
        exe = Path(sys.executable).parent / "backcoach"
        return subprocess.run(
            [str(exe), *args], input=input, capture_output=True, text=True, env=full_env, timeout=120, check=False
        )

    return invoke


@pytest.fixture
def screened(request: pytest.FixtureRequest, run) -> None:
    """A clear safety screen on the CLI's record: a guided session refuses without one."""
    if "db_home" in request.fixturenames:
        request.getfixturevalue("db_home")
    result = run("screen", "--answers", "-", "--json", input='{"age": 40}')
    assert result.exit_code == 0, result.output
