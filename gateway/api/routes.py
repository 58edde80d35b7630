"""The gateway's own endpoints: OAuth2 token, JWKS, aggregated OpenAPI and Swagger UI, the merged event feed."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

import orjson
from fastapi import Depends, Form, Header, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from gateway.domain.clients import InvalidClientError, InvalidScopeError
from gateway.events import WAIT_LIMIT_SECONDS, event_types_of, read_waiting
from gateway.rate_limits import TokenRequestLimiter
from gateway.use_cases.oauth_clients import issue_token
from kit.api_docs import swagger_ui_asset, swagger_ui_page
from kit.api_models import CONTRACT_CODE_PATTERN
from kit.auth.policies import Policy, authorize, public_policy, unauthenticated
from kit.database import request_unit_of_work
from kit.event_feed import asked_types
from kit.feature_router import FeatureRouter
from kit.problems import ProblemError, documented_problems, problem_openapi
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import PlatformRoute, creates_nothing

PUBLIC = public_policy("gateway-public")
TOKEN = public_policy("oauth-client-credentials")
EVENT_READERS = Policy(name="event-readers")  # any authenticated caller: each service filters what it shows

router = FeatureRouter(
    prefix="/api", tags=["gateway"], route_class=PlatformRoute, responses=documented_problems(authenticated=False)
)


class TokenResponse(BaseModel):
    """RFC 6749 §5.1 access token response."""

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - RFC 6749 token type, not a secret
    expires_in: int
    scope: str


class Jwks(BaseModel):
    keys: list[dict[str, Any]] = Field(description="Public keys (JWK) that sign platform tokens")


def _oauth_error(status: int, error: str, description: str, headers: dict[str, str] | None = None) -> ProblemError:
    # RFC 6749 §5.2 members (`error`, `error_description`) ride along as problem extension members.
    return ProblemError(
        status,
        "oauth-" + error.replace("_", "-"),
        "Token request refused",
        description,
        headers=headers,
        extra={"error": error, "error_description": description},
    )


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, separator, secret = decoded.partition(":")
    return (client_id, secret) if separator else None


@router.post(
    "/oauth/token",
    operation_id="issue_token",
    response_model=TokenResponse,
    dependencies=[
        Depends(authorize(TOKEN)),
        creates_nothing("the OAuth2 token endpoint (RFC 6749 §4.4): each call mints a new short-lived token"),
    ],
    responses=problem_openapi(400, 401, 429),
)
async def token(
    request: Request,
    uow: Annotated[UnitOfWork, Depends(request_unit_of_work)],
    grant_type: Annotated[str, Form(max_length=50, json_schema_extra={"enum": ["client_credentials"]})],
    client_id: Annotated[str | None, Form(max_length=100)] = None,
    client_secret: Annotated[str | None, Form(max_length=200)] = None,
    scope: Annotated[str | None, Form(max_length=1000)] = None,
    authorization: Annotated[str | None, Header(max_length=1000)] = None,
) -> JSONResponse:
    """OAuth2 client credentials: a short-lived platform token for a partner system."""
    limiter: TokenRequestLimiter = request.app.state.token_limiter
    caller = request.client.host if request.client else "unknown"
    if not await limiter.allow(caller):
        raise ProblemError(
            429,
            "too-many-requests",
            "Too many requests",
            "Token requests are rate limited.",
            headers={"Retry-After": "60"},
        )
    if grant_type != "client_credentials":
        raise _oauth_error(400, "unsupported_grant_type", "Only client_credentials is supported.")
    basic = _basic_credentials(authorization)
    identifier, secret = basic if basic else (client_id, client_secret)
    if not identifier or not secret:
        raise _oauth_error(
            401,
            "invalid_client",
            "Client authentication failed.",
            {"WWW-Authenticate": 'Basic realm="coeur-de-quartier"'},
        )
    try:
        issued = await issue_token(uow, request.app.state.token_issuer, identifier, secret, scope)
    except InvalidClientError as error:
        raise _oauth_error(
            401,
            "invalid_client",
            "Client authentication failed.",
            {"WWW-Authenticate": 'Basic realm="coeur-de-quartier"'},
        ) from error
    except InvalidScopeError as error:
        raise _oauth_error(400, "invalid_scope", f"Scope not granted to this client: {error}") from error
    body = TokenResponse(access_token=issued.access_token, expires_in=issued.expires_in, scope=" ".join(issued.scopes))
    return JSONResponse(body.model_dump(), headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@router.get("/oauth/jwks.json", operation_id="get_jwks", response_model=Jwks, dependencies=[Depends(authorize(PUBLIC))])
async def jwks(request: Request) -> Jwks:
    """Public keys that verify platform tokens."""
    return Jwks(keys=request.app.state.jwks["keys"])


@router.get(
    "/openapi.json",
    operation_id="get_platform_openapi",
    response_model=dict[str, Any],
    dependencies=[Depends(authorize(PUBLIC))],
)
async def platform_openapi(request: Request) -> dict[str, Any]:
    """The whole platform's OpenAPI: the gateway and every service under its /api prefix."""
    document: dict[str, Any] = await request.app.state.aggregated_openapi.document(request.app.openapi())
    return document


