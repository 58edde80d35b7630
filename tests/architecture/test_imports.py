"""What the import contracts of pyproject.toml (lint-imports, run by ./dev test) cannot say: features meet only
through each other's use cases, domain and repository; every module of a feature is one of its layers; no
production file passes 400 lines; the kit's plain value modules import only the standard library."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Modules as plain as the standard library, so that every domain counts money, reads numbers and CSV uploads,
# reports the rules an input breaks one way (the kit's), and grants' domain names the cells its exports write.
PLAIN_MODULES = ("kit.money", "kit.numerals", "kit.csv_uploads", "kit.broken_rules", "services.grants.spreadsheet")


def absolute_imports(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """Each absolute import: the module, and the names taken from it (none for `import a.b`)."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, tuple(alias.name for alias in node.names)))
    return found


def imported_modules(path: Path) -> set[str]:
    return {module for module, _ in absolute_imports(path)}


def python_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


@pytest.mark.parametrize("module", PLAIN_MODULES)
def test_plain_modules_import_only_the_standard_library(module: str) -> None:
    path = ROOT / (module.replace(".", "/") + ".py")
    for imported in imported_modules(path):
        assert imported.split(".")[0] in sys.stdlib_module_names | {"__future__"}, (path, imported)


def test_the_import_walker_sees_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom services.grants.db import models\nfrom . import sibling\n")
    assert imported_modules(sample) == {"os", "services.grants.db"}


# Services cut in one package per feature (LAYOUT.md); the others join as their restructuring merges.
FEATURE_SERVICES = ("territories", "participation", "grants")
LAYERS = ("domain", "models", "repository", "use_cases", "schemas", "routes")  # from the lowest
SHARED_LAYERS = ("domain", "repository", "use_cases")  # what a feature may use of another
SERVICE_WIDE = (
    "app",
    "event_catalogue",
    "settings",
    "persistence",
    "policies",
    "errors",
    "problems",
    "schemas",
    "clients",
    "data",
    "data_inventory",
    "roles",  # grants: the role sets its policies and its domains both name
    "spreadsheet",  # grants: its streaming XLSX and CSV writer (the exports)
)
MAX_LINES = 400


def imported_names(path: Path) -> set[str]:
    """Every module or name imported, dotted in full (`from a.b import c` gives `a.b.c`)."""
    found: set[str] = set()
    for module, names in absolute_imports(path):
        found.update([f"{module}.{name}" for name in names] if names else [module])
    return found


def place_of(service: str, dotted: str) -> tuple[str, str | None] | None:
    """(feature, layer) of a module of the service, (service-wide module, None), or None outside it."""
    parts = dotted.split(".")
    if parts[:2] != ["services", service] or len(parts) < 3:
        return None
    if parts[2] in SERVICE_WIDE:
        return parts[2], None
    layer = parts[3] if len(parts) > 3 and parts[3] in LAYERS else None
    return parts[2], layer


def modules_of(service: str) -> list[tuple[Path, str, str | None]]:
    folder = ROOT / "services" / service
    found = []
    for path in python_files(folder):
        dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        place = place_of(service, dotted.removesuffix(".__init__"))
        if place is not None:
            found.append((path, *place))
    return found


@pytest.mark.parametrize("service", FEATURE_SERVICES)
def test_every_feature_module_is_a_layer(service: str) -> None:
    for path, feature, layer in modules_of(service):
        if feature in SERVICE_WIDE or (path.name == "__init__.py" and path.parent.parent.name == service):
            continue
        assert layer is not None, (path, f"a feature holds {', '.join(LAYERS)}")


@pytest.mark.parametrize("service", FEATURE_SERVICES)
def test_features_meet_through_their_use_cases_domain_and_repository(service: str) -> None:
    for path, feature, layer in modules_of(service):
        if feature in SERVICE_WIDE or layer is None:
            continue
        for name in imported_names(path):
            place = place_of(service, name)
            if place is None or place[0] in SERVICE_WIDE:
                continue
            other, other_layer = place
            assert other_layer is not None, (path, name, "import a feature's layer, not the feature")
            if other != feature:
                shared = other_layer in SHARED_LAYERS or (other_layer == "models" and layer == "repository")
                assert shared, (path, name, f"another feature is used through its {', '.join(SHARED_LAYERS)}")


PRODUCTION_PACKAGES = (*(f"services/{service}" for service in FEATURE_SERVICES), "kit", "identity", "gateway", "cli")


@pytest.mark.parametrize("package", PRODUCTION_PACKAGES)
def test_no_production_file_passes_the_size_of_one_layer(package: str) -> None:
    for path in python_files(ROOT / package):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= MAX_LINES, (path, lines, "split the module into a package of the same name")


def test_the_feature_walker_places_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom services.territories.qpvs import use_cases\nfrom kit.money import Cents\n")
    assert imported_names(sample) == {"os", "services.territories.qpvs.use_cases", "kit.money.Cents"}
    assert place_of("territories", "services.territories.qpvs.use_cases") == ("qpvs", "use_cases")
    assert place_of("territories", "services.territories.vulnerability.domain.zones.Zones") == (
        "vulnerability",
        "domain",
    )
    assert place_of("territories", "services.territories.errors.found") == ("errors", None)
    assert place_of("territories", "services.grants.app") is None


def test_grants_role_sets_hold_the_platforms_roles() -> None:
    from identity.principal import Role
    from services.grants import roles

    sets = [value for name, value in vars(roles).items() if name.isupper() and isinstance(value, frozenset)]
    assert sets
    assert all(isinstance(role, Role) for role in set().union(*sets))
