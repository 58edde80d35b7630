"""HTTP routes of the files exchanged with the prefecture (the programmation exported, decisions imported)
and of the open data (the SCDL « subventions » file)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import IO, Annotated, Any, Literal

from fastapi import Depends, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from identity.principal import Principal
from kit.api_models import CONTRACT_CODE_PATTERN
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.jobs import JOB_ACCEPTED, JobInput, JobOutcome, JobQueue, JobRead, job_queue, outcome
from kit.problems import problem_openapi
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.grants.exchange.domain.dialects import Dialect
from services.grants.exchange.schemas import (
    DecisionChangeRead,
    DecisionImportRead,
    DecisionLineRead,
    HeaderAliasesInput,
    LineErrorRead,
    LineResolutionInput,
    RequestImportRead,
    RequestLineErrorRead,
    RequestLineRead,
)
from services.grants.exchange.use_cases import decision_imports, open_data, programmation_export, request_imports
from services.grants.exchange.use_cases.decision_imports import ImportReport, LineReport
from services.grants.exchange.use_cases.request_imports import RequestImportReport
from services.grants.policies import EXCHANGE_FILES, OPEN_DATA, READ_EXPORTS
from services.grants.schemas import ContractCode

router = platform_router(["exchange"], authenticated=True, writes=True)
open_data_router = platform_router(["open data"], authenticated=False)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Year = Annotated[int, Query(ge=2000, le=2100)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CsvDialect = Annotated[
    Literal["exchange", "tableur-fr"],
    Query(
        description="How the CSV is written. `exchange` (the default): what the prefecture's tools read, `;`,"
        " dot decimals, ISO dates, every field quoted, the columns' keys. `tableur-fr`: what a French spreadsheet"
        " (Excel, LibreOffice) opens right by a double click and saves back: `;`, decimal comma, dates"
        ' DD/MM/YYYY, codes (SIRET, Dauphin, Chorus, QPV) as ="…" so that they stay text, French labels',
    ),
]


Queue = Annotated[JobQueue, Depends(job_queue)]
Importer = Annotated[Principal, Depends(authorize(EXCHANGE_FILES))]
ContractQuery = Annotated[ContractCode, Query(alias="contractCode")]
DryRun = Annotated[bool, Query(alias="dryRun", description="Report what would change; store nothing")]
FileName = Annotated[str | None, Query(alias="fileName", max_length=200)]


async def _file_of(request: Request) -> tuple[bytes, str]:
    """An imported file's bytes and media type (its parameters, a charset, left aside)."""
    return await request.body(), request.headers.get("content-type", "").split(";")[0].strip().lower()


def _file_arguments(
    contract_code: str, media_type: str, file_name: str | None, dry_run: bool, dialect: str, **extra: str
) -> dict[str, Any]:
    """An import job's arguments (its file is the job's payload)."""
    return {
        "contractCode": contract_code,
        "mediaType": media_type,
        "fileName": file_name,
        "dryRun": dry_run,
        "dialect": dialect,
        **extra,
    }


