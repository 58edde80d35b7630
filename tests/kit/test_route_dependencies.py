"""What a route asks FastAPI to solve at each request: its caller in one dependency, and none of the markers
that only tell the platform's route class what to do (a light read spends a third of its CPU solving
dependencies: issue 19)."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from identity.principal import Principal
from kit.auth.policies import Authorize, Policy, authorize
from kit.response_cache import REMEMBER_STATE, REMEMBERED, Remember, remembered_by
from kit.service_app import api_routes
from kit.write_pipeline import MARKERS, PlatformRoute, conditional, creates_nothing, platform_router

READER = Policy(name="test-read")
Caller = Annotated[Principal, Depends(authorize(READER))]


def _every_call(dependant: Dependant) -> list[Any]:
    calls = []
    pending = list(dependant.dependencies)
    while pending:
        dependency = pending.pop()
        calls.append(dependency.call)
        pending.extend(dependency.dependencies)
    return calls


def _held(request: Request) -> Any:
    held = request.scope.get("state", {}).get(REMEMBER_STATE)
    return sorted(held) if isinstance(held, frozenset) else held


def marked_app() -> FastAPI:
    router = platform_router(["test"], authenticated=True, writes=True)

    @router.get("/remembered", operation_id="remembered", dependencies=[REMEMBERED])
    async def remembered(request: Request) -> Any:
        return {"held": _held(request)}

    @router.get(
        "/parts", operation_id="parts", dependencies=[remembered_by(lambda request: [request.query_params["year"]])]
    )
    async def parts(request: Request) -> Any:
        return {"held": _held(request)}

    @router.get("/kept-by-nobody", operation_id="kept_by_nobody")
    async def kept_by_nobody(request: Request) -> Any:
        return {"held": _held(request)}

    @router.post("/lookups", operation_id="lookup", dependencies=[creates_nothing("answers at once")])
    async def lookup() -> Any:
        return {}

    @router.post("/moves", operation_id="move", dependencies=[conditional()])
    async def move() -> Any:
        return {}

    # A router of another route class: the marker, solved as a dependency, marks the same way.
    plain = APIRouter()

    @plain.get("/plain", dependencies=[REMEMBERED])
    async def plain_remembered(request: Request) -> Any:
        return {"held": _held(request)}

    app = FastAPI()
    app.include_router(router)
    app.include_router(plain)
    return app


def _route(app: FastAPI, path: str) -> APIRoute:
    return next(route for full_path, route in api_routes(app) if full_path == path)


@pytest.mark.parametrize("path", ["/remembered", "/parts", "/lookups", "/moves"])
def test_markers_are_read_by_the_route_class_and_never_solved(path: str) -> None:
    app = marked_app()
    route = _route(app, path)
    assert isinstance(route, PlatformRoute)
    assert not [call for call in _every_call(route.dependant) if isinstance(call, MARKERS)]
    # What the markers tell is still applied.
    told = (route.write.idempotent, route.write.conditional) if route.write is not None else None
    expected = {"/remembered": None, "/parts": None, "/lookups": (False, False), "/moves": (True, True)}
    assert told == expected[path]
    assert isinstance(route.remember, Remember) == (path in {"/remembered", "/parts"})


def test_the_caller_is_one_dependency_that_is_the_bearer_scheme() -> None:
    router = platform_router(["test"], authenticated=True)

    @router.get("/mine", operation_id="mine")
    async def mine(caller: Caller) -> Any:
        return {"subject": caller.subject}

    app = FastAPI()
    app.include_router(router)
    [caller] = _route(app, "/mine").dependant.dependencies
    assert isinstance(caller.call, Authorize)
    assert caller.dependencies == []  # no nested bearer dependency to solve first
    document = app.openapi()
    assert document["components"]["securitySchemes"] == {
        "HTTPBearer": {"type": "http", "scheme": "bearer", "description": "A platform JWT or an OIDC access token"}
    }
    assert document["paths"]["/mine"]["get"]["security"] == [{"HTTPBearer": []}]


async def test_a_remembered_route_is_marked_before_its_endpoint_runs() -> None:
    app = marked_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/remembered")).json() == {"held": True}
        assert (await client.get("/parts", params={"year": "2026"})).json() == {"held": ["2026"]}
        assert (await client.get("/kept-by-nobody")).json() == {"held": None}
        assert (await client.get("/plain")).json() == {"held": True}
