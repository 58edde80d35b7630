"""Point -> QPV: which QPV(s) contain a point and, apart from them, the nearest one within a tolerance."""

from __future__ import annotations

import asyncio
import gc
import time
from dataclasses import dataclass

import numpy as np

from kit.unit_of_work import UnitOfWork
from services.territories.errors import NotFoundError
from services.territories.localisation.domain import IndexedQpv, Location, PointBatch, QpvIndex, classify
from services.territories.qpvs.repository import QpvRepository

REVISION_CHECK_SECONDS = 1.0


@dataclass(slots=True)
class _Built:
    revision: int
    index: QpvIndex
    checked_at: float


class QpvIndexes:
    """One index per generation, rebuilt when the generation's revision in the database moves.

    The revision is read at most once a second per generation, by one request at a time (the others
    keep using the index they have meanwhile): a lookup then costs no query, a burst of lookups does
    not become a burst of queries, and a change of perimeters reaches every process within a second.
    """

    def __init__(self) -> None:
        self._built: dict[str, _Built] = {}
        self._lock = asyncio.Lock()
        self._checking: set[str] = set()

    async def for_generation(self, uow: UnitOfWork, generation: str) -> QpvIndex:
        fresh = self._built.get(generation)
        if fresh is not None and (
            time.monotonic() - fresh.checked_at < REVISION_CHECK_SECONDS or generation in self._checking
        ):
            return fresh.index
        self._checking.add(generation)
        try:
            return await self._checked(uow, generation)
        finally:
            self._checking.discard(generation)

    async def _checked(self, uow: UnitOfWork, generation: str) -> QpvIndex:
        async with uow.reading():
            repository = QpvRepository(uow.session)
            revision = await repository.generation_revision(generation)
            if revision is None:
                raise NotFoundError("generation", generation)
            built = self._built.get(generation)
            if built is not None and built.revision == revision:
                built.checked_at = time.monotonic()
                return built.index
            async with self._lock:
                built = self._built.get(generation)
                if built is not None and built.revision == revision:
                    return built.index
                perimeters = await repository.perimeters_of(generation)
                qpvs = [IndexedQpv(perimeter.code, perimeter.nom) for perimeter in perimeters]
                # Building is CPU work (projection, tree): keep it off the event loop.
                index = await asyncio.to_thread(QpvIndex, qpvs, [perimeter.geometry for perimeter in perimeters])
                self._built[generation] = _Built(revision, index, time.monotonic())
                gc.collect()
                gc.freeze()  # the index lives until the next revision: no GC pass should walk it
                return index


async def locate_point(
    uow: UnitOfWork, indexes: QpvIndexes, generation: str, lon: float, lat: float, tolerance_m: float
) -> Location:
    index = await indexes.for_generation(uow, generation)
    return index.locate(lon, lat, tolerance_m)


@dataclass(frozen=True, slots=True)
class ClassifiedPoint:
    line: int
    id: str | None
    qpv_codes: list[str]
    nearest_code: str | None
    nearest_distance_m: float | None
    error: str | None


async def classify_batch(
    uow: UnitOfWork, indexes: QpvIndexes, generation: str, batch: PointBatch, tolerance_m: float
) -> list[ClassifiedPoint]:
    """Every input line once, in input order: its QPVs and nearest QPV, or why it was refused."""
    index = await indexes.for_generation(uow, generation)
    located = await asyncio.to_thread(
        classify, index, np.array(batch.lons, dtype=float), np.array(batch.lats, dtype=float), tolerance_m
    )
    matches = located.matches()
    results = [
        ClassifiedPoint(
            line=line,
            id=identifier,
            qpv_codes=[index.qpvs[position].code or index.qpvs[position].nom for position in matches.get(offset, [])],
            nearest_code=(index.qpvs[int(located.nearest[offset])].code if located.nearest[offset] >= 0 else None),
            nearest_distance_m=float(located.distance_m[offset]) if located.nearest[offset] >= 0 else None,
            error=None,
        )
        for offset, (line, identifier) in enumerate(zip(batch.lines, batch.ids, strict=True))
    ]
    results.extend(
        ClassifiedPoint(
            line=bad.line, id=bad.id, qpv_codes=[], nearest_code=None, nearest_distance_m=None, error=bad.reason
        )
        for bad in batch.bad
    )
    results.sort(key=lambda result: result.line)
    return results
