"""Point -> QPV: which QPV(s) contain a point and, apart from them, the nearest one within a tolerance."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from kit.database import UnitOfWork
from services.territories.db.repositories import ReferenceRepository
from services.territories.domain.errors import NotFoundError
from services.territories.domain.qpv_index import IndexedQpv, Location, QpvIndex


@dataclass(frozen=True, slots=True)
class _Built:
    revision: int
    index: QpvIndex


class QpvIndexes:
    """One index per generation, rebuilt when the generation's revision in the database moves."""

    def __init__(self) -> None:
        self._built: dict[str, _Built] = {}
        self._lock = asyncio.Lock()

    async def for_generation(self, uow: UnitOfWork, generation: str) -> QpvIndex:
        async with uow:
            repository = ReferenceRepository(uow.session)
            revision = await repository.generation_revision(generation)
            if revision is None:
                raise NotFoundError("generation", generation)
            built = self._built.get(generation)
            if built is not None and built.revision == revision:
                return built.index
            async with self._lock:
                built = self._built.get(generation)
                if built is not None and built.revision == revision:
                    return built.index
                rows = await repository.perimeters_of(generation)
                qpvs = [IndexedQpv(row.code, row.nom) for row in rows]
                perimeters = [row.perimeter for row in rows if row.perimeter is not None]
                # Building is CPU work (projection, tree): keep it off the event loop.
                index = await asyncio.to_thread(QpvIndex, qpvs, perimeters)
                self._built[generation] = _Built(revision, index)
                return index


async def locate_point(
    uow: UnitOfWork, indexes: QpvIndexes, generation: str, lon: float, lat: float, tolerance_m: float
) -> Location:
    index = await indexes.for_generation(uow, generation)
    return index.locate(lon, lat, tolerance_m)
