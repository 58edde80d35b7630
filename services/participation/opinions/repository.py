"""The queries of referrals, opinions and commitments."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import Subquery, Uuid, bindparam, func, select

from identity.contracts import within_contracts
from kit.compiled_statements import JsonPages, camel_json, json_array
from kit.pagination import PageRequest, fetch_page
from services.participation.opinions import domain
from services.participation.opinions.models import CommitmentRow, OpinionRow, ReferralRow
from services.participation.persistence import SessionRepository, record_of, scope_values, scoped


def referral_from_row(row: ReferralRow) -> domain.Referral:
    return record_of(domain.Referral, row)


def opinion_from_row(row: OpinionRow) -> domain.Opinion:
    return record_of(domain.Opinion, row)


def commitment_from_row(row: CommitmentRow) -> domain.Commitment:
    return record_of(domain.Commitment, row)


def first_answers(*conditions: Any) -> Subquery:
    """Each referral answered, with the day of its first opinion."""
    return (
        select(OpinionRow.referral_id, func.min(OpinionRow.adopted_on).label("adopted_on"))
        .where(OpinionRow.referral_id.is_not(None), *conditions)
        .group_by(OpinionRow.referral_id)
        .subquery()
    )


class OpinionRepository(SessionRepository):
    async def referral(self, referral_id: uuid.UUID) -> domain.Referral | None:
        row = await self.session.get(ReferralRow, referral_id)
        return None if row is None else referral_from_row(row)

    async def referrals_to(self, body_id: uuid.UUID) -> list[tuple[domain.Referral, date | None]]:
        """The body's referrals with the day it answered each (None: not answered)."""
        answered = first_answers()
        query = (
            select(ReferralRow, answered.c.adopted_on)
            .outerjoin(answered, answered.c.referral_id == ReferralRow.referral_id)
            .where(ReferralRow.to_body_id == body_id)
            .order_by(ReferralRow.asked_on, ReferralRow.referral_id)
        )
        return [(referral_from_row(row[0]), row[1]) for row in (await self.session.execute(query)).all()]

    async def find(self, opinion_id: uuid.UUID, *, lock: bool = False) -> OpinionRow | None:
        return await self.one(select(OpinionRow).where(OpinionRow.opinion_id == opinion_id), lock=lock)

    async def of_body(
        self, body_id: uuid.UUID, contracts: Collection[str] | None, page: PageRequest
    ) -> tuple[list[domain.Opinion], int]:
        """The body's opinions if it belongs to one of `contracts` (None: any contract)."""
        query = select(OpinionRow).where(OpinionRow.body_id == body_id)
        query = query.where(within_contracts(OpinionRow.contract_code, contracts))
        order = (OpinionRow.adopted_on, OpinionRow.opinion_id)
        rows, total = await fetch_page(self.session, query.order_by(*order), page)
        return [opinion_from_row(row) for row in rows], total

    async def of_body_json(
        self, body_id: uuid.UUID, contracts: Collection[str] | None, page: PageRequest
    ) -> tuple[str, int]:
        """The body's opinions if it belongs to one of `contracts` (None: any contract), with their answers
        and commitments: the page's items as the JSON PostgreSQL writes of them (OpinionRead), and the
        total. One statement, compiled once per shape."""
        shape, values = scope_values(contracts)
        values["body_id"] = body_id
        return await _OPINION_PAGES(self.session, shape, values, page)

    async def commitment(self, commitment_id: uuid.UUID, *, lock: bool = False) -> CommitmentRow | None:
        return await self.one(select(CommitmentRow).where(CommitmentRow.commitment_id == commitment_id), lock=lock)

    async def commitments_of(self, opinion_ids: Collection[uuid.UUID]) -> list[domain.Commitment]:
        query = select(CommitmentRow).where(CommitmentRow.opinion_id.in_(list(opinion_ids)))
        return [commitment_from_row(row) for row in await self.all(query.order_by(CommitmentRow.created_at))]


def _opinions(shape: frozenset[str]) -> Any:
    """The body's opinions, in the caller's contracts when the shape says so."""
    query = select(OpinionRow.__table__).where(OpinionRow.body_id == bindparam("body_id", type_=Uuid))
    return query.where(scoped(OpinionRow.contract_code)) if "scoped" in shape else query


def _opinion_json(row: Any) -> Any:
    """An opinion as OpinionRead writes it, with its commitments as they were made."""
    commitment = camel_json(
        {"id": CommitmentRow.commitment_id}
        | {name: getattr(CommitmentRow, name) for name in ("description", "owner", "due_on", "status", "status_on")}
    )
    commitments = (
        select(json_array(commitment, CommitmentRow.created_at, CommitmentRow.commitment_id))
        .where(CommitmentRow.opinion_id == row.opinion_id)
        .scalar_subquery()
    )
    fields = ("body_id", "kind", "title", "text", "adopted_on", "meeting_id", "referral_id", "addressed_to_body_id")
    answer = ("outcome", "reason", "redirected_to", "responded_on")
    return camel_json(
        {"id": row.opinion_id}
        | {name: getattr(row, name) for name in (*fields, *answer)}
        | {"commitments": commitments}
    )


_OPINION_PAGES = JsonPages(_opinions, _opinion_json, lambda row, _shape: (row.adopted_on, row.opinion_id))
