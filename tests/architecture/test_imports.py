"""Imports point one way: no service imports another; the domain imports no framework; the kit no service."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("territories", "grants", "participation")
FRAMEWORKS = ("fastapi", "starlette", "sqlalchemy", "httpx", "asyncpg", "pydantic", "alembic", "kit")
# Kit modules as plain as the standard library, so that every domain counts money, reads numbers and CSV
# uploads, and writes files one way.
PURE_KIT = ("kit.money", "kit.numerals", "kit.csv_uploads", "kit.spreadsheet")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def python_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_imports_another(service: str) -> None:
    others = [f"services.{other}" for other in SERVICES if other != service] + ["gateway", "cli"]
    for path in python_files(ROOT / "services" / service):
        for module in imported_modules(path):
            assert not any(module == other or module.startswith(other + ".") for other in others), (path, module)


@pytest.mark.parametrize("service", SERVICES)
def test_domain_imports_no_framework(service: str) -> None:
    for path in python_files(ROOT / "services" / service / "domain"):
        for module in imported_modules(path) - set(PURE_KIT):
            assert module.split(".")[0] not in FRAMEWORKS, (path, module)


@pytest.mark.parametrize("module", PURE_KIT)
def test_pure_kit_modules_import_only_the_standard_library(module: str) -> None:
    path = ROOT / (module.replace(".", "/") + ".py")
    for imported in imported_modules(path):
        assert imported.split(".")[0] in sys.stdlib_module_names | {"__future__"}, (path, imported)


def test_kit_knows_no_service() -> None:
    for path in python_files(ROOT / "kit"):
        for module in imported_modules(path):
            assert module.split(".")[0] not in ("services", "gateway", "cli"), (path, module)


def test_gateway_imports_no_service() -> None:
    for path in python_files(ROOT / "gateway"):
        for module in imported_modules(path):
            assert module.split(".")[0] != "services", (path, module)


def test_the_import_walker_sees_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom services.grants.db import models\nfrom . import sibling\n")
    assert imported_modules(sample) == {"os", "services.grants.db"}
