"""The programmation of a contract's year as a file for the comité des financeurs and the prefecture:
XLSX (a sheet per scheme, a summary with totals and rule checks, the columns' dictionary; in French) or
CSV (every scheme, one table) in the exchange dialect the prefecture's tools read, or as a French
spreadsheet opens it (dialects.py)."""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Literal

from identity.principal import Principal
from kit.garbage_collection import cycle_collection_paused
from kit.unit_of_work import UnitOfWork
from services.grants.calls.domain import CallForProjects
from services.grants.calls.repository import CallRepository, call_of
from services.grants.errors import NotFoundError, RuleViolationError
from services.grants.exchange.domain import french
from services.grants.exchange.domain.dialects import Dialect
from services.grants.exchange.domain.programmation_export import (
    Financer,
    LineFigures,
    ProgrammationRow,
    columns,
    dictionary,
    table,
)
from services.grants.exchange.domain.programmation_summary import Totals, summary
from services.grants.exchange.repository.exports import ExportRepository
from services.grants.framework.domain import Objective
from services.grants.framework.repository import FrameworkRepository
from services.grants.institutions.domain import Institution
from services.grants.institutions.repository import InstitutionRepository
from services.grants.instruction.domain import GENDER_EQUALITY
from services.grants.instruction.repository import ScoringRepository
from services.grants.programmation.domain.portfolio import Envelope, PortfolioRules, check_portfolio
from services.grants.programmation.repository.scenarios import ProgrammationRepository
from services.grants.spreadsheet import Cell, write_csv, write_spreadsheet_csv, write_xlsx

ExportFormat = Literal["xlsx", "csv"]


@dataclass(slots=True)
class SchemeRows:
    call: CallForProjects
    rows: list[ProgrammationRow]
    envelopes: dict[uuid.UUID, Envelope]
    rules: PortfolioRules


@dataclass(frozen=True, slots=True)
class ExportFile:
    file: IO[bytes]
    name: str
    media_type: str


@dataclass(frozen=True, slots=True)
class Placement:
    """Where an objective sits in the framework: its chain from the ambition down, its pillar and theme."""

    objectives: list[tuple[str, str, str]]
    pillar: str | None
    p147_theme: str | None


def _placement(objectives: dict[uuid.UUID, Objective], objective_id: uuid.UUID | None) -> Placement:
    chain: list[Objective] = []
    while objective_id is not None and objective_id in objectives and len(chain) < 5:
        chain.insert(0, objectives[objective_id])
        objective_id = objectives[objective_id].parent_id
    return Placement(
        objectives=[(node.level.value, node.code, node.label) for node in chain],
        pillar=next((node.pillar.value for node in reversed(chain) if node.pillar), None),
        p147_theme=next((node.p147_theme for node in reversed(chain) if node.p147_theme), None),
    )


async def _scheme_rows(
    uow: UnitOfWork,
    call: CallForProjects,
    objectives: dict[uuid.UUID, Objective],
    p147: uuid.UUID | None,
    scorer: str | None,
) -> SchemeRows:
    repository = ExportRepository(uow.session)
    conventions = await repository.conventions(call.call_id)
    scores = await ScoringRepository(uow.session).grid_totals(call.call_id, GENDER_EQUALITY, scorer) if scorer else {}
    lines: dict[uuid.UUID, dict[uuid.UUID, LineFigures]] = {}
    for application_id, institution_id, figures in await repository.financing(call.call_id):
        lines.setdefault(application_id, {})[institution_id] = figures
    found = await repository.applications(call.call_id)
    programming = ProgrammationRepository(uow.session)
    previous_ids = [item.previous_application_id for item in found if item.previous_application_id]
    previous = await programming.decided_by(previous_ids, p147) if p147 and previous_ids else {}
    placements = {key: _placement(objectives, key) for key in {item.primary_objective_id for item in found}}
    rows = []
    for item in found:
        placement = placements[item.primary_objective_id]
        convention = conventions.get(item.application_id)
        rows.append(
            ProgrammationRow(
                application_id=item.application_id,
                year=item.year,
                scheme=call.scheme.value,
                dauphin_number=item.dauphin_number,
                siret=item.siret,
                rna=item.rna,
                operator_name=item.nom,
                operator_profile=item.profile,
                title=item.title,
                renewal=item.previous_application_id is not None,
                multi_year=item.multi_year or (convention is not None and convention[2] < convention[3]),
                starts_on=item.starts_on,
                ends_on=item.ends_on,
                objectives=placement.objectives,
                pillar=placement.pillar,
                p147_theme=placement.p147_theme,
                qpv_codes=item.qpv_codes,
                hors_qpv=item.hors_qpv,
                served_vulnerability_zones=item.served_vulnerability_zones,
                venues=item.venues,
                beneficiaries=item.beneficiaries or {},
                state=item.state,
                total_cost_cents=item.budget_charges_cents,
                own_funds_cents=item.budget_own_funds_cents,
                in_kind_cents=item.budget_in_kind_cents,
                previous_p147_cents=previous.get(item.previous_application_id)
                if item.previous_application_id
                else None,
                convention_reference=None if convention is None else convention[0],
                convention_year=None
                if convention is None
                else f"{convention[1] - convention[2] + 1}/{convention[3] - convention[2] + 1}",
                gender_score=scores.get(item.application_id),
                lines=lines.get(item.application_id, {}),
            )
        )
    envelopes = {item.institution_id: item for item in await programming.envelopes(call.call_id)}
    return SchemeRows(call, rows, envelopes, await programming.rules(call.call_id))


