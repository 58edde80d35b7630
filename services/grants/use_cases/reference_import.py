"""The shipped grants reference data of the CU d'Arras: its strategic framework and its financers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from kit.unit_of_work import UnitOfWork
from services.grants.use_cases.framework import load_framework
from services.grants.use_cases.institutions import load_institutions, seeded_institutions

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CUA_CONTRACT = "CV-200033579-2024"


@dataclass(frozen=True, slots=True)
class GrantsReferenceReport:
    objectives: int
    institutions: int


async def import_grants_reference(uow: UnitOfWork, data_dir: Path = DATA_DIR) -> GrantsReferenceReport:
    """Loaded once: what the pilots changed since is left as they left it."""
    framework = json.loads((data_dir / "cua_strategic_framework.json").read_text(encoding="utf-8"))
    institutions = json.loads((data_dir / "cua_institutions.json").read_text(encoding="utf-8"))
    return GrantsReferenceReport(
        objectives=await load_framework(uow, CUA_CONTRACT, framework),
        institutions=await load_institutions(uow, seeded_institutions(institutions)),
    )
