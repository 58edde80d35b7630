"""Importing the prefecture's decisions: read the file (CSV or XLSX), check every cell, match every line,
report per line what would change (dry run) or apply it all at once with the raw lines kept per batch;
divergences and unmatched lines wait for a person's resolution; a line that decides nothing is reported so
and changes nothing."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from identity.principal import Principal
from kit.etags import etag_of_content
from kit.garbage_collection import cycle_collection_paused
from kit.unit_of_work import UnitOfWork
from services.grants.applications.repository import ApplicationRepository
from services.grants.applications.use_cases.workflow import settle
from services.grants.errors import NotEditableError, NotFoundError, RulesBrokenError, RuleViolationError
from services.grants.exchange.domain.cells import LineError
from services.grants.exchange.domain.decision_files import FIELDS, DecisionLine, decides
from services.grants.exchange.domain.decisions import (
    Change,
    Held,
    LineStatus,
    Matcher,
    compare,
    duplicate_key,
    status_of,
)
from services.grants.exchange.domain.dialects import Dialect
from services.grants.exchange.models import DecisionImportLineRow, DecisionImportRow
from services.grants.exchange.repository.decisions import DecisionRepository, line_of_parsed, parsed_document
from services.grants.exchange.use_cases.batches import digest_of, refuse_bad_lines
from services.grants.exchange.use_cases.decision_files import read_file, readable_tables
from services.grants.institutions.repository import InstitutionRepository
from services.grants.persistence import Audited

DECISION_IMPORTS = Audited("decision_import")
CONTRACTS = Audited("contract")


@dataclass(slots=True)
class LineReport:
    line: int
    sheet: str | None
    row: int
    status: LineStatus
    matched_by: str | None = None
    application_id: uuid.UUID | None = None
    changes: list[Change] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


@dataclass(slots=True)
class ImportReport:
    batch_id: uuid.UUID | None
    dry_run: bool
    already_imported: bool
    columns: dict[str, str]
    lines: list[LineReport]

    def counts(self) -> dict[str, int]:
        return counts_of(self.lines)


def counts_of(lines: Sequence[LineReport]) -> dict[str, int]:
    """How many lines end in each status."""
    return dict(Counter(line.status.value for line in lines))


async def check_decisions_file(
    uow: UnitOfWork, actor: Principal, contract_code: str, content: bytes, media_type: str
) -> None:
    """What a request can tell at once about a decisions file: the contract, the format, the columns."""
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    async with uow.reading():
        aliases = await DecisionRepository(uow.session).aliases(contract_code)
    readable_tables(content, media_type, aliases, headers_only=True)


async def _p147(uow: UnitOfWork, contract_code: str) -> uuid.UUID:
    found = await InstitutionRepository(uow.session).state_p147(contract_code)
    if found is None:
        raise NotEditableError("the contract has no State (P147) financer to record decisions of")
    return found


def _judge(lines: Sequence[DecisionLine], matcher: Matcher) -> list[LineReport]:
    reports: list[LineReport] = []
    seen: dict[tuple[Any, ...], int] = {}
    for line in lines:
        report = LineReport(line.line, line.sheet, line.row, LineStatus.ERROR, errors=list(line.errors))
        reports.append(report)
        deciding = decides(line)
        # Only a line that decides can contradict another of the same action.
        key = duplicate_key(line) if deciding else None
        if key is not None:
            if key in seen:
                report.errors.append(
                    LineError("line", "duplicate-row", f"the same action as line {seen[key]} (row numbers of the file)")
                )
            else:
                seen[key] = line.row
        if report.errors:
            continue
        held, matched_by, ambiguous = matcher.match(line)
        if not deciding:
            report.status = LineStatus.NOTHING_TO_DECIDE
            if held is not None:
                report.application_id, report.matched_by = held.application_id, matched_by
            continue
        if ambiguous is not None:
            report.errors.append(ambiguous)
            continue
        if held is None:
            report.status = LineStatus.UNMATCHED
            continue
        report.application_id, report.matched_by = held.application_id, matched_by
        report.changes, report.errors = compare(line, held)
        if not report.errors:
            report.status = status_of(report.changes)
    return reports


def _final(held: Held, changes: Sequence[Change]) -> tuple[Any, ...]:
    """(application, decided, decision, decided on, Chorus EJ) once the changes are applied."""
    values: dict[str, Any] = {
        "decided_amount": held.decided_cents,
        "decision": held.decision,
        "decision_date": held.decided_on,
        "chorus_commitment": held.chorus_commitment,
    }
    for change in changes:
        if change.field in values:
            values[change.field] = (
                date.fromisoformat(change.theirs) if change.field == "decision_date" else change.theirs
            )
    return (
        held.application_id,
        values["decided_amount"],
        values["decision"],
        values["decision_date"],
        values["chorus_commitment"],
    )


async def _apply(
    uow: UnitOfWork, actor: Principal, p147: uuid.UUID, applied: Sequence[tuple[Held, Sequence[Change]]]
) -> None:
    """The State's decisions of the file recorded on its lines (its Dauphin decisions: the State's act); each
    proposed application whose every financer has now decided is decided."""
    repository = DecisionRepository(uow.session)
    await repository.apply_decisions(p147, [_final(held, changes) for held, changes in applied])
    numbers = {
        held.application_id: change.theirs
        for held, changes in applied
        for change in changes
        if change.field == "dauphin_number"
    }
    await repository.set_dauphin_numbers(numbers)
    applications = ApplicationRepository(uow.session)
    for application_id in await repository.completed({held.application_id for held, _ in applied}):
        row = await applications.get(application_id, for_update=True)
        if row is not None:
            await uow.session.refresh(row)  # the file's statement moved its version and sums
            await settle(uow, actor, row, "décision de l'État (fichier de décisions)")


async def import_decisions(
    uow: UnitOfWork,
    actor: Principal,
    contract_code: str,
    content: bytes,
    media_type: str,
    file_name: str | None,
    dry_run: bool,
    dialect: Dialect = Dialect.EXCHANGE,
) -> ImportReport:
    """`dialect`: how the file's text cells are written (a CSV saved by a French spreadsheet: tableur-fr)."""
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    digest = digest_of(content)
    with cycle_collection_paused():
        async with uow:
            repository = DecisionRepository(uow.session)
            earlier = await repository.batch_of_file(contract_code, digest)
            if earlier is not None and not dry_run:
                report = await _stored_report(repository, earlier)
                report.already_imported = True
                return report
            read = read_file(content, media_type, await repository.aliases(contract_code), dialect)
            p147 = await _p147(uow, contract_code)
            # A file without years is matched against every year of the contract (Dauphin numbers are unique).
            years = {line.year for line in read.lines if line.year} or None
            held = {item.application_id: item for item in await repository.held(contract_code, years, p147)}
            reports = _judge(read.lines, Matcher.of(held.values()))
            columns = {name: read.headers[index] for name, index in read.columns.items()}
            if dry_run:
                return ImportReport(None, True, False, columns, reports)
            refuse_bad_lines(
                (report.line, report.sheet, report.row, error) for report in reports for error in report.errors
            )
            batch = DecisionImportRow(
                batch_id=uuid.uuid4(),
                contract_code=contract_code,
                file_sha256=digest,
                file_name=file_name,
                imported_by=actor.subject,
                imported_at=uow.now(),
                columns=columns,
            )
            await repository.add(batch)
            await repository.insert_lines(
                [
                    {
                        "batch_id": batch.batch_id,
                        "line": report.line,
                        "raw": {"sheet": line.sheet, "row": line.row, "cells": line.raw},
                        "parsed": parsed_document(line),
                        "status": report.status.value,
                        "application_id": report.application_id,
                        "matched_by": report.matched_by,
                        "changes": [asdict(change) for change in report.changes],
                    }
                    for line, report in zip(read.lines, reports, strict=True)
                ]
            )
            applied = [
                (held[report.application_id], report.changes)
                for report in reports
                if report.status is LineStatus.APPLIED and report.application_id is not None
            ]
            await _apply(uow, actor, p147, applied)
            await DECISION_IMPORTS.created(
                uow,
                actor,
                str(batch.batch_id),
                action="decisions.imported",
                after={"file": file_name, "sha256": digest, **counts_of(reports)},
            )
            await uow.commit()
    return ImportReport(batch.batch_id, False, False, columns, reports)


