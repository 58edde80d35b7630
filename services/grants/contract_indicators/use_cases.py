"""The contract's evaluation framework: read by those who work on the contract, defined and filled in by
its pilots; the CU d'Arras's indicators shipped (data/cua_contract_indicators.json), loaded once."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from identity.contracts import ContractRegistry, require_contract
from identity.principal import Principal
from kit.etags import etag_of
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.grants.contract_indicators.domain import (
    Baseline,
    ContractIndicator,
    Direction,
    EvaluationObject,
    Observation,
    Target,
    check_indicator,
    check_observation_year,
)
from services.grants.contract_indicators.repository import ContractIndicatorRepository, indicator_row, value_row
from services.grants.errors import ConflictError, NotBoundError, NotFoundError, raise_broken
from services.grants.persistence import Audited

INDICATORS = Audited("contract_indicator")
_SEED_NAMESPACE = uuid.UUID("c0d5e4a2-7b1f-4e0c-8f3a-2a6b9d4e1f77")


def indicator_etag(indicator: ContractIndicator) -> str:
    return etag_of(str(indicator.indicator_id), indicator.version)


def _snapshot(indicator: ContractIndicator) -> dict[str, Any]:
    return {key: str(value) for key, value in asdict(indicator).items() if key != "observations"}


async def list_indicators(
    uow: UnitOfWork, actor: Principal, contract_code: str, evaluation_object: EvaluationObject | None, page: PageRequest
) -> tuple[list[ContractIndicator], int]:
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    async with uow.reading():
        return await ContractIndicatorRepository(uow.session).page(contract_code, evaluation_object, page)


async def get_indicator(uow: UnitOfWork, actor: Principal, indicator_id: uuid.UUID) -> ContractIndicator:
    async with uow.reading():
        repository = ContractIndicatorRepository(uow.session)
        row = await repository.row(indicator_id)
        if row is None or not actor.works_on(row.contract_code):
            raise NotFoundError("contract indicator", str(indicator_id))
        return await repository.get(row)


async def define_indicator(
    uow: UnitOfWork, registry: ContractRegistry, actor: Principal, indicator: ContractIndicator
) -> ContractIndicator:
    if not actor.works_on(indicator.contract_code):
        raise NotBoundError(indicator.contract_code)
    contract = await require_contract(registry, indicator.contract_code)
    raise_broken(check_indicator(indicator, contract.start_year, contract.end_year))
    async with uow:
        repository = ContractIndicatorRepository(uow.session)
        if await repository.by_code(indicator.contract_code, indicator.code) is not None:
            raise ConflictError(f"indicator {indicator.code} exists in {indicator.contract_code}")
        await INDICATORS.created(
            uow,
            actor,
            str(indicator.indicator_id),
            action="contract_indicator.defined",
            after=_snapshot(indicator),
            row=indicator_row(indicator),
        )
        await uow.commit()
    return indicator


async def observe(
    uow: UnitOfWork,
    registry: ContractRegistry,
    actor: Principal,
    indicator_id: uuid.UUID,
    observation: Observation,
) -> ContractIndicator:
    """Set the value observed in a year (If-Match: the indicator's ETag); the indicator's version moves."""
    async with uow.reading():
        held = await ContractIndicatorRepository(uow.session).row(indicator_id)
    if held is None or not actor.works_on(held.contract_code):
        raise NotFoundError("contract indicator", str(indicator_id))
    contract = await require_contract(registry, held.contract_code)
    check_observation_year(observation.year, contract.start_year, contract.end_year, held.baseline_year)
    async with uow:
        repository = ContractIndicatorRepository(uow.session)
        row = await repository.row(indicator_id, for_update=True)
        if row is None:
            raise NotFoundError("contract indicator", str(indicator_id))
        before = await repository.get(row)
        uow.check_precondition(indicator_etag(before))
        existing = await repository.value(indicator_id, observation.year)
        previous = None if existing is None else str(existing.value)
        if existing is not None:
            await uow.session.delete(existing)
            await uow.session.flush()
        await repository.add(value_row(indicator_id, observation))
        await INDICATORS.changed(
            uow,
            actor,
            str(indicator_id),
            action="contract_indicator.value_set",
            before={"year": observation.year, "value": previous},
            after={"year": observation.year, "value": str(observation.value), "source": observation.source},
            row=row,
            columns={"version": row.version + 1},
        )
        await uow.commit()
        return await repository.get(row)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def seeded_indicators(document: dict[str, Any]) -> list[ContractIndicator]:
    """The shipped indicators (values as text, each part marked fictitious where it is demo data)."""
    contract_code = document["contractCode"]
    found = []
    for item in document["indicators"]:
        baseline, target = item.get("baseline") or {}, item.get("target") or {}
        found.append(
            ContractIndicator(
                indicator_id=uuid.uuid5(_SEED_NAMESPACE, f"{contract_code}/{item['code']}"),
                contract_code=contract_code,
                code=item["code"],
                label=item["label"],
                unit=item["unit"],
                evaluation_object=EvaluationObject(item["evaluationObject"]),
                baseline=Baseline(
                    _decimal(baseline.get("value")),
                    baseline.get("year"),
                    baseline.get("perimeter"),
                    baseline.get("source"),
                    bool(baseline.get("isFictitious")),
                ),
                target=Target(
                    _decimal(target.get("value")),
                    target.get("year"),
                    Direction(target.get("direction", "at_least")),
                    target.get("source"),
                    bool(target.get("isFictitious")),
                ),
                observations=tuple(
                    Observation(
                        value["year"],
                        Decimal(str(value["value"])),
                        value.get("perimeter"),
                        value.get("source"),
                        bool(value.get("isFictitious")),
                    )
                    for value in item.get("values", [])
                ),
            )
        )
    return found


async def load_indicators(uow: UnitOfWork, indicators: list[ContractIndicator]) -> int:
    """The shipped indicators; those defined already are left as they are."""
    created = 0
    async with uow:
        repository = ContractIndicatorRepository(uow.session)
        for indicator in indicators:
            if await repository.by_code(indicator.contract_code, indicator.code) is not None:
                continue
            await repository.add(indicator_row(indicator))
            await repository.add(*(value_row(indicator.indicator_id, item) for item in indicator.observations))
            created += 1
        await uow.commit()
    return created
