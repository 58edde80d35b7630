"""The gateway app: the proxy for /api/<service>/…, FastAPI for its own endpoints, one middleware stack."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.api.routes import router
from gateway.db.base import ledger
from gateway.edge import (
    HEAD_LIMITS_STATE_KEY,
    BodyReadTimeoutError,
    BodyReadTimeoutMiddleware,
    HeadLimits,
    ProblemCORSMiddleware,
)
from gateway.events import EventFeeds, FeedChanges
from gateway.openapi_aggregate import AggregatedOpenApi
from gateway.proxy import ReverseProxy, refuse_connect
from gateway.rate_limits import TokenRequestLimiter
from gateway.review.printer import ChromiumPrinter
from gateway.review.routes import router as review_router
from gateway.settings import SCHEMA, GatewaySettings
from gateway.upstream import Upstream
from gateway.webhooks.routes import router as webhooks_router
from kit.asgi_middleware import (
    BodySizeLimitMiddleware,
    BodyTooLargeError,
    HeadAsGetMiddleware,
    RequestContextMiddleware,
    send_json,
)
from kit.auth.tokens import TokenIssuer, public_jwks, verifier_from_settings
from kit.clock import Clock, SystemClock
from kit.database import create_engine, create_sessionmaker, database_ready, install_database_problem_handlers
from kit.garbage_collection import settle_after_start_up
from kit.json_logs import configure_json_logging
from kit.problems import PROBLEM_MEDIA_TYPE, problem_body
from kit.service_app import build_app

logger = logging.getLogger("gateway")


class GatewayApp:
    """ASGI entry point; `api` is the FastAPI app of the gateway's own endpoints."""

    def __init__(self, api: FastAPI, proxy: ReverseProxy, settings: GatewaySettings) -> None:
        self.api = api
        self._api_with_head: ASGIApp = HeadAsGetMiddleware(api)  # the services answer a proxied HEAD themselves
        self.proxy = proxy
        dispatcher: ASGIApp = self._dispatch
        limited = BodySizeLimitMiddleware(
            dispatcher, max_bytes=settings.max_body_bytes, larger_limits=settings.larger_body_limits
        )
        timed = BodyReadTimeoutMiddleware(
            limited, settings.client_body_timeout_seconds, settings.client_body_min_bytes_per_second
        )
        with_cors = ProblemCORSMiddleware(
            timed,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key", "X-Request-ID"],
            expose_headers=["ETag", "Location", "X-Request-ID", "Idempotent-Replayed", "Retry-After"],
            allow_credentials=False,
            max_age=600,
        )
        self._stack: ASGIApp = RequestContextMiddleware(with_cors)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "CONNECT":
            await refuse_connect(send, scope["path"])
            return
        if scope["type"] == "http" and self.proxy.service_of(scope["path"]) is not None:
            try:
                await self.proxy(scope, receive, send)
            except (BodyTooLargeError, BodyReadTimeoutError):
                raise  # answered by their middleware
            except Exception:
                logger.exception("proxy failure on %s %s", scope["method"], scope["path"])
                await send_json(
                    send,
                    500,
                    problem_body(500, "internal", "Internal error", instance=scope["path"]),
                    PROBLEM_MEDIA_TYPE,
                )
            return
        await self._api_with_head(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.api(scope, receive, send)
            return
        await self._stack(scope, receive, send)


def create_app(settings: GatewaySettings | None = None, clock: Clock | None = None) -> GatewayApp:
    chosen = settings or GatewaySettings()  # read from the environment
    clock = clock or SystemClock()
    keys = [chosen.signing_key.get_secret_value()] + [key.get_secret_value() for key in chosen.previous_signing_keys]
    jwks = public_jwks(keys)
    verifier = verifier_from_settings(
        chosen.issuer,
        chosen.audience,
        json.dumps(jwks),
        None,
        chosen.oidc_issuer,
        chosen.oidc_jwks_url,
        chosen.oidc_audience,
        chosen.oidc_claim,
        clock=clock,
    )
    engine = create_engine(
        chosen.database_url.get_secret_value(),
        SCHEMA,
        application_name="gateway",
        pool_size=chosen.db_pool_size,
        pooler=chosen.database_pooler,
    )
    upstreams = {
        name: Upstream(
            name,
            url,
            max_connections=chosen.upstream_max_connections,
            pool_timeout=chosen.upstream_pool_timeout,
            connect_timeout=chosen.upstream_connect_timeout,
            keepalive_seconds=chosen.upstream_keepalive_seconds,
        )
        for name, url in chosen.upstreams().items()
    }
    probe_client = httpx.AsyncClient(timeout=httpx.Timeout(2.0), trust_env=False)
    event_feeds = EventFeeds(chosen.upstreams())
    # LISTEN holds a session: behind a transaction-mode pooler it would hear nothing (long-polls recheck).
    feed_changes = FeedChanges(chosen.database_url.get_secret_value() if chosen.database_pooler == "none" else None)
    review_printer = ChromiumPrinter(chosen.review_chromium)
    review_client = httpx.AsyncClient(
        timeout=httpx.Timeout(chosen.upstream_deadline_seconds, connect=chosen.upstream_connect_timeout),
        trust_env=False,
    )
    proxy = ReverseProxy(
        upstreams,
        verifier,
        chosen.upstream_deadline_seconds,
        chosen.upstream_read_timeout,
        chosen.larger_deadlines,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        settle_after_start_up()
        # uvicorn gives the lifespan state to each connection: the edge protocol reads its limits there.
        yield {HEAD_LIMITS_STATE_KEY: HeadLimits(chosen.client_header_timeout_seconds, chosen.client_header_max_bytes)}
        await proxy.close()
        await probe_client.aclose()
        await feed_changes.stop()
        await event_feeds.close()
        await review_client.aclose()
        await review_printer.close()
        await engine.dispose()

    async def probe(url: str) -> str:
        try:
            response = await probe_client.get(url.rstrip("/") + "/healthz")
        except httpx.HTTPError:
            return "unavailable"
        return "ok" if response.status_code == 200 else "unavailable"

    async def readiness() -> dict[str, str]:
        names = list(chosen.upstreams())
        states = await asyncio.gather(database_ready(engine), *(probe(chosen.upstreams()[name]) for name in names))
        return {"database": states[0], **dict(zip(names, states[1:], strict=True))}

    api = build_app(
        service="gateway",
        title="Cœur de Quartier — gateway",
        version="0.1.0",
        description=(
            "Authentication, routing to territories, grants and participation, one OpenAPI.\n\n"
            "When a service fails, the gateway answers `503` with `Retry-After` only if the request was not "
            "sent to it (refused, or no free connection): repeat it later. Once it was sent, a lost answer is "
            "`502` and no answer by the deadline `504`, without `Retry-After`: for a change the outcome is "
            "unknown (`/problems/upstream-outcome-unknown`); repeat a POST with the same `Idempotency-Key`, "
            "read the resource again before repeating a PUT, PATCH or DELETE. A request head or body that "
            "does not arrive in time is answered `408`."
        ),
        routers=[router, webhooks_router, review_router],
        lifespan=lifespan,
        max_body_bytes=chosen.max_body_bytes,
        docs_enabled=chosen.docs_enabled,
        readiness_checks=readiness,
        with_middleware=False,
    )
    api.state.sessions = create_sessionmaker(engine, pooled=chosen.database_pooler == "pgbouncer")
    api.state.clock = clock
    api.state.ledger = ledger
    api.state.webhook_allow_local_targets = chosen.webhook_allow_local_targets
    api.state.webhook_secret_box = chosen.secret_box()
    api.state.token_verifier = verifier
    api.state.token_issuer = TokenIssuer(keys[0], chosen.issuer, chosen.audience, chosen.token_ttl_seconds)
    api.state.jwks = jwks
    api.state.token_limiter = TokenRequestLimiter(engine, chosen.token_requests_per_minute)
    api.state.aggregated_openapi = AggregatedOpenApi(probe_client, chosen.upstreams())
    api.state.event_feeds = event_feeds
    api.state.feed_changes = feed_changes
    api.state.review_client = review_client
    api.state.review_upstreams = chosen.upstreams()
    api.state.review_printer = review_printer
    install_database_problem_handlers(api)
    if chosen.environment != "test":
        configure_json_logging("gateway", chosen.log_level)
    return GatewayApp(api, proxy, chosen)
