"""The camera coach's rule sets: every exercise has one, the required ones measure something, a bad one is refused
naming the file and the field, and the API serves them (docs/camera.md, "Signals and rules")."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from backcoach.app.runtime import create_runtime
from backcoach.domain.catalogue import CatalogueError, data_root, load_catalogue
from backcoach.render.landmarks import FAULTS
from backcoach.settings import Settings
from backcoach.web.app import create_app
from tests.conftest import Clock, migrated

MEASURED = (
    "bridge",
    "bird-dog",
    "superman",
    "prone-opposite-arm-leg",
    "partial-curl",
    "abdominal-crunch",
    "lying-lateral-leg-raise",
    "straight-leg-raise",
    "knee-to-chest",
    "wall-squat",
    "heel-raise",
    "kettlebell-swing",
    "heel-slide",
    "double-knee-to-chest",
)
NOT_MEASURED = (
    "pelvic-tilt",
    "cat-stretch",
    "drawing-in-maneuver",
    "seated-rotational-stretch",
    "upper-trunk-rotation",
)


def test_every_exercise_has_a_rule_set_and_the_required_ones_measure() -> None:
    catalogue = load_catalogue()
    for exercise in catalogue:
        assert exercise.camera is not None, exercise.id
    for exercise_id in MEASURED:
        rules = catalogue.get(exercise_id).camera
        assert rules is not None, exercise_id
        assert rules.reliable, exercise_id
        assert rules.signal is not None, exercise_id
        assert rules.count is not None, exercise_id
    for exercise_id in NOT_MEASURED:
        rules = catalogue.get(exercise_id).camera
        assert rules is not None, exercise_id
        assert not rules.reliable, exercise_id
        assert rules.reason.endswith("follow the timer."), "the Player says it, so it ends with what to do"


def test_every_form_rule_has_a_synthetic_fault_that_proves_it() -> None:
    for exercise in load_catalogue():
        for rule in exercise.camera.form if exercise.camera else []:
            assert (exercise.id, rule.code) in FAULTS, f"{exercise.id}: form rule {rule.code} has no fault to test it"
    declared = {(e.id, r.code) for e in load_catalogue() for r in (e.camera.form if e.camera else [])}
    assert set(FAULTS) == declared, "a fault in the generator names no form rule"


def broken(tmp_path: Path, exercise: str, old: str, new: str) -> Path:
    root = tmp_path / "data"
    shutil.copytree(str(data_root()), root)
    path = root / "exercises" / f"{exercise}.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("exercise", "old", "new", "field", "words"),
    [
        ("bridge", "enter = 165", "enter = 145", "camera.count", "exit < partial < enter"),
        (
            "bridge",
            'points = ["shoulder", "hip", "knee"]',
            'points = ["shoulder", "hip", "toe"]',
            "camera.signal.points.2",
            "'knee'",
        ),
        ("bridge", 'kind = "angle"', 'kind = "incline"', "camera.signal", "needs 2 landmarks"),
        ("heel-raise", 'points = ["heel", "ankle"]', "points = []", "camera.signal", "1 to 3 landmarks"),
        ("bridge", "low = 168", "low = 150", "camera", "past count.enter"),
        (
            "wall-squat",
            'visible = ["hip", "knee", "ankle", "heel", "foot_index"]',
            'visible = ["hip", "knee"]',
            "camera",
            "missing: ankle",
        ),
        ("pelvic-tilt", "reliable = false", 'reliable = false\nview = "side"', "camera", "remove view"),
        ("bridge", 'code = "hips-low"', 'code = "Hips Low"', "camera.form.0.code", "pattern"),
        ("bridge", "reliable = true", "reliable = true\nspeed = 3", "camera.speed", "Extra inputs"),
    ],
)
def test_a_bad_rule_set_names_the_file_and_the_field(
    tmp_path: Path, exercise: str, old: str, new: str, field: str, words: str
) -> None:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(broken(tmp_path, exercise, old, new))
    message = str(caught.value)
    assert f"exercises/{exercise}.toml" in message
    assert f"field {field!r}" in message, message
    assert words in message, message


@pytest.fixture
def client(
    database_url: str, migrated_sqlite: Path, tmp_path: Path, clock: Clock, hasher: PasswordHasher
) -> Iterator[TestClient]:
    url = migrated(database_url, migrated_sqlite)
    runtime = create_runtime(Settings(home=tmp_path / "home", database_url=url), clock=clock, hasher=hasher)
    with TestClient(create_app(runtime=runtime)) as test_client:
        yield test_client
    runtime.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_api_serves_a_rule_set(client: TestClient) -> None:
    rules = client.get("/api/v1/exercises/bridge/camera").json()
    assert rules["reliable"] is True
    assert rules["signal"] == {"kind": "angle", "points": ["shoulder", "hip", "knee"], "sides": "near"}
    assert rules["count"]["enter"] > rules["count"]["exit"]
    tilt = client.get("/api/v1/exercises/pelvic-tilt/camera").json()
    assert tilt["reliable"] is False
    assert "pelvic tilt" in tilt["reason"]
    assert client.get("/api/v1/exercises/spiderman/camera").status_code == 404
    schema = client.get("/openapi.json").json()
    body = schema["paths"]["/api/v1/exercises/{exercise_id}/camera"]["get"]["responses"]["200"]["content"]
    assert body["application/json"]["schema"] == {"$ref": "#/components/schemas/CameraRules"}
