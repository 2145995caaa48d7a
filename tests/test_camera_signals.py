"""The camera coach's counting, holds and form cues (static/js/camera/signals.js) on synthetic landmark sessions
made from the figures' kinematic model (render/landmarks.py): node's test runner replays them and checks counts,
holds and cues against each session's ground truth (tests/js/camera_signals.test.mjs). Accuracy rates over many
sets are a benchmark (bench/camera_signals.py), not a test."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from backcoach.domain.catalogue import Catalogue
from backcoach.render.landmarks import INDEX, Options, generate
from tests.conftest import IN_CI, ROOT

NODE = shutil.which("node")
JS = ROOT / "tests" / "js"
SHORT = (5, 9)
"""Repetitions per test set: enough to see counting, holds, partials and faults, few enough to stay quick."""


@pytest.fixture(scope="module")
def node() -> str:
    if NODE is None:
        if IN_CI:
            pytest.fail("node is missing: the camera signal tests need it")
        pytest.skip("node is not installed")
    return NODE


def measured(catalogue: Catalogue) -> list[str]:
    return [e.id for e in catalogue if e.camera is not None and e.camera.reliable]


def cases(catalogue: Catalogue) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for exercise_id in measured(catalogue):
        exercise = catalogue.get(exercise_id)
        rules = exercise.camera
        assert rules is not None
        dump = rules.model_dump(mode="json")
        kinds = {
            "clean": Options(reps=SHORT),
            "noisy": Options.noisy().__class__(**{**Options.noisy().__dict__, "reps": SHORT}),
            "wrong-view": Options(reps=SHORT, wrong_view=True),
            "far-side": Options(reps=SHORT, far_visibility=(0.05, 0.3), partial_rate=0.0),
        }
        if rules.signal is not None and rules.signal.sides == "either":
            # Alternating exercises read whichever side is working; a raised far limb is seen above the body,
            # which a uniformly hidden far side does not model (docs/camera.md).
            del kinds["far-side"]
        for n, (kind, options) in enumerate(kinds.items()):
            seed = 7000 + 10 * len(out) + n
            session = generate(exercise_id, rules, True, seed, options)
            out.append({"kind": kind, "session": session, "rules": dump})
            if kind == "far-side" and rules.signal is not None and rules.signal.sides == "near":
                # Told the wrong side, the tracker must fall back to the side it can see.
                wrong = "right" if session["side"] == "left" else "left"
                out.append({"kind": "wrong-side", "session": session, "rules": dump, "side": wrong})
    return out


@pytest.mark.slow
def test_every_measured_exercise_counts_holds_and_cues_on_synthetic_sets(
    node: str, catalogue: Catalogue, tmp_path: Path
) -> None:
    path = tmp_path / "cases.json"
    made = cases(catalogue)
    path.write_text(json.dumps(made))
    result = subprocess.run(
        [node, "--test", "--test-reporter=spec", str(JS / "camera_signals.test.mjs")],
        capture_output=True,
        text=True,
        env={**os.environ, "CAMERA_CASES": str(path)},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "fail 0" in result.stdout, result.stdout[-3000:]


def test_a_session_is_the_same_for_the_same_seed_and_differs_for_another(catalogue: Catalogue) -> None:
    rules = catalogue.get("bridge").camera
    assert rules is not None
    first = generate("bridge", rules, True, 11, Options.noisy())
    assert first == generate("bridge", rules, True, 11, Options.noisy())
    assert first["frames"] != generate("bridge", rules, True, 12, Options.noisy())["frames"]
    truth = first["truth"]
    assert 5 <= truth["reps"] <= 30
    assert {f["code"] for f in truth["faults"]} <= {"hips-low"}


def test_a_frame_carries_33_landmarks_inside_a_picture_of_the_whole_body(catalogue: Catalogue) -> None:
    rules = catalogue.get("wall-squat").camera
    assert rules is not None
    session = generate("wall-squat", rules, True, 3)
    frame = session["frames"][0]
    assert len(frame) == 1 + 33 * 4
    xs = frame[1::4]
    ys = frame[2::4]
    assert all(0.0 < v < 1.0 for v in xs + ys), "the body is in the picture"
    # Standing: the nose above the hips, the heels at the bottom.
    assert ys[INDEX["nose"]] < ys[INDEX["left_hip"]] < ys[INDEX["left_heel"]]


def test_the_benchmark_replays_binary_chunks_as_the_tests_replay_json(
    node: str, catalogue: Catalogue, tmp_path: Path
) -> None:
    from bench.camera_signals import chunk, set_options

    exercise = "partial-curl"
    rules = catalogue.get(exercise).camera
    assert rules is not None
    dump = rules.model_dump(mode="json")
    fast = chunk((node, exercise, dump, 7500, [0, 1, 2], 2, None))
    assert [r["truth"]["view_ok"] for r in fast] == [True, True, False], "sets from the last on are the wrong view"
    path = tmp_path / "sets.json"
    sets = [
        {"session": generate(exercise, rules, True, 7500 + k, set_options(exercise, 7500, k, 2, True)), "rules": dump}
        for k in range(3)
    ]
    path.write_text(json.dumps(sets))
    out = subprocess.run(
        [node, str(JS / "camera_replay.mjs"), str(path)], capture_output=True, text=True, check=True, timeout=120
    )
    slow = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(slow) == len(fast) == 3
    for a, b in zip(fast, slow, strict=True):
        assert a["seed"] == b["seed"]
        assert a["views"] == b["views"]
        if a["truth"]["view_ok"]:
            # The same frames in float32 rather than 5 decimals: the same counts, the hold within a frame.
            assert a["summary"]["reps"] == b["summary"]["reps"] == b["truth"]["reps"]
            assert a["summary"]["flags"] == b["summary"]["flags"]
            assert abs(a["summary"]["heldSeconds"] - b["summary"]["heldSeconds"]) < 0.1
