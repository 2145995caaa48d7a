"""The layers are import-linter contracts in pyproject.toml (run by `make test`); entry points stay light."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import Any

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
# The one third-party package the domain may use: its records are pydantic models.
DOMAIN_MAY_USE = {"pydantic"}


def contract(config: dict[str, Any], contract_id: str) -> dict[str, Any]:
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c.get("id") == contract_id)


def import_names(distribution: str) -> set[str]:
    wanted = distribution.lower().replace("_", "-")
    return {
        name
        for name, owners in packages_distributions().items()
        if any(owner.lower().replace("_", "-") == wanted for owner in owners)
    }


def test_the_pure_domain_contract_forbids_every_runtime_dependency_but_pydantic() -> None:
    # A forbidden contract is a deny list; this keeps it an allow list as dependencies are added.
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    forbidden = set(contract(config, "pure-domain")["forbidden_modules"])
    missing = []
    for requirement in config["project"]["dependencies"]:
        match = re.match(r"[A-Za-z0-9_.-]+", requirement)
        assert match is not None, requirement
        names = import_names(match.group(0))
        assert names, f"{requirement} is not installed"
        missing += sorted(f"{name} (from {match.group(0)})" for name in names - DOMAIN_MAY_USE - forbidden)
    assert not missing, f"add to the pure-domain contract's forbidden_modules: {missing}"


def test_importing_the_cli_loads_no_heavy_modules() -> None:
    code = "import sys, backcoach.cli.main; print(sorted(m for m in ('rich', 'pydantic') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
