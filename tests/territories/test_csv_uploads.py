"""Every CSV upload of territories is read by the kit's one reader: old-Mac line ends (a lone CR), a
byte-order mark, quoted line breaks and non-UTF-8 files give the rows or a 422, never a 500."""

from __future__ import annotations

import csv
import io
import secrets
import uuid

import httpx
import pytest

from identity.principal import Role
from tests.job_results import finished
from tests.running_stack import CUA_CONTRACT, RunningStack

API = "/api/territories"
ENDINGS = pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"], ids=["lone-cr", "crlf", "lf"])


def _csv_headers(stack: RunningStack, role: Role = Role.PLATFORM_ADMIN) -> dict[str, str]:
    return {**stack.headers([role], [CUA_CONTRACT]), "Content-Type": "text/csv"}


@ENDINGS
async def test_batch_lookup_reads_every_line_ending(
    stack: RunningStack, gateway: httpx.AsyncClient, ending: str
) -> None:
    lines = ["\ufeffid,lat,lon", "quatre-as,50.27015,2.7661", '"two\rlines",50.2,2.7', "far,48.85,2.35", "bad,abc,2.7"]
    body = ending.join([*lines, ""])
    response = await gateway.post(
        f"{API}/localisation/batch", content=body.encode(), headers=_csv_headers(stack, Role.OPERATOR)
    )
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(row["line"], row["id"], row["status"]) for row in rows] == [
        ("2", "quatre-as", "ok"),
        ("3", "", "error"),
        ("5", "far", "ok"),  # the quoted cell spans lines 3 and 4
        ("6", "bad", "error"),
    ]
    assert rows[0]["qpvCodes"] == "QN06258M"
    assert rows[1]["error"] == "id: holds a line break or another control character"
    assert rows[2]["qpvCodes"] == ""
    assert rows[3]["error"] == "lat: not a number"


async def test_batch_lookup_refuses_a_file_that_is_not_utf8(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    body = "id,lat,lon\nécole,50.27015,2.7661\n".encode("cp1252")
    response = await gateway.post(f"{API}/localisation/batch", content=body, headers=_csv_headers(stack, Role.OPERATOR))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert (error["pointer"], error["field"], error["rule"]) == ("/body", "body", "utf-8")
    assert "UTF-8" in response.json()["detail"]


def _squares_2017(ending: str, count: int) -> tuple[str, list[str]]:
    header = "Idcar_200m,I_est_200,Idcar_1km,I_est_1km,Idcar_nat,Groupe,Ind,Men,Men_pauv,Men_fmp,Ind_snv,lcog_geo"
    lines, ids = [header], []
    for _ in range(count):
        # Squares far from the sample and from each other test's (random), so that each is new here.
        northing, easting = 2_100_000 + 200 * secrets.randbelow(4000), 3_300_000 + 200 * secrets.randbelow(4000)
        ids.append(f"CRS3035RES200mN{northing}E{easting}")
        lines.append(f"{ids[-1]},0,x,0,y,1,120.5,50,20,4,1500000.0,62099")
    return ending.join(lines) + ending, ids


@ENDINGS
async def test_filosofi_import_reads_every_line_ending(
    stack: RunningStack, gateway: httpx.AsyncClient, ending: str
) -> None:
    text, ids = _squares_2017(ending, 3)
    response = await finished(
        gateway,
        await gateway.post(
            f"{API}/filosofi-squares/imports", params={"vintage": 2017}, content=text, headers=_csv_headers(stack)
        ),
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["lines"], report["valid"], report["created"], report["errors"]) == (3, 3, 3, [])
    computation = await finished(
        gateway,
        await gateway.post(
            f"{API}/vulnerability-computations",
            json={"communes": ["62099"], "vintage": 2017},
            headers=stack.headers([Role.PLATFORM_ADMIN]),
        ),
    )
    assert computation.status_code == 201, computation.text
    squares = await gateway.get(
        f"{API}/vulnerability-computations/{computation.json()['id']}/squares", params={"limit": 100}
    )
    found = {item["id"]: item for item in squares.json()["items"]}
    assert set(ids) <= set(found)
    assert found[ids[0]]["individuals"] == 120.5


async def test_filosofi_bad_lines_keep_their_numbers_with_a_lone_cr(
    stack: RunningStack, gateway: httpx.AsyncClient
) -> None:
    text, _ = _squares_2017("\r", 2)
    text += "CRS3035RES200mN12E34,0,x,0,y,1,1,1,1,1,1,62041\r"  # line 4: not on the grid
    text += "CRS3035RES200mN2100000E3300000,0,x\r"  # line 5: three cells of twelve
    response = await finished(
        gateway,
        await gateway.post(
            f"{API}/filosofi-squares/imports",
            params={"vintage": 2017, "dryRun": "true"},
            content=text,
            headers=_csv_headers(stack),
        ),
    )
    assert response.status_code == 200, response.text
    assert {(error["line"], error["field"], error["rule"]) for error in response.json()["errors"]} == {
        (4, "idcar_200m", "square-id"),
        (5, "line", "csv-syntax"),
    }


@ENDINGS
async def test_indicator_import_reads_every_line_ending(
    stack: RunningStack, gateway: httpx.AsyncClient, ending: str
) -> None:
    code = "csv_endings_" + uuid.uuid4().hex[:8]
    admin = stack.headers([Role.PLATFORM_ADMIN])
    definition = {"label": "Essai", "unit": "percent", "definition": "Essai", "source": "Essai"}
    assert (await gateway.put(f"{API}/indicators/{code}", json=definition, headers=admin)).status_code == 201
    text = ending.join(
        [
            "indicator;territoryKind;territory;perimeter;year;value;source;note",
            f'{code};commune;62041;;2021;41,5;INSEE;"une note{ending}sur deux lignes"',
            f"{code};epci;200033579;;2021;s;INSEE;",
            "",
        ]
    )
    response = await finished(
        gateway, await gateway.post(f"{API}/indicator-values/imports", content=text, headers=_csv_headers(stack))
    )
    assert response.status_code == 200, response.text
    assert (response.json()["lines"], response.json()["created"], response.json()["errors"]) == (2, 2, [])
    values = (await gateway.get(f"{API}/indicator-values", params={"indicator": code})).json()["items"]
    by_kind = {value["territoryKind"]: value for value in values}
    assert by_kind["commune"]["value"] == "41.5"
    assert by_kind["commune"]["note"] == f"une note{ending}sur deux lignes"
    assert by_kind["epci"]["secret"] == "s"
