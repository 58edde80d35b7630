"""Builds a FastAPI app the platform way: problems, request ids, body limit, health, policies in OpenAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine

from kit.admission import Admission, AdmissionMiddleware
from kit.api_docs import install_swagger_ui
from kit.asgi_middleware import BodySizeLimitMiddleware, HeadAsGetMiddleware, RequestContextMiddleware
from kit.auth.policies import Authorize, Policy, PublicAccess, authorize, public_policy
from kit.auth.tokens import verifier_from_settings
from kit.change_feed import ChangeFeed
from kit.clock import Clock, SystemClock
from kit.database import (
    DatabaseTimeouts,
    create_engine,
    create_sessionmaker,
    database_ready,
    install_database_problem_handlers,
)
from kit.event_retention import EventRetention
from kit.feature_router import FeatureRouter
from kit.garbage_collection import settle_after_start_up
from kit.job_workers import JobWorkers
from kit.jobs import JobDefinitions, JobQueue, jobs_router
from kit.json_logs import configure_json_logging
from kit.ledger import Ledger
from kit.pagination import KeptCounts
from kit.problems import Problem, ProblemError, install_problem_handlers, problem_openapi
from kit.reference_lookup import install_reference_problems
from kit.response_cache import ResponseCache
from kit.response_cache_middleware import ResponseCacheMiddleware
from kit.settings import ServiceSettings
from kit.worker_processes import stop_with_the_manager
from kit.write_pipeline import PlatformRoute, etag_header_openapi, mark_etag_sources

HEALTH_POLICY = public_policy("health")


class HealthRead(BaseModel):
    status: str
    service: str
    checks: dict[str, str] = {}


def api_routes(app: FastAPI) -> list[tuple[str, APIRoute]]:
    """Every API route of the app with its full path, included routers flattened."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            found.append((context.path_format or route.path_format, route))
    return found


def tell_routers_their_paths(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """Each FeatureRouter the app includes learns the full paths its routes are served at
    (kit/feature_router.py)."""
    served = api_routes(app)
    for router in routers:
        if isinstance(router, FeatureRouter):
            router.serve_at(path for path, route in served if route in router.routes)


def route_policy(route: APIRoute) -> Policy | None:
    """The policy a route declares through its dependencies, if any."""
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if isinstance(dependency.call, Authorize | PublicAccess):
            return dependency.call.policy
        pending.extend(dependency.dependencies)
    return None


def health_router(service: str, readiness_checks: Callable[[], Awaitable[dict[str, str]]]) -> FeatureRouter:
    """`/healthz` (the process answers) and `/readyz` (its dependencies answer)."""
    router = FeatureRouter(tags=["health"], route_class=PlatformRoute)

    @router.get(
        "/healthz",
        operation_id="healthz",
        response_model=HealthRead,
        dependencies=[Depends(authorize(HEALTH_POLICY))],
        responses=problem_openapi(500),
    )
    async def healthz() -> HealthRead:
        """Liveness: the process serves requests."""
        return HealthRead(status="ok", service=service)

    @router.get(
        "/readyz",
        operation_id="readyz",
        response_model=HealthRead,
        dependencies=[Depends(authorize(HEALTH_POLICY))],
        responses=problem_openapi(500, 503),
    )
    async def readyz() -> HealthRead:
        """Readiness: the database and the apps this one needs answer."""
        checks = await readiness_checks()
        if any(value != "ok" for value in checks.values()):
            raise ProblemError(
                503,
                "not-ready",
                "Service unavailable",
                "A dependency is not ready.",
                extra={"checks": checks},
                headers={"Retry-After": "2"},
            )
        return HealthRead(status="ok", service=service, checks=checks)

    return router


def build_app(
    *,
    service: str,
    title: str,
    version: str,
    description: str,
    routers: Sequence[APIRouter],
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[Any]],
    max_body_bytes: int,
    docs_enabled: bool,
    readiness_checks: Callable[[], Awaitable[dict[str, str]]],
    with_middleware: bool = True,
    larger_body_limits: Mapping[str, int] | None = None,
    response_cache: ResponseCache | None = None,
    admission: Admission | None = None,
) -> FastAPI:
    stop_with_the_manager()
    app = FastAPI(
        title=title,
        version=version,
        description=description,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        generate_unique_id_function=lambda route: route.name,
        # No redirect to the path with(out) its trailing slash: its Location would name the service's own
        # address, which the gateway does not rewrite and callers must not see. Such a path is not found.
        redirect_slashes=False,
    )
    install_problem_handlers(app)
    if docs_enabled:
        install_swagger_ui(app)
    included = [health_router(service, readiness_checks), *routers]
    for router in included:
        app.include_router(router)
    tell_routers_their_paths(app, included)
    check_write_pipeline(app)
    if with_middleware:
        if response_cache is not None:
            app.add_middleware(ResponseCacheMiddleware, cache=response_cache)
        if admission is not None:  # outside the response cache: a remembered answer waits its turn too
            app.add_middleware(
                AdmissionMiddleware, limit=admission.concurrent_requests, wait_seconds=admission.queue_seconds
            )
        app.add_middleware(BodySizeLimitMiddleware, max_bytes=max_body_bytes, larger_limits=larger_body_limits)
        app.add_middleware(HeadAsGetMiddleware)
        app.add_middleware(RequestContextMiddleware)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = platform_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def check_write_pipeline(app: FastAPI) -> None:
    """Refuse to build an app whose routes could skip the write pipeline's guarantees."""
    routes = api_routes(app)
    outside = [
        f"{sorted(route.methods or ())} {path}" for path, route in routes if not isinstance(route, PlatformRoute)
    ]
    if outside:
        raise TypeError(
            "routes outside the write pipeline (use kit.write_pipeline.platform_router): " + ", ".join(outside)
        )
    unread = mark_etag_sources(routes)
    if unread:
        raise TypeError(
            "conditional writes whose ETag no GET gives (add the GET or conditional(read_at=…)): "
            + ", ".join(sorted(set(unread)))
        )


