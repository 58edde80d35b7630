"""Importing the requests a prefecture or the CUA extracts from Dauphin (or a Démarches Simplifiées
procedure export) into a call: read the file (CSV or XLSX) with the header aliases shipped as data, check
every cell, match every request (domain/requests.py), report per line what it would create or change (dry
run) or write it all at once — new operators, actions, drafts and the amounts asked — with the raw lines
kept per batch. The same file twice changes nothing; a file with any bad line changes nothing at all."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from identity.principal import Principal
from kit.garbage_collection import cycle_collection_paused
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.budget import GRANTS_ACCOUNT
from services.grants.applications.domain.workflow import State
from services.grants.calls.repository import CallRepository
from services.grants.errors import NotFoundError
from services.grants.exchange.domain.cells import LineError, folded
from services.grants.exchange.domain.dialects import Dialect
from services.grants.exchange.domain.request_files import (
    RequestLine,
    check_request_columns,
    read_request_line,
    request_aliases,
    request_columns,
)
from services.grants.exchange.domain.requests import Reference, Request, RequestStatus, judge
from services.grants.exchange.models import RequestImportRow
from services.grants.exchange.repository.requests import RequestRepository
from services.grants.exchange.use_cases.batches import digest_of, refuse_bad_lines
from services.grants.exchange.use_cases.tables import read_lines, readable_tables
from services.grants.framework.domain import Level
from services.grants.framework.repository import FrameworkRepository
from services.grants.institutions.repository import InstitutionRepository
from services.grants.operators.domain import OperatorProfile
from services.grants.persistence import Audited

REQUEST_IMPORTS = Audited("request_import")
HEADERS = Path(__file__).resolve().parents[2] / "data" / "dauphin_request_headers.json"
ALIASES = request_aliases(json.loads(HEADERS.read_text(encoding="utf-8")))


@dataclass(slots=True)
class RequestLineReport:
    line: int
    sheet: str | None
    row: int
    status: RequestStatus
    application_id: uuid.UUID | None = None
    operator_id: uuid.UUID | None = None
    operator_created: bool = False
    changes: list[str] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


@dataclass(slots=True)
class RequestImportReport:
    batch_id: uuid.UUID | None
    dry_run: bool
    already_imported: bool
    columns: dict[str, str]
    lines: list[RequestLineReport]

    def counts(self) -> dict[str, int]:
        return dict(Counter(line.status.value for line in self.lines))


@dataclass(frozen=True, slots=True)
class ReadRequests:
    columns: dict[str, str]  # field → the header it is read from
    lines: list[RequestLine]


def check_requests_file(actor: Principal, contract_code: str, content: bytes, media_type: str) -> None:
    """What a request can tell at once about an extract: the contract, the format, the columns."""
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    readable_tables(
        content, media_type, lambda names: request_columns(names, ALIASES), check_request_columns, headers_only=True
    )


def read_requests(content: bytes, media_type: str, dialect: Dialect) -> ReadRequests:
    tables = readable_tables(content, media_type, lambda names: request_columns(names, ALIASES), check_request_columns)
    # A batch keeps the cells the import read, not the whole row: an export of Démarches Simplifiées
    # carries the e-mail and name of whoever filed the request, which the platform has no use for.
    lines = read_lines(
        tables,
        RequestLine,
        lambda row: read_request_line(
            row.line,
            row.table.sheet,
            row.row,
            _read_cells(row.table.names, row.table.columns, row.raw),
            row.cells,
            dialect,
        ),
    )
    last = tables[-1]
    return ReadRequests({name: last.names[index] for name, index in last.columns.items()}, lines)


def _read_cells(names: list[str], columns: dict[str, int], raw: dict[str, Any]) -> dict[str, Any]:
    return {names[index]: raw.get(names[index]) for index in columns.values()}


async def _reference(
    uow: UnitOfWork, contract_code: str, call_id: uuid.UUID, lines: Sequence[RequestLine]
) -> Reference:
    call = await CallRepository(uow.session).get(call_id)
    if call is None or call.contract_code != contract_code:
        raise NotFoundError("call for projects", str(call_id))
    institutions = await InstitutionRepository(uow.session).of_contract(contract_code)
    financers: dict[str, uuid.UUID] = {}
    for institution in institutions.values():
        for name in (institution.code, institution.nom, institution.dauphin_funder_title):
            if name:
                financers.setdefault(folded(name), institution.institution_id)
    objectives: dict[str, list[uuid.UUID]] = {}
    for objective in await FrameworkRepository(uow.session).of_contract(contract_code):
        if objective.level is Level.OPERATIONAL:
            objectives.setdefault(folded(objective.code), []).append(objective.objective_id)
    repository = RequestRepository(uow.session)
    operators = await repository.operators(contract_code, {line.siret for line in lines if line.siret})
    return Reference(
        call_id=call.call_id,
        year=call.year,
        p147=next((key for key, item in institutions.items() if item.is_state_p147), None),
        financers=financers,
        objectives=objectives,
        operators={operator.siret: operator for operator in operators},
        applications=await repository.applications(
            contract_code, call.year, {line.dauphin_code for line in lines if line.dauphin_code}
        ),
        actions=await repository.actions(contract_code, [operator.operator_id for operator in operators], call.year),
    )


def _reports(requests: Sequence[Request], created: dict[int, uuid.UUID]) -> list[RequestLineReport]:
    """Every line with its request's fate (`created`: the application each request created, by its index)."""
    reports = []
    for index, request in enumerate(requests):
        application = request.held.application_id if request.held else created.get(index)
        for line in request.lines:
            reports.append(
                RequestLineReport(
                    line.line,
                    line.sheet,
                    line.row,
                    request.status,
                    application_id=application,
                    operator_id=None if request.operator is None else request.operator.operator_id,
                    operator_created=request.operator_created,
                    changes=list(request.changes),
                    errors=list(line.errors),
                )
            )
    return sorted(reports, key=lambda report: report.line)