def _line_report(row: DecisionImportLineRow) -> LineReport:
    return LineReport(
        line=row.line,
        sheet=row.raw.get("sheet"),
        row=int(row.raw.get("row", row.line)),
        status=LineStatus(row.status),
        matched_by=row.matched_by,
        application_id=row.application_id,
        changes=[Change(**change) for change in row.changes],
    )


async def _stored_report(repository: DecisionRepository, batch: DecisionImportRow) -> ImportReport:
    lines = await repository.lines(batch.batch_id)
    return ImportReport(batch.batch_id, False, False, batch.columns, [_line_report(row) for row in lines])


async def _visible_batch(uow: UnitOfWork, actor: Principal, batch_id: uuid.UUID) -> DecisionImportRow:
    batch = await DecisionRepository(uow.session).batch(batch_id)
    if batch is None or not actor.works_on(batch.contract_code):
        raise NotFoundError("decision import", str(batch_id))
    return batch


async def get_import(uow: UnitOfWork, actor: Principal, batch_id: uuid.UUID) -> ImportReport:
    async with uow.reading():
        return await _stored_report(DecisionRepository(uow.session), await _visible_batch(uow, actor, batch_id))


async def resolve_line(
    uow: UnitOfWork,
    actor: Principal,
    batch_id: uuid.UUID,
    number: int,
    apply: bool,
    application_id: uuid.UUID | None,
    reason: str,
) -> LineReport:
    """An unmatched line matched by hand (then compared as any line), or a divergence settled: the file's
    values applied, or ours kept. The reason is kept with the line."""
    async with uow:
        batch = await _visible_batch(uow, actor, batch_id)
        repository = DecisionRepository(uow.session)
        stored = await repository.line(batch_id, number)
        if stored is None:
            raise NotFoundError("line", str(number))
        status = LineStatus(stored.status)
        p147 = await _p147(uow, batch.contract_code)
        if status is LineStatus.UNMATCHED:
            if application_id is None:
                raise RuleViolationError("application_id", "required", "an unmatched line is matched to an application")
            line = line_of_parsed(stored.line, stored.parsed)
            held = await repository.held_one(batch.contract_code, application_id, p147)
            if held is None or line.year not in {None, held.year}:
                raise RuleViolationError(
                    "application_id", "application-of-year", "no application of the contract and the line's year"
                )
            changes, errors = compare(line, held)
            if errors:
                raise RulesBrokenError(
                    [RuleViolationError(error.field, error.rule, error.message, verbatim=True) for error in errors]
                )
            stored.application_id, stored.matched_by = application_id, "manual"
            stored.changes = [asdict(change) for change in changes]
            outcome = status_of(changes)
            if outcome is not LineStatus.DIVERGENT:
                await _apply(uow, actor, p147, [(held, changes)])
            stored.status = outcome.value
        elif status is LineStatus.DIVERGENT:
            changes = [Change(**change) for change in stored.changes]
            if apply:
                current = (
                    None
                    if stored.application_id is None
                    else await repository.held_one(batch.contract_code, stored.application_id, p147)
                )
                if current is None:
                    raise NotFoundError("application", str(stored.application_id))
                await _apply(uow, actor, p147, [(current, changes)])
            stored.status = (LineStatus.RESOLVED_APPLIED if apply else LineStatus.RESOLVED_KEPT).value
        else:
            raise NotEditableError(f"the line is {status.value}: nothing to resolve")
        stored.resolved_by, stored.resolution_reason = actor.subject, reason
        await DECISION_IMPORTS.changed(
            uow,
            actor,
            f"{batch_id}/{number}",
            action=f"decisions.line_{stored.status}",
            before={"status": status.value},
            after={"status": stored.status, "applicationId": str(stored.application_id), "changes": stored.changes},
            reason=reason,
        )
        report = _line_report(stored)
        await uow.commit()
    return report


