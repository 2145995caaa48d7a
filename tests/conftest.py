from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from backcoach.cli.main import cli
from backcoach.domain.catalogue import Catalogue, load_catalogue
from backcoach.domain.programs import Program, load_programs

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"


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
