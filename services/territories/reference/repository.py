"""The queries of the reference territories."""

from __future__ import annotations

from collections.abc import Collection
from functools import partial

from sqlalchemy import select

from kit.pagination import PageRequest
from services.territories.persistence import Repository, record_of
from services.territories.reference.domain import Commune, Departement, Epci, Region
from services.territories.reference.models import CommuneRow, DepartementRow, EpciRow, RegionRow


def _commune(row: CommuneRow) -> Commune:
    return record_of(Commune, row, aliases=tuple(row.aliases), codes_postaux=tuple(row.codes_postaux))


class ReferenceRepository(Repository):
    async def list_regions(self, page: PageRequest) -> tuple[list[Region], int]:
        return await self.paged(select(RegionRow).order_by(RegionRow.code), page, partial(record_of, Region))

    async def get_region(self, code: str) -> Region | None:
        return await self.record(RegionRow, code, Region)

    async def list_departements(self, page: PageRequest, code_region: str | None) -> tuple[list[Departement], int]:
        query = select(DepartementRow).order_by(DepartementRow.code)
        if code_region is not None:
            query = query.where(DepartementRow.code_region == code_region)
        return await self.paged(query, page, partial(record_of, Departement))

    async def get_departement(self, code: str) -> Departement | None:
        return await self.record(DepartementRow, code, Departement)

    async def list_epcis(self, page: PageRequest) -> tuple[list[Epci], int]:
        return await self.paged(select(EpciRow).order_by(EpciRow.code), page, partial(record_of, Epci))

    async def get_epci(self, code: str) -> Epci | None:
        return await self.record(EpciRow, code, Epci)

    async def list_communes(
        self,
        page: PageRequest,
        *,
        code_epci: str | None,
        code_departement: str | None,
        code_region: str | None,
        nom_searchable: str | None,
    ) -> tuple[list[Commune], int]:
        query = select(CommuneRow).order_by(CommuneRow.code)
        if code_epci is not None:
            query = query.where(CommuneRow.code_epci == code_epci)
        if code_departement is not None:
            query = query.where(CommuneRow.code_departement == code_departement)
        if code_region is not None:
            query = query.where(CommuneRow.code_region == code_region)
        if nom_searchable:
            pattern = "%" + nom_searchable.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(CommuneRow.nom_searchable.like(pattern))
        return await self.paged(query, page, _commune)

    async def get_commune(self, code: str) -> Commune | None:
        row = await self.session.get(CommuneRow, code)
        return None if row is None else _commune(row)

    async def communes_of_epci(self, code_epci: str) -> list[str]:
        query = select(CommuneRow.code).where(CommuneRow.code_epci == code_epci).order_by(CommuneRow.code)
        return list((await self.session.execute(query)).scalars().all())

    async def existing_communes(self, codes: Collection[str]) -> set[str]:
        query = select(CommuneRow.code).where(CommuneRow.code.in_(list(codes)))
        return set((await self.session.execute(query)).scalars().all())

    async def existing_epcis(self, codes: Collection[str]) -> set[str]:
        query = select(EpciRow.code).where(EpciRow.code.in_(list(codes)))
        return set((await self.session.execute(query)).scalars().all())

    async def epci_of_communes(self, codes: Collection[str]) -> dict[str, str | None]:
        """Code -> EPCI of the communes among `codes` that exist."""
        query = select(CommuneRow.code, CommuneRow.code_epci).where(CommuneRow.code.in_(list(codes)))
        return {row[0]: row[1] for row in (await self.session.execute(query)).all()}

    async def epcis_by_name(self) -> dict[str, str]:
        """Every EPCI's short and long name -> its code (the contract names territories, it gives no code)."""
        rows = (await self.session.execute(select(EpciRow.code, EpciRow.nom, EpciRow.nom_long))).all()
        names: dict[str, str] = {}
        for code, nom, nom_long in rows:
            names[nom] = code
            if nom_long:
                names[nom_long] = code
        return names
