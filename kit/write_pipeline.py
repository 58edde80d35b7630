"""The write pipeline: the guarantees every mutating route gets without asking.

Every router of every service uses `PlatformRoute` (kit/service_app.py refuses an app with another route
class). For each POST, PUT, PATCH and DELETE it:
- declares and honours `Idempotency-Key` on every POST (unless the route says, with `creates_nothing`,
  why it writes nothing): the first response is stored with the change, in the same transaction, and a
  replay returns it with `Idempotent-Replayed: true`; the same key with another request is a 422;
- declares and requires `If-Match` on every PUT, PATCH and DELETE, and on the POST actions marked
  `conditional`: the use case checks it against the resource it locked (`uow.check_precondition`), and
  the commit is refused if it did not (428 without the header, 412 when stale, `*` refused);
- runs the request as one ambient transaction (kit/unit_of_work.py): committed once, after the response
  is built, only if the audit log recorded the change;
- retries the whole request, a bounded number of times, when PostgreSQL aborts it for a deadlock or a
  serialization failure, or its pooled connection turns out dead (nothing was committed, so running it
  again is safe); reads (GET) get the same retries;
- for each conditional write, makes the GET that gives the ETag (its own path, or `read_at`) declare it,
  and refuses to answer a 200 from that GET without one.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import Depends, Header, Request, Response
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit.ambient_transaction import AmbientTransaction, UnguardedWriteError, enter_operation, leave_operation
from kit.auth.policies import bearer_principal
from kit.database import sqlstate_of
from kit.etags import ETAG_HEADER, IF_MATCH_HEADER, IF_MATCH_MAX_LENGTH, if_match_list
from kit.feature_router import FeatureRouter
from kit.idempotency import (
    IDEMPOTENCY_HEADER,
    IDEMPOTENCY_KEY_PATTERN,
    REPLAYED_HEADER,
    REPLAYED_HEADERS,
    ClaimLostError,
    IdempotentRequest,
    Reclaim,
    StoredResponse,
    claim,
    fingerprint_of,
    kept_answer,
    key_of,
    one_key_header,
)
from kit.ledger import Ledger
from kit.outbox import write_pending
from kit.problems import documented_problems, problem_openapi
from kit.query_params import refuse_repeated, scalar_query_names
from kit.response_cache import Remember

logger = logging.getLogger("kit.write_pipeline")

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CONDITIONAL_METHODS = frozenset({"PUT", "PATCH", "DELETE"})
# SQLSTATEs after which PostgreSQL has rolled the transaction back and a new attempt may succeed.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
ATTEMPTS = 3
REPLAY_OMITS_HEADER = "x-replay-omits"  # set by `replay_omits`, removed before the answer leaves
_jitter = secrets.SystemRandom()


@dataclass(frozen=True, slots=True)
class CreatesNothing:
    """Marks a POST that stores nothing (a lookup, a computation answered at once): no Idempotency-Key."""

    reason: str

    async def __call__(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class Conditional:
    """Marks a write that needs If-Match; `read_at` is the path whose GET gives the ETag (default: its own)."""

    read_at: str | None = None

    async def __call__(self) -> None:
        return None


def creates_nothing(reason: str) -> Any:
    """`dependencies=[creates_nothing("…why…")]` on a POST that writes nothing."""
    return Depends(CreatesNothing(reason))


def conditional(read_at: str | None = None) -> Any:
    """`dependencies=[conditional()]` on a POST action that needs If-Match; with `read_at` on a
    PUT/PATCH/DELETE whose ETag is read at another path (a sub-resource versioned with its parent)."""
    return Depends(Conditional(read_at))


async def _idempotency_key_header(  # declares and bounds the header; the pipeline reads it
    idempotency_key: Annotated[  # noqa: ARG001
        str | None,
        Header(
            alias=IDEMPOTENCY_HEADER,
            pattern=IDEMPOTENCY_KEY_PATTERN,
            description="Makes this POST safe to retry for 24 h: a replay returns the first response with "
            "`Idempotent-Replayed: true`; the same key with another request is a 422. 1 to 255 visible ASCII "
            "characters, e.g. a UUID.",
        ),
    ] = None,
) -> None:
    return None


async def _if_match_header(  # declares and bounds the header; the pipeline reads it
    if_match: Annotated[  # noqa: ARG001
        str | None,
        Header(
            alias=IF_MATCH_HEADER,
            max_length=IF_MATCH_MAX_LENGTH,
            description="The ETag of the version you read (428 without it, 412 when it changed since; `*` is "
            "refused). Omit it only to create a resource that does not exist yet.",
        ),
    ] = None,
) -> None:
    return None


@dataclass(frozen=True, slots=True)
class WriteSpec:
    idempotent: bool
    conditional: bool
    read_at: str | None


def _marker(dependencies: Sequence[DependsParam], kind: type[Any]) -> Any:
    for dependency in dependencies:
        if isinstance(dependency.dependency, kind):
            return dependency.dependency
    return None


MARKERS = (CreatesNothing, Conditional, Remember)


def _solved(dependencies: Sequence[DependsParam]) -> list[DependsParam]:
    """The dependencies FastAPI solves at each request: the markers only tell this class what to do."""
    return [dependency for dependency in dependencies if not isinstance(dependency.dependency, MARKERS)]


class PlatformRoute(APIRoute):
    """The route class of every router: see the module's docstring."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        methods = {method.upper() for method in options.get("methods") or ["GET"]}
        dependencies: list[DependsParam] = list(options.get("dependencies") or [])
        responses: dict[int | str, dict[str, Any]] = dict(options.get("responses") or {})
        extra: dict[str, Any] = dict(options.get("openapi_extra") or {})
        self.write: WriteSpec | None = None
        self.sends_etag = False
        self.remember: Remember | None = _marker(dependencies, Remember)
        if methods & WRITE_METHODS:
            nothing: CreatesNothing | None = _marker(dependencies, CreatesNothing)
            condition: Conditional | None = _marker(dependencies, Conditional)
            idempotent = "POST" in methods and nothing is None
            is_conditional = bool(methods & CONDITIONAL_METHODS) or condition is not None
            read_at = (condition.read_at if condition is not None else None) or path
            if idempotent:
                dependencies.insert(0, Depends(_idempotency_key_header))
                responses.update(problem_openapi(400, 422))
            if nothing is not None:
                extra["x-creates-nothing"] = nothing.reason
            if is_conditional:
                dependencies.insert(0, Depends(_if_match_header))
                responses.update(problem_openapi(412, 428))
                extra["x-etag-read-at"] = read_at
            self.write = WriteSpec(idempotent, is_conditional, read_at if is_conditional else None)
        options.update(dependencies=_solved(dependencies), responses=responses, openapi_extra=extra or None)
        super().__init__(path, endpoint, **options)
        self.scalar_queries = scalar_query_names(self.dependant)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        route = self

        async def handle(request: Request) -> Response:
            refuse_repeated(request.query_params, route.scalar_queries)
            if route.remember is not None:
                route.remember.mark(request)
            if route.write is not None:
                return await run_write(request, handler, route.write, route.name)
            response = await run_read(request, handler, route.name)
            if route.sends_etag and response.status_code == 200 and ETAG_HEADER.lower() not in response.headers:
                raise UnguardedWriteError(f"GET {route.path} gives the ETag of its writes but answered without one")
            return response

        return handle


