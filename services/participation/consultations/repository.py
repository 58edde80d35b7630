"""The queries of consultation campaigns, their anonymous answers and the contacts kept apart."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert

from kit.pagination import PageRequest, fetch_page
from services.participation.consultations import domain
from services.participation.consultations.models import ConsultationAnswerRow, ConsultationContactRow, ConsultationRow
from services.participation.persistence import SessionRepository, record_of, within_year


def question_json(question: domain.Question) -> dict[str, Any]:
    """A question as a campaign stores it."""
    return {
        "code": question.code,
        "text": question.text,
        "kind": question.kind.value,
        "choices": list(question.choices),
    }


def _question(data: Mapping[str, Any]) -> domain.Question:
    return domain.Question(
        data["code"], data["text"], domain.QuestionKind(data["kind"]), tuple(data.get("choices", ()))
    )


def consultation_from_row(row: ConsultationRow) -> domain.Consultation:
    return domain.Consultation(
        consultation_id=row.consultation_id,
        contract_code=row.contract_code,
        title=row.title,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        campaign=domain.Campaign(
            questions=tuple(_question(item) for item in row.questions),
            territory_questions={
                code: tuple(_question(item) for item in items) for code, items in row.territory_questions.items()
            },
        ),
        targets=domain.Targets(row.target_interviews, row.target_events, row.target_neighbourhoods),
    )


class ConsultationRepository(SessionRepository):
    async def find(self, consultation_id: uuid.UUID) -> domain.Consultation | None:
        row = await self.session.get(ConsultationRow, consultation_id)
        return None if row is None else consultation_from_row(row)

    async def of_contract(self, contract_code: str, page: PageRequest) -> tuple[list[domain.Consultation], int]:
        query = select(ConsultationRow).where(ConsultationRow.contract_code == contract_code)
        order = (ConsultationRow.starts_on, ConsultationRow.consultation_id)
        rows, total = await fetch_page(self.session, query.order_by(*order), page)
        return [consultation_from_row(row) for row in rows], total

    async def of_contract_year(self, contract_code: str, year: int) -> list[domain.Consultation]:
        query = select(ConsultationRow).where(
            ConsultationRow.contract_code == contract_code, *within_year(ConsultationRow.starts_on, year)
        )
        return [consultation_from_row(row) for row in await self.all(query.order_by(ConsultationRow.starts_on))]

    async def store_answers(self, rows: Collection[dict[str, Any]]) -> set[uuid.UUID]:
        """Insert the answers not synced before; the client ids of those stored now."""
        if not rows:
            return set()
        inserted = await self.session.execute(
            pg_insert(ConsultationAnswerRow)
            .values(list(rows))
            .on_conflict_do_nothing()
            .returning(ConsultationAnswerRow.client_id)
        )
        return set(inserted.scalars().all())

    async def store_contacts(self, rows: Collection[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(pg_insert(ConsultationContactRow).values(list(rows)).on_conflict_do_nothing())

    async def progress(self, consultation_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int, int]]:
        """Interviews, distinct events and distinct neighbourhoods (QPV, else the label given) per consultation."""
        query = (
            select(
                ConsultationAnswerRow.consultation_id,
                func.count(),
                func.count(func.distinct(ConsultationAnswerRow.event)),
                func.count(
                    func.distinct(func.coalesce(ConsultationAnswerRow.qpv_code, ConsultationAnswerRow.neighbourhood))
                ),
            )
            .where(ConsultationAnswerRow.consultation_id.in_(list(consultation_ids)))
            .group_by(ConsultationAnswerRow.consultation_id)
        )
        return {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in (await self.session.execute(query)).all()}

    async def answer_counts(self, consultation_id: uuid.UUID) -> list[tuple[str, str, int]]:
        """(question code, answer, how many) over the consultation's answers."""
        pairs = func.jsonb_each_text(ConsultationAnswerRow.answers).table_valued("key", "value").lateral()
        query = (
            select(pairs.c.key, pairs.c.value, func.count())
            .select_from(ConsultationAnswerRow)
            .join(pairs, true())
            .where(ConsultationAnswerRow.consultation_id == consultation_id)
            .group_by(pairs.c.key, pairs.c.value)
        )
        return [(row[0], row[1], int(row[2])) for row in (await self.session.execute(query)).all()]

    async def contacts(self, consultation_id: uuid.UUID, page: PageRequest) -> tuple[list[domain.Contact], int]:
        query = select(ConsultationContactRow).where(ConsultationContactRow.consultation_id == consultation_id)
        ordered = query.order_by(ConsultationContactRow.consented_on, ConsultationContactRow.contact_client_id)
        rows, total = await fetch_page(self.session, ordered, page)
        return [record_of(domain.Contact, row) for row in rows], total

    async def delete_contacts_of_campaigns_ended_before(self, day: date) -> int:
        ended = select(ConsultationRow.consultation_id).where(ConsultationRow.ends_on < day)
        removed = await self.session.execute(
            delete(ConsultationContactRow)
            .where(ConsultationContactRow.consultation_id.in_(ended))
            .returning(ConsultationContactRow.contact_client_id)
        )
        return len(removed.all())
