"""A convention's indicators: defined by the operator while the convention is a draft (later only by its
managers, recorded like an amendment), a value declared each year with its source."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from kit.auth.principal import Principal
from kit.etags import etag_of_content
from kit.unit_of_work import UnitOfWork
from services.grants.db.models import ConventionRow, IndicatorRow, IndicatorValueRow
from services.grants.db.repositories import ConventionRepository
from services.grants.domain.conventions import ENDED, ConventionKind, ConventionStatus, Term
from services.grants.domain.indicators import Indicator, check_indicators, check_value_year
from services.grants.errors import NotEditableError, NotFoundError, RuleViolationError
from services.grants.operators.domain import own_organisations
from services.grants.persistence import ledger
from services.grants.use_cases.conventions import (
    contract_institutions,
    convention_event,
    convention_parties,
    require_party,
    visible_convention,
)


@dataclass(frozen=True, slots=True)
class IndicatorsView:
    convention: ConventionRow
    indicators: list[IndicatorRow]
    values: dict[uuid.UUID, list[IndicatorValueRow]]


def indicators_etag(view: IndicatorsView) -> str:
    """A convention's indicators and their values carry no version of their own: the digest of them all."""
    parts: list[object] = [view.convention.convention_id]
    for row in view.indicators:
        parts += [row.indicator_id, row.code, row.label, row.unit, Decimal(row.baseline)]
        parts += [part for year, target in sorted(row.targets.items()) for part in (year, Decimal(target))]
        for value in view.values.get(row.indicator_id, []):
            parts += [value.year, Decimal(value.value), value.source]
    return etag_of_content(*parts)


def term_of(row: ConventionRow) -> Term:
    return Term(ConventionKind(row.kind), row.first_year, row.last_year)


def _is_operator(actor: Principal, row: ConventionRow) -> bool:
    own = own_organisations(actor)
    return own is not None and row.operator_id in own


async def _view(uow: UnitOfWork, row: ConventionRow) -> IndicatorsView:
    repository = ConventionRepository(uow.session)
    indicators = await repository.indicators([row.convention_id])
    values: dict[uuid.UUID, list[IndicatorValueRow]] = {item.indicator_id: [] for item in indicators}
    for value in await repository.indicator_values(list(values)):
        values[value.indicator_id].append(value)
    return IndicatorsView(row, indicators, values)


def _snapshot(rows: Sequence[IndicatorRow | Indicator]) -> list[dict[str, object]]:
    return [
        {
            "code": row.code,
            "baseline": str(row.baseline),
            "targets": {str(year): str(value) for year, value in dict(row.targets).items()},
        }
        for row in rows
    ]


async def define_indicators(
    uow: UnitOfWork,
    actor: Principal,
    convention_id: uuid.UUID,
    indicators: Sequence[Indicator],
    reason: str | None,
) -> IndicatorsView:
    """The whole set at once. While the convention is a draft its operator or managers write it; once
    signed, only its managers, with a reason kept in the convention's history."""
    async with uow:
        row = await visible_convention(uow, actor, convention_id, for_update=True)
        status = ConventionStatus(row.status)
        if status in ENDED:
            raise NotEditableError(f"the convention is {row.status}")
        if status is not ConventionStatus.DRAFT or not _is_operator(actor, row):
            require_party(
                actor, await convention_parties(uow, row, await contract_institutions(uow, row.contract_code))
            )
        if status is not ConventionStatus.DRAFT and not (reason and reason.strip()):
            raise RuleViolationError(
                "reason", "reason-required", "indicators of a signed convention change with a reason"
            )
        uow.check_precondition(indicators_etag(await _view(uow, row)))
        check_indicators(indicators, term_of(row))
        repository = ConventionRepository(uow.session)
        before = await repository.indicators([convention_id])
        await repository.replace_indicators(
            convention_id,
            [
                IndicatorRow(
                    indicator_id=uuid.uuid4(),
                    convention_id=convention_id,
                    position=position,
                    code=item.code,
                    label=item.label,
                    unit=item.unit,
                    baseline=item.baseline,
                    targets={str(year): str(value) for year, value in sorted(item.targets.items())},
                )
                for position, item in enumerate(indicators)
            ],
        )
        if status is not ConventionStatus.DRAFT:
            row.version += 1
            await repository.add(
                convention_event(
                    actor,
                    row,
                    "indicators",
                    row.status,
                    reason,
                    before=_snapshot(before),
                    after=_snapshot(indicators),
                )
            )
        await ledger.changed(
            uow.session,
            actor,
            action="convention.indicators_defined",
            entity_type="convention",
            entity_id=str(convention_id),
            before={"indicators": _snapshot(before)},
            after={"indicators": _snapshot(indicators)},
            reason=reason,
        )
        view = await _view(uow, row)
        await uow.commit()
    return view


async def declare_value(
    uow: UnitOfWork,
    actor: Principal,
    convention_id: uuid.UUID,
    code: str,
    year: int,
    value: Decimal,
    source: str,
) -> IndicatorsView:
    """The operator (or a manager) declares the value reached in a year of a signed convention."""
    async with uow:
        row = await visible_convention(uow, actor, convention_id, for_update=True)
        if not _is_operator(actor, row):
            require_party(
                actor, await convention_parties(uow, row, await contract_institutions(uow, row.contract_code))
            )
        status = ConventionStatus(row.status)
        if status is ConventionStatus.DRAFT or status in ENDED:
            raise NotEditableError(f"values are declared under a signed convention, not a {row.status} one")
        check_value_year(year, term_of(row))
        repository = ConventionRepository(uow.session)
        uow.check_precondition(indicators_etag(await _view(uow, row)))
        found = [item for item in await repository.indicators([convention_id]) if item.code == code]
        if not found:
            raise NotFoundError("indicator", code)
        held = await repository.indicator_values([found[0].indicator_id])
        previous = next(
            (
                {"code": code, "year": year, "value": str(item.value), "source": item.source}
                for item in held
                if item.year == year
            ),
            None,
        )
        await repository.set_indicator_value(
            IndicatorValueRow(
                indicator_id=found[0].indicator_id,
                year=year,
                value=value,
                source=source,
                declared_by=actor.subject,
                declared_at=datetime.now(UTC),
            )
        )
        await ledger.changed(
            uow.session,
            actor,
            action="convention.indicator_value_declared",
            entity_type="convention",
            entity_id=str(convention_id),
            before=previous,
            after={"code": code, "year": year, "value": str(value), "source": source},
        )
        view = await _view(uow, row)
        await uow.commit()
    return view


async def get_indicators(uow: UnitOfWork, actor: Principal, convention_id: uuid.UUID) -> IndicatorsView:
    async with uow.reading():
        return await _view(uow, await visible_convention(uow, actor, convention_id))
