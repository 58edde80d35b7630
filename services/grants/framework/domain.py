"""The strategic framework of a contract: ambitions → strategic objectives → operational objectives (the
contract, ../shared/seeds/002…txt, lines 1040-1056: 4 ambitions, 22 strategic, 103 operational objectives).

Codes are kept as the contract writes them; the contract's numbering has gaps and even repeats a code
under one parent, so an objective is identified by its id (stable across re-imports: derived from the
contract, its parents and its position), never by its code alone. Each operational objective maps to a
theme of the State's P147 nomenclature, whose first digit gives the national pillar.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from services.grants.errors import RuleViolationError

_OBJECTIVE_NAMESPACE = uuid.UUID("0b7f4e0c-8b7e-4f0e-9d7c-3c1f1f0d5a21")

# The State's nomenclature of programme 147 actions (ANCT, via anct-carto/ci-ville): its first digit is the pillar.
P147_THEMES = {
    "1.1": "Éducation",
    "1.2": "Santé",
    "1.3": "Parentalité et droits sociaux",
    "1.4": "Culture et expression artistique",
    "1.5": "Lien social, citoyenneté et participation des habitants",
    "1.5a": "Jeunesse",
    "1.5b": "Sport et loisir",
    "1.6": "Prévention et lutte contre les discriminations",
    "2.1": "Emploi",
    "2.2": "Développement économique",
    "3.1": "Cadre de vie et renouvellement urbain",
    "3.2": "Tranquillité et sûreté publique",
    "4.1": "Pilotage, ingénierie, ressources et évaluation",
    "4.2": "Structures mutualisatrices",
}


class Level(StrEnum):
    AMBITION = "ambition"
    STRATEGIC = "strategic"
    OPERATIONAL = "operational"


# The families of the P147 nomenclature: the pillars of the contrats de ville, and their steering (no
# docstring: the enum is on the wire, where a docstring would become its description).
class Pillar(StrEnum):
    COHESION_SOCIALE = "cohesion_sociale"
    EMPLOI = "emploi_developpement_economique"
    CADRE_DE_VIE = "cadre_de_vie_renouvellement_urbain"
    PILOTAGE = "pilotage_ingenierie"


PILLAR_OF_THEME_FAMILY = {
    "1": Pillar.COHESION_SOCIALE,
    "2": Pillar.EMPLOI,
    "3": Pillar.CADRE_DE_VIE,
    "4": Pillar.PILOTAGE,
}
# The framework's document (a file shipped in data/, or a pilot's upload) nests each level in its parent.
CHILDREN = {Level.AMBITION: "strategicObjectives", Level.STRATEGIC: "operationalObjectives"}
NEXT_LEVEL = {Level.AMBITION: Level.STRATEGIC, Level.STRATEGIC: Level.OPERATIONAL}


@dataclass(frozen=True, slots=True)
class Objective:
    objective_id: uuid.UUID
    contract_code: str
    level: Level
    code: str
    label: str
    parent_id: uuid.UUID | None
    position: int
    p147_theme: str | None
    pillar: Pillar | None
    source_line: int | None


def pillar_of(theme: str) -> Pillar:
    return PILLAR_OF_THEME_FAMILY[theme[0]]


def _text(item: dict[str, Any], key: str, pointer: str, limit: int) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > limit or "\x00" in value:
        raise RuleViolationError(f"{pointer}/{key}", "text", f"{key} must be text of 1 to {limit} characters")
    return value.strip()


def framework_from_document(contract_code: str, document: Any) -> list[Objective]:
    """Every objective of the document, parents first; the first broken rule is named with its path."""
    if not isinstance(document, dict) or not isinstance(document.get("ambitions"), list) or not document["ambitions"]:
        raise RuleViolationError("ambitions", "required", "ambitions must be a non-empty list")
    objectives: list[Objective] = []

    def walk(items: Any, level: Level, parent: Objective | None, pointer: str) -> None:
        if not isinstance(items, list) or len(items) > 500:
            raise RuleViolationError(pointer, "list", f"{pointer} must be a list of at most 500 objectives")
        for position, item in enumerate(items):
            where = f"{pointer}/{position}"
            if not isinstance(item, dict):
                raise RuleViolationError(where, "object", "each objective is an object with code and label")
            code = _text(item, "code", where, 20)
            label = _text(item, "label", where, 500)
            theme: str | None = None
            if level is Level.OPERATIONAL:
                theme = item.get("p147Theme")
                if theme not in P147_THEMES:
                    known = ", ".join(P147_THEMES)
                    raise RuleViolationError(f"{where}/p147Theme", "p147-theme", f"p147Theme must be one of {known}")
            path = f"{parent.objective_id if parent else contract_code}/{position}/{code}"
            source_line = item.get("sourceLine")
            objective = Objective(
                objective_id=uuid.uuid5(_OBJECTIVE_NAMESPACE, path),
                contract_code=contract_code,
                level=level,
                code=code,
                label=label,
                parent_id=parent.objective_id if parent else None,
                position=position,
                p147_theme=theme,
                pillar=pillar_of(theme) if theme else None,
                source_line=source_line if isinstance(source_line, int) and not isinstance(source_line, bool) else None,
            )
            objectives.append(objective)
            if level in CHILDREN:
                walk(item.get(CHILDREN[level], []), NEXT_LEVEL[level], objective, f"{where}/{CHILDREN[level]}")

    walk(document["ambitions"], Level.AMBITION, None, "ambitions")
    return objectives
