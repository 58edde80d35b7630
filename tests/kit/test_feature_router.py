"""A feature's router answers "no match" for a path none of its routes serves without asking them (FastAPI asks
each route of each router in turn: a third of a light read's CPU, issue 19), even when another feature's
routes share its first segment, and still finds every route it serves, under a prefix or behind a
parameter."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Scope

from kit.feature_router import FeatureRouter, paths_pattern
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
    body_meetings = _router("/bodies/{body_id}/meetings")
    prefixed = _router("/items")
    anywhere = _router("/{code}/summary")
    app.include_router(meetings)
    app.include_router(bodies)
    app.include_router(body_meetings)
    app.include_router(prefixed, prefix="/archive")
    app.include_router(anywhere)
    if told:
        tell_routers_their_paths(app, [meetings, bodies, body_meetings, prefixed, anywhere])
    return app


async def _get(app: FastAPI, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        return await client.get(path)


def test_the_pattern_of_a_routers_paths_matches_what_its_routes_match() -> None:
    served = paths_pattern(["/bodies", "/bodies/{body_id}/opinions", "/meetings/{meeting_id:uuid}", "/{code}/summary"])
    for path in ("/bodies", "/bodies/3/opinions", "/meetings/0a4c5c2e-1f7a-4c84-9d4e-7b4e9f0c2a11", "/QN06/summary"):
        assert served.match(path), path
    for path in ("/bodies/", "/bodies/3", "/bodies/3/opinions/4", "/meetings/7", "/a/b/summary", "/", "/other"):
        assert served.match(path) is None, path
    assert paths_pattern([]).match("/") is None


@pytest.mark.asyncio
@pytest.mark.parametrize("told", [True, False])
async def test_every_route_is_found(told: bool) -> None:
    app = _app(told)
    for path, route in (
        ("/meetings/7", "/meetings/{meeting_id}"),
        ("/meetings", "/meetings"),
        ("/bodies/3/opinions", "/bodies/{body_id}/opinions"),
        ("/bodies/3/meetings", "/bodies/{body_id}/meetings"),
        ("/archive/items", "/items"),
        ("/QN06258M/summary", "/{code}/summary"),
    ):
        answer = await _get(app, path)
        assert answer.status_code == 200, path
        assert answer.json() == {"route": route}
    assert (await _get(app, "/items")).status_code == 404  # served under its prefix only
    assert (await _get(app, "/nowhere")).status_code == 404


@pytest.mark.asyncio
async def test_a_told_router_does_not_ask_its_routes_for_a_path_none_of_them_serves() -> None:
    ASKED.clear()
    assert (await _get(_app(), "/bodies/3/opinions")).status_code == 200
    assert not [path for path in ASKED if path.startswith("/meetings") or path == "/items"]
    assert "/bodies/{body_id}/opinions" in ASKED
    assert "/{code}/summary" not in ASKED  # found before it

    ASKED.clear()
    assert (await _get(_app(), "/bodies/3/meetings")).status_code == 200
    assert set(ASKED) == {"/bodies/{body_id}/meetings"}  # the other router of /bodies/... asked none of its routes

    ASKED.clear()
    assert (await _get(_app(), "/archive/items")).status_code == 200
    assert "/items" in ASKED
    assert not [path for path in ASKED if path.startswith(("/meetings", "/bodies"))]


@pytest.mark.asyncio
async def test_an_untold_router_asks_its_routes_and_a_parameter_is_matched_by_the_pattern() -> None:
    ASKED.clear()
    assert (await _get(_app(told=False), "/archive/items")).status_code == 200
    assert "/meetings/{meeting_id}" in ASKED

    ASKED.clear()
    assert (await _get(_app(), "/nowhere")).status_code == 404
    assert ASKED == []  # not even the route whose first segment is a parameter: "/nowhere" is not its path

    ASKED.clear()
    assert (await _get(_app(), "/QN06258M/summary")).status_code == 200
    assert set(ASKED) == {"/{code}/summary"}