def platform_openapi(app: FastAPI) -> dict[str, Any]:
    """OpenAPI with the Problem schema, each operation's policy, and no FastAPI validation schema."""
    document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(Problem.model_json_schema(ref_template="#/components/schemas/{model}")["$defs"])
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    problem_schema.pop("$defs", None)
    schemas["Problem"] = problem_schema
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    routes = {(method, path): route for path, route in api_routes(app) for method in route.methods or ()}
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            route = routes.get((method.upper(), path))
            policy = route_policy(route) if route is not None else None
            if policy is not None:
                operation["x-policy"] = policy.describe()
                if policy.anonymous:
                    operation["security"] = []
            if isinstance(route, PlatformRoute) and route.sends_etag:
                operation["responses"]["200"].setdefault("headers", {}).update(etag_header_openapi())
    return document


def create_service_app(
    *,
    service: str,
    schema: str,
    title: str,
    description: str,
    version: str,
    settings: ServiceSettings,
    ledger: Ledger,
    routers: Sequence[APIRouter],
    install_domain_problems: Callable[[FastAPI], None],
    state: Mapping[str, Any] | None = None,
    closers: Sequence[Callable[[], Awaitable[None]]] = (),
    larger_body_limits: Mapping[str, int] | None = None,
    jobs: JobDefinitions | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """A service app on its own schema: engine, sessions, token verifier, problems, health, logs, and the
    workers of its long operations when it has any (`jobs`)."""

    def engine_of(name: str, pool_size: int, *, generic_plans: bool = False) -> AsyncEngine:
        return create_engine(
            settings.database_url.get_secret_value(),
            schema,
            application_name=name,
            pool_size=pool_size,
            pool_timeout_seconds=settings.db_pool_timeout_seconds,
            timeouts=DatabaseTimeouts(
                lock_timeout_ms=settings.db_lock_timeout_ms,
                statement_timeout_ms=settings.db_statement_timeout_ms,
                idle_in_transaction_timeout_ms=settings.db_idle_in_transaction_timeout_ms,
            ),
            pooler=settings.database_pooler,
            generic_plans=generic_plans,
        )

    # Reading units' compiled statements on connections of their own, which plan each statement once
    # (kit.database.create_engine): half of the app's pool, so that it holds no more connections. Behind a
    # pooler reads keep their transaction and go through SQLAlchemy.
    pooled = settings.database_pooler == "pgbouncer"
    reads_pool_size = 0 if pooled else settings.db_pool_size // 2
    engine = engine_of(service, settings.db_pool_size - reads_pool_size)
    compiled_reads = engine_of(f"{service}-reads", reads_pool_size, generic_plans=True) if reads_pool_size else None

    # The cache asks the feed, created next, whether it has heard every change acknowledged before a moment
    # (a request's arrival).
    response_cache = ResponseCache(heard_since=lambda moment: change_feed.heard_since(moment))
    # LISTEN holds a session: through a transaction-mode pooler it would hear nothing.
    direct_url = settings.database_direct_url or settings.database_url
    change_feed = ChangeFeed(
        direct_url.get_secret_value(),
        schema,
        response_cache,
        application_name=f"{service}-change-feed",
    )

    retention = EventRetention(create_sessionmaker(engine), ledger.outbox_events, settings.event_retention_days)

    @asynccontextmanager
    async def lifespan(started: FastAPI) -> AsyncIterator[None]:
        change_feed.start()
        retention.start()
        workers: JobWorkers | None = getattr(started.state, "job_workers", None)
        if workers is not None:
            workers.start()
        settle_after_start_up()
        # The OpenAPI document is built once, now: the gateway reads it with a 3-second budget (its
        # aggregated document, the event types it checks), which building it on first read (about 2 s
        # for grants, more on a loaded machine) used to spend.
        started.openapi()
        yield
        if workers is not None:
            await workers.stop()
        await retention.stop()
        await change_feed.stop()
        for close in closers:
            await close()
        await engine.dispose()
        if compiled_reads is not None:
            await compiled_reads.dispose()

    async def readiness() -> dict[str, str]:
        return {"database": await database_ready(engine)}

    if jobs is not None:
        routers = [*routers, jobs_router()]
    app = build_app(
        service=service,
        title=title,
        version=version,
        description=description,
        routers=routers,
        lifespan=lifespan,
        max_body_bytes=settings.max_body_bytes,
        docs_enabled=settings.docs_enabled,
        readiness_checks=readiness,
        larger_body_limits=larger_body_limits,
        response_cache=response_cache,
        admission=Admission(settings.concurrent_requests, settings.request_queue_seconds),
    )
    app.state.response_cache = response_cache
    app.state.kept_counts = KeptCounts(response_cache.count_stamp, response_cache.caught_up_with_request)
    app.state.sessions = create_sessionmaker(engine, pooled=pooled, compiled_reads=compiled_reads)
    app.state.clock = clock or SystemClock()
    app.state.ledger = ledger
    app.state.event_retention = retention
    if jobs is not None:
        app.state.job_queue = JobQueue(
            table=jobs.table, sessions=app.state.sessions, operations=jobs.operations, ledger=ledger
        )
        app.state.job_workers = JobWorkers(
            queue=app.state.job_queue,
            state=app.state,
            handlers=app.exception_handlers,
            statement_timeout_ms=settings.db_job_statement_timeout_ms,
        )
    app.state.token_verifier = verifier_from_settings(
        settings.auth_issuer,
        settings.auth_audience,
        settings.auth_jwks,
        settings.auth_jwks_url,
        settings.oidc_issuer,
        settings.oidc_jwks_url,
        settings.oidc_audience,
        settings.oidc_claim,
        clock=app.state.clock,
    )
    for key, value in (state or {}).items():
        setattr(app.state, key, value)
    install_database_problem_handlers(app)
    install_reference_problems(app)
    install_domain_problems(app)
    if settings.environment != "test":
        configure_json_logging(service, settings.log_level)
    return app
