"""The imports the CLI runs: the CU d'Arras' shipped data, the national COG, the national QPV 2024 file.

Each is idempotent: a re-import of the same files changes nothing.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from identity.principal import Principal, Role
from kit.unit_of_work import UnitOfWork
from services.territories.imports.domain import (
    CogFileError,
    cog_rows,
    contract_row,
    departement_rows,
    epci_and_communes_rows,
    generation_rows,
    lineage_rows,
    national_qpv_rows,
    qpv_2015_rows,
    qpv_rows,
    region_rows,
)
from services.territories.imports.repository import ImportRepository
from services.territories.indicators.use_cases import import_contract_indicators, read_contract_indicators
from services.territories.persistence import ledger
from services.territories.qpvs.domain import GENERATION_2024, InvalidPerimeterError
from services.territories.qpvs.repository import QpvRepository
from services.territories.renewal_projects.use_cases import import_seed, read_seed
from services.territories.vulnerability.use_cases import fields_dictionary, import_squares

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
COG_FILES = ("regions.json", "departements.json", "communes.json", "epci.json")
FILOSOFI_SAMPLE = "filosofi2021_200m_sample_arras.csv"
# Who the national QPV import acts as in the audit log (a command run by the platform's operators).
REFERENCE_IMPORT = Principal(subject="reference-import", kind="client", roles=frozenset({Role.PLATFORM_ADMIN}))
# The sample was re-published without `lcog_geo`; its window lies around QPV Saint-Michel, in Arras.
FILOSOFI_SAMPLE_COMMUNES = ("62041",)


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class ImportReport:
    epcis: int
    communes: int
    qpvs: int
    contracts: int
    indicator_values: int = 0
    squares: int = 0
    renewal_projects: int = 0


async def import_reference_data(uow: UnitOfWork, actor: Principal, data_dir: Path = DATA_DIR) -> ImportReport:
    """Load the CU d'Arras: its EPCI, 46 communes, six QPV 2024 and the contract Cœur de Quartier."""
    qpv_document = _read(data_dir / "cua_qpv_2024.geojson")
    generations_document = _read(data_dir / "cua_qpv_generations.json")
    aliases = _read(data_dir / "aliases.json")
    epci, communes = epci_and_communes_rows(_read(data_dir / "cua_communes.json"), aliases["communes"])
    cog = _read(data_dir / "cua_region_departement.json")
    contract = contract_row(_read(data_dir / "contract_coeur_de_quartier.json"))
    async with uow:
        repository = ImportRepository(uow.session)
        await repository.store_regions(region_rows(cog["regions"]))
        await repository.store_departements(departement_rows(cog["departements"]))
        await repository.store_generations(generation_rows(generations_document))
        qpvs = qpv_rows(qpv_document, aliases["qpvs"]) + qpv_2015_rows(generations_document)
        report = ImportReport(
            epcis=await repository.store_epcis([epci]),
            communes=await repository.store_communes(communes),
            qpvs=await repository.store_qpvs(qpvs),
            contracts=await repository.store_contracts([contract]),
        )
        await repository.store_lineage(lineage_rows(generations_document, qpv_document))
        if report.qpvs:
            await _revised(uow, actor, {row["generation"] for row in qpvs})
        await uow.commit()
    values_path = data_dir / "cua_quartier_indicators.csv"
    catalogue, parsed = read_contract_indicators(data_dir / "indicator_catalogue.json", values_path)
    created = await import_contract_indicators(uow, catalogue, parsed, values_path.name)
    squares = await import_squares(
        uow,
        actor,
        (data_dir / FILOSOFI_SAMPLE).read_text(encoding="utf-8"),
        2021,
        FILOSOFI_SAMPLE_COMMUNES,
        fields_dictionary(),
        dry_run=False,
        skip_bad_lines=False,
    )
    projects = await import_seed(uow, read_seed(data_dir / "cua_renewal_projects.json"))
    return replace(
        report, indicator_values=created, squares=squares.created + squares.changed, renewal_projects=projects
    )


async def _revised(uow: UnitOfWork, actor: Principal, generations: set[str]) -> None:
    """Perimeters of these generations changed: their revision moves (indexes are rebuilt in every process)
    and partners hear it (`qpv.revised`, in the transaction of the change)."""
    await QpvRepository(uow.session).bump_revisions(generations)
    for generation in sorted(generations):
        await ledger.changed(
            uow.session,
            actor,
            before=None,
            after={"generation": generation},
            action="qpv_generation.revised",
            entity_type="qpv_generation",
            entity_id=generation,
        )


@dataclass(frozen=True, slots=True)
class NationalImportReport:
    qpvs: int
    changed: int
    repaired: list[tuple[str, str]]
    refused: list[tuple[str, str]]


async def import_national_qpvs(
    uow: UnitOfWork, path: Path, *, skip_refused: bool = False, actor: Principal = REFERENCE_IMPORT
) -> NationalImportReport:
    """All QPV 2024 of France; all-or-nothing unless `skip_refused` (then refused features are reported)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        collection = json.load(handle)
    rows, repaired, refused = national_qpv_rows(collection)
    if refused and not skip_refused:
        raise InvalidPerimeterError("; ".join(f"{code}: {reason}" for code, reason in refused[:20]))
    generations = generation_rows(_read(DATA_DIR / "cua_qpv_generations.json"))
    async with uow:
        repository = ImportRepository(uow.session)
        await repository.store_generations([row for row in generations if row["generation"] == GENERATION_2024])
        changed = await repository.store_qpvs(rows)
        if changed:
            await _revised(uow, actor, {GENERATION_2024})
        await uow.commit()
    return NationalImportReport(qpvs=len(rows), changed=changed, repaired=repaired, refused=refused)


@dataclass(frozen=True, slots=True)
class CogReport:
    regions: int
    departements: int
    epcis: int
    communes: int
    changed: int
    other_entries: int


def read_cog_directory(directory: Path) -> dict[str, Any]:
    """The four files of @etalab/decoupage-administratif, each checked to be there and to be JSON."""
    documents = {}
    for name in COG_FILES:
        path = directory / name
        if not path.is_file():
            raise CogFileError(f"{path} is missing: the directory must hold {', '.join(COG_FILES)}")
        try:
            documents[name] = _read(path)
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
        repository = ImportRepository(uow.session)
        changed = await repository.store_regions(rows.regions)
        changed += await repository.store_departements(rows.departements)
        changed += await repository.store_epcis(rows.epcis)
        changed += await repository.store_communes(rows.communes)
        await uow.commit()
    return CogReport(
        regions=len(rows.regions),
        departements=len(rows.departements),
        epcis=len(rows.epcis),
        communes=len(rows.communes),
        changed=changed,
        other_entries=rows.other_entries,
    )
