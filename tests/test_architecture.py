"""The domain core stays free of adapters and frameworks; entry points stay light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import backcoach.domain

DOMAIN = Path(backcoach.domain.__file__).parent
ALLOWED_THIRD_PARTY = {"pydantic"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_domain_imports_only_the_standard_library_pydantic_and_itself() -> None:
    offenders = []
    for path in sorted(DOMAIN.glob("*.py")):
        for name in imported_roots(path):
            root = name.split(".")[0]
            if root in sys.stdlib_module_names or root in ALLOWED_THIRD_PARTY or root == "__future__":
                continue
            if name.startswith("backcoach.domain"):
                continue
            offenders.append(f"{path.name} imports {name}")
    assert not offenders, offenders


def test_importing_the_cli_loads_no_heavy_modules() -> None:
    code = "import sys, backcoach.cli.main; print(sorted(m for m in ('rich', 'pydantic') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
