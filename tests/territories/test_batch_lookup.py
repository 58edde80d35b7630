"""Batch point -> QPV through the gateway: CSV or JSON in, one row per input line out, bad lines reported."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import httpx

from identity.principal import Role
from tests.running_stack import RunningStack

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = json.loads(
    (ROOT / "services" / "territories" / "data" / "cua_qpv_lookup_fixtures.json").read_text(encoding="utf-8")
)["fixtures"]
URL = "/api/territories/localisation/batch"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_csv_batch_answers_every_line_in_order(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    lines = ["id,lat,lon"]
    lines += [f"fx{index},{fixture['lat']},{fixture['lon']}" for index, fixture in enumerate(FIXTURES)]
    lines += ["bad-text,abc,2.77", "bad-range,91,2.77", ",50.29,2.77", "bad-columns,50.29", "bad-nan,nan,2.77"]
    response = await gateway.post(
        URL,
        params={"toleranceM": 5000},
        content="\n".join(lines),
        headers={**stack.headers([Role.OPERATOR]), "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["x-result-indicative"] == "true"
    rows = _rows(response.text)
    assert [row["line"] for row in rows] == [str(number) for number in range(2, len(lines) + 1)]
    for row, fixture in zip(rows, FIXTURES, strict=False):
        assert row["status"] == "ok"
        codes = row["qpvCodes"].split(";") if row["qpvCodes"] else []
        assert codes == fixture["expected"]
        others = {code: value for code, value in fixture["distancesM"].items() if code not in fixture["expected"]}
        nearest = min(others, key=others.__getitem__)
        assert row["nearestCode"] == nearest
        assert abs(float(row["nearestDistanceM"]) - others[nearest]) <= 0.5
    errors = {row["id"] or "<none>": row["error"] for row in rows[len(FIXTURES) :]}
    assert errors == {
        "bad-text": "lat: not a number",
        "bad-range": "lat: out of range [-90, 90]",
        "<none>": "id: missing",
        "bad-columns": "expected 3 columns, found 2",
        "bad-nan": "lat: not a finite number",
    }


async def test_semicolon_csv_with_decimal_commas(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    body = "lon;id;lat\n2,7661;quatre-as;50,27015\n"
    response = await gateway.post(
        URL, content=body, headers={**stack.headers([Role.OPERATOR]), "Content-Type": "text/csv"}
    )
    [row] = _rows(response.text)
    assert (row["id"], row["qpvCodes"]) == ("quatre-as", "QN06258M")


async def test_json_batch_answers_ndjson(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    points = [
        {"id": "a", "lat": 50.27015, "lon": 2.7661},
        {"id": "b", "lat": "x", "lon": 2.7},
        "oops",
        {"id": "d", "lat": 50.27015, "lon": "2.7661"},  # a number in a string is text, as in every JSON body
        {"id": True, "lat": 50.27015, "lon": 2.7661},
        {"id": 6, "lat": 50.27015, "lon": 2.7661},
    ]
    response = await gateway.post(URL, json={"points": points}, headers=stack.headers([Role.OPERATOR]))
    assert response.headers["content-type"] == "application/x-ndjson"
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert [(row["line"], row["status"]) for row in rows] == [
        (1, "ok"),
        (2, "error"),
        (3, "error"),
        (4, "error"),
        (5, "error"),
        (6, "ok"),
    ]
    assert (rows[4]["error"], rows[5]["id"]) == ("id: a JSON string or integer", "6")
    assert rows[0]["qpvCodes"] == ["QN06258M"]
    assert rows[1]["error"] == "lat: a JSON number, not a string"
    assert rows[3]["error"] == "lon: a JSON number, not a string"


async def test_hundred_thousand_points_through_the_gateway(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    generator = random.Random(7)  # noqa: S311 - test coordinates, not secrets
    lines = ["id,lat,lon"] + [
        f"p{index},{generator.uniform(50.25, 50.33):.6f},{generator.uniform(2.70, 2.85):.6f}"
        for index in range(100_000)
    ]
    response = await gateway.post(
        URL, content="\n".join(lines), headers={**stack.headers([Role.OPERATOR]), "Content-Type": "text/csv"}
    )
    assert response.status_code == 200
    rows = _rows(response.text)
    assert len(rows) == 100_000
    assert rows[-1]["id"] == "p99999"
    assert {row["status"] for row in rows} == {"ok"}
    assert any(row["qpvCodes"] for row in rows)


async def test_batch_refusals(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    headers = stack.headers([Role.OPERATOR])
    anonymous = await gateway.post(URL, content="id,lat,lon\n", headers={"Content-Type": "text/csv"})
    assert anonymous.status_code == 401
    no_header = await gateway.post(URL, content="a,50.2,2.7\n", headers={**headers, "Content-Type": "text/csv"})
    assert no_header.status_code == 422
    assert no_header.json()["errors"][0]["field"] == "body"
    other_type = await gateway.post(URL, content="<xml/>", headers={**headers, "Content-Type": "application/xml"})
    assert other_type.status_code == 415
    too_big = await gateway.post(
        URL, content=b"id,lat,lon\n" + b"x" * (17 * 1_048_576), headers={**headers, "Content-Type": "text/csv"}
    )
    assert too_big.status_code == 413
    assert too_big.json()["maxBytes"] == 16 * 1_048_576
