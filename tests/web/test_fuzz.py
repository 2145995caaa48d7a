"""Schemathesis fuzzes every operation of the OpenAPI document, signed in: no input may cause a server error."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from backcoach.settings import Settings
from backcoach.web.app import create_app

HOME = Path(tempfile.mkdtemp(prefix="backcoach-fuzz-"))
APP = create_app(Settings(home=HOME))
with TestClient(APP) as _client:
    _client.post("/api/v1/auth/register", json={"email": "fuzz@example.org", "password": "fuzzing password"})
    _token = _client.post("/api/v1/auth/token", json={"email": "fuzz@example.org", "password": "fuzzing password"})
    HEADERS = {"Authorization": f"Bearer {_token.json()['access_token']}"}

schema = schemathesis.openapi.from_asgi("/openapi.json", APP)

pytestmark = pytest.mark.slow


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error(case: Any) -> None:
    # Deleting the account or revoking the token would end the run early; they have their own tests.
    if case.method.upper() == "DELETE" and case.path in ("/api/v1/me", "/api/v1/auth/token"):
        return
    response = case.call(headers=HEADERS)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
    )
