"""The camera coach's framing check (static/js/camera/framing.js) on hand-made landmark sets, in node's test runner:
tests/js/camera_framing.test.mjs holds the cases."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.conftest import IN_CI, ROOT

TESTS = ROOT / "tests" / "js" / "camera_framing.test.mjs"


def test_the_framing_check_judges_hand_made_bodies() -> None:
    node = shutil.which("node")
    if node is None:
        if IN_CI:
            pytest.fail("node is missing: the framing tests need it")
        pytest.skip("node is not installed")
    result = subprocess.run(
        [node, "--test", "--test-reporter=tap", str(TESTS)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    cases = len(re.findall(r"^test\(", TESTS.read_text(), re.M))
    assert f"# pass {cases}" in result.stdout, result.stdout
