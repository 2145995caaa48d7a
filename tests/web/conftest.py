from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from backcoach.app.runtime import create_runtime
from backcoach.settings import Settings
from backcoach.web.app import create_app
from tests.conftest import Clock, migrated

PASSWORD = "correct horse battery"


@pytest.fixture
def app(
    database_url: str, migrated_sqlite: Path, tmp_path: Path, clock: Clock, hasher: PasswordHasher
) -> Iterator[Any]:
    url = migrated(database_url, migrated_sqlite)
    runtime = create_runtime(Settings(home=tmp_path / "home", database_url=url), clock=clock, hasher=hasher)
    application = create_app(runtime=runtime)
    yield application
    runtime.dispose()


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@dataclass
class Person:
    """A registered user with a bearer token, for API tests (Alice, Bob...)."""

    name: str
    email: str
    id: int
    headers: dict[str, str]


def make_person(client: TestClient, name: str) -> Person:
    email = f"{name.lower()}@example.org"
    created = client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert created.status_code == 201, created.text
    issued = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert issued.status_code == 200, issued.text
    return Person(name, email, created.json()["id"], {"Authorization": f"Bearer {issued.json()['access_token']}"})


@pytest.fixture
def alice(client: TestClient) -> Person:
    return make_person(client, "Alice")


@pytest.fixture
def bob(client: TestClient) -> Person:
    return make_person(client, "Bob")
