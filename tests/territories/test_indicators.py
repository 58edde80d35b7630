"""Indicators: the contract's figures with provenance, comparisons, the generic CSV import and its refusals."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from identity.principal import Role
from tests.conditional_writes import write_if_match
from tests.job_results import finished
from tests.running_stack import CUA_CONTRACT, RunningStack

API = "/api/territories"


async def _values(gateway: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await gateway.get(f"{API}/indicator-values", params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _record_id(gateway: httpx.AsyncClient, nom: str, generation: str) -> str:
    response = await gateway.get(f"{API}/qpvs", params={"generation": generation, "codeEpci": "200033579"})
    [record] = [item for item in response.json()["items"] if item["nom"] == nom]
    return str(record["id"])


async def test_catalogue_lists_every_indicator_of_the_contract(gateway: httpx.AsyncClient) -> None:
    page = (await gateway.get(f"{API}/indicators", params={"limit": 100})).json()
    assert page["total"] == len(page["items"])
    catalogue = {item["code"]: item for item in page["items"]}
    assert {"median_income", "neet_16_25", "single_parent_families_caf", "mem_youth_cej"} <= set(catalogue)
    assert catalogue["median_income"]["unit"] == "EUR per person per year"
    assert (await gateway.get(f"{API}/indicators/median_income")).json()["label"] == "Revenu médian"


async def test_former_perimeter_values_stay_on_the_2015_record(gateway: httpx.AsyncClient) -> None:
    saint_michel_2015 = await _record_id(gateway, "Saint-Michel Goudemand", "2015-2023")
    values = [
        item
        for item in await _values(gateway, indicator="median_income", territoryKind="qpv")
        if item["qpvId"] == saint_michel_2015
    ]
    assert {(item["year"], item["value"]) for item in values} == {(2010, "10700"), (2013, "9100"), (2018, "7771")}
    assert {item["perimeter"] for item in values} == {"2015-2023"}
    assert all(item["sourceReference"].startswith("cua_quartier_indicators.csv line ") for item in values)
    assert all("Cœur de Quartier" in item["source"] for item in values)


async def test_renamed_qpv_values_follow_the_lineage_to_the_2015_record(gateway: httpx.AsyncClient) -> None:
    nouvelles_residences = await _record_id(gateway, "Nouvelles Résidences", "2015-2023")
    [neet] = [
        item
        for item in await _values(gateway, indicator="neet_16_25", territoryKind="qpv")
        if item["territoryLabel"] == "Chanteclair - Cévennes"
    ]
    assert neet["qpvId"] == nouvelles_residences
    assert neet["value"] == "33.9"
    assert "Quatre As" in neet["note"]  # the source's own inconsistency is kept beside the value


async def test_a_split_qpv_keeps_its_value_measured_on_the_new_perimeter(gateway: httpx.AsyncClient) -> None:
    arras_ouest = await _record_id(gateway, "Arras Ouest", "2015-2023")
    populations = {
        item["perimeter"]: item["value"]
        for item in await _values(gateway, indicator="population", territoryKind="qpv")
        if item["qpvId"] == arras_ouest
    }
    assert populations == {"2015-2023": "6300", "2024-2030": "7200"}


async def test_comparison_puts_the_series_beside_epci_all_qpv_and_france(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get(f"{API}/qpvs/QN06261M/indicators/low_income_households/comparison")
    assert response.status_code == 200, response.text
    comparison = response.json()
    assert comparison["qpv"]["code"] == "QN06261M"
    assert [(item["year"], item["value"], item["perimeter"]) for item in comparison["series"]] == [
        (2017, "70", "2015-2023")
    ]
    assert {(item["year"], item["value"]) for item in comparison["epci"]} == {(2017, "23"), (2018, "22.9")}
    [epci_2017] = [item for item in comparison["epci"] if item["year"] == 2017]
    assert "28" in epci_2017["note"]
    assert [(item["year"], item["value"]) for item in comparison["qpvNationalAverage"]] == [(2017, "62")]
    assert comparison["france"] == []
    families = (await gateway.get(f"{API}/qpvs/QN06261M/indicators/single_parent_families_caf/comparison")).json()
    assert [(item["year"], item["value"]) for item in families["france"]] == [(2018, "16"), (2019, "15")]


@pytest.mark.parametrize("code", ["QN06258M", "QN06259M", "QN06261M", "QN06262M", "QN06263M"])
async def test_median_income_is_compared_with_the_epci_reference_income(gateway: httpx.AsyncClient, code: str) -> None:
    """Each neighbourhood page of the contract gives « Revenu médian de référence retenu pour l'EPCI (2018) :
    12 900 euros » (002_…txt l. 383, 481, 574, 665, 749) beside the neighbourhood's median income."""
    comparison = (await gateway.get(f"{API}/qpvs/{code}/indicators/median_income/comparison")).json()
    [reference] = comparison["epci"]
    assert (reference["year"], reference["value"]) == (2018, "12900")
    assert "référence retenu pour l'EPCI" in reference["note"]


