"""The annual review of a contract: its figures are the services' own answers, a stopped service leaves its
sections unavailable and the rest produced, who may read it, bad input named, the cohort view."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cli.embedded_postgres import free_port
from gateway.app import create_app
from gateway.review import sources as review_sources
from gateway.review import use_cases as review_use_cases
from gateway.review.domain import Section, Source
from identity.principal import Role
from tests.gateway.wire import PATIENCE_SECONDS, gateway_settings
from tests.running_stack import RunningStack, ServingThread
from tests.steps import step

YEAR = 2024
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _block(review: dict[str, Any], key: str, qpv: str | None = None) -> dict[str, Any]:
    found = [
        block
        for section in review["sections"]
        for block in section["blocks"]
        if block["key"] == key and block["qpv"] == qpv
    ]
    assert len(found) == 1, (key, qpv, [b["key"] for s in review["sections"] for b in s["blocks"]])
    chosen: dict[str, Any] = found[0]
    return chosen


def _section(review: dict[str, Any], key: str) -> dict[str, Any]:
    return next(section for section in review["sections"] if section["key"] == key)


async def _blocks_are_own_answers(
    gateway: httpx.AsyncClient, review: dict[str, Any], own: dict[str, str], headers: dict[str, str]
) -> None:
    """Each block of `own` is, as it is, what its endpoint answers the same caller, with that provenance."""
    for key, url in own.items():
        block = _block(review, key)
        assert block["status"] == "available", block
        direct = await gateway.get(url, headers=headers)
        assert direct.status_code == 200, direct.text
        assert block["data"] == direct.json(), key
        assert block["provenance"]["endpoint"] == "GET " + url.replace(",", "%2C")


async def test_the_reviews_figures_are_the_services_own_answers(
    stack: RunningStack, gateway: httpx.AsyncClient, cua_contract: str
) -> None:
    headers = stack.headers([Role.CONTRACT_PILOT], [cua_contract])
    response = await gateway.get(f"/api/contracts/{cua_contract}/reviews/{YEAR}", headers=headers)
    assert response.status_code == 200, response.text
    review = response.json()
    assert review["contract"]["code"] == cua_contract
    assert review["contract"]["qpvCodes"], "the registry's QPVs"
    with step("each block equals what its endpoint answers the same caller"):
        own = {
            "evaluation": f"/api/grants/evaluation/years/{YEAR}?contractCode={cua_contract}",
            "participation": f"/api/participation/participation-indicators?contractCode={cua_contract}&year={YEAR}",
            "programmation-totals": f"/api/grants/programmation/totals?contractCode={cua_contract}&year={YEAR}",
        }
        await _blocks_are_own_answers(gateway, review, own, headers)
        assert all(_block(review, key)["provenance"]["year"] == YEAR for key in own)
    with step("the context compares each QPV with the EPCI, all QPV and France, from territories"):
        qpv = review["contract"]["qpvCodes"][0]
        block = _block(review, "indicator:median_income", qpv)
        direct = await gateway.get(f"/api/territories/qpvs/{qpv}/indicators/median_income/comparison")
        assert block["data"] == direct.json()
        assert qpv in block["provenance"]["perimeter"]
        assert _block(review, "perimeter", qpv)["data"]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    with step("the headline figures are the services' values, each with its provenance"):
        figures = {figure["key"]: figure for figure in review["headline"]}
        evaluation = _block(review, "evaluation")["data"]
        participation = _block(review, "participation")["data"]
        assert figures["cpoSharePercent"]["value"] == evaluation["cpo"]["sharePercent"]
        assert figures["decided"]["value"] == evaluation["leverage"]["decided"]
        assert figures["members"]["value"] == participation["membersProfile"]["members"]
        assert figures["opinionsShareAnswered"]["value"] == participation["opinions"]["shareAnswered"]
        assert figures["members"]["provenance"]["service"] == "participation"


async def test_droit_commun_programmes_and_contract_indicators_are_grants_own_answers(
    stack: RunningStack, gateway: httpx.AsyncClient, cua_contract: str
) -> None:
    """Issue 16 points 1 to 3 in the review: the signatories' sheets, the connected programmes and the
    contract's indicators, each block the answer grants gives the same caller (no second computation)."""
    headers = stack.headers([Role.CONTRACT_PILOT], [cua_contract])
    response = await gateway.get(f"/api/contracts/{cua_contract}/reviews/{YEAR}", headers=headers)
    assert response.status_code == 200, response.text
    review = response.json()
    start = review["contract"]["startYear"]
    own = {
        "engagement-comparison": f"/api/grants/engagement-comparisons?contractCode={cua_contract}&year={start}",
        "droit-commun-means": f"/api/grants/droit-commun?contractCode={cua_contract}&year={YEAR}",
        "engineering-staff": f"/api/grants/engineering-staff?contractCode={cua_contract}&year={YEAR}",
        "connected-programmes": f"/api/grants/programme-totals?contractCode={cua_contract}&year={YEAR}",
        "contract-indicators": f"/api/grants/contract-indicators?contractCode={cua_contract}&year={YEAR}&limit=100",
    }
    await _blocks_are_own_answers(gateway, review, own, headers)
    for section in ("droit-commun", "connected-programmes", "contract-indicators"):
        assert _section(review, section)["status"] == "available"
    with step("the engineering staff and the droit commun feed the headline, with their provenance"):
        figures = {figure["key"]: figure for figure in review["headline"]}
        staff = _block(review, "engineering-staff")["data"]
        assert staff["totalEtp"] == "13.45", "the contract's 2024 staff (lines 2147-2175)"
        assert figures["engineeringEtp"]["value"] == staff["totalEtp"]
        means = _block(review, "droit-commun-means")["data"]
        assert figures["droitCommunDeclared"]["value"] == means["totals"]["declared"]["amount"]
        assert figures["engineeringEtp"]["provenance"]["service"] == "grants"
    with step("the page shows them in French, with their charts"):
        page = (await gateway.get(f"/api/contracts/{cua_contract}/reviews/{YEAR}.html", headers=headers)).text
        assert "ETP d&#39;ingénierie par signataire" in page
        assert 'id="engineering-2024"' in page
        assert "13,45" in page
        assert "Indicateurs du contrat au regard de leurs cibles" in page
        programmes = _block(review, "connected-programmes")["data"]
        if any(item["amount"] for item in programmes["byKind"]):
            assert 'id="programmes-2024"' in page


