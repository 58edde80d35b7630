"""RFC 9457 problem details: the single error shape of every service and of the gateway."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, Unpack

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from kit.csv_uploads import CsvFileError
from kit.request_ids import current_request_id

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "/problems/"

logger = logging.getLogger("kit.problems")


class FieldError(BaseModel):
    """One rule broken by one input field."""

    model_config = ConfigDict(extra="forbid")

    pointer: str = Field(description="Where the field is: /body/..., /query/name, /header/name, /path/name")
    field: str = Field(description="Name of the field")
    rule: str = Field(description="Stable name of the rule broken, e.g. missing, string_too_long")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details with the extension members this platform uses."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="URI reference naming the problem type; stable")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    requestId: str | None = None  # noqa: N815 - camelCase is the API style
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """Raise to answer with a problem document; `slug` becomes the stable problem type."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = list(errors) if errors is not None else None
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


def problem_body(
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    *,
    instance: str | None = None,
    errors: Sequence[FieldError] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the JSON object of a problem document."""
    body: dict[str, Any] = {"type": PROBLEM_TYPE_BASE + slug, "title": title, "status": status}
    if detail is not None:
        body["detail"] = detail
    if instance is not None:
        body["instance"] = instance
    request_id = current_request_id()
    if request_id:
        body["requestId"] = request_id
    if errors is not None:
        body["errors"] = [error.model_dump() for error in errors]
    if extra:
        body.update(extra)
    return body


class ProblemMembers(TypedDict, total=False):
    """A problem document's optional members, as `problem_body` takes them."""

    instance: str | None
    errors: Sequence[FieldError] | None
    extra: Mapping[str, Any] | None


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    **members: Unpack[ProblemMembers],
) -> Response:
    """A ready `application/problem+json` response."""
    body = problem_body(status, slug, title, detail, **members)
    return Response(
        content=orjson.dumps(body),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )


_HTTP_TITLES: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Resource not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    411: ("length-required", "Length required"),
    412: ("precondition-failed", "Precondition failed"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation", "Invalid input"),
    428: ("precondition-required", "Precondition required"),
    429: ("too-many-requests", "Too many requests"),
    500: ("internal", "Internal error"),
    502: ("bad-gateway", "Bad gateway"),
    503: ("unavailable", "Service unavailable"),
    504: ("gateway-timeout", "Gateway timeout"),
}


def standard_problem(status: int) -> tuple[str, str]:
    """The (slug, title) used for a bare HTTP status."""
    return _HTTP_TITLES.get(status, ("http-" + str(status), "HTTP error"))


def _location_to_field(location: Sequence[int | str]) -> tuple[str, str]:
    parts = [str(part) for part in location]
    pointer = "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)
    field_parts = [part for part in parts[1:] if not part.isdigit()] or parts
    return pointer, ".".join(field_parts) if field_parts else ""


def field_errors_from_validation(raw_errors: Sequence[Any]) -> list[FieldError]:
    """Turn pydantic/FastAPI validation errors into field errors that name the field and the rule."""
    result: list[FieldError] = []
    for raw in raw_errors:
        location = raw.get("loc", ()) if isinstance(raw, Mapping) else ()
        pointer, field = _location_to_field(location)
        result.append(
            FieldError(
                pointer=pointer,
                field=field,
                rule=str(raw.get("type", "invalid")) if isinstance(raw, Mapping) else "invalid",
                message=str(raw.get("msg", "invalid value")) if isinstance(raw, Mapping) else str(raw),
            )
        )
    return result


async def _on_problem_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)  # noqa: S101 - registered for this class only
    return problem_response(
        exc.status,
        exc.slug,
        exc.title,
        exc.detail,
        instance=request.url.path,
        errors=exc.errors,
        headers=exc.headers,
        extra=exc.extra,
    )


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
UNPARSED_BODY = "There was an error parsing the body"


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app serves at this path (routes may sit in several routers)."""
    allowed = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    if "GET" in allowed and "HEAD" not in allowed:  # answered as GET (kit.asgi_middleware.HeadAsGetMiddleware)
        allowed.insert(allowed.index("GET") + 1, "HEAD")
    return allowed


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for this class only
    slug, title = standard_problem(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    errors = None
    if exc.status_code == 400 and detail == UNPARSED_BODY:  # FastAPI's words for a body it could not decode
        errors = [FieldError(pointer="/body", field="body", rule="json", message="a JSON document in UTF-8")]
    return problem_response(
        exc.status_code, slug, title, detail, instance=request.url.path, headers=headers, errors=errors
    )


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for this class only
    errors = field_errors_from_validation(exc.errors())
    names = ", ".join(sorted({error.field or error.pointer for error in errors}))
    return problem_response(
        422,
        "validation",
        "Invalid input",
        f"Invalid fields: {names}" if names else None,
        instance=request.url.path,
        errors=errors,
    )


async def _on_unreadable_file(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CsvFileError)  # noqa: S101 - registered for this class only
    error = FieldError(pointer="/body", field="body", rule=exc.rule, message=str(exc))
    return problem_response(422, "validation", "Invalid input", str(exc), instance=request.url.path, errors=[error])


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    # The traceback goes to the log under the request id; the client only gets the id.
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    # This handler runs outside the request-id middleware's context: take the id from the scope.
    request_id = request.scope.get("state", {}).get("request_id")
    return problem_response(
        500,
        "internal",
        "Internal error",
        "The error was logged under the request id.",
        instance=request.url.path,
        extra={"requestId": request_id} if request_id else None,
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error of `app` a problem document, including 404, 405, 422 and crashes."""
    app.add_exception_handler(ProblemError, _on_problem_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(CsvFileError, _on_unreadable_file)
    app.add_exception_handler(Exception, _on_unexpected)


def problem_openapi(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting problem+json for each status."""
    documented: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        _, title = standard_problem(status)
        documented[status] = {
            "description": title,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return documented


def documented_problems(*, authenticated: bool, writes: bool = False) -> dict[int | str, dict[str, Any]]:
    """The problem responses a route can give, by kind of route."""
    statuses = [400, 404, 422, 500, 503]
    if authenticated:
        statuses += [401, 403]
    if writes:
        # 412 and 428 are added by the write pipeline to the routes that take If-Match.
        statuses += [409, 413]
    return problem_openapi(*sorted(statuses))
