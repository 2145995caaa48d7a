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


# Clinician mode's routes with both roles: a clinician with a linked patient and a program (so that small ids reach
# real rows), and that patient. No input may cause a server error, and every refusal answers JSON.
with TestClient(APP) as _client:
    _clinic = {"email": "clinic@example.org", "password": "fuzzing password", "role": "clinician"}
    _client.post("/api/v1/auth/register", json={**_clinic, "display_name": "Dr Fuzz", "profession": "physio"})
    _token = _client.post("/api/v1/auth/token", json={"email": _clinic["email"], "password": _clinic["password"]})
    CLINICIAN = {"Authorization": f"Bearer {_token.json()['access_token']}"}
    _code = _client.post("/api/v1/clinic/invitations", headers=CLINICIAN).json()["code"]
    _client.post("/api/v1/clinicians/accept", json={"code": _code}, headers=HEADERS)
    _patient = _client.get("/api/v1/me", headers=HEADERS).json()["id"]
    _client.post(f"/api/v1/clinic/patients/{_patient}/programs", json={"article": "staged-low-back"}, headers=CLINICIAN)

clinic_schema = schema.include(path_regex=r"^/api/v1/(clinic/|clinicians|program(/|$))")


@clinic_schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_clinic_routes_answer_both_roles_without_a_server_error(case: Any) -> None:
    for who, headers in (("clinician", CLINICIAN), ("patient", HEADERS)):
        response = case.call(headers=headers)
        where = f"{who}: {case.method} {case.formatted_path}: {response.status_code} {response.content[:300]!r}"
        assert response.status_code < 500, where
        if response.status_code >= 400:
            # schemathesis keeps each header as the list of its values.
            assert response.headers["content-type"][0].startswith("application/json"), where
