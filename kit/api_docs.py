"""Swagger UI served from a pinned package, so an API docs page renders without internet.

FastAPI's own page loads Swagger UI from a CDN: blank on a machine (or an administration's network)
that reaches none. `fastapi-offline` (requirements.lock) ships Swagger UI's bundle, stylesheet and icon;
the page below names only them and the OpenAPI document, all on this server.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import FileResponse, HTMLResponse, Response

from kit.problems import ProblemError

ASSETS_DIRECTORY = Path(str(files("fastapi_offline") / "static"))

SWAGGER_UI_ASSETS: dict[str, str] = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}

# The package's version is in the path: a cached asset is never served for another version's page.
ASSETS_CACHE_CONTROL = "public, max-age=86400"


def swagger_ui_page(*, openapi_url: str, assets_url: str, title: str) -> HTMLResponse:
    """Swagger UI over `openapi_url`, its script, stylesheet and icon under `assets_url`."""
    return get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=f"{assets_url}/swagger-ui-bundle.js",
        swagger_css_url=f"{assets_url}/swagger-ui.css",
        swagger_favicon_url=f"{assets_url}/favicon.png",
        # Swagger UI would otherwise ask validator.swagger.io to check the document (its badge).
        swagger_ui_parameters={"validatorUrl": None},
    )


def swagger_ui_asset(name: str) -> Response | None:
    """One of the page's assets, or None when `name` is not one of them."""
    media_type = SWAGGER_UI_ASSETS.get(name)
    if media_type is None:
        return None
    return FileResponse(ASSETS_DIRECTORY / name, media_type=media_type, headers={"Cache-Control": ASSETS_CACHE_CONTROL})


def install_swagger_ui(app: FastAPI, *, docs_url: str = "/docs") -> None:
    """A service's own docs page at `docs_url` (outside its OpenAPI, like FastAPI's), assets beside it.

    The page's URLs are relative to it, so it works on the service's port and under the gateway's
    /api/<service>/ prefix alike.
    """
    page_name = docs_url.rsplit("/", 1)[-1]
    openapi_name = (app.openapi_url or "/openapi.json").lstrip("/")

    async def page(_request: Request) -> Response:
        return swagger_ui_page(openapi_url=openapi_name, assets_url=f"{page_name}/assets", title=app.title)

    async def asset(request: Request) -> Response:
        found = swagger_ui_asset(request.path_params["name"])
        if found is None:
            raise ProblemError(404, "not-found", "Resource not found", "No such asset of the docs page.")
        return found

    app.add_route(docs_url, page, include_in_schema=False)
    app.add_route(docs_url + "/assets/{name}", asset, include_in_schema=False)
