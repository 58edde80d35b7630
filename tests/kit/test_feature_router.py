"""A feature's router answers "no match" for a path outside its routes' first segments without asking its
routes (FastAPI asks each route of each router in turn: a third of a light read's CPU, issue 19), and still
finds every route it serves, under a prefix or behind a parameter."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Scope

from kit.feature_router import FeatureRouter, first_segment
from kit.service_app import tell_routers_their_paths
from kit.write_pipeline import PlatformRoute

ASKED: list[str] = []


class CountingRoute(PlatformRoute):
    """A route that notes each time the router asks it whether it matches."""

    def matches(self, scope: Scope) -> Any:
        ASKED.append(self.path)
        return super().matches(scope)


def _router(*paths: str) -> FeatureRouter:
    router = FeatureRouter(route_class=CountingRoute)
    for path in paths:

        async def endpoint(path: str = path) -> dict[str, str]:
            return {"route": path}

        router.add_api_route(path, endpoint, methods=["GET"], operation_id=path.strip("/").replace("/", "_"))
    return router


def _app(told: bool = True) -> FastAPI:
    app = FastAPI()
    meetings = _router("/meetings/{meeting_id}", "/meetings")
    bodies = _router("/bodies", "/bodies/{body_id}/opinions")
    prefixed = _router("/items")
    anywhere = _router("/{code}/summary")
    app.include_router(meetings)
    app.include_router(bodies)
    app.include_router(prefixed, prefix="/archive")
    app.include_router(anywhere)
    if told:
        tell_routers_their_paths(app, [meetings, bodies, prefixed, anywhere])
    return app


async def _get(app: FastAPI, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        return await client.get(path)


def test_first_segment() -> None:
    assert first_segment("/meetings/1/attendance") == "meetings"
    assert first_segment("/meetings") == "meetings"
    assert first_segment("/") == ""


@pytest.mark.asyncio
@pytest.mark.parametrize("told", [True, False])
async def test_every_route_is_found(told: bool) -> None:
    app = _app(told)
    for path, route in (
        ("/meetings/7", "/meetings/{meeting_id}"),
        ("/meetings", "/meetings"),
        ("/bodies/3/opinions", "/bodies/{body_id}/opinions"),
        ("/archive/items", "/items"),
        ("/QN06258M/summary", "/{code}/summary"),
    ):
        answer = await _get(app, path)
        assert answer.status_code == 200, path
        assert answer.json() == {"route": route}
    assert (await _get(app, "/items")).status_code == 404  # served under its prefix only
    assert (await _get(app, "/nowhere")).status_code == 404


@pytest.mark.asyncio
async def test_a_told_router_does_not_ask_its_routes_for_another_first_segment() -> None:
    ASKED.clear()
    assert (await _get(_app(), "/bodies/3/opinions")).status_code == 200
    assert not [path for path in ASKED if path.startswith("/meetings") or path == "/items"]
    assert "/bodies/{body_id}/opinions" in ASKED
    assert "/{code}/summary" not in ASKED  # found before it

    ASKED.clear()
    assert (await _get(_app(), "/archive/items")).status_code == 200
    assert "/items" in ASKED
    assert not [path for path in ASKED if path.startswith(("/meetings", "/bodies"))]


@pytest.mark.asyncio
async def test_an_untold_router_or_one_behind_a_parameter_asks_its_routes() -> None:
    ASKED.clear()
    assert (await _get(_app(told=False), "/archive/items")).status_code == 200
    assert "/meetings/{meeting_id}" in ASKED

    ASKED.clear()
    assert (await _get(_app(), "/nowhere")).status_code == 404
    assert "/{code}/summary" in ASKED  # its first segment is a parameter: it may match any
    assert "/meetings" not in ASKED
