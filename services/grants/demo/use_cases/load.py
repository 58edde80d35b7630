"""Load the CUA's demo programmation of 2024 and 2025 once (`./dev up`, the tests' stack): its P147 calls
beside the Quartiers d'été demo calls, fictitious operators, ~90 notified actions a year decided by each
financer's act, CPO conventions with indicators, payments and the 2024 activity reports. A second load
changes nothing; what the pilots change afterwards is left as they left it. The rows are written as the
decisions import and the programmes demo write theirs (the database's triggers keep the sums), from a
generator whose figures keep the contract's rules (domain.py)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from kit.unit_of_work import UnitOfWork
from services.grants.calls.domain import Calendar, CallForProjects, Scheme
from services.grants.calls.use_cases import load_calls
from services.grants.demo.domain import YEARS, DemoApplication, demo_id, operators, programmation, reported
from services.grants.demo.repository import DemoRepository
from services.grants.demo.repository.committees import committee_id, committee_rows
from services.grants.demo.repository.rows import (
    CONTRACT,
    action_row,
    application_rows,
    convention_rows,
    money_rows,
    operator_row,
    parents_first,
    report_row,
    tranches_in,
)


@dataclass(frozen=True, slots=True)
class DemoProgrammationReport:
    loaded: bool
    calls: int = 0
    operators: int = 0
    applications: int = 0
    conventions: int = 0
    committees: int = 0
    tranches: int = 0
    activity_reports: int = 0


def demo_calls() -> list[CallForProjects]:
    """The P147 call of each year, with demo dates (the contract gives none)."""
    return [
        CallForProjects(
            call_id=demo_id("call", year),
            contract_code=CONTRACT,
            year=year,
            scheme=Scheme.P147,
            title=f"Appel à projets politique de la ville {year} (démo : dates fictives)",
            calendar=Calendar(date(year - 1, 10, 2), date(year - 1, 11, 30), date(year, 3, 29)),
        )
        for year in YEARS
    ]


async def load_demo_programmation(uow: UnitOfWork) -> DemoProgrammationReport:
    """Once: the demo is there when its first operator is (a pilot's later changes are left alone)."""
    calls = await load_calls(uow, demo_calls())
    async with uow:
        repository = DemoRepository(uow.session)
        if await repository.loaded(demo_id("operator", 0)):
            return DemoProgrammationReport(loaded=False, calls=calls)
        financers = await repository.financers(CONTRACT)
        names = await repository.financer_names(CONTRACT)
        objectives = await repository.operational_objectives(CONTRACT)
        call_ids = await repository.calls(CONTRACT)
        applications = programmation()
        await repository.add(*[operator_row(operator) for operator in operators()])
        await repository.add(*[action_row(item) for item in applications if not item.renewal])
        by_call: dict[uuid.UUID, list[DemoApplication]] = defaultdict(list)
        for item in applications:
            by_call[call_ids[(item.year, (Scheme.QUARTIERS_ETE if item.summer else Scheme.P147).value)]].append(item)
        for year in YEARS:  # a year's applications before the next's, which renew them
            await repository.add(
                *[
                    row
                    for call_id, items in by_call.items()
                    for item in items
                    if item.year == year
                    for row in application_rows(item, call_id, objectives)
                ]
            )
        for call_id, items in by_call.items():
            scenario, named = committee_rows(call_id, items, financers, names)
            await repository.add(*scenario)
            await repository.add(*named)
        money = [
            row
            for call_id, items in by_call.items()
            for item in items
            for row in money_rows(item, financers, committee_id(call_id))
        ]
        await repository.add(*money)
        by_action: dict[int, list[DemoApplication]] = defaultdict(list)
        for item in applications:
            if item.cpo:
                by_action[item.action].append(item)
        conventions = [row for items in by_action.values() for row in convention_rows(items[0], items, financers)]
        for generation in parents_first(conventions):
            await repository.add(*generation)
        reports = [report_row(item) for item in applications if reported(item)]
        await repository.add(*reports)
        await uow.commit()
    return DemoProgrammationReport(
        loaded=True,
        calls=calls,
        operators=len(operators()),
        applications=len(applications),
        conventions=len(by_action),
        committees=len(by_call),
        tranches=tranches_in(money),
        activity_reports=len(reports),
    )