def is_transient(error: BaseException) -> bool:
    """The transaction is gone without having committed, so running it again is safe: PostgreSQL rolled it
    back (deadlock, serialization failure), or the connection died under it (a pooled connection that a
    database restart left dead: the pool gives a fresh one next). A connection lost at the commit is not
    this: its outcome is unknown (kit/unit_of_work.py)."""
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    return sqlstate_of(error) in TRANSIENT_SQLSTATES or error.connection_invalidated


def replay_omits(response: Response, *fields: str) -> None:
    """Remember this answer without these top-level fields of its JSON body: a secret shown once (a webhook
    secret) is not kept in clear for the key's day, and a replay answers the rest without it."""
    response.headers[REPLAY_OMITS_HEADER] = ",".join(fields)


def _omitted(response: Response) -> tuple[str, ...]:
    """The fields the handler asked not to remember; its marker header is never sent."""
    named = response.headers.get(REPLAY_OMITS_HEADER)
    if named is None:
        return ()
    del response.headers[REPLAY_OMITS_HEADER]
    return tuple(named.split(","))


def _stored(response: Response, omitted: tuple[str, ...] = ()) -> StoredResponse:
    body = getattr(response, "body", None)
    if not isinstance(body, bytes | memoryview):
        raise UnguardedWriteError("an idempotent write answered a streamed body, which cannot be replayed")
    headers = {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers}
    kept = bytes(body)
    if omitted and 200 <= response.status_code < 300:
        document = orjson.loads(kept)
        kept = orjson.dumps({name: value for name, value in document.items() if name not in omitted})
    return StoredResponse(status=response.status_code, headers=headers, body=kept)


def _replayed(stored: StoredResponse) -> Response:
    return Response(
        content=stored.body,
        status_code=stored.status,
        headers={**stored.headers, REPLAYED_HEADER: "true"},
    )


def _etag_places(request: Request, spec: WriteSpec, response: Response) -> tuple[str, ...]:
    """Where the ETag a write answers is read: its `read_at` path filled with the request's, its Location."""
    read_at = spec.read_at.format(**request.path_params) if spec.read_at is not None else ""
    return read_at, response.headers.get("location", "")


def _keeper(
    ledger: Ledger,
    reserved: IdempotentRequest | None,
    response: Response,
    places: tuple[str, ...],
    omitted: tuple[str, ...] = (),
) -> Callable[[AsyncSession], Coroutine[Any, Any, None]]:
    """What the operation stores with its change: its events, with the ETag it answers, and the response
    under the caller's key."""

    async def keep(session: AsyncSession) -> None:
        answer = [kept_answer(ledger.idempotency_keys, reserved, _stored(response, omitted))] if reserved else []
        await write_pending(
            session,
            etag=response.headers.get(ETAG_HEADER),
            places=places,
            status=response.status_code,
            alongside=answer,
        )

    return keep


