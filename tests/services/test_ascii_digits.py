"""Codes, identifiers, amounts and numbers in files hold ASCII digits only: Python and pydantic read a
full-width or Arabic-Indic "12" as 12, so each service refuses them, naming the field and the rule."""

from __future__ import annotations

import csv
import io
import uuid

import httpx

from identity.principal import Role
from tests.job_results import finished
from tests.running_stack import CUA_CONTRACT, RunningStack

PROBLEM = "application/problem+json"
SIRET = "73282932000074"


def full_width(text: str) -> str:
    return "".join(chr(ord(character) + 0xFEE0) if character.isdigit() else character for character in text)


def arabic_indic(text: str) -> str:
    return "".join(chr(0x0660 + int(character)) if character.isdigit() else character for character in text)


def _only_error(response: httpx.Response) -> tuple[str, str, str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    [error] = response.json()["errors"]
    return error["pointer"], error["field"], error["rule"]


async def test_a_full_width_copy_of_a_siret_is_not_a_second_operator(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    operator = {"contractCode": new_contract, "nom": "Asso du Quartier", "siret": SIRET, "profile": "association"}
    created = await gateway.post("/api/grants/operators", json=operator, headers=pilot)
    assert created.status_code == 201, created.text
    assert full_width(SIRET) == "７３２８２９３２００００７４"
    for copy in (full_width(SIRET), arabic_indic(SIRET)):
        refused = await gateway.post("/api/grants/operators", json={**operator, "siret": copy}, headers=pilot)
        assert _only_error(refused) == ("/body/siret", "siret", "string_pattern_mismatch")
    for field, value in (("rna", "W" + full_width("623001234")), ("codeCommune", arabic_indic("62041"))):
        refused = await gateway.post("/api/grants/operators", json={**operator, field: value}, headers=pilot)
        assert _only_error(refused) == (f"/body/{field}", field, "string_pattern_mismatch")
    listed = await gateway.get("/api/grants/operators", params={"contractCode": new_contract}, headers=pilot)
    assert [item["siret"] for item in listed.json()["items"]] == [SIRET]


async def test_amounts_with_arabic_indic_digits_are_refused(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    convention = {
        "contractCode": new_contract,
        "operatorId": str(uuid.uuid4()),
        "reference": "CPO-2025-01",
        "kind": "annual",
        "firstYear": 2025,
        "lastYear": 2025,
        "amounts": [{"year": 2025, "institutionId": str(uuid.uuid4()), "amount": arabic_indic("5000.00")}],
    }
    refused = await gateway.post("/api/grants/conventions", json=convention, headers=pilot)
    assert _only_error(refused) == ("/body/amounts/0/amount", "amounts.amount", "string_pattern_mismatch")
    fund = {"committeeBodyId": str(uuid.uuid4()), "name": "FPH 2025", "year": 2025, "envelope": full_width("3000")}
    refused = await gateway.post("/api/participation/citizen-funds", json=fund, headers=pilot)
    assert _only_error(refused) == ("/body/envelope", "envelope", "string_pattern_mismatch")
    # A decimal field reads text with Decimal(), which takes any script's digits: refused by the kit.
    computation = {"communes": ["62041"], "poorShareMin": arabic_indic("0.3")}
    refused = await finished(
        gateway,
        await gateway.post(
            "/api/territories/vulnerability-computations",
            json=computation,
            headers=stack.headers([Role.CONTRACT_PILOT], [CUA_CONTRACT]),
        ),
    )
    assert _only_error(refused) == ("/body/poorShareMin", "poorShareMin", "ascii_digits")


async def test_codes_in_paths_and_queries_are_ascii(gateway: httpx.AsyncClient) -> None:
    assert (await gateway.get("/api/territories/communes/62041")).status_code == 200
    for url in (f"/api/territories/communes/{full_width('62041')}", f"/api/territories/epcis/{arabic_indic('2000')}"):
        response = await gateway.get(url)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["rule"] == "string_pattern_mismatch"
    listed = await gateway.get("/api/territories/qpvs", params={"codeEpci": full_width("200033579")})
    assert _only_error(listed) == ("/query/codeEpci", "codeEpci", "string_pattern_mismatch")


async def test_csv_cells_with_other_digits_are_reported_on_their_line(
    stack: RunningStack, gateway: httpx.AsyncClient
) -> None:
    admin = {**stack.headers([Role.PLATFORM_ADMIN]), "Content-Type": "text/csv"}
    code = "ascii_" + uuid.uuid4().hex[:8]
    definition = {"label": "Essai", "unit": "percent", "definition": "Essai", "source": "Essai"}
    defined = await gateway.put(
        f"/api/territories/indicators/{code}", json=definition, headers=stack.headers([Role.PLATFORM_ADMIN])
    )
    assert defined.status_code == 201, defined.text
    values = "\n".join(
        [
            "indicator;territoryKind;territory;perimeter;year;value;source;note",
            f"{code};commune;62041;;2021;41,5;INSEE;",
            f"{code};commune;62041;;2021;{full_width('41')},5;INSEE;",
            f"{code};commune;62041;;{arabic_indic('2021')};12;INSEE;",
            f"{code};commune;{full_width('62041')};;2021;12;INSEE;",
        ]
    )
    report = await finished(
        gateway,
        await gateway.post(
            "/api/territories/indicator-values/imports", params={"dryRun": "true"}, content=values, headers=admin
        ),
    )
    assert report.status_code == 200, report.text
    assert {(error["line"], error["field"], error["rule"]) for error in report.json()["errors"]} == {
        (3, "value", "number-format"),
        (4, "year", "year-format"),
        (5, "territory", "unknown-territory"),
    }
    assert report.json()["valid"] == 1
    points = f"id,lat,lon\nascii,50.27015,2.7661\nwide,{full_width('50')}.27015,2.7661\n"
    located = await gateway.post("/api/territories/localisation/batch", content=points, headers=admin)
    assert located.status_code == 200, located.text
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(located.text))}
    assert (rows["ascii"]["status"], rows["ascii"]["qpvCodes"]) == ("ok", "QN06258M")
    assert (rows["wide"]["line"], rows["wide"]["status"], rows["wide"]["error"]) == ("3", "error", "lat: not a number")
    squares = (
        "idcar_200m,i_est_200,ind,men,men_pauv,men_fmp,ind_snv\n"
        "CRS3035RES200mN3045200E3807600,0,10,5,2,0,100000\n"
        f"CRS3035RES200mN3045400E3807600,0,{arabic_indic('10')},5,2,0,100000\n"
        f"CRS3035RES200mN{full_width('3045600')}E3807600,0,10,5,2,0,100000\n"
    )
    dry = await finished(
        gateway,
        await gateway.post(
            "/api/territories/filosofi-squares/imports",
            params={"vintage": 2019, "communes": "62041", "dryRun": "true"},
            content=squares,
            headers=admin,
        ),
    )
    assert dry.status_code == 200, dry.text
    assert {(error["line"], error["field"], error["rule"]) for error in dry.json()["errors"]} == {
        (3, "ind", "number-format"),
        (4, "idcar_200m", "square-id"),
    }