def _financers(institutions: Iterable[Institution]) -> list[Financer]:
    ordered = sorted(institutions, key=lambda item: (not item.is_state_p147, item.code))
    return [Financer(item.institution_id, item.code, item.nom, item.is_state_p147) for item in ordered]


def _write(
    target: IO[bytes],
    chosen_format: ExportFormat,
    dialect: Dialect,
    schemes: list[SchemeRows],
    financers: list[Financer],
    scored: bool,
) -> None:
    p147 = next((item.institution_id for item in financers if item.is_p147), None)
    names = {item.institution_id: item.nom for item in financers}
    if chosen_format == "csv":
        for_people = dialect is Dialect.TABLEUR_FR
        chosen = columns(financers, scored, for_people=for_people)
        rows = table((row for scheme in schemes for row in scheme.rows), chosen, labelled=for_people)
        with open(target.fileno(), "w", encoding="utf-8-sig", newline="", closefd=False) as text:
            (write_spreadsheet_csv if for_people else write_csv)(text, rows)
        return
    chosen = columns(financers, scored, for_people=True)
    every_total: list[tuple[SchemeRows, Totals]] = [(scheme, Totals()) for scheme in schemes]

    def synthese() -> Iterator[Sequence[Cell]]:
        for position, (scheme, totals) in enumerate(every_total):
            check = check_portfolio(totals.amounts, totals.facts, scheme.envelopes, names, p147, scheme.rules)
            header, *rows = summary(totals, financers, check, scored)
            if position == 0:
                yield header
            scheme_name = scheme.call.scheme.value
            yield ["Dispositif", french.SCHEMES.get(scheme_name, scheme_name), None, None, None, None]
            yield from rows

    write_xlsx(
        target,
        [
            *(
                (
                    french.SCHEMES.get(scheme.call.scheme.value, scheme.call.scheme.value),
                    table((totals.add(row, p147) for row in scheme.rows), chosen, labelled=True),
                )
                for scheme, totals in every_total
            ),
            ("Synthèse", synthese()),
            ("Colonnes", dictionary(chosen)),
        ],
    )


async def export_programmation(
    uow: UnitOfWork,
    actor: Principal,
    contract_code: str,
    year: int,
    chosen_format: ExportFormat,
    dialect: Dialect = Dialect.EXCHANGE,
) -> ExportFile:
    """`dialect`: a CSV's (the XLSX has no other)."""
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    if chosen_format != "csv" and dialect is not Dialect.EXCHANGE:
        raise RuleViolationError("dialect", "csv-dialect", f"{dialect.value} is a CSV's dialect: ask format=csv")
    with cycle_collection_paused():
        async with uow.reading():
            calls = [call_of(row) for row in await CallRepository(uow.session).of_year(contract_code, year)]
            if not calls:
                raise NotFoundError("call", f"{contract_code} {year}")
            institutions = await InstitutionRepository(uow.session).of_contract(contract_code)
            financers = _financers(institutions.values())
            p147 = next((item.institution_id for item in financers if item.is_p147), None)
            framework = await FrameworkRepository(uow.session).of_contract(contract_code)
            objectives = {item.objective_id: item for item in framework}
            grids = [grid for call in calls for grid in await ScoringRepository(uow.session).grids(call.call_id)]
            scored = actor.institution is not None and any(
                grid.code == GENDER_EQUALITY and grid.owner_institution == actor.institution for grid in grids
            )
            schemes = [
                await _scheme_rows(uow, call, objectives, p147, actor.institution if scored else None) for call in calls
            ]
        target = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
        try:
            await asyncio.to_thread(_write, target, chosen_format, dialect, schemes, financers, scored)
        except BaseException:
            target.close()
            raise
    target.seek(0)
    suffix = "" if dialect is Dialect.EXCHANGE else f"-{dialect.value}"
    name = f"programmation-{contract_code}-{year}{suffix}.{chosen_format}"
    media_type = (
        "text/csv; charset=utf-8"
        if chosen_format == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return ExportFile(target, name, media_type)