def _chunks(file: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := file.read(1 << 16):
            yield chunk
    finally:
        file.close()


@router.get(
    "/programmation-exports",
    operation_id="export_programmation",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The tableau de programmation: XLSX (a sheet per scheme and a summary) or CSV",
            "content": {
                XLSX: {"schema": {"type": "string", "format": "binary"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
)
async def export_programmation(
    uow: Uow,
    principal: Annotated[Principal, Depends(authorize(READ_EXPORTS))],
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    year: Annotated[int, Query(ge=2000, le=2100)],
    chosen_format: Annotated[Literal["xlsx", "csv"], Query(alias="format")] = "xlsx",
    dialect: CsvDialect = "exchange",
) -> StreamingResponse:
    """One row per application of the year with the Dauphin-compatible columns (research/grants.md §4.2).
    XLSX: a sheet per scheme, a « Synthèse » and a « Colonnes » sheet, in French, typed cells. CSV: UTF-8
    with BOM in the `dialect` asked. Either, imported back untouched as decisions, changes nothing. The
    gender-equality score is given to the institution owning that grid only."""
    exported = await programmation_export.export_programmation(
        uow, principal, contract_code, year, chosen_format, Dialect(dialect)
    )
    return StreamingResponse(
        _chunks(exported.file),
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.name}"'},
    )


def _line(report: LineReport) -> DecisionLineRead:
    return DecisionLineRead(
        line=report.line,
        sheet=report.sheet,
        row=report.row,
        status=report.status.value,
        matched_by=report.matched_by,
        application_id=report.application_id,
        changes=[
            DecisionChangeRead(field=change.field, ours=change.ours, theirs=change.theirs, divergent=change.divergent)
            for change in report.changes
        ],
        errors=[LineErrorRead(field=error.field, rule=error.rule, message=error.message) for error in report.errors],
    )


def _report(report: ImportReport) -> DecisionImportRead:
    return DecisionImportRead(
        batch_id=report.batch_id,
        dry_run=report.dry_run,
        already_imported=report.already_imported,
        columns=report.columns,
        counts=report.counts(),
        lines=[_line(line) for line in report.lines],
    )


DECISIONS_BODY = {
    "required": True,
    "content": {
        "text/csv": {
            "schema": {"type": "string", "description": "UTF-8 (or Windows-1252), `;` or `,`, in the `dialect` given"}
        },
        XLSX: {"schema": {"type": "string", "format": "binary"}},
    },
}


@router.post(
    "/decision-imports",
    operation_id="import_decisions",
    response_model=JobRead[DecisionImportRead],
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra={"requestBody": DECISIONS_BODY},
    responses=JOB_ACCEPTED,
)
async def import_decisions(
    uow: Uow,
    request: Request,
    response: Response,
    queue: Queue,
    principal: Importer,
    contract_code: ContractQuery,
    dry_run: DryRun = True,
    file_name: FileName = None,
    dialect: CsvDialect = "exchange",
) -> JobRead[Any]:
    """The prefecture's decisions (Dauphin, GISPRO, our export edited), matched on the Dauphin number, then
    SIRET + year + title, as a job: its result is the batch and every line's fate (201 when a batch was
    stored, 200 for a dry run or a file already imported). Values we lack are set; divergences and unmatched
    lines wait for a resolution; a line that gives no decision is `nothing_to_decide`. A file with any bad
    line is refused whole (the job's problem names each line, field and rule); the same file twice changes
    nothing. A CSV saved by a French spreadsheet (decimal comma, DD/MM/YYYY) is sent with
    `dialect=tableur-fr`."""
    content, media_type = await _file_of(request)
    await decision_imports.check_decisions_file(uow, principal, contract_code, content, media_type)
    arguments = _file_arguments(contract_code, media_type, file_name, dry_run, dialect)
    return await queue.submit(uow, response, principal, "import_decisions", arguments, content)


async def run_decision_import(job: JobInput) -> JobOutcome:
    """The job of an import of decisions."""
    report = await decision_imports.import_decisions(
        job.uow,
        job.principal,
        job.arguments["contractCode"],
        job.payload,
        job.arguments["mediaType"],
        job.arguments["fileName"],
        job.arguments["dryRun"],
        Dialect(job.arguments.get("dialect", Dialect.EXCHANGE.value)),
    )
    stored = report.batch_id is not None and not report.already_imported
    return outcome(201 if stored else 200, _report(report))


@router.get("/decision-imports/{batch_id}", operation_id="get_decision_import", response_model=DecisionImportRead)
async def get_decision_import(
    uow: Uow, batch_id: uuid.UUID, principal: Annotated[Principal, Depends(authorize(READ_EXPORTS))]
) -> DecisionImportRead:
    """A batch and its lines as they stand (divergent and unmatched ones form the queue to resolve)."""
    return _report(await decision_imports.get_import(uow, principal, batch_id))


@router.post(
    "/decision-imports/{batch_id}/lines/{line}/resolution",
    operation_id="resolve_decision_line",
    response_model=DecisionLineRead,
)
async def resolve_decision_line(
    uow: Uow,
    batch_id: uuid.UUID,
    line: Annotated[int, Path(ge=1, le=1_000_000)],
    body: LineResolutionInput,
    principal: Annotated[Principal, Depends(authorize(EXCHANGE_FILES))],
) -> DecisionLineRead:
    """Match an unmatched line to its application, or settle a divergence (apply the file's values or keep
    ours), with a reason."""
    resolved = await decision_imports.resolve_line(
        uow, principal, batch_id, line, body.action == "apply", body.application_id, body.reason
    )
    return _line(resolved)


def _requests_report(report: RequestImportReport) -> RequestImportRead:
    """The report as the API answers it; built without validating again what the use case made (a national
    extract's 20,000 lines: validation took longer than the import's judging)."""
    columns = report.columns
    return RequestImportRead.model_construct(
        batch_id=report.batch_id,
        dry_run=report.dry_run,
        already_imported=report.already_imported,
        columns=columns,
        counts=report.counts(),
        lines=[
            RequestLineRead.model_construct(
                line=line.line,
                sheet=line.sheet,
                row=line.row,
                status=line.status.value,
                application_id=line.application_id,
                operator_created=line.operator_created,
                changes=line.changes,
                errors=[
                    RequestLineErrorRead.model_construct(
                        field=error.field, column=columns.get(error.field), rule=error.rule, message=error.message
                    )
                    for error in line.errors
                ],
            )
            for line in report.lines
        ],
    )


@router.post(
    "/request-imports",
    operation_id="import_requests",
    response_model=JobRead[RequestImportRead],
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra={"requestBody": DECISIONS_BODY},
    responses=JOB_ACCEPTED,
)
async def import_requests(
    request: Request,
    response: Response,
    uow: Uow,
    queue: Queue,
    principal: Importer,
    contract_code: ContractQuery,
    call_id: Annotated[uuid.UUID, Query(alias="callId", description="The call the requests are drafts of")],
    dry_run: DryRun = True,
    file_name: FileName = None,
    dialect: CsvDialect = "exchange",
) -> JobRead[Any]:
    """The requests a prefecture or the CUA extracts from Dauphin (or a Démarches Simplifiées procedure
    export) as the call's drafts, as a job (201 when a batch was stored, 200 for a dry run or a file already
    imported into the call). One line per request and financer asked; its columns named as
    `services/grants/data/dauphin_request_headers.json` lists them (SIRET, title and amount asked
    required). The operator is found by SIRET (created with its name and RNA when new), the draft by Dauphin
    number, then by its operator and title; the amounts asked become the draft's CERFA 74 lines (whole
    euros; no financer column: the State's P147). A file with any bad line is refused whole (the job's
    problem names each line, column and rule); the same file twice changes nothing. The operators then
    complete their drafts with what Dauphin does not carry."""
    content, media_type = await _file_of(request)
    request_imports.check_requests_file(principal, contract_code, content, media_type)
    arguments = _file_arguments(contract_code, media_type, file_name, dry_run, dialect, callId=str(call_id))
    return await queue.submit(uow, response, principal, "import_requests", arguments, content)


async def run_request_import(job: JobInput) -> JobOutcome:
    """The job of an import of requests."""
    report = await request_imports.import_requests(
        job.uow,
        job.principal,
        job.arguments["contractCode"],
        uuid.UUID(job.arguments["callId"]),
        job.payload,
        job.arguments["mediaType"],
        job.arguments["fileName"],
        job.arguments["dryRun"],
        Dialect(job.arguments["dialect"]),
    )
    stored = report.batch_id is not None and not report.already_imported
    return outcome(201 if stored else 200, _requests_report(report))


@router.get("/request-imports/{batch_id}", operation_id="get_request_import", response_model=RequestImportRead)
async def get_request_import(
    uow: Uow, batch_id: uuid.UUID, principal: Annotated[Principal, Depends(authorize(READ_EXPORTS))]
) -> RequestImportRead:
    """A batch of requests imported and what each line created or changed."""
    return _requests_report(await request_imports.get_request_import(uow, principal, batch_id))


@router.get(
    "/decision-header-aliases/{contract_code}",
    operation_id="get_decision_header_aliases",
    response_model=dict[str, list[str]],
)
async def get_decision_header_aliases(
    uow: Uow,
    contract_code: Annotated[str, Path(pattern=CONTRACT_CODE_PATTERN)],
    response: Response,
    principal: Annotated[Principal, Depends(authorize(READ_EXPORTS))],
) -> dict[str, list[str]]:
    """The contract's own header spellings per field (the defaults are always tried after them)."""
    aliases = await decision_imports.get_aliases(uow, principal, contract_code)
    response.headers["ETag"] = decision_imports.aliases_etag(contract_code, aliases)
    return aliases


@router.put(
    "/decision-header-aliases/{contract_code}",
    operation_id="set_decision_header_aliases",
    response_model=dict[str, list[str]],
)
async def set_decision_header_aliases(
    uow: Uow,
    contract_code: Annotated[str, Path(pattern=CONTRACT_CODE_PATTERN)],
    body: HeaderAliasesInput,
    response: Response,
    principal: Annotated[Principal, Depends(authorize(EXCHANGE_FILES))],
) -> dict[str, list[str]]:
    """Replace the contract's header spellings; If-Match with the ETag read."""
    aliases = await decision_imports.set_aliases(uow, principal, contract_code, body.aliases)
    response.headers["ETag"] = decision_imports.aliases_etag(contract_code, aliases)
    return aliases


@open_data_router.get(
    "/open-data/subventions.csv",
    operation_id="scdl_subventions",
    response_class=Response,
    dependencies=[Depends(authorize(OPEN_DATA))],
    responses={
        200: {"description": "SCDL subventions 2.1.1", "content": {"text/csv": {"schema": {"type": "string"}}}},
        **problem_openapi(409),
    },
)
async def scdl_subventions(
    uow: Uow,
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    year: Year,
    institution: Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$", description="The attribuant's code")],
) -> Response:
    """One financer's decided grants of the year in the SCDL « subventions » format (2.1.1): UTF-8 with
    BOM, `;`, dot decimals, ISO dates (public)."""
    content = await open_data.subventions_csv(uow, contract_code, year, institution)
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="subventions-{institution}-{year}.csv"'},
    )
