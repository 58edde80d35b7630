"""HTTP routes of the draws by lot (their appointments answer mandates: see members.routes)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, status

from kit.api_models import read_of
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.pagination import Page, PageRequest, page_request
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.participation.draws import use_cases as draws
from services.participation.draws.domain import Seats
from services.participation.draws.schemas import (
    DrawCreate,
    DrawnPerson,
    DrawRead,
    DrawVerification,
    PublishedCandidate,
    RevealInput,
)
from services.participation.draws.use_cases import DrawView, PoolEntry
from services.participation.members.domain import Gender, Identity
from services.participation.policies import PUBLISHED_DRAW, DrawnReader, DrawRunner

public = platform_router(["draws"], authenticated=False)
protected = platform_router(["draws"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


def _read(view: DrawView) -> DrawRead:
    pool = [read_of(PublishedCandidate, item) for item in view.candidates]
    return read_of(DrawRead, view.draw, id=view.draw.draw_id, pool=pool)


@protected.post(
    "/bodies/{body_id}/draws", operation_id="open_draw", response_model=DrawRead, status_code=status.HTTP_201_CREATED
)
async def open_draw(uow: Uow, body_id: uuid.UUID, body: DrawCreate, principal: DrawRunner) -> DrawRead:
    """Freeze a pool and publish its hash with the seed's commitment (facilitators, pilots)."""
    seats = Seats(
        titulars=body.seats.titulars,
        reserves=body.seats.reserves,
        parity=body.seats.parity,
        one_per_household=body.seats.one_per_household,
        min_in_qpv=body.seats.min_in_qpv,
        max_per_age_band=dict(body.seats.max_per_age_band),
    )
    entries = [
        PoolEntry(
            gender=Gender(item.gender),
            age_band=item.age_band,
            in_qpv=item.in_qpv,
            household=item.household,
            identity=Identity(item.family_name, item.given_name, item.contact),
        )
        for item in body.candidates
    ]
    view = await draws.open_draw(
        uow,
        principal,
        body_id,
        seats,
        body.commitment,
        body.challenge_ends_on,
        entries,
        fill_vacancies=body.seats.fill_vacancies,
    )
    return _read(view)


@protected.post("/draws/{draw_id}/reveal", operation_id="reveal_draw", response_model=DrawRead)
async def reveal_draw(uow: Uow, draw_id: uuid.UUID, body: RevealInput, principal: DrawRunner) -> DrawRead:
    """Reveal the committed seed: the draw is performed, once."""
    return _read(await draws.reveal(uow, principal, draw_id, body.seed))


@public.get(
    "/draws/{draw_id}",
    operation_id="get_draw",
    response_model=DrawRead,
    dependencies=[Depends(authorize(PUBLISHED_DRAW))],
)
async def get_draw(uow: Uow, draw_id: uuid.UUID) -> DrawRead:
    """What is published: pool hash, commitment, seed, the pseudonymous pool, the result and its hash."""
    return _read(await draws.public_view(uow, draw_id))


@public.get(
    "/draws/{draw_id}/verification",
    operation_id="verify_draw",
    response_model=DrawVerification,
    dependencies=[Depends(authorize(PUBLISHED_DRAW))],
)
async def verify_draw(uow: Uow, draw_id: uuid.UUID) -> DrawVerification:
    """The draw re-run from the published inputs; `matches` says it gives the published result hash."""
    published, recomputed = await draws.verification(uow, draw_id)
    return DrawVerification(
        result_hash=published.result_hash,
        recomputed_hash=recomputed,
        matches=recomputed is not None and recomputed == published.result_hash,
    )


@protected.get("/draws/{draw_id}/drawn", operation_id="list_drawn_people", response_model=Page[DrawnPerson])
async def list_drawn_people(
    uow: Uow, draw_id: uuid.UUID, principal: DrawnReader, page: Annotated[PageRequest, Depends(page_request)]
) -> Page[DrawnPerson]:
    """The people drawn, by name, titulars then reserves in the order drawn (facilitators, pilots; every read
    is audited)."""
    drawn, total = await draws.drawn_people(uow, principal, draw_id, page)
    items = [read_of(DrawnPerson, item) for item in drawn]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@protected.post("/draws/{draw_id}/purge", operation_id="purge_draw_pool", response_model=dict[str, int])
async def purge_draw_pool(uow: Uow, draw_id: uuid.UUID, principal: DrawRunner) -> dict[str, int]:
    """Delete the pool's personal data once the challenge period is over."""
    return {"deleted": await draws.purge(uow, principal, draw_id)}
