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


def domain_files(service: str) -> list[Path]:
    """The domain of a service in either shape: a `domain/` package, or each feature's `domain.py` (or
    `domain/` sub-package) with the service's `errors.py`."""
    root = ROOT / "services" / service
    return [
        path
        for path in python_files(root)
        if "domain" in path.relative_to(root).parts[:-1] or path.name == "domain.py" or path == root / "errors.py"
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_domain_imports_no_framework(service: str) -> None:
    assert domain_files(service)
    for path in domain_files(service):
        for module in imported_modules(path) - set(PURE_KIT):
            assert module.split(".")[0] not in FRAMEWORKS, (path, module)


# One package per feature (LAYOUT.md): the services already in that shape, their layers high to low, and the
# service-wide modules features import.
FEATURE_SHAPED = ("participation",)
LAYERS = ("routes", "schemas", "use_cases", "repository", "models", "domain")
SERVICE_WIDE = ("app", "settings", "persistence", "policies", "errors", "problems", "schemas", "data_inventory")
ASSEMBLERS = ("app", "problems")  # the only service-wide modules that import features
CROSS_FEATURE = ("use_cases", "repository", "domain")  # what a feature may use of another


def place(service: str, module: str) -> tuple[str, str] | None:
    """(feature, layer) of a module of the service; ("", name) for a service-wide module; None elsewhere."""
    prefix = f"services.{service}."
    if not module.startswith(prefix):
        return None
    parts = module[len(prefix) :].split(".")
    if parts[0] in SERVICE_WIDE or parts[0] == "clients":
        return "", parts[0]
    return parts[0], parts[1] if len(parts) > 1 else "__init__"


def module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


@pytest.mark.parametrize("service", FEATURE_SHAPED)
def test_every_module_has_its_place(service: str) -> None:
    for path in python_files(ROOT / "services" / service):
        found = place(service, module_of(path))
        assert found is not None, path
        feature, layer = found
        assert (not feature and layer in (*SERVICE_WIDE, "clients", "__init__")) or layer in (*LAYERS, "__init__"), path


def imported_names(path: Path) -> set[str]:
    """What a file imports, each name in full (`from a.b import c` is `a.b.c`, a module or a name in it)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("service", FEATURE_SHAPED)
def test_features_import_down_their_layers_and_across_only_what_they_may(service: str) -> None:
    for path in python_files(ROOT / "services" / service):
        importer = place(service, module_of(path))
        assert importer is not None
        for name in imported_names(path):
            target = place(service, name)
            if target is None or target[0] == "":
                continue
            assert target[1] in LAYERS, (path, name)  # a feature's layer, never the feature's package itself
            if importer[0] == "":
                assert importer[1] in ASSEMBLERS, (path, name)  # a service-wide module imports no feature
                continue
            high, low = LAYERS.index(importer[1]), LAYERS.index(target[1])
            if importer[0] == target[0]:
                same_package = high == low and path.parent.name == importer[1]  # a layer split into modules
                assert high < low or same_package, (path, name)
            else:
                assert target[1] in CROSS_FEATURE or (target[1], importer[1]) == ("models", "repository"), (path, name)
                assert high <= low, (path, name)  # nothing reaches up another feature's layers


def test_the_layer_walker_places_modules() -> None:
    assert place("participation", "services.participation.members.use_cases.people") == ("members", "use_cases")
    assert place("participation", "services.participation.policies") == ("", "policies")
    assert place("participation", "services.grants.applications.domain") is None


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
