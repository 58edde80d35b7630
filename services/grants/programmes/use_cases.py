"""Connected programmes: written by the contract's pilots, read by everyone (the public included: a
programme holds organisations, QPVs and figures, no personal data)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from identity.contracts import ContractRegistry, RegisteredContract, require_contract
from identity.principal import Principal
from kit.etags import etag_of
from kit.money import parse_cents
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.grants.calls.domain import Calendar, CallForProjects, Scheme
from services.grants.calls.use_cases import load_calls
from services.grants.errors import ConflictError, NotBoundError, NotFoundError
from services.grants.persistence import Audited
from services.grants.programmes.domain.programme import (
    AxisFigures,
    CallFigures,
    Measure,
    Programme,
    ProgrammeKind,
    Source,
    TfpbAxis,
    YearFigures,
    check_period,
    check_programme,
    check_year,
)
from services.grants.programmes.domain.summary import YearSummary, summarise
from services.grants.programmes.models import ProgrammeRow
from services.grants.programmes.repository import (
    ProgrammeRepository,
    figures_of,
    programme_columns,
    programme_of,
    year_columns,
)

PROGRAMMES = Audited("connected_programme")


@dataclass(frozen=True, slots=True)
class ProgrammeView:
    """A programme with its years: those it declares, or those its call answers."""

    programme: Programme
    declared: tuple[YearFigures, ...]
    computed: tuple[CallFigures, ...]


def programme_etag(programme: Programme) -> str:
    return etag_of(str(programme.programme_id), programme.version)


def _snapshot(columns: dict[str, Any]) -> dict[str, Any]:
    return {key: str(value) for key, value in columns.items()}


def _years(contract: RegisteredContract) -> tuple[int, int]:
    return contract.start_year, contract.end_year


def _within(contract: RegisteredContract, year: int | None) -> None:
    if year is not None:
        check_period("year", year, *_years(contract))


async def _computed(repository: ProgrammeRepository, programme: Programme, year: int | None) -> tuple[CallFigures, ...]:
    """The years of a programme funded through the call: each of its scheme's calls it runs in."""
    if programme.scheme is None:
        return ()
    calls = await repository.scheme_calls(programme.contract_code, programme.scheme)
    chosen = [call for call in calls if programme.runs_in(call.year) and year in (None, call.year)]
    return tuple([await repository.call_figures(call) for call in chosen])


async def _views(repository: ProgrammeRepository, rows: list[ProgrammeRow], year: int | None) -> list[ProgrammeView]:
    programmes = [programme_of(row) for row in rows]
    declared = await repository.years([programme.programme_id for programme in programmes], year)
    return [
        ProgrammeView(
            programme,
            tuple(declared[programme.programme_id]),
            await _computed(repository, programme, year) if programme.computed_from_call else (),
        )
        for programme in programmes
    ]


async def list_programmes(
    uow: UnitOfWork,
    registry: ContractRegistry,
    contract_code: str,
    chosen: tuple[int | None, str | None, ProgrammeKind | None],
    page: PageRequest,
) -> tuple[list[ProgrammeView], int]:
    """A contract's programmes, narrowed by (year, QPV, kind); with a year, only that year's figures."""
    year, qpv, kind = chosen
    _within(await require_contract(registry, contract_code), year)
    async with uow.reading():
        repository = ProgrammeRepository(uow.session)
        rows, total = await repository.page(contract_code, year, qpv, kind.value if kind else None, page)
        return await _views(repository, rows, year), total


async def get_programme(uow: UnitOfWork, programme_id: uuid.UUID) -> ProgrammeView:
    async with uow.reading():
        repository = ProgrammeRepository(uow.session)
        row = await repository.get(programme_id)
        if row is None:
            raise NotFoundError("programme", str(programme_id))
        return (await _views(repository, [row], None))[0]