async def test_comparison_of_a_codeless_record(gateway: httpx.AsyncClient) -> None:
    arras_ouest = await _record_id(gateway, "Arras Ouest", "2015-2023")
    response = await gateway.get(f"{API}/qpv-records/{arras_ouest}/indicators/median_income/comparison")
    assert response.status_code == 200, response.text
    assert [item["value"] for item in response.json()["series"]] == ["7900", "8158", "8183"]


async def test_unknown_codes_are_404_naming_the_code(gateway: httpx.AsyncClient) -> None:
    unknown_indicator = await gateway.get(f"{API}/qpvs/QN06261M/indicators/no_such_thing/comparison")
    assert unknown_indicator.status_code == 404
    assert "no_such_thing" in unknown_indicator.json()["detail"]
    unknown_qpv = await gateway.get(f"{API}/qpvs/QN99999Z/indicators/median_income/comparison")
    assert unknown_qpv.status_code == 404
    assert "QN99999Z" in unknown_qpv.json()["detail"]
    assert (await gateway.get(f"{API}/indicators/no_such_thing")).status_code == 404


@pytest.fixture
async def indicator(stack: RunningStack, gateway: httpx.AsyncClient) -> str:
    """An indicator of this test only, so that imports never meet another test's values."""
    code = "test_" + uuid.uuid4().hex[:12]
    body = {"label": "Indicateur de test", "unit": "percent", "definition": "A test figure", "source": "tests"}
    headers = stack.headers([Role.PLATFORM_ADMIN])
    created = await write_if_match(gateway, "PUT", f"{API}/indicators/{code}", json=body, headers=headers)
    assert created.status_code == 201, created.text
    changed = await write_if_match(
        gateway, "PUT", f"{API}/indicators/{code}", json={**body, "label": "Renamed"}, headers=headers
    )
    assert changed.status_code == 200
    assert changed.json()["label"] == "Renamed"
    return code


async def test_the_shared_catalogue_is_written_by_platform_admins_only(
    stack: RunningStack, gateway: httpx.AsyncClient, indicator: str
) -> None:
    """A pilot writes its own territories' values; the definition every contract reads is the platform's."""
    body = {"label": "Redefined by a pilot", "unit": "EUR", "definition": "x", "source": "x"}
    for roles in ([Role.CONTRACT_PILOT], [Role.STATE], [Role.AUDITOR]):
        refused = await gateway.put(
            f"{API}/indicators/{indicator}", json=body, headers=stack.headers(roles, [CUA_CONTRACT])
        )
        assert refused.status_code == 403, (roles, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
    new_code = "test_" + uuid.uuid4().hex[:12]
    pilot = stack.headers([Role.CONTRACT_PILOT], [CUA_CONTRACT])
    assert (await gateway.put(f"{API}/indicators/{new_code}", json=body, headers=pilot)).status_code == 403
    assert (await gateway.get(f"{API}/indicators/{new_code}")).status_code == 404
    assert (await gateway.get(f"{API}/indicators/{indicator}")).json()["label"] == "Renamed"
    admin = stack.headers([Role.PLATFORM_ADMIN])
    changed = await write_if_match(
        gateway, "PUT", f"{API}/indicators/{indicator}", json={**body, "unit": "percent"}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["label"] == "Redefined by a pilot"


def _csv(indicator: str, *extra: str) -> str:
    lines = [
        "indicator;territoryKind;territory;perimeter;year;value;unit;source;note",
        f"{indicator};qpv;QN06261M;2024-2030;2021;41,5;percent;INSEE 2024;",
        f"{indicator};commune;62041;;2021;30.25;;INSEE 2024;",
        f"{indicator};epci;200033579;;2021;s;;INSEE 2024;secret statistique",
        *extra,
    ]
    return "\n".join(lines) + "\n"


BAD_LINES = (
    "{indicator};qpv;QN99999Z;2024-2030;2021;12;;INSEE;",  # line 5: unknown QPV
    "{indicator};qpv;QN06261M;;2021;12;;INSEE;",  # line 6: no perimeter
    "{indicator};commune;62041;;20x1;12;;INSEE;",  # line 7: bad year
    "{indicator};commune;62041;;2021;douze;;INSEE;",  # line 8: not a number
    "{indicator};commune;62041;;2021;12;EUR;INSEE;",  # line 9: unit of another indicator
    "unknown_indicator;commune;62041;;2021;12;;INSEE;",  # line 10
    "{indicator};region;32;;2021;12;;INSEE;",  # line 11: unknown kind
    "{indicator};commune;62041;;2021;12;;;",  # line 12: no source
    "{indicator};commune;62041",  # line 13: missing cells
)
EXPECTED = {
    (5, "territory", "unknown-territory"),
    (6, "perimeter", "missing"),
    (7, "year", "year-format"),
    (8, "value", "number-format"),
    (9, "unit", "unit-mismatch"),
    (10, "indicator", "unknown-indicator"),
    (11, "territoryKind", "unknown-kind"),
    (12, "source", "missing"),
    (13, "line", "csv-syntax"),
}


async def _import(
    stack: RunningStack, gateway: httpx.AsyncClient, text: str, roles: list[Role] | None = None, **params: Any
) -> httpx.Response:
    headers = {**stack.headers(roles or [Role.PLATFORM_ADMIN], [CUA_CONTRACT]), "Content-Type": "text/csv"}
    return await finished(
        gateway, await gateway.post(f"{API}/indicator-values/imports", params=params, content=text, headers=headers)
    )


async def test_a_bad_line_refuses_the_whole_import_and_names_each_line(
    stack: RunningStack, gateway: httpx.AsyncClient, indicator: str
) -> None:
    text = _csv(indicator, *(line.format(indicator=indicator) for line in BAD_LINES))
    response = await _import(stack, gateway, text)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert {(int(error["pointer"].split("/")[3]), error["field"], error["rule"]) for error in errors} == EXPECTED
    assert await _values(gateway, indicator=indicator) == []


async def test_dry_run_reports_and_writes_nothing(
    stack: RunningStack, gateway: httpx.AsyncClient, indicator: str
) -> None:
    text = _csv(indicator, *(line.format(indicator=indicator) for line in BAD_LINES))
    response = await _import(stack, gateway, text, dryRun="true")
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["lines"], report["valid"], report["created"], report["skipped"]) == (12, 3, 3, 9)
    assert {(error["line"], error["field"], error["rule"]) for error in report["errors"]} == EXPECTED
    assert report["dryRun"] is True
    assert await _values(gateway, indicator=indicator) == []


async def test_report_and_skip_mode_imports_good_lines_once(
    stack: RunningStack, gateway: httpx.AsyncClient, indicator: str
) -> None:
    text = _csv(indicator, BAD_LINES[0].format(indicator=indicator))
    first = await _import(stack, gateway, text, onBadLine="skip")
    assert first.status_code == 200, first.text
    assert (first.json()["created"], first.json()["skipped"]) == (3, 1)
    again = await _import(stack, gateway, text, onBadLine="skip")
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 3)
    stored = {item["territoryKind"]: item for item in await _values(gateway, indicator=indicator)}
    assert stored["qpv"]["value"] == "41.5"  # French decimal comma read exactly
    assert stored["commune"]["value"] == "30.25"
    assert (stored["epci"]["value"], stored["epci"]["secret"]) == (None, "s")
    assert stored["qpv"]["perimeter"] == "2024-2030"


