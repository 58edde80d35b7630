"""Imports point one way: no service imports another; the domain imports no framework; the kit no service;
inside a service laid out one package per feature (LAYOUT of issue 20), each feature's layers point down
and features reach each other only through their use cases, repositories and domains."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("territories", "grants", "participation")
FRAMEWORKS = ("fastapi", "starlette", "sqlalchemy", "httpx", "asyncpg", "pydantic", "alembic", "kit")
# Kit modules as plain as the standard library, so that every domain counts money, reads numbers and CSV
# uploads, and writes files one way; a domain imports the first three only.
PURE_KIT = ("kit.money", "kit.numerals", "kit.csv_uploads", "kit.spreadsheet")
DOMAIN_KIT = PURE_KIT[:3]
# A feature's layers, highest first: a module imports only the layers below its own.
LAYERS = ("routes", "schemas", "use_cases", "repository", "models", "domain")
# What a layer may import of another feature of its service.
ACROSS = {
    "routes": {"use_cases", "domain"},
    "schemas": {"domain"},
    "use_cases": {"use_cases", "repository", "domain"},
    "repository": {"repository", "models", "domain"},
    "models": {"domain"},
    "domain": {"domain"},
}
# Service-wide modules that may import features: the app assembles them, problems maps their errors.
ASSEMBLING = ("app", "problems")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from package import module` imports the module.
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def python_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def domain_files(service: str) -> list[Path]:
    """The domain's modules, in either layout: a `domain/` package, or each feature's `domain.py` or
    `domain/` package."""
    return [path for path in python_files(ROOT / "services" / service) if "domain" in path.with_suffix("").parts]


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_imports_another(service: str) -> None:
    others = [f"services.{other}" for other in SERVICES if other != service] + ["gateway", "cli"]
    for path in python_files(ROOT / "services" / service):
        for module in imported_modules(path):
            assert not any(module == other or module.startswith(other + ".") for other in others), (path, module)


@pytest.mark.parametrize("service", SERVICES)
def test_domain_imports_no_framework(service: str) -> None:
    assert domain_files(service), f"services/{service} has no domain"
    for path in domain_files(service):
        for module in imported_modules(path) - set(DOMAIN_KIT):
            if any(module.startswith(pure + ".") for pure in DOMAIN_KIT):
                continue
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
    sample.write_text("import os\nfrom services.grants.calls import models\nfrom . import sibling\n")
    assert imported_modules(sample) == {"os", "services.grants.calls", "services.grants.calls.models"}


def _place(service: str, module: str) -> tuple[str, str] | None:
    """(feature, layer) of a module of the service laid out per feature; None for a service-wide module."""
    parts = module.split(".")[2:]
    if len(parts) >= 2 and parts[1] in LAYERS:
        return parts[0], parts[1]
    return None


def _features(service: str) -> list[str]:
    folder = ROOT / "services" / service
    return sorted(
        path.parent.name
        for path in folder.glob("*/__init__.py")
        if any((path.parent / layer).exists() or (path.parent / f"{layer}.py").exists() for layer in LAYERS)
    )


LAID_OUT = [service for service in SERVICES if (ROOT / "services" / service / "persistence.py").exists()]


@pytest.mark.parametrize("service", LAID_OUT)
def test_the_service_is_one_package_per_feature(service: str) -> None:
    features = _features(service)
    assert len(features) > 3, features
    for feature in features:
        folder = ROOT / "services" / service / feature
        assert any((folder / f"{layer}.py").exists() or (folder / layer).is_dir() for layer in LAYERS), feature


@pytest.mark.parametrize("service", LAID_OUT)
def test_layers_point_down_and_features_meet_through_use_cases_repositories_and_domains(service: str) -> None:
    prefix = f"services.{service}."
    for path in python_files(ROOT / "services" / service):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        here = _place(service, module)
        for imported in imported_modules(path):
            if not imported.startswith(prefix):
                continue
            there = _place(service, imported)
            if there is None:
                continue  # a service-wide module (persistence, policies, errors, clients…), or a feature's package
            if here is None:
                name = module.removeprefix(prefix).split(".")[0]
                assert name in ASSEMBLING, f"{module} is service-wide and imports the feature module {imported}"
                continue
            (feature, layer), (other, other_layer) = here, there
            if feature == other:
                assert LAYERS.index(other_layer) >= LAYERS.index(layer), f"{module} imports the higher {imported}"
            else:
                assert other_layer in ACROSS[layer], f"{module} ({layer}) imports {imported} of another feature"


def test_grants_roles_are_the_platforms() -> None:
    from kit.auth.principal import Role
    from services.grants import roles

    named = {value for name, value in vars(roles).items() if name.isupper() and isinstance(value, str)}
    sets = [value for name, value in vars(roles).items() if name.isupper() and isinstance(value, frozenset)]
    assert named
    assert sets
    assert named | set().union(*sets) <= {role.value for role in Role}
