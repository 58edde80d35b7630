"""The queries of the request imports: what a call's requests are matched against (operators by SIRET, the
applications of the call's year with the amounts their budget asks, the operators' actions), the batches
imported with their lines, and the operators, actions, drafts and budget lines written in bulk."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, delete, func, select, tuple_, update

from services.grants.applications.domain.budget import GRANTS_ACCOUNT
from services.grants.applications.models import ActionRow, ApplicationRow, BudgetLineRow
from services.grants.exchange.domain.requests import HeldAction, HeldOperator, HeldRequest
from services.grants.exchange.models import RequestImportLineRow, RequestImportRow
from services.grants.exchange.repository.copies import copy_rows
from services.grants.operators.models import OperatorRow
from services.grants.persistence import Repository


class RequestRepository(Repository):
    async def lock_contract(self, contract_code: str) -> None:
        """Serialise a contract's request imports (two would create the same operators) until commit."""
        await self.session.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended("requests:" + contract_code, 0)))
        )

    async def operators(self, contract_code: str, sirets: Collection[str]) -> list[HeldOperator]:
        query = select(OperatorRow.operator_id, OperatorRow.siret, OperatorRow.nom, OperatorRow.rna).where(
            OperatorRow.contract_code == contract_code, OperatorRow.siret.in_(sorted(sirets))
        )
        return [HeldOperator(*row) for row in (await self.session.execute(query)).all()]

    async def applications(self, contract_code: str, year: int, codes: Collection[str]) -> list[HeldRequest]:
        """The contract's applications of the year (of every call), and those of any year under one of the
        Dauphin action codes given (a number may be another call's), with what each financer is asked on
        their 74 lines."""
        kept = (ApplicationRow.contract_code == contract_code) & (
            (ApplicationRow.year == year) | func.substr(ApplicationRow.dauphin_normalised, 3, 8).in_(sorted(codes))
        )
        asked: dict[uuid.UUID, dict[uuid.UUID, int]] = defaultdict(dict)
        lines = (
            select(BudgetLineRow.application_id, BudgetLineRow.institution_id, func.sum(BudgetLineRow.amount_cents))
            .join(ApplicationRow, ApplicationRow.application_id == BudgetLineRow.application_id)
            .where(kept, BudgetLineRow.account == GRANTS_ACCOUNT)
            .group_by(BudgetLineRow.application_id, BudgetLineRow.institution_id)
        )
        for application_id, institution_id, cents in (await self.session.execute(lines)).all():
            if institution_id is not None:  # a 74 line always names its financer (applications/domain/budget)
                asked[application_id][institution_id] = int(cents)
        query = select(
            ApplicationRow.application_id,
            ApplicationRow.call_id,
            ApplicationRow.year,
            ApplicationRow.action_id,
            ApplicationRow.operator_id,
            ApplicationRow.state,
            ApplicationRow.title,
            ApplicationRow.dauphin_normalised,
            ApplicationRow.description,
            ApplicationRow.primary_objective_id,
            ApplicationRow.other_objective_ids,
            ApplicationRow.starts_on,
            ApplicationRow.ends_on,
        ).where(kept)
        return [
            HeldRequest(
                application_id=row.application_id,
                call_id=row.call_id,
                year=row.year,
                action_id=row.action_id,
                operator_id=row.operator_id,
                state=row.state,
                title=row.title,
                dauphin_number=row.dauphin_normalised,
                description=row.description,
                primary_objective_id=row.primary_objective_id,
                other_objective_ids=tuple(row.other_objective_ids or ()),
                starts_on=row.starts_on,
                ends_on=row.ends_on,
                requested=asked.get(row.application_id, {}),
            )
            for row in (await self.session.execute(query)).all()
        ]

    async def actions(self, contract_code: str, operators: Collection[uuid.UUID], year: int) -> list[HeldAction]:
        """The operators' actions, each with its application of the year before `year` (a renewal's)."""
        previous = (
            select(ApplicationRow.action_id, ApplicationRow.application_id)
            .where(ApplicationRow.contract_code == contract_code, ApplicationRow.year == year - 1)
            .subquery()
        )
        query = (
            select(ActionRow.action_id, ActionRow.operator_id, ActionRow.title, previous.c.application_id)
            .outerjoin(previous, previous.c.action_id == ActionRow.action_id)
            .where(ActionRow.operator_id.in_(sorted(operators, key=str)))
        )
        return [HeldAction(*row) for row in (await self.session.execute(query)).all()]

    async def add_operators(self, rows: list[dict[str, Any]]) -> None:
        await copy_rows(self.session, OperatorRow, rows)

    async def set_rnas(self, rnas: dict[uuid.UUID, str]) -> None:
        for operator_id, rna in rnas.items():
            await self.session.execute(
                update(OperatorRow)
                .where(OperatorRow.operator_id == operator_id)
                .values(rna=rna, version=OperatorRow.version + 1)
            )

    async def add_actions(self, rows: list[dict[str, Any]]) -> None:
        await copy_rows(self.session, ActionRow, rows)

    async def add_applications(self, rows: list[dict[str, Any]]) -> None:
        await copy_rows(self.session, ApplicationRow, rows, {"beneficiaries"})

    async def update_applications(self, rows: list[dict[str, Any]]) -> None:
        """Each row: `key` (the application) and what Dauphin carries of it (title, description, objectives,
        dates, Dauphin number); its version moves on. One statement run for every row."""
        if not rows:
            return
        table = cast(Table, ApplicationRow.__table__)
        names = [name for name in rows[0] if name != "key"]
        # A bound parameter may not bear its column's name in a SET clause: each is the column's, prefixed.
        await self.session.execute(
            update(table)
            .where(table.c.application_id == bindparam("key"))
            .values(
                {name: bindparam(f"new_{name}") for name in names}
                | {"dauphin_normalised": bindparam("new_dauphin_number"), "version": table.c.version + 1}
            ),
            [{"key": row["key"], **{f"new_{name}": row[name] for name in names}} for row in rows],
        )

    async def add_budget_lines(self, rows: list[dict[str, Any]]) -> None:
        await copy_rows(self.session, BudgetLineRow, rows)

    async def replace_requested(self, asked: Sequence[tuple[uuid.UUID, uuid.UUID, int, str]]) -> None:
        """(application, financer, cents, label): the application's 74 lines of that financer replaced by
        one line of the amount, after its other lines."""
        if not asked:
            return
        pairs = sorted({(application, financer) for application, financer, _, _ in asked}, key=str)
        await self.session.execute(
            delete(BudgetLineRow).where(
                BudgetLineRow.account == GRANTS_ACCOUNT,
                tuple_(BudgetLineRow.application_id, BudgetLineRow.institution_id).in_(pairs),
            )
        )
        applications = sorted({application for application, _, _, _ in asked}, key=str)
        last = dict(
            (
                await self.session.execute(
                    select(BudgetLineRow.application_id, func.max(BudgetLineRow.position))
                    .where(BudgetLineRow.application_id.in_(applications))
                    .group_by(BudgetLineRow.application_id)
                )
            ).all()
        )
        rows = []
        for application, financer, cents, label in asked:
            last[application] = position = last.get(application, -1) + 1
            rows.append(
                {
                    "application_id": application,
                    "position": position,
                    "account": GRANTS_ACCOUNT,
                    "label": label,
                    "amount_cents": cents,
                    "institution_id": financer,
                }
            )
        await copy_rows(self.session, BudgetLineRow, rows)

    async def batch_of_file(self, call_id: uuid.UUID, file_sha256: str) -> RequestImportRow | None:
        query = select(RequestImportRow).where(
            RequestImportRow.call_id == call_id, RequestImportRow.file_sha256 == file_sha256
        )
        return await self._one(query)

    async def batch(self, batch_id: uuid.UUID) -> RequestImportRow | None:
        return await self.session.get(RequestImportRow, batch_id)

    async def lines(self, batch_id: uuid.UUID) -> list[Row[Any]]:
        """A batch's lines without their raw cells: (line, sheet, row, status, application_id,
        operator_created, changes)."""
        line = RequestImportLineRow
        query = select(
            line.line,
            line.raw["sheet"].astext.label("sheet"),
            line.raw["row"].astext.label("row"),
            line.status,
            line.application_id,
            line.operator_created,
            line.changes,
        ).where(line.batch_id == batch_id)
        return list((await self.session.execute(query.order_by(line.line))).all())

    async def insert_lines(self, rows: list[dict[str, Any]]) -> None:
        await copy_rows(self.session, RequestImportLineRow, rows, {"raw", "changes"})
