from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
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


def pytest_configure(config: pytest.Config) -> None:
    from hypothesis import settings

    # CI runs are reproducible; local runs explore new examples each time.
    settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
    settings.register_profile("dev", deadline=None)
    # `make thorough`: the dose rules' history test alone runs 100,000 histories (tests marked `thorough` read this).
    settings.register_profile("thorough", deadline=None, print_blob=True)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "dev"))


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


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: SQLite in the test's folder, or a new database on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'backcoach-test.db'}"
        return
    if not PG_URL:
        if IN_CI:
            pytest.fail("BACKCOACH_TEST_POSTGRES_URL is not set: run the tests with `make test`")
        pytest.skip("no test PostgreSQL server (run `make test`, which starts one)")
    url = _new_postgres_database()
    yield url
    _drop_postgres_database(url)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def runtime(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[Runtime]:
    app = create_runtime(Settings(home=tmp_path / "home", database_url=database_url), clock=clock)
    yield app
    app.dispose()


@pytest.fixture
def db_home(home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the CLI at the parametrised database (SQLite under BACKCOACH_HOME, or PostgreSQL)."""
    if not database_url.startswith("sqlite"):
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
