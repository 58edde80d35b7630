"""Point -> QPV: which QPV(s) contain a point and, apart from them, the nearest one within a tolerance."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from kit.request_ids import request_arrived_at
from kit.unit_of_work import UnitOfWork
from services.territories.errors import NotFoundError
from services.territories.localisation.domain import IndexedQpv, Location, PointBatch, QpvIndex, classify
from services.territories.qpvs.repository import QpvRepository

REVISION_CHECK_SECONDS = 1.0


class HeardChanges(Protocol):
    """The changes of the schema this process has heard (kit.response_cache.ResponseCache)."""

    async def caught_up(self, moment: float) -> bool: ...

    def changes_stamp(self) -> Hashable | None: ...


@dataclass(slots=True)
class _Built:
    revision: int
    index: QpvIndex
    checked_at: float
    heard: Hashable | None  # the changes heard when its revision was last read (None: unknown)


class QpvIndexes:
    """One index per generation, rebuilt when the generation's revision in the database moves.

    With the process's changes heard (`hear`), a lookup uses the index as long as no change of the schema has
    been heard since its revision was last read, once every change acknowledged before the request arrived
    has been heard (one round trip shared by the requests of the moment): a lookup after a change of
    perimeters, through any process, finds the new perimeters. A change of anything in the schema makes the
    next lookups read the revision again (one small query), the perimeters only when it moved.

    While changes cannot be heard, the revision is read at most once a second per generation, by one request
    at a time (the others keep using the index they have meanwhile): a change of perimeters then reaches every
    process within a second.
    """

    def __init__(self) -> None:
        self._built: dict[str, _Built] = {}
        self._lock = asyncio.Lock()
        self._checking: set[str] = set()
        self._changes: HeardChanges | None = None

    def hear(self, changes: HeardChanges) -> None:
        """Take the changes of the schema this process hears into account (the app's response cache)."""
        self._changes = changes

    async def for_generation(self, uow: UnitOfWork, generation: str) -> QpvIndex:
        built = self._built.get(generation)
        if built is not None:
            if self._changes is not None and await self._changes.caught_up(request_arrived_at()):
                heard = self._changes.changes_stamp()
                if heard is not None and heard == built.heard:
                    return built.index
                return await self._checked(uow, generation, heard)
            if time.monotonic() - built.checked_at < REVISION_CHECK_SECONDS or generation in self._checking:
                return built.index
        self._checking.add(generation)
        try:
            heard = None if self._changes is None else self._changes.changes_stamp()
            return await self._checked(uow, generation, heard)
        finally:
            self._checking.discard(generation)

    async def _checked(self, uow: UnitOfWork, generation: str, heard: Hashable | None) -> QpvIndex:
        """The index of the generation's revision as the database has it now; `heard`: the changes heard
        before it was read."""
        async with uow.reading():
            repository = QpvRepository(uow.session)
            revision = await repository.generation_revision(generation)
            if revision is None:
                raise NotFoundError("generation", generation)
            built = self._built.get(generation)
            if built is not None and built.revision >= revision:  # revisions only move up
                if built.revision == revision:
                    built.checked_at, built.heard = time.monotonic(), heard
                return built.index
            async with self._lock:
                built = self._built.get(generation)
                if built is not None and built.revision >= revision:
                    return built.index
                perimeters = await repository.perimeters_of(generation)
                qpvs = [IndexedQpv(perimeter.code, perimeter.nom) for perimeter in perimeters]
                # Building is CPU work (projection, tree): keep it off the event loop.
                index = await asyncio.to_thread(QpvIndex, qpvs, [perimeter.geometry for perimeter in perimeters])
                self._built[generation] = _Built(revision, index, time.monotonic(), heard)
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
