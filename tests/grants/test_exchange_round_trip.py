"""The programmation's files through the gateway, returned untouched as the prefecture's decisions: a year
with a notified and paid application, a refused one and one not decided yet, exported as XLSX, as the
exchange CSV and as the tableur-fr CSV, each imported back (dry run, then applied) as it came: nothing
changes, nothing fails, the application not decided yet is reported as having nothing to decide."""

from __future__ import annotations

import httpx
import pytest

from tests.grants.playbook import API, Year, open_year
from tests.grants.prefecture import XLSX, a_year_to_decide, exported, upload
from tests.running_stack import RunningStack
from tests.steps import step


@pytest.fixture
async def year(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> Year:
    return await open_year(stack, gateway, new_contract)


@pytest.mark.parametrize(
    ("params", "media"),
    [
        ({"format": "xlsx"}, XLSX),
        ({"format": "csv"}, "text/csv"),
        ({"format": "csv", "dialect": "tableur-fr"}, "text/csv"),
    ],
    ids=["xlsx", "csv", "csv-tableur-fr"],
)
async def test_an_export_imported_back_untouched_changes_nothing_and_fails_nothing(
    stack: RunningStack, gateway: httpx.AsyncClient, year: Year, params: dict[str, str], media: str
) -> None:
    with step("a year: notified and paid, refused, not decided yet"):
        decided = await a_year_to_decide(stack, gateway, year)
        applications = [decided.granted, decided.refused, decided.waiting]
        etags = [
            (await gateway.get(f"{API}/applications/{item}", headers=year.pilot)).headers["etag"]
            for item in applications
        ]
    with step("the programmation exported"):
        content = (await exported(gateway, year, **params)).content
    for dry_run in (True, False):
        with step(f"imported back untouched ({'dry run' if dry_run else 'applied'})"):
            report = await upload(
                gateway, year, content, dry_run=dry_run, media=media, dialect=params.get("dialect", "exchange")
            )
            assert report.status_code == (200 if dry_run else 201), report.text
            lines = report.json()["lines"]
            # Three lines: the unsent draft is not in the programmation, so not in its export.
            assert {line["applicationId"]: line["status"] for line in lines} == {
                decided.granted: "unchanged",
                decided.refused: "unchanged",
                decided.waiting: "nothing_to_decide",
            }
            assert [(line["changes"], line["errors"]) for line in lines] == [([], [])] * 3
            assert report.json()["counts"] == {"unchanged": 2, "nothing_to_decide": 1}
    with step("no application moved"):
        assert [
            (await gateway.get(f"{API}/applications/{item}", headers=year.pilot)).headers["etag"]
            for item in applications
        ] == etags


async def test_a_dialect_is_a_csvs(gateway: httpx.AsyncClient, year: Year) -> None:
    refused = await gateway.get(
        f"{API}/programmation-exports",
        params={"contractCode": year.contract, "year": 2025, "format": "xlsx", "dialect": "tableur-fr"},
        headers=year.state,
    )
    assert (refused.status_code, refused.headers["content-type"]) == (422, "application/problem+json")
    assert [(error["field"], error["rule"]) for error in refused.json()["errors"]] == [("dialect", "csv-dialect")]