async def _write(
    uow: UnitOfWork, contract_code: str, reference: Reference, requests: Sequence[Request], labels: dict[uuid.UUID, str]
) -> dict[int, uuid.UUID]:
    """Operators, actions, drafts and their 74 lines, each kind in one statement; the created drafts."""
    repository = RequestRepository(uow.session)
    operators: dict[uuid.UUID, dict[str, Any]] = {}
    actions, applications, lines, updates, replaced = [], [], [], [], []
    rnas: dict[uuid.UUID, str] = {}
    created: dict[int, uuid.UUID] = {}
    for index, request in enumerate(requests):
        operator, first = request.operator, request.first
        if operator is None or request.status not in {RequestStatus.CREATED, RequestStatus.UPDATED}:
            continue
        if request.operator_created:
            operators[operator.operator_id] = {
                "operator_id": operator.operator_id,
                "contract_code": contract_code,
                "nom": operator.nom,
                "siret": operator.siret,
                "siren": operator.siret[:9],
                "rna": operator.rna,
                "profile": (OperatorProfile.ASSOCIATION if operator.rna else OperatorProfile.OTHER).value,
                "version": 1,
            }
        elif request.set_rna and first.rna:
            rnas[operator.operator_id] = first.rna
        columns = {**request.values, "other_objective_ids": list(request.values.get("other_objective_ids", ()))}
        if "dauphin_number" in columns:
            columns["dauphin_normalised"] = columns["dauphin_number"]
        asked = sorted(request.requested.items(), key=lambda item: labels[item[0]])
        if request.held is not None:
            held, given = request.held, request.values  # what the request carries; the rest stays
            updates.append(
                {
                    "key": held.application_id,
                    "title": first.title,
                    "description": given.get("description", held.description),
                    "primary_objective_id": given.get("primary_objective_id", held.primary_objective_id),
                    "other_objective_ids": list(given.get("other_objective_ids", held.other_objective_ids)),
                    "starts_on": given.get("starts_on", held.starts_on),
                    "ends_on": given.get("ends_on", held.ends_on),
                    "dauphin_number": given.get("dauphin_number", held.dauphin_number),
                }
            )
            replaced += [(request.held.application_id, key, cents, labels[key]) for key, cents in asked]
            continue
        action_id = request.action.action_id if request.action else uuid.uuid4()
        if request.action is None:
            actions.append(
                {"action_id": action_id, "contract_code": contract_code, "operator_id": operator.operator_id}
                | {"title": first.title}
            )
        created[index] = application_id = uuid.uuid4()
        applications.append(
            {
                "application_id": application_id,
                "action_id": action_id,
                "call_id": reference.call_id,
                "contract_code": contract_code,
                "operator_id": operator.operator_id,
                "year": reference.year,
                "title": first.title,
                "description": columns.get("description"),
                "primary_objective_id": columns.get("primary_objective_id"),
                "other_objective_ids": columns["other_objective_ids"],
                "qpv_codes": [],
                "codes_communes": [],
                "hors_qpv": False,  # no QPV nor zone named yet: not counted under the cap (Draft.hors_qpv)
                "beneficiaries": {},
                "starts_on": columns.get("starts_on"),
                "ends_on": columns.get("ends_on"),
                "previous_application_id": request.action.previous_application_id if request.action else None,
                "multi_year": False,
                "dauphin_number": columns.get("dauphin_number"),
                "dauphin_normalised": columns.get("dauphin_normalised"),
                "state": State.DRAFT.value,
                "version": 1,
            }
        )
        lines += [
            {
                "application_id": application_id,
                "position": position,
                "account": GRANTS_ACCOUNT,
                "label": labels[key],
                "amount_cents": cents,
                "institution_id": key,
            }
            for position, (key, cents) in enumerate(asked)
        ]
    await repository.add_operators(list(operators.values()))
    await repository.set_rnas(rnas)
    await repository.add_actions(actions)
    await repository.add_applications(applications)
    await repository.add_budget_lines(lines)
    await repository.update_applications(updates)
    await repository.replace_requested(replaced)
    return created


