"""The documentation keeps up with the code: every command, option and JSON field is described."""

from __future__ import annotations

import json
import re

import click

from backcoach.cli.main import cli
from tests.conftest import ROOT

DOCS = ROOT / "docs"


def test_the_readme_opens_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.index("## Quick start")
    assert readme.index("make run") > quick_start
    assert readme.index("make test") > quick_start
    assert readme.index("make run") < readme.index("## What it does")
    assert "not medical advice" in readme


def test_every_command_and_option_is_documented() -> None:
    text = (DOCS / "cli.md").read_text()
    for name, command in cli.commands.items():
        assert f"`backcoach {name}" in text, f"command {name} is not in docs/cli.md"
        for param in command.params:
            if isinstance(param, click.Option):
                assert any(opt in text for opt in param.opts), f"{name} {param.opts} is not in docs/cli.md"


def test_every_json_field_is_documented(run) -> None:
    text = (DOCS / "json.md").read_text()
    plan = json.loads(run("plan", "--json").output)
    exercise = json.loads(run("exercise", "bridge", "--json").output)
    program = json.loads(run("program", "core-five", "--json").output)
    keys = set(plan) | set(plan["items"][0]) | set(plan["items"][0]["prescription"])
    keys |= set(exercise) | set(exercise["sources"][0]) | set(exercise["tempo"]) | set(exercise["spoken"])
    keys |= set(exercise["variations"][0]) | set(program) | set(program["items"][0])
    # A field is documented where it stands in a table's first column or in a {field, ...} list.
    missing = {k for k in keys if not re.search(rf"`{k}`|[{{,] ?{k}\b", text)}
    assert not missing, f"undocumented JSON fields: {missing}"


def test_every_conflict_table_row_names_a_real_exercise(catalogue) -> None:
    text = (DOCS / "content.md").read_text()
    rows = re.findall(r"^\| ([a-z, -]+) \|", text, flags=re.MULTILINE)
    named = {n.strip() for row in rows for n in row.split(",")} - {"exercise", "file", "---"}
    assert named
    assert named <= set(catalogue.exercises)
