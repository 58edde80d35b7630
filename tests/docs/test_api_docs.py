"""The API docs pages render without internet: Swagger UI comes from a pinned package, no CDN."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx
import pytest

from tests.running_stack import RunningStack

# Anything that would leave the server: a scheme, or a protocol-relative `//host`.
EXTERNAL = re.compile(r"""(?i)\b[a-z][a-z0-9+.-]*://|["'(=\s]//[^/\s]""")


class References(HTMLParser):
    """The URLs a page makes the browser load: scripts, stylesheets, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, _tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href"} and value:
                self.urls.append(value)


def loaded_by(page: str) -> list[str]:
    parser = References()
    parser.feed(page)
    return parser.urls


def openapi_url_of(page: str) -> str:
    found = re.search(r"url: '([^']+)'", page)
    assert found, "the page names no OpenAPI document"
    return found.group(1)


async def check_docs_page(client: httpx.AsyncClient, page_url: str) -> list[str]:
    """The page at `page_url` names nothing outside this server, and everything it loads is served."""
    page = await client.get(page_url)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert not EXTERNAL.search(page.text), EXTERNAL.search(page.text)
    assets = loaded_by(page.text)
    assert {asset.rsplit("/", 1)[-1] for asset in assets} == {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"}
    for asset in assets:
        served = await client.get(urljoin(str(page.url), asset))
        assert served.status_code == 200, asset
        assert len(served.content) > 1000, asset
        assert served.headers["cache-control"] == "public, max-age=86400"
    assert '"validatorUrl": null' in page.text
    document = await client.get(urljoin(str(page.url), openapi_url_of(page.text)))
    assert document.status_code == 200
    assert document.json()["openapi"].startswith("3.1")
    return assets


async def test_the_platform_docs_page_loads_nothing_from_outside(gateway: httpx.AsyncClient) -> None:
    assets = await check_docs_page(gateway, "/api/docs")
    assert all(asset.startswith("/api/docs/assets/") for asset in assets)
    script = await gateway.get("/api/docs/assets/swagger-ui-bundle.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert b"SwaggerUIBundle" in script.content
    stylesheet = await gateway.get("/api/docs/assets/swagger-ui.css")
    assert stylesheet.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize("name", ["index.html", "..%2Fcore.py", "swagger-ui.js", "redoc.standalone.js"])
async def test_only_the_pages_assets_are_served(gateway: httpx.AsyncClient, name: str) -> None:
    response = await gateway.get(f"/api/docs/assets/{name}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("service", ["territories", "grants", "participation"])
async def test_each_services_own_docs_page_loads_nothing_from_outside(stack: RunningStack, service: str) -> None:
    async with httpx.AsyncClient(base_url=stack.urls[service]) as direct:
        await check_docs_page(direct, "/docs")
        unknown = await direct.get("/docs/assets/index.html")
        assert unknown.status_code == 404


async def test_the_gateways_own_docs_page_loads_nothing_from_outside(gateway: httpx.AsyncClient) -> None:
    await check_docs_page(gateway, "/docs")