async def run_read(
    request: Request, handler: Callable[[Request], Coroutine[Any, Any, Response]], operation: str
) -> Response:
    """A read, run again when its connection turned out dead (a database restart leaves some in the pool)."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await handler(request)
        except sa_exc.DBAPIError as error:
            if attempt == ATTEMPTS or not is_transient(error):
                raise
            logger.warning("transient database error on %s, attempt %d", operation, attempt)
        await asyncio.sleep(_jitter.uniform(0.005, 0.03) * attempt)
    raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover


async def run_write(
    request: Request,
    handler: Callable[[Request], Coroutine[Any, Any, Response]],
    spec: WriteSpec,
    operation: str,
) -> Response:
    """Run one write request in its ambient transaction; see the module's docstring.

    With an Idempotency-Key the transaction is opened, and the key reserved in it, before the handler runs:
    a replay runs none of the handler, and a concurrent duplicate waits on the key until the first commits.
    """
    body = await request.body()  # read once: kept by the request for the handler and every retry
    key_header = one_key_header(request.headers.getlist(IDEMPOTENCY_HEADER)) if spec.idempotent else None
    # A key belongs to its caller: without one the handler answers 401 (or, public, runs unkeyed).
    caller = await bearer_principal(request.scope) if key_header is not None else None
    key = key_of(key_header) if key_header is not None and caller is not None else None
    reserved = None
    if key is not None and caller is not None:
        fingerprint = fingerprint_of(
            request.method, request.url.path, request.url.query, request.headers.get("content-type", ""), body
        )
        # Keys are the caller's, and its rights' too: a token of the same subject with other roles or
        # bindings does not replay what the first could do (its request runs, and is judged, on its own).
        owner = f"{caller.kind}:{caller.subject}:{caller.rights_digest()}"
        reserved = IdempotentRequest(owner=owner, key=key, operation=operation, fingerprint=fingerprint)
    ledger: Ledger | None = getattr(request.app.state, "ledger", None)
    for attempt in range(1, ATTEMPTS + 1):
        transaction = AmbientTransaction(
            if_match=if_match_list(request.headers.getlist(IF_MATCH_HEADER)) if spec.conditional else None,
            idempotency_key=key,
            conditional=spec.conditional,
        )
        token = enter_operation(transaction)
        try:
            if reserved is not None and ledger is not None:
                sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
                transaction.adopt(sessions())
                stored = await claim(transaction.opened_session(), ledger.idempotency_keys, reserved)
                if stored is not None:
                    return _replayed(stored)
                transaction.holds_only(Reclaim(ledger.idempotency_keys, reserved))
            response = await handler(request)
            omitted = _omitted(response)
            if ledger is not None:
                places = _etag_places(request, spec, response)
                await transaction.complete(_keeper(ledger, reserved, response, places, omitted))
            else:
                await transaction.complete()
            return response
        except ClaimLostError:
            if attempt == ATTEMPTS:
                raise
            logger.info("%s: its Idempotency-Key was answered meanwhile, attempt %d replays it", operation, attempt)
        except sa_exc.DBAPIError as error:
            if attempt == ATTEMPTS or not is_transient(error):
                raise
            logger.warning("transient database error on %s, attempt %d: %s", operation, attempt, sqlstate_of(error))
        finally:
            await transaction.close()
            leave_operation(token)
        await asyncio.sleep(_jitter.uniform(0.005, 0.03) * attempt)
    raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover


def mark_etag_sources(routes: Sequence[tuple[str, APIRoute]]) -> list[str]:
    """Make the GET giving each conditional write's ETag check that it sends one; returns the paths of
    conditional writes whose `read_at` has no GET (the contract test reports them)."""
    gets = {
        path: route for path, route in routes if "GET" in (route.methods or ()) and isinstance(route, PlatformRoute)
    }
    missing = []
    for _path, route in routes:
        spec = route.write if isinstance(route, PlatformRoute) else None
        if spec is None or spec.read_at is None:
            continue
        source = gets.get(spec.read_at)
        if source is None:
            missing.append(spec.read_at)
            continue
        source.sends_etag = True
    return missing


def etag_header_openapi() -> dict[str, Any]:
    return {
        ETAG_HEADER: {
            "description": "Strong validator of this version: send it back in If-Match to change the resource",
            "required": True,
            "schema": {"type": "string"},
        }
    }


def platform_router(tags: list[str], *, authenticated: bool, writes: bool = False) -> FeatureRouter:
    """The router of a feature: every route a `PlatformRoute`, the problems its kind of route can give."""
    return FeatureRouter(
        tags=list(tags),
        route_class=PlatformRoute,
        responses=documented_problems(authenticated=authenticated, writes=writes),
    )


def locate_created(response: Response, location: str, etag: str | None = None) -> None:
    """The headers of a 201: where the new resource is read, and its ETag."""
    response.headers["Location"] = location
    if etag is not None:
        response.headers[ETAG_HEADER] = etag