def aliases_etag(contract_code: str, aliases: dict[str, list[str]]) -> str:
    """A contract's header spellings carry no version: the digest of them (none set has one too)."""
    return etag_of_content(
        contract_code, *(f"{name}={'|'.join(spellings)}" for name, spellings in sorted(aliases.items()))
    )


async def get_aliases(uow: UnitOfWork, actor: Principal, contract_code: str) -> dict[str, list[str]]:
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    async with uow.reading():
        return await DecisionRepository(uow.session).aliases(contract_code)


async def set_aliases(
    uow: UnitOfWork, actor: Principal, contract_code: str, aliases: dict[str, list[str]]
) -> dict[str, list[str]]:
    """The contract's own header spellings, tried before the defaults."""
    if not actor.works_on(contract_code):
        raise NotFoundError("contract", contract_code)
    for name in aliases:
        if name not in FIELDS:
            raise RuleViolationError(f"aliases/{name}", "known-field", f"fields are {', '.join(FIELDS)}", verbatim=True)
    async with uow:
        repository = DecisionRepository(uow.session)
        await repository.lock_aliases(contract_code)
        before = await repository.aliases(contract_code)
        uow.check_precondition(aliases_etag(contract_code, before))
        await repository.set_aliases(contract_code, aliases)
        await CONTRACTS.changed(uow, actor, contract_code, action="decision_aliases.set", before=before, after=aliases)
        await uow.commit()
    return aliases