async def test_a_slot_no_service_fills_is_unavailable_with_its_reason(
    stack: RunningStack, gateway: httpx.AsyncClient, cua_contract: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A block declared before any service publishes it (`Source.slot`) is shown unavailable, with its reason."""
    pending = Source.slot("future", Section.GOVERNANCE, "Une partie à venir", "Aucun service ne la publie encore.")
    monkeypatch.setattr(review_use_cases, "SOURCES", (*review_sources.SOURCES, pending))
    headers = stack.headers([Role.STATE], [cua_contract])
    review = (await gateway.get(f"/api/contracts/{cua_contract}/reviews/{YEAR}", headers=headers)).json()
    block = _block(review, "future")
    assert block["status"] == "unavailable"
    assert block["reason"] == "Aucun service ne la publie encore."
    assert block["provenance"] is None
    assert _section(review, "governance")["status"] == "partial"


async def test_mid_term_mode_puts_the_baseline_year_beside_the_latest(
    stack: RunningStack, gateway: httpx.AsyncClient, cua_contract: str
) -> None:
    headers = stack.headers([Role.CONTRACT_PILOT], [cua_contract])
    url = f"/api/contracts/{cua_contract}/reviews/2026?mode=mid-term"
    review = (await gateway.get(url, headers=headers)).json()
    assert review["mode"] == "mid-term"
    assert review["baselineYear"] == review["contract"]["startYear"] == YEAR
    years = {
        block["provenance"]["year"]
        for block in _section(review, "achievements")["blocks"]
        if block["key"] == "evaluation"
    }
    assert years == {YEAR, 2026}
    participation = [block for block in _section(review, "governance")["blocks"] if block["key"] == "participation"]
    assert sorted(block["provenance"]["year"] for block in participation) == [2024, 2025, 2026]
    assert all(block["data"]["year"] == block["provenance"]["year"] for block in participation)
    baseline = {figure["key"]: figure for figure in review["baselineHeadline"]}
    direct = await gateway.get(f"/api/grants/evaluation/years/{YEAR}?contractCode={cua_contract}", headers=headers)
    assert baseline["actionsFunded"]["value"] == direct.json()["actionsFunded"]
    assert baseline["actionsFunded"]["provenance"]["year"] == YEAR


async def test_who_may_read_a_review(
    stack: RunningStack, gateway: httpx.AsyncClient, cua_contract: str, new_contract: str
) -> None:
    url = f"/api/contracts/{cua_contract}/reviews/{YEAR}"
    with step("an operator, even one working on the contract, gets no review (it shows every operator's funding)"):
        operator = stack.headers([Role.OPERATOR], [cua_contract], organisations=["some-operator"])
        response = await gateway.get(url, headers=operator)
        assert response.status_code == 403, response.text
        assert (await gateway.get(url + ".html", headers=operator)).status_code == 403
        assert (await gateway.get(url + ".pdf", headers=operator)).status_code == 403
    with step("co-financers and communes neither"):
        for role in (Role.CO_FINANCER, Role.COMMUNE, Role.BODY_FACILITATOR):
            assert (await gateway.get(url, headers=stack.headers([role], [cua_contract]))).status_code == 403
    with step("no token: 401"):
        assert (await gateway.get(url)).status_code == 401
    with step("a pilot of another contract: 404 as for a missing contract, the contract's name not told"):
        other = stack.headers([Role.CONTRACT_PILOT], [new_contract])
        refused = await gateway.get(url, headers=other)
        missing = await gateway.get(f"/api/contracts/CV-NOPE-0000/reviews/{YEAR}", headers=other)
        assert refused.status_code == missing.status_code == 404
        assert refused.json()["type"] == missing.json()["type"]
        assert "Arras" not in refused.text
        assert "Cœur" not in refused.text


async def test_a_year_outside_the_contract_is_refused_naming_the_field_and_rule(
    stack: RunningStack, gateway: httpx.AsyncClient, cua_contract: str
) -> None:
    headers = stack.headers([Role.PLATFORM_ADMIN])
    for year, rule in ((2023, "year-not-before-contract"), (2031, "year-not-after-contract")):
        for suffix in ("", ".html"):
            response = await gateway.get(f"/api/contracts/{cua_contract}/reviews/{year}{suffix}", headers=headers)
            assert response.status_code == 422, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [("year", rule)]
    response = await gateway.get(f"/api/contracts/{cua_contract}/reviews/{YEAR}?mode=yearly", headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "mode"


async def test_the_html_page_is_self_contained_french_and_accessible(
    stack: RunningStack, gateway: httpx.AsyncClient, cua_contract: str
) -> None:
    headers = stack.headers([Role.CONTRACT_PILOT], [cua_contract])
    response = await gateway.get(f"/api/contracts/{cua_contract}/reviews/{YEAR}.html", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="fr">' in page
    assert "<script" not in page
    assert "<link" not in page
    assert "@import" not in page
    assert "url(" not in page
    assert "http://" not in page
    assert "https://" not in page
    assert page.count("<svg") >= 3
    assert page.count('role="img"') == page.count("<svg")
    assert page.count("<h2") >= 6
    assert "Droit commun et engagements des signataires" in page
    assert "Indisponible" not in page, "every service answers: no section is unavailable"
    evaluation = (
        await gateway.get(f"/api/grants/evaluation/years/{YEAR}?contractCode={cua_contract}", headers=headers)
    ).json()
    assert "objectif : plus de 50 %" in page
    with step("financers and pillars by their names, not their codes"):
        listed = await gateway.get(f"/api/grants/institutions?contractCode={cua_contract}&limit=100", headers=headers)
        state = next(item for item in listed.json()["items"] if item["code"] == "etat-p147")
        readable = page.replace("&#39;", "'")
        if evaluation["byFinancer"]:
            assert f"<td>{state['nom']}</td>" in readable
            assert "<td>etat-p147</td>" not in page
        if evaluation["byPillar"]:
            assert "<td>cohesion_sociale</td>" not in page
    assert evaluation["leverage"]["decided"].replace(".", ",") in page.replace("\u00a0", "")


@pytest.mark.usefixtures("one_instance")  # the browser one gateway process keeps
async def test_the_pdf_is_printed_from_the_page_by_a_browser_kept_open_and_started_again_if_it_dies(
    stack: RunningStack, gateway: httpx.AsyncClient, cua_contract: str
) -> None:
    headers = stack.headers([Role.STATE], [cua_contract])
    url = f"/api/contracts/{cua_contract}/reviews/{YEAR}.pdf"
    printer = stack.app("gateway").api.state.review_printer
    pids = []
    for attempt in range(3):
        response = await gateway.get(url, headers=headers, timeout=PATIENCE_SECONDS)
        assert response.status_code == 200, (attempt, response.text)
        assert response.headers["content-type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        assert len(response.content) > 10_000
        pids.append(printer._browser.process.pid)
        if attempt == 1:  # the test's own gateway started this Chromium: stop it as a crash would
            os.kill(pids[-1], signal.SIGKILL)
            await asyncio.sleep(0.5)
    assert pids[0] == pids[1], "the browser is kept open between two PDFs"
    assert pids[2] != pids[1], "a browser that died is started again"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"review-{cua_contract}-{YEAR}.pdf").write_bytes(response.content)


@pytest.fixture(scope="module")
def gateways_without(stack: RunningStack) -> Iterator[dict[str, str]]:
    """For participation and for territories, a gateway to which that service is stopped (a bound port
    nobody listens on)."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    stopped = f"http://127.0.0.1:{closed.getsockname()[1]}"
    apps = {
        service: (create_app(gateway_settings(stack, **{f"{service}_url": stopped})), free_port())
        for service in ("participation", "territories")
    }
    thread = ServingThread(apps)
    thread.start_and_wait()
    yield {service: f"http://127.0.0.1:{port}" for service, (_, port) in apps.items()}
    thread.stop()
    closed.close()


async def _produced(client: httpx.AsyncClient, code: str, headers: dict[str, str]) -> dict[str, Any]:
    """The review, produced (200) whatever service is stopped."""
    response = await client.get(f"/api/contracts/{code}/reviews/{YEAR}", headers=headers)
    assert response.status_code == 200, response.text
    review: dict[str, Any] = response.json()
    return review


async def test_a_stopped_service_leaves_its_sections_unavailable_and_the_rest_produced(
    stack: RunningStack, gateways_without: dict[str, str], cua_contract: str
) -> None:
    headers = stack.headers([Role.CONTRACT_PILOT], [cua_contract])
    async with httpx.AsyncClient(base_url=gateways_without["participation"], timeout=PATIENCE_SECONDS) as client:
        review = await _produced(client, cua_contract, headers)
        governance = _section(review, "governance")
        assert governance["status"] == "unavailable"
        assert "participation n'a pas répondu" in _block(review, "participation")["reason"]
        assert _section(review, "achievements")["status"] == "available"
        assert _block(review, "evaluation")["data"]["contractCode"] == cua_contract
        figures = {figure["key"]: figure["value"] for figure in review["headline"]}
        assert figures["members"] is None
        assert figures["actionsFunded"] is not None
        page = await client.get(f"/api/contracts/{cua_contract}/reviews/{YEAR}.html", headers=headers)
        assert page.status_code == 200
        assert "participation n&#39;a pas répondu" in page.text or "participation n'a pas répondu" in page.text


async def test_without_the_registry_the_review_still_gives_what_needs_no_neighbourhood(
    stack: RunningStack, gateways_without: dict[str, str], cua_contract: str
) -> None:
    headers = stack.headers([Role.CONTRACT_PILOT], [cua_contract])
    async with httpx.AsyncClient(base_url=gateways_without["territories"], timeout=PATIENCE_SECONDS) as client:
        review = await _produced(client, cua_contract, headers)
        assert review["contract"]["nom"] is None
        context = _section(review, "context")
        assert context["status"] == "unavailable"
        assert all("territories n'a pas répondu" in block["reason"] for block in context["blocks"])
        assert _block(review, "evaluation")["status"] == "available"
        assert _block(review, "participation")["status"] == "available"
        assert _block(review, "renewal-projects")["status"] == "unavailable"
        page = await client.get(f"/api/contracts/{cua_contract}/reviews/{YEAR}.html", headers=headers)
        assert page.status_code == 200
        cohort = await client.get(f"/api/contract-reviews/{YEAR}", params={"contracts": cua_contract}, headers=headers)
        assert cohort.status_code == 403
        admin = stack.headers([Role.PLATFORM_ADMIN])
        cohort = await client.get(f"/api/contract-reviews/{YEAR}", params={"contracts": cua_contract}, headers=admin)
        assert cohort.status_code == 503
        assert cohort.headers["retry-after"] == "2"


async def test_the_cohort_sets_contracts_side_by_side_and_hides_those_the_caller_may_not_read(
    stack: RunningStack, gateway: httpx.AsyncClient, cua_contract: str, new_contract: str
) -> None:
    state = stack.headers([Role.STATE], [cua_contract, new_contract])
    url = f"/api/contract-reviews/{YEAR}"
    with step("the headline figures of each contract, as each service answers them"):
        response = await gateway.get(url, params={"contracts": f"{cua_contract},{new_contract}"}, headers=state)
        assert response.status_code == 200, response.text
        cohort = response.json()
        assert [entry["code"] for entry in cohort["contracts"]] == [cua_contract, new_contract]
        for entry in cohort["contracts"]:
            direct = await gateway.get(
                f"/api/grants/evaluation/years/{YEAR}?contractCode={entry['code']}", headers=state
            )
            figures = {figure["key"]: figure["value"] for figure in entry["headline"]}
            assert figures["actionsFunded"] == direct.json()["actionsFunded"]
            staff = await gateway.get(
                f"/api/grants/engineering-staff?contractCode={entry['code']}&year={YEAR}", headers=state
            )
            assert figures["engineeringEtp"] == (staff.json()["totalEtp"] if staff.status_code == 200 else None)
        assert {figure["key"]: figure["value"] for figure in cohort["contracts"][0]["headline"]}[
            "engineeringEtp"
        ] == "13.45", "every headline figure, the droit commun's too, not only grants' evaluation"
        page = await gateway.get(url + ".html", params={"contracts": f"{cua_contract},{new_contract}"}, headers=state)
        assert page.status_code == 200
        assert "Contrat de test" in page.text
    with step("a contract the caller does not work on: 404 like a missing one, its name untold"):
        only_test = stack.headers([Role.STATE], [new_contract])
        refused = await gateway.get(url, params={"contracts": f"{new_contract},{cua_contract}"}, headers=only_test)
        assert refused.status_code == 404, refused.text
        assert "Cœur" not in refused.text
        assert "Arras" not in refused.text
        missing = await gateway.get(url, params={"contracts": f"{new_contract},CV-NOPE-0000"}, headers=only_test)
        assert missing.status_code == 404
        assert missing.json()["type"] == refused.json()["type"]
    with step("pilots are not the cohort's readers; bad codes and a year out of a contract are named"):
        pilot = stack.headers([Role.CONTRACT_PILOT], [cua_contract])
        assert (await gateway.get(url, params={"contracts": cua_contract}, headers=pilot)).status_code == 403
        bad = await gateway.get(url, params={"contracts": "cv lower,"}, headers=state)
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"] == "contracts"
        early = await gateway.get("/api/contract-reviews/2020", params={"contracts": cua_contract}, headers=state)
        assert early.status_code == 422
        assert early.json()["errors"][0]["rule"] == "year-not-before-contract"


async def test_filling_a_slot_is_one_source_declaration(
    stack: RunningStack, gateway: httpx.AsyncClient, cua_contract: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Wiring a new endpoint is one declaration: here the strategic tree stands in for the engagement
    comparison's source (the gateway runs in the tests' process)."""
    filled = Source(
        key="strategic-tree",
        section=Section.DROIT_COMMUN,
        title="Arbre stratégique (à la place des fiches d'engagement)",
        service="grants",
        path="/frameworks/{code}",
    )
    sources = tuple(filled if source.key == "engagement-comparison" else source for source in review_sources.SOURCES)
    monkeypatch.setattr(review_use_cases, "SOURCES", sources)
    headers = stack.headers([Role.CONTRACT_PILOT], [cua_contract])
    review = (await gateway.get(f"/api/contracts/{cua_contract}/reviews/{YEAR}", headers=headers)).json()
    block = _block(review, "strategic-tree")
    direct = await gateway.get(f"/api/grants/frameworks/{cua_contract}", headers=headers)
    assert block["status"] == "available"
    assert block["data"] == direct.json()
    assert block["provenance"]["endpoint"] == f"GET /api/grants/frameworks/{cua_contract}"
    assert _section(review, "droit-commun")["status"] == "available"
    page = (await gateway.get(f"/api/contracts/{cua_contract}/reviews/{YEAR}.html", headers=headers)).text
    assert "Arbre stratégique (à la place des fiches d&#39;engagement)" in page
    assert direct.json()["ambitions"][0]["label"] in page.replace("&#39;", "'")