async def import_requests(
    uow: UnitOfWork,
    actor: Principal,
    contract_code: str,
    call_id: uuid.UUID,
    content: bytes,
    media_type: str,
    file_name: str | None,
    dry_run: bool,
    dialect: Dialect = Dialect.EXCHANGE,
) -> RequestImportReport:
    """`dialect`: how the file's text cells are written (a CSV saved by a French spreadsheet: tableur-fr)."""
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    digest = digest_of(content)
    with cycle_collection_paused():
        async with uow:
            repository = RequestRepository(uow.session)
            await repository.lock_contract(contract_code)
            earlier = await repository.batch_of_file(call_id, digest)
            if earlier is not None and not dry_run and earlier.contract_code == contract_code:
                report = await _stored_report(repository, earlier)
                report.already_imported = True
                return report
            read = read_requests(content, media_type, dialect)
            reference = await _reference(uow, contract_code, call_id, read.lines)
            requests = judge(read.lines, reference)
            if dry_run:
                return RequestImportReport(None, True, False, read.columns, _reports(requests, {}))
            refuse_bad_lines(
                ((line.line, line.sheet, line.row, error) for line in read.lines for error in line.errors), read.columns
            )
            institutions = await InstitutionRepository(uow.session).of_contract(contract_code)
            created = await _write(
                uow, contract_code, reference, requests, {key: item.nom for key, item in institutions.items()}
            )
            reports = _reports(requests, created)
            batch = RequestImportRow(
                batch_id=uuid.uuid4(),
                contract_code=contract_code,
                call_id=call_id,
                file_sha256=digest,
                file_name=file_name,
                imported_by=actor.subject,
                imported_at=uow.now(),
                columns=read.columns,
            )
            await repository.add(batch)
            await repository.insert_lines(
                [
                    {
                        "batch_id": batch.batch_id,
                        "line": report.line,
                        "raw": {"sheet": line.sheet, "row": line.row, "cells": line.raw},
                        "status": report.status.value,
                        "application_id": report.application_id,
                        "operator_created": report.operator_created,
                        "changes": report.changes,
                    }
                    for line, report in zip(read.lines, reports, strict=True)
                ]
            )
            counts = RequestImportReport(batch.batch_id, False, False, read.columns, reports).counts()
            await REQUEST_IMPORTS.created(
                uow,
                actor,
                str(batch.batch_id),
                action="requests.imported",
                after={"file": file_name, "sha256": digest, "callId": str(call_id), **counts},
            )
            await uow.commit()
    return RequestImportReport(batch.batch_id, False, False, read.columns, reports)


async def _stored_report(repository: RequestRepository, batch: RequestImportRow) -> RequestImportReport:
    lines = [
        RequestLineReport(
            line=row.line,
            sheet=row.sheet,
            row=int(row.row or row.line),
            status=RequestStatus(row.status),
            application_id=row.application_id,
            operator_created=row.operator_created,
            changes=list(row.changes),
        )
        for row in await repository.lines(batch.batch_id)
    ]
    return RequestImportReport(batch.batch_id, False, False, batch.columns, lines)


async def get_request_import(uow: UnitOfWork, actor: Principal, batch_id: uuid.UUID) -> RequestImportReport:
    async with uow.reading():
        repository = RequestRepository(uow.session)
        batch = await repository.batch(batch_id)
        if batch is None or not actor.works_on(batch.contract_code):
            raise NotFoundError("request import", str(batch_id))
        return await _stored_report(repository, batch)