async def year_summary(uow: UnitOfWork, registry: ContractRegistry, contract_code: str, year: int) -> YearSummary:
    _within(await require_contract(registry, contract_code), year)
    async with uow.reading():
        repository = ProgrammeRepository(uow.session)
        views = await _views(repository, await repository.running_in(contract_code, year), year)
    declared = [
        (view.programme, view.declared[0] if view.declared else None)
        for view in views
        if not view.programme.computed_from_call
    ]
    computed = [
        (view.programme, view.computed[0] if view.computed else None)
        for view in views
        if view.programme.computed_from_call
    ]
    return summarise(contract_code, year, declared, computed)


async def _checked(uow: UnitOfWork, registry: ContractRegistry, actor: Principal, programme: Programme) -> None:
    if not actor.works_on(programme.contract_code):
        raise NotBoundError(programme.contract_code)
    contract = await require_contract(registry, programme.contract_code)
    schemes = await ProgrammeRepository(uow.session).call_schemes(programme.contract_code)
    check_programme(programme, contract.qpv_codes, _years(contract), schemes)


async def create_programme(
    uow: UnitOfWork, registry: ContractRegistry, actor: Principal, programme: Programme
) -> ProgrammeView:
    async with uow:
        await _checked(uow, registry, actor, programme)
        repository = ProgrammeRepository(uow.session)
        if programme.computed_from_call and await repository.of_kind(programme.contract_code, programme.kind.value):
            raise ConflictError(f"the contract's {programme.kind.value} programme exists: it is one scheme of the call")
        columns = programme_columns(replace(programme, version=1))
        await PROGRAMMES.created(
            uow,
            actor,
            str(programme.programme_id),
            action="programme.created",
            after=_snapshot(columns),
            row=ProgrammeRow(**columns),
        )
        view = (await _views(repository, [await _row(repository, programme.programme_id)], None))[0]
        await uow.commit()
    return view


async def _row(repository: ProgrammeRepository, programme_id: uuid.UUID, *, for_update: bool = False) -> ProgrammeRow:
    row = await repository.get(programme_id, for_update=for_update)
    if row is None:
        raise NotFoundError("programme", str(programme_id))
    return row


async def _writable(uow: UnitOfWork, actor: Principal, programme_id: uuid.UUID) -> ProgrammeRow:
    """The programme locked for a change by one of its contract's pilots, after the caller's If-Match."""
    row = await _row(ProgrammeRepository(uow.session), programme_id, for_update=True)
    if not actor.works_on(row.contract_code):
        raise NotBoundError(row.contract_code)
    uow.check_precondition(programme_etag(programme_of(row)))
    return row


async def update_programme(
    uow: UnitOfWork, registry: ContractRegistry, actor: Principal, programme_id: uuid.UUID, changes: dict[str, Any]
) -> ProgrammeView:
    """Change what a programme is (name, QPVs, years, carrier, landlord, source); If-Match required."""
    async with uow:
        row = await _writable(uow, actor, programme_id)
        before = programme_of(row)
        after = replace(before, **changes, version=before.version + 1)
        await _checked(uow, registry, actor, after)
        columns = programme_columns(after)
        await PROGRAMMES.changed(
            uow,
            actor,
            str(programme_id),
            action="programme.updated",
            before=_snapshot(programme_columns(before)),
            after=_snapshot(columns),
            row=row,
            columns=columns,
        )
        view = (await _views(ProgrammeRepository(uow.session), [row], None))[0]
        await uow.commit()
    return view


async def set_year(
    uow: UnitOfWork, registry: ContractRegistry, actor: Principal, programme_id: uuid.UUID, figures: YearFigures
) -> ProgrammeView:
    """Declare (or replace) a programme's figures of one year; the programme's version moves, If-Match on it."""
    async with uow:
        row = await _writable(uow, actor, programme_id)
        programme = programme_of(row)
        contract = await require_contract(registry, programme.contract_code)
        check_year(programme, figures, _years(contract))
        repository = ProgrammeRepository(uow.session)
        kept = await repository.year(programme_id, figures.year)
        before = None if kept is None else _snapshot(year_columns(programme_id, figures_of(kept)))
        columns = year_columns(programme_id, figures)
        await repository.save_year(kept, columns)
        await PROGRAMMES.changed(
            uow,
            actor,
            str(programme_id),
            action="programme.year_set",
            before=before,
            after=_snapshot(columns),
            row=row,
            columns={"version": programme.version + 1},
        )
        view = (await _views(repository, [row], None))[0]
        await uow.commit()
    return view


