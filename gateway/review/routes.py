"""The annual review of a contract (JSON, HTML, PDF) and the cohort's headline figures."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from gateway.review import use_cases
from gateway.review.client import ServiceReader
from gateway.review.domain import SECTION_TITLES, YearRuleBroken
from gateway.review.printer import ChromiumPrinter, PdfUnavailableError
from gateway.review.rendering import render_cohort_html, render_html
from gateway.review.schemas import CohortContractRead, CohortRead, ReviewRead
from identity.principal import Principal, Role
from kit.api_models import CONTRACT_CODE_PATTERN
from kit.auth.policies import Policy, authorize, unauthenticated
from kit.problems import FieldError, ProblemError
from kit.write_pipeline import platform_router

# The contract's pilots, the State and platform admins read a contract's review; each service still
# filters its part with the caller's own token. Operators, co-financers, communes: no review (it names
# every operator's funding and its agreements' indicators).
REVIEWERS = Policy(name="contract-reviewers", roles=frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE}))
# Several contracts side by side: platform admins and the State (the contracts they work on).
COHORT_READERS = Policy(name="cohort-readers", roles=frozenset({Role.PLATFORM_ADMIN, Role.STATE}))
MAX_COHORT = 20
BASE = "/api/contracts/{code}/reviews/{year}"
COHORT = "/api/contract-reviews/{year}"

router = platform_router(["reviews"], authenticated=True)
Code = Annotated[str, Path(pattern=CONTRACT_CODE_PATTERN, description="The contract's code")]
Year = Annotated[int, Path(ge=2000, le=2100)]
Mode = Annotated[
    Literal["annual", "mid-term"],
    Query(description="mid-term: the contract's first year beside `year` (the 2027 update)"),
]
Authorization = Annotated[str | None, Header(max_length=8192)]
HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "A self-contained page (inline SVG, no script)"}
}
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The page printed on A4"}
}


def _reader(request: Request, authorization: str | None) -> ServiceReader:
    if authorization is None:  # the policy lets no request without a valid token in
        raise unauthenticated("A bearer token is required.")
    state = request.app.state
    return ServiceReader(state.review_client, state.review_upstreams, authorization)


def _invalid(broken: list[YearRuleBroken], place: str) -> ProblemError:
    errors = [
        FieldError(pointer=f"/{place}/{rule.field}", field=rule.field, rule=rule.rule, message=rule.message)
        for rule in broken
    ]
    return ProblemError(422, "validation", "Invalid input", "; ".join(rule.message for rule in broken), errors=errors)


async def _review(
    request: Request, principal: Principal, code: str, year: int, mode: str, token: str | None
) -> dict[str, Any]:
    chosen: Literal["annual", "mid-term"] = "mid-term" if mode == "mid-term" else "annual"
    try:
        found = await use_cases.review(_reader(request, token), principal, code, year, chosen, datetime.now(UTC))
    except use_cases.ReviewNotFoundError as error:
        raise ProblemError(404, "not-found", "Resource not found", f"No contract {code} you may review.") from error
    except use_cases.ReviewInputError as error:
        raise _invalid(error.broken, "path") from error
    return ReviewRead.of(found, dict(SECTION_TITLES)).model_dump(mode="json", by_alias=True)


@router.get(
    BASE + ".html",
    operation_id="get_contract_review_page",
    response_class=HTMLResponse,
    responses=HTML,
)
async def contract_review_page(
    request: Request,
    code: Code,
    year: Year,
    principal: Annotated[Principal, Depends(authorize(REVIEWERS))],
    mode: Mode = "annual",
    authorization: Authorization = None,
) -> HTMLResponse:
    """The review as a page to read or print: charts as inline SVG, each with its table."""
    review = await _review(request, principal, code, year, mode, authorization)
    return HTMLResponse(render_html(review), headers={"Cache-Control": "private, no-store"})


@router.get(BASE + ".pdf", operation_id="get_contract_review_pdf", response_class=Response, responses=PDF)
async def contract_review_pdf(
    request: Request,
    code: Code,
    year: Year,
    principal: Annotated[Principal, Depends(authorize(REVIEWERS))],
    mode: Mode = "annual",
    authorization: Authorization = None,
) -> Response:
    """The page printed as PDF (A4). 503 when the server has no PDF printer (Chromium)."""
    review = await _review(request, principal, code, year, mode, authorization)
    try:
        printer: ChromiumPrinter = request.app.state.review_printer
        pdf = await printer.pdf(render_html(review))
    except PdfUnavailableError as error:
        raise ProblemError(
            503, "pdf-unavailable", "PDF unavailable", f"The PDF could not be printed: {error}. Read the .html page."
        ) from error
    filename = f"revue-{code}-{year}.pdf"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get(BASE, operation_id="get_contract_review", response_model=ReviewRead)
async def contract_review(
    request: Request,
    code: Code,
    year: Year,
    principal: Annotated[Principal, Depends(authorize(REVIEWERS))],
    mode: Mode = "annual",
    authorization: Authorization = None,
) -> dict[str, Any]:
    """The annual review of a contract: context, achievements, droit commun and engagements, connected
    programmes, contract indicators, governance and participation. Each block is one service endpoint's
    answer with its provenance (service, endpoint, year, perimeter), read with your token; a block whose
    service does not answer (or does not publish it yet) is `unavailable` with its reason. 404 for a
    contract you may not read; 422 naming `year` before or after the contract."""
    return await _review(request, principal, code, year, mode, authorization)


def _codes(contracts: str) -> list[str]:
    codes = list(dict.fromkeys(part.strip() for part in contracts.split(",") if part.strip()))
    bad = [code for code in codes if not re.fullmatch(CONTRACT_CODE_PATTERN, code)]
    message = ""
    if not codes or len(codes) > MAX_COHORT:
        message = f"between 1 and {MAX_COHORT} contract codes, comma-separated"
        rule = "contracts-count"
    elif bad:
        message = f"not a contract code: {', '.join(bad)[:200]}"
        rule = "contract-code"
    if message:
        broken = FieldError(pointer="/query/contracts", field="contracts", rule=rule, message=message)
        raise ProblemError(422, "validation", "Invalid input", message, errors=[broken])
    return codes


async def _cohort(
    request: Request, principal: Principal, year: int, contracts: str, token: str | None
) -> dict[str, Any]:
    codes = _codes(contracts)
    try:
        entries = await use_cases.cohort(_reader(request, token), principal, codes, year)
    except use_cases.ReviewNotFoundError as error:
        raise ProblemError(404, "not-found", "Resource not found", f"No contract {error} you may review.") from error
    except use_cases.ReviewInputError as error:
        raise _invalid(error.broken, "path") from error
    except use_cases.ReviewUnavailableError as error:
        raise ProblemError(
            503,
            "upstream-unavailable",
            "Service unavailable",
            "territories did not answer: read again",
            headers={"Retry-After": "2"},
        ) from error
    body = CohortRead(year=year, contracts=[CohortContractRead.of(entry) for entry in entries])
    return body.model_dump(mode="json", by_alias=True)


Contracts = Annotated[
    str, Query(max_length=1000, description=f"Contract codes, comma-separated (at most {MAX_COHORT})")
]


@router.get(COHORT + ".html", operation_id="get_cohort_review_page", response_class=HTMLResponse, responses=HTML)
async def cohort_review_page(
    request: Request,
    year: Year,
    contracts: Contracts,
    principal: Annotated[Principal, Depends(authorize(COHORT_READERS))],
    authorization: Authorization = None,
) -> HTMLResponse:
    """The cohort's headline figures as a page."""
    cohort = await _cohort(request, principal, year, contracts, authorization)
    return HTMLResponse(render_cohort_html(cohort), headers={"Cache-Control": "private, no-store"})


@router.get(COHORT, operation_id="get_cohort_review", response_model=CohortRead)
async def cohort_review(
    request: Request,
    year: Year,
    contracts: Contracts,
    principal: Annotated[Principal, Depends(authorize(COHORT_READERS))],
    authorization: Authorization = None,
) -> dict[str, Any]:
    """The same headline figures side by side for several contracts (a cohort such as Arras, Creil,
    Denain, Saint-Quentin and Soissons). A contract you may not read answers 404 as a missing one."""
    return await _cohort(request, principal, year, contracts, authorization)
