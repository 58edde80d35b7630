"""The review's page as a person sees it: headless Chromium (Debian's, driven by Playwright) loads the demo
contract's review through the gateway, a screenshot is kept in test-artifacts/, the charts' SVG are laid
out with a size, the console shows no error and no request leaves the machine."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import ConsoleMessage, Route, async_playwright

from identity.principal import Role
from tests.running_stack import RunningStack

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


async def test_the_demo_contracts_review_renders_in_chromium(stack: RunningStack, cua_contract: str) -> None:
    token = stack.token([Role.CONTRACT_PILOT], [cua_contract])
    url = f"{stack.gateway}/api/contracts/{cua_contract}/reviews/2024.html"
    errors: list[str] = []
    outside: list[str] = []

    async def guard(route: Route) -> None:
        if urlsplit(route.request.url).hostname not in LOCAL_HOSTS and not route.request.url.startswith("data:"):
            outside.append(route.request.url)
            await route.abort()
            return
        await route.continue_()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    arguments = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]
    if os.geteuid() == 0:
        arguments.append("--no-sandbox")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=arguments)
        try:
            context = await browser.new_context(
                extra_http_headers={"Authorization": f"Bearer {token}"}, viewport={"width": 1100, "height": 900}
            )
            page = await context.new_page()
            page.on("console", on_console)
            page.on("pageerror", lambda error: errors.append(str(error)))
            await page.route("**/*", guard)
            response = await page.goto(url, wait_until="load")
            assert response is not None
            assert response.status == 200
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / f"review-{cua_contract}-2024.png"
            await page.screenshot(path=str(shot), full_page=True)
            boxes = await page.evaluate(
                """() => Array.from(document.querySelectorAll('svg')).map(svg => {
                    const box = svg.getBoundingClientRect();
                    const marks = Array.from(svg.querySelectorAll('rect, path, circle'))
                        .filter(mark => {
                            const b = mark.getBoundingClientRect();
                            return b.width > 0 || b.height > 0;
                        });
                    return {id: svg.id, width: box.width, height: box.height, marks: marks.length};
                })"""
            )
            title = await page.title()
            # Participation may not answer in time on a loaded machine: then its section says so, and has
            # no chart to check.
            governance_answered = await page.evaluate(
                "() => !document.querySelector('section[aria-labelledby=\"section-governance\"] .unavailable')"
            )
        finally:
            await browser.close()
    assert shot.stat().st_size > 20_000, "a screenshot of the whole page"
    assert title.startswith("Revue annuelle 2024")
    ids = {box["id"] for box in boxes}
    # The demo programmation (loaded at start as `./dev up` loads it) draws the money by financer and pillar.
    assert {"map", "indicator-1", "by-financer", "by-pillar"} <= ids, ids
    assert ("members" in ids) == governance_answered, ids
    for box in boxes:
        assert box["width"] > 0, box
        assert box["height"] > 0, box
        assert box["marks"] > 0, box
    assert errors == []
    assert outside == []
