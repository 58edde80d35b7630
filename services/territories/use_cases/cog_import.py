"""Import of the national reference territories (regions, departments, EPCIs, communes); idempotent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit.unit_of_work import UnitOfWork
from services.territories.domain.cog import CogFileError, cog_rows
from services.territories.persistence import upsert
from services.territories.reference.models import CommuneRow, DepartementRow, EpciRow, RegionRow

COG_FILES = ("regions.json", "departements.json", "communes.json", "epci.json")


@dataclass(frozen=True, slots=True)
class CogReport:
    regions: int
    departements: int
    epcis: int
    communes: int
    changed: int
    other_entries: int


def read_cog_directory(directory: Path) -> dict[str, Any]:
    documents = {}
    for name in COG_FILES:
        path = directory / name
        if not path.is_file():
            raise CogFileError(f"{path} is missing: the directory must hold {', '.join(COG_FILES)}")
        try:
            documents[name] = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            raise CogFileError(f"{path} is not JSON: {error}") from error
    return documents


async def import_cog(
    uow: UnitOfWork, documents: dict[str, Any], population_year: int, aliases: dict[str, list[str]]
) -> CogReport:
    """All four files in one transaction; a re-import of the same files changes nothing."""
    rows = cog_rows(
        documents["regions.json"],
        documents["departements.json"],
        documents["communes.json"],
        documents["epci.json"],
        population_year,
        aliases,
    )
    async with uow:
        changed = await upsert(uow.session, RegionRow, rows.regions, ["code"])
        changed += await upsert(uow.session, DepartementRow, rows.departements, ["code"])
        changed += await upsert(uow.session, EpciRow, rows.epcis, ["code"])
        changed += await upsert(uow.session, CommuneRow, rows.communes, ["code"])
        await uow.commit()
    return CogReport(
        regions=len(rows.regions),
        departements=len(rows.departements),
        epcis=len(rows.epcis),
        communes=len(rows.communes),
        changed=changed,
        other_entries=rows.other_entries,
    )