async def test_a_pilot_writes_only_territories_of_its_contracts(
    stack: RunningStack, gateway: httpx.AsyncClient, indicator: str
) -> None:
    text = _csv(indicator, f"{indicator};france;FR;;2021;12;;INSEE;")
    response = await _import(stack, gateway, text, roles=[Role.CONTRACT_PILOT])
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["pointer"], error["rule"]) == ("/body/lines/5/territory", "outside-your-contracts")
    accepted = await _import(stack, gateway, _csv(indicator), roles=[Role.CONTRACT_PILOT])
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["created"] == 3


async def test_who_may_import(stack: RunningStack, gateway: httpx.AsyncClient, indicator: str) -> None:
    anonymous = await finished(
        gateway,
        await gateway.post(
            f"{API}/indicator-values/imports", content=_csv(indicator), headers={"Content-Type": "text/csv"}
        ),
    )
    assert anonymous.status_code == 401
    assert (await _import(stack, gateway, _csv(indicator), roles=[Role.OPERATOR])).status_code == 403
    assert (await _import(stack, gateway, _csv(indicator), roles=[Role.STATE])).status_code == 403
    anonymous_definition = await write_if_match(
        gateway,
        "PUT",
        f"{API}/indicators/{indicator}",
        json={"label": "x", "unit": "x", "definition": "x", "source": "x"},
    )
    assert anonymous_definition.status_code == 401


async def test_unreadable_files_are_422(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    no_columns = await _import(stack, gateway, "indicator,value\nx,1\n")
    assert no_columns.status_code == 422
    assert no_columns.json()["errors"][0]["rule"] == "csv-format"
    assert "territoryKind" in no_columns.json()["detail"]
    empty = await _import(stack, gateway, "")
    assert empty.status_code == 422
    headers = {**stack.headers([Role.PLATFORM_ADMIN]), "Content-Type": "text/csv"}
    not_utf8 = await finished(
        gateway, await gateway.post(f"{API}/indicator-values/imports", content=b"indicator\xff\n", headers=headers)
    )
    assert not_utf8.status_code == 422
    assert "UTF-8" in not_utf8.json()["detail"]
    json_body = await finished(
        gateway,
        await gateway.post(f"{API}/indicator-values/imports", json={}, headers=stack.headers([Role.PLATFORM_ADMIN])),
    )
    assert json_body.status_code == 415