@router.get(
    "/docs", operation_id="get_platform_docs", response_class=HTMLResponse, dependencies=[Depends(authorize(PUBLIC))]
)
async def platform_docs() -> HTMLResponse:
    """Swagger UI over the aggregated OpenAPI."""
    return swagger_ui_page(openapi_url="/api/openapi.json", assets_url="/api/docs/assets", title="Cœur de Quartier API")


@router.get(
    "/docs/assets/{name}",
    operation_id="get_platform_docs_asset",
    include_in_schema=False,
    dependencies=[Depends(authorize(PUBLIC))],
)
async def platform_docs_asset(name: Annotated[str, Path(max_length=40)]) -> Response:
    """Swagger UI's script, stylesheet and icon, from a pinned package (no CDN)."""
    asset = swagger_ui_asset(name)
    if asset is None:
        raise ProblemError(404, "not-found", "Resource not found", f"No asset {name} of the docs page.")
    return asset


class MergedEvent(BaseModel):
    """An event of one service's feed (see the document's `webhooks` for each type's schema)."""

    model_config = {"extra": "allow"}
    service: str = Field(description="The service whose feed holds it: territories, grants or participation")
    id: str
    type: str
    cursor: str = Field(description="The service's own cursor (the page's nextCursor is the one to resume from)")


class MergedEventPage(BaseModel):
    items: list[MergedEvent]
    nextCursor: str = Field(description="Opaque: pass it as `after` to read on")  # noqa: N815 - the wire's name
    hasMore: bool  # noqa: N815 - the wire's name


@router.get(
    "/events",
    operation_id="list_platform_events",
    response_model=MergedEventPage,
    # Verified here too, so that the policy says what the services will ask: a valid token, any role.
    dependencies=[Depends(authorize(EVENT_READERS))],
    responses=problem_openapi(401, 410, 422),
)
async def platform_events(
    request: Request,
    authorization: Annotated[str | None, Header(max_length=8192)] = None,
    after: Annotated[
        str | None,
        Query(
            max_length=400,
            description="The nextCursor of a page read before; `latest`: no event, the cursor to read on from now",
        ),
    ] = None,
    types: Annotated[
        str | None,
        Query(max_length=2000, description="Event types, comma-separated: one at least (omit it to read every type)"),
    ] = None,
    contract_code: Annotated[str | None, Query(alias="contractCode", pattern=CONTRACT_CODE_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="At most this many events of each service")] = 100,
    wait: Annotated[
        int,
        Query(
            ge=0,
            le=WAIT_LIMIT_SECONDS,
            description="Long-polling: when no event is there yet, wait up to this many seconds for one (the "
            "answer leaves as soon as an event you may read is committed; an empty page at the end)",
        ),
    ] = 0,
) -> Response:
    """The events of every service you may read, each service's in commit order, after an opaque cursor.
    Each service decides with your token what you see (what you may read of the resource). With `wait`, an
    empty page waits for the next event you may read (at most `wait` seconds): `after=latest&wait=30` is
    the next event from now. 410 with `oldestCursor` when the cursor is no longer kept; 422 naming `after`,
    `types` or `wait` when malformed."""
    if authorization is None:  # the policy lets no request without a valid token in
        raise unauthenticated("A bearer token is required.")
    asked = None
    if types is not None:
        known = event_types_of(await request.app.state.aggregated_openapi.document(request.app.openapi()))
        names = asked_types(types, frozenset().union(*known.values()))
        asked = {name: (names or frozenset()) & service_types for name, service_types in known.items()}
    state = request.app.state
    page: dict[str, Any] = await read_waiting(
        state.event_feeds, state.feed_changes, authorization, after, asked, contract_code, limit, wait
    )
    # Sent as the services wrote their events (each validated by its service), not validated again here.
    return Response(orjson.dumps(page), media_type="application/json")