_DEMO_NAMESPACE = uuid.UUID("6f1e2d3c-4b5a-4987-8a6b-5c4d3e2f1a09")
DEMO_FILE = Path(__file__).resolve().parent.parent / "data" / "cua_programmes.json"


def read_demo(path: Path = DEMO_FILE) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def _cents(text: str | None) -> int | None:
    if text is None:
        return None
    cents = parse_cents(text)
    if cents is None:
        raise ValueError(f"not an amount in euros: {text!r}")
    return cents


def _source_of(item: dict[str, Any]) -> Source:
    return Source(item["document"], date.fromisoformat(item["date"]))


def _demo_year(item: dict[str, Any]) -> YearFigures:
    return YearFigures(
        year=item["year"],
        source=_source_of(item["source"]),
        amount_cents=_cents(item.get("amount")),
        realised_cents=_cents(item.get("realisedAmount")),
        measures=tuple((Measure(measure["measure"]), int(measure["value"])) for measure in item["measures"]),
        axes=tuple(
            AxisFigures(
                TfpbAxis(axis["axis"]), _cents(axis["planned"]) or 0, _cents(axis["realised"]), tuple(axis["actions"])
            )
            for axis in item.get("axes", [])
        ),
        fictitious=bool(item["fictitious"]),
    )


def demo_programmes(document: dict[str, Any]) -> list[tuple[Programme, list[YearFigures]]]:
    """The shipped programmes (data/cua_programmes.json), each with a stable id, and their years."""
    contract_code = document["contractCode"]
    return [
        (
            Programme(
                programme_id=uuid.uuid5(_DEMO_NAMESPACE, f"{contract_code}/{item['key']}"),
                contract_code=contract_code,
                kind=ProgrammeKind(item["kind"]),
                nom=item["nom"],
                qpv_codes=tuple(item["qpvCodes"]),
                start_year=item["startYear"],
                end_year=item.get("endYear"),
                source=_source_of(item["source"]),
                landlord=item.get("landlord"),
                carrier=item.get("carrier"),
                scheme=item.get("scheme"),
                fictitious=bool(item.get("fictitious", False)),
            ),
            [_demo_year(year) for year in item["years"]],
        )
        for item in document["programmes"]
    ]


def demo_calls(document: dict[str, Any]) -> list[CallForProjects]:
    """The calls a programme of the demo is funded through (Quartiers d'été), with its demo dates."""
    return [
        CallForProjects(
            call_id=uuid.uuid5(_DEMO_NAMESPACE, f"{document['contractCode']}/call/{item['scheme']}/{item['year']}"),
            contract_code=document["contractCode"],
            year=item["year"],
            scheme=Scheme(item["scheme"]),
            title=item["title"],
            calendar=Calendar(
                date.fromisoformat(item["opensOn"]),
                date.fromisoformat(item["closesOn"]),
                date.fromisoformat(item["notificationTargetOn"]),
            ),
        )
        for item in document["calls"]
    ]


@dataclass(frozen=True, slots=True)
class DemoReport:
    calls: int
    programmes: int
    years: int


async def load_demo(uow: UnitOfWork, document: dict[str, Any]) -> DemoReport:
    """The CUA's programmes with their (fictitious) figures, once: a programme loaded already, or changed
    by the pilots since, is left as it is. (No registry check: the reference import runs before the
    services; the file's QPVs and years are the contract's.)"""
    calls = await load_calls(uow, demo_calls(document))
    created = years = 0
    async with uow:
        repository = ProgrammeRepository(uow.session)
        for programme, figures in demo_programmes(document):
            if await repository.get(programme.programme_id) is not None:
                continue
            await repository.add(ProgrammeRow(**programme_columns(programme)))
            for item in figures:
                await repository.save_year(None, year_columns(programme.programme_id, item))
            created, years = created + 1, years + len(figures)
        await uow.commit()
    return DemoReport(calls, created, years)
