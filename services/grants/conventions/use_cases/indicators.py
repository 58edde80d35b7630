"""A convention's indicators: defined by the operator while the convention is a draft (later only by its
managers, recorded like an amendment), a value declared each year with its source."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from identity.principal import Principal
from kit.etags import etag_of_content
from kit.unit_of_work import UnitOfWork
from services.grants.conventions.domain import (
    ENDED,
    Convention,
    ConventionStatus,
    Indicator,
    TrackedIndicator,
    check_indicators,
    check_value_year,
    is_operator_of,
)
from services.grants.conventions.models import ConventionRow, IndicatorValueRow
from services.grants.conventions.repository import ConventionRepository, convention_of
from services.grants.conventions.use_cases.access import (
    CONVENTIONS,
    check_managed,
    contract_institutions,
    convention_event,
    visible_convention,
)
from services.grants.errors import NotEditableError, NotFoundError, RuleViolationError


@dataclass(frozen=True, slots=True)
class IndicatorsView:
    convention: Convention
    indicators: list[TrackedIndicator]


def indicators_etag(view: IndicatorsView) -> str:
    """A convention's indicators and their values carry no version: the digest of them all."""
    parts: list[object] = [view.convention.convention_id]
    for tracked in view.indicators:
        indicator = tracked.indicator
        parts += [tracked.indicator_id, indicator.code, indicator.label, indicator.unit, indicator.baseline]
        parts += [part for year, target in sorted(indicator.targets.items()) for part in (year, target)]
        for value in tracked.values:
            parts += [value.year, value.value, value.source]
    return etag_of_content(*parts)


async def _view(uow: UnitOfWork, row: ConventionRow) -> IndicatorsView:
    return IndicatorsView(convention_of(row), await ConventionRepository(uow.session).indicators(row.convention_id))


def _snapshot(indicators: Sequence[Indicator]) -> list[dict[str, object]]:
    return [
        {
            "code": item.code,
            "baseline": str(item.baseline),
            "targets": {str(year): str(value) for year, value in item.targets.items()},
        }
        for item in indicators
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
        if status is not ConventionStatus.DRAFT or not is_operator_of(actor, row.operator_id):
            await check_managed(uow, actor, row, await contract_institutions(uow, row.contract_code))
        if status is not ConventionStatus.DRAFT and not (reason and reason.strip()):
            raise RuleViolationError(
                "reason", "reason-required", "indicators of a signed convention change with a reason"
            )
        held = await _view(uow, row)
        uow.check_precondition(indicators_etag(held))
        check_indicators(indicators, held.convention.term)
        before = [tracked.indicator for tracked in held.indicators]
        repository = ConventionRepository(uow.session)
        await repository.replace_indicators(convention_id, list(indicators))
        if status is not ConventionStatus.DRAFT:
            row.version += 1
            await repository.add(
                convention_event(
                    uow,
                    actor,
                    row,
                    "indicators",
                    row.status,
                    reason,
                    before=_snapshot(before),
                    after=_snapshot(indicators),
                )
            )
        await CONVENTIONS.changed(
            uow,
            actor,
            str(convention_id),
            action="convention.indicators_defined",
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
        if not is_operator_of(actor, row.operator_id):
            await check_managed(uow, actor, row, await contract_institutions(uow, row.contract_code))
        status = ConventionStatus(row.status)
        if status is ConventionStatus.DRAFT or status in ENDED:
            raise NotEditableError(f"values are declared under a signed convention, not a {row.status} one")
        held = await _view(uow, row)
        check_value_year(year, held.convention.term)
        uow.check_precondition(indicators_etag(held))
        found = [tracked for tracked in held.indicators if tracked.indicator.code == code]
        if not found:
            raise NotFoundError("indicator", code)
        previous = next(
            (
                {"code": code, "year": year, "value": str(item.value), "source": item.source}
                for item in found[0].values
                if item.year == year
            ),
            None,
        )
        await ConventionRepository(uow.session).set_indicator_value(
            IndicatorValueRow(
                indicator_id=found[0].indicator_id,
                year=year,
                value=value,
                source=source,
                declared_by=actor.subject,
                declared_at=uow.now(),
            )
        )
        await CONVENTIONS.changed(
            uow,
            actor,
            str(convention_id),
            action="convention.indicator_value_declared",
            before=previous,
            after={"code": code, "year": year, "value": str(value), "source": source},
        )
        view = await _view(uow, row)
        await uow.commit()
    return view


async def get_indicators(uow: UnitOfWork, actor: Principal, convention_id: uuid.UUID) -> IndicatorsView:
    async with uow.reading():
        return await _view(uow, await visible_convention(uow, actor, convention_id))
