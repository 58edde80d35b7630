"""HTTP routes of the draws by lot."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, status

from kit.auth.policies import authorize
from kit.auth.principal import Principal
from kit.database import request_unit_of_work
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.participation.api.mandates import mandate_read
from services.participation.domain.draws import Gender, Seats
from services.participation.policies import PUBLISHED_DRAW, READ_DRAWN, RUN_DRAWS
from services.participation.schemas import (
    AppointmentInput,
    AppointmentRead,
    DrawCreate,
    DrawnPerson,
    DrawRead,
    DrawVerification,
    PublishedCandidate,
    ReplacementInput,
    ReplacementRead,
    RevealInput,
    WarningRead,
)
from services.participation.use_cases import draws
from services.participation.use_cases.draws import DrawView, PoolEntry

public = platform_router(["draws"], authenticated=False)
protected = platform_router(["draws"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


def _read(view: DrawView) -> DrawRead:
    row = view.row
    return DrawRead(
        id=row.draw_id,
        body_id=row.body_id,
        status=row.status,
        seats=row.seats,
        pool_hash=row.pool_hash,
        commitment=row.commitment,
        seed=row.seed,
        titulars=row.titulars,
        reserves=row.reserves,
        result_hash=row.result_hash,
        challenge_ends_on=row.challenge_ends_on,
        pool=[
            PublishedCandidate(
                reference=item.reference,
                gender=item.gender,
                age_band=item.age_band,
                in_qpv=item.in_qpv,
                household=item.household,
            )
            for item in view.candidates
        ],
    )


@protected.post(
    "/bodies/{body_id}/draws", operation_id="open_draw", response_model=DrawRead, status_code=status.HTTP_201_CREATED
)
async def open_draw(
    uow: Uow, body_id: uuid.UUID, body: DrawCreate, principal: Annotated[Principal, Depends(authorize(RUN_DRAWS))]
) -> DrawRead:
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
            family_name=item.family_name,
            given_name=item.given_name,
            contact=item.contact,
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
        fill_vacancies_on=datetime.now(UTC).date() if body.seats.fill_vacancies else None,
    )
    return _read(view)


@protected.post("/draws/{draw_id}/reveal", operation_id="reveal_draw", response_model=DrawRead)
async def reveal_draw(
    uow: Uow, draw_id: uuid.UUID, body: RevealInput, principal: Annotated[Principal, Depends(authorize(RUN_DRAWS))]
) -> DrawRead:
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
    row, recomputed = await draws.verification(uow, draw_id)
    return DrawVerification(
        result_hash=row.result_hash,
        recomputed_hash=recomputed,
        matches=recomputed is not None and recomputed == row.result_hash,
    )


@protected.get("/draws/{draw_id}/drawn", operation_id="list_drawn_people", response_model=list[DrawnPerson])
async def list_drawn_people(
    uow: Uow, draw_id: uuid.UUID, principal: Annotated[Principal, Depends(authorize(READ_DRAWN))]
) -> list[DrawnPerson]:
    """The people drawn, by name (facilitators, pilots; every read is audited)."""
    row, identities = await draws.drawn_people(uow, principal, draw_id)
    seat = {
        **dict.fromkeys(row.reserves, "reserve"),
        **dict.fromkeys(row.titulars, "titular"),
    }
    order = {reference: position for position, reference in enumerate([*row.titulars, *row.reserves])}
    return [
        DrawnPerson(
            reference=item.reference,
            seat=seat[item.reference],
            family_name=item.family_name,
            given_name=item.given_name,
            contact=item.contact,
        )
        for item in sorted(identities, key=lambda identity: order[identity.reference])
    ]


@protected.post("/draws/{draw_id}/purge", operation_id="purge_draw_pool", response_model=dict[str, int])
async def purge_draw_pool(
    uow: Uow, draw_id: uuid.UUID, principal: Annotated[Principal, Depends(authorize(RUN_DRAWS))]
) -> dict[str, int]:
    """Delete the pool's personal data once the challenge period is over."""
    return await draws.purge(uow, principal, draw_id, datetime.now(UTC).date())


@protected.post(
    "/draws/{draw_id}/appointments",
    operation_id="appoint_drawn",
    response_model=AppointmentRead,
    status_code=status.HTTP_201_CREATED,
)
async def appoint_drawn(
    uow: Uow, draw_id: uuid.UUID, body: AppointmentInput, principal: Annotated[Principal, Depends(authorize(RUN_DRAWS))]
) -> AppointmentRead:
    """The titulars of a performed draw become members of the body, each with a mandate (once)."""
    outcome = await draws.appoint(uow, principal, draw_id, body.starts_on, body.ends_on, fictitious=body.fictitious)
    return AppointmentRead(
        mandates=[mandate_read(item, []) for item in outcome.mandates],
        warnings=[WarningRead(rule=item.rule, message=item.message) for item in outcome.warnings],
    )


@protected.post("/draws/{draw_id}/replacements", operation_id="replace_from_reserves", response_model=ReplacementRead)
async def replace_from_reserves(
    uow: Uow,
    draw_id: uuid.UUID,
    body: ReplacementInput,
    principal: Annotated[Principal, Depends(authorize(RUN_DRAWS))],
) -> ReplacementRead:
    """A drawn member leaves: the first reserve of the same gender takes the seat (parity kept)."""
    leaving, arriving = await draws.replace_from_reserves(
        uow, principal, draw_id, body.mandate_id, body.on, fictitious=body.fictitious
    )
    return ReplacementRead(leaving=mandate_read(leaving, []), arriving=mandate_read(arriving, []))
