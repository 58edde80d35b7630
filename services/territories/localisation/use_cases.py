"""Point -> QPV: which QPV(s) contain a point and, apart from them, the nearest one within a tolerance."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import time
from collections.abc import Coroutine, Hashable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np

from kit.unit_of_work import UnitOfWork
from services.territories.errors import NotFoundError
from services.territories.localisation.domain import IndexedQpv, Location, PointBatch, QpvIndex, classify
from services.territories.qpvs.repository import QpvRepository

REVISION_CHECK_SECONDS = 1.0
Key = TypeVar("Key", bound=Hashable)


class HeardChanges(Protocol):
    """The changes of the schema this process has heard (kit.response_cache.ResponseCache)."""

    async def caught_up_with_request(self) -> bool: ...

    def changes_stamp(self) -> Hashable | None: ...


@dataclass(slots=True)
class _Built:
    revision: int
    index: QpvIndex
    checked_at: float  # when its revision was last read
    heard: Hashable | None  # the changes heard before its revision was last read (None: not known)


class QpvIndexes:
    """One index per generation, rebuilt when the generation's revision in the database moves.

    With the process's changes heard (`hear`), a lookup first waits until every change acknowledged before
    the request arrived has been heard (one round trip shared by the requests of the moment), then uses the
    index if no change of the schema has been heard since its revision was read: a lookup after new
    perimeters, through any process, finds them. After a change of anything in the schema, the revision is
    read again (one query, shared by the lookups that heard the same changes), the perimeters only when it
    moved (one build per revision; the lookups wait for it without holding a connection).

    While changes cannot be heard, the revision is read at most once a second per generation, by one request
    at a time (the others keep using the index they have meanwhile): new perimeters then reach every process
    within a second. Revisions only move up: after restoring an older database, restart the processes.
    """

    def __init__(self) -> None:
        self._built: dict[str, _Built] = {}
        # The revision reads under way, by generation and the changes heard before them; the builds, by
        # generation and revision.
        self._checks: dict[tuple[str, Hashable | None], asyncio.Task[QpvIndex]] = {}
        self._builds: dict[tuple[str, int], asyncio.Task[QpvIndex]] = {}
        self._changes: HeardChanges | None = None

    def hear(self, changes: HeardChanges) -> None:
        """Take the changes of the schema this process hears into account (the app's response cache)."""
        self._changes = changes

    async def for_generation(self, uow: UnitOfWork, generation: str) -> QpvIndex:
        """The index of the generation's perimeters as committed before the request arrived (as committed a
        second before, while changes cannot be heard)."""
        # First every change acknowledged before the request is heard (one round trip shared by the requests
        # of the moment); None: changes cannot be heard.
        heard = None
        if self._changes is not None and await self._changes.caught_up_with_request():
            heard = self._changes.changes_stamp()
        built = self._built.get(generation)
        if built is not None and heard is not None and heard == built.heard:
            return built.index  # nothing heard since its revision was read
        if built is not None and heard is None:  # deaf: the once-a-second rule, one request reading at a time
            recent = time.monotonic() - built.checked_at < REVISION_CHECK_SECONDS
            if recent or any(checked == generation for checked, _ in self._checks):
                return built.index
        # Its revision is read again. A read under way after the same changes heard sees every commit this
        # request must see: each such commit was heard before that read began, else the stamps would differ.
        check = self._checks.get((generation, heard))
        if check is None:
            check = _started(self._checks, (generation, heard), self._checked(uow, generation, heard))
        return await asyncio.shield(check)  # a lookup that goes away leaves it to the others

    async def _checked(self, uow: UnitOfWork, generation: str, heard: Hashable | None) -> QpvIndex:
        """The index of the generation's revision as the database has it now; `heard`: the changes heard
        before it was read."""
        async with uow.reading():
            revision = await QpvRepository(uow.session).generation_revision(generation)
        if revision is None:
            raise NotFoundError("generation", generation)
        built = self._built.get(generation)
        if built is not None and built.revision >= revision:  # a read older than the index's own: keep it
            if built.revision == revision:
                built.checked_at, built.heard = time.monotonic(), heard
            return built.index
        build = self._builds.get((generation, revision))
        if build is None:
            build = _started(self._builds, (generation, revision), self._build(uow, generation, revision, heard))
        return await asyncio.shield(build)

    async def _build(self, uow: UnitOfWork, generation: str, revision: int, heard: Hashable | None) -> QpvIndex:
        async with uow.reading():
            perimeters = await QpvRepository(uow.session).perimeters_of(generation)
        qpvs = [IndexedQpv(perimeter.code, perimeter.nom) for perimeter in perimeters]
        # Building is CPU work (projection, tree): keep it off the event loop.
        index = await asyncio.to_thread(QpvIndex, qpvs, [perimeter.geometry for perimeter in perimeters])
        built = self._built.get(generation)
        if built is None or built.revision < revision:
            self._built[generation] = _Built(revision, index, time.monotonic(), heard)
        gc.collect()
        gc.freeze()  # the index lives until the next revision: no GC pass should walk it
        return index


def _started(
    shared: dict[Key, asyncio.Task[QpvIndex]], key: Key, work: Coroutine[Any, Any, QpvIndex]
) -> asyncio.Task[QpvIndex]:
    """`work` run as a task the lookups share under `key` until it is done, in a context of its own (not the
    first caller's request, nor the transaction it may be in)."""
    task = asyncio.get_running_loop().create_task(work, context=contextvars.Context())
    shared[key] = task

    def forget(_: asyncio.Task[QpvIndex]) -> None:
        if shared.get(key) is task:
            del shared[key]
        # Its failure is its waiters' to raise: when they all went away, nobody is left to be told (and
        # asyncio would log it as never retrieved).
        if not task.cancelled():
            task.exception()

    task.add_done_callback(forget)
    return task


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
