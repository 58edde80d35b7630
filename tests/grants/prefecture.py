"""The files a contract's year exchanges with the prefecture, fetched and sent through the gateway, and a
year holding a decision of each kind to exchange (tests/grants and tests/readers play on it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from identity.principal import Role
from tests.conditional_writes import write_if_match
from tests.grants.playbook import API, Year, budget, decide_line, draft, move, notified, notify, send, submit
from tests.job_results import finished
from tests.running_stack import RunningStack

IMPORTS = f"{API}/decision-imports"
EXPORTS = f"{API}/programmation-exports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EJ = "2103814945"
# An association's SIRET that starts with zeros: a spreadsheet reading it as a number loses them.
ZEROS_SIRET = "00552013500137"


@dataclass(frozen=True)
class Decided:
    """The applications of a year to decide (their ids)."""

    granted: str  # notified, 7,000.01 € of the State (DA20250001-1) and 4,000 € of the CUA, paid under EJ
    refused: str  # the State proposed 0 € and refused (DA20250002-1), the CUA granted 4,000 €; notified
    waiting: str  # submitted by an association whose SIRET starts with zeros; not decided yet
    unsent: str  # a draft its operator never submitted: not in the programmation, nor in its export


async def _line(gateway: httpx.AsyncClient, year: Year, application: str, code: str, **body: str) -> None:
    line = f"{API}/applications/{application}/financing-lines/{year.institutions[code]}"
    headers = year.state if code == "etat-p147" else year.cua
    changed = await write_if_match(gateway, "PATCH", line, json=body, headers=headers)
    assert changed.status_code == 200, changed.text


async def _paid(gateway: httpx.AsyncClient, year: Year, application: str) -> None:
    """The State's credits voted, its whole line planned in one tranche and paid under EJ."""
    state = year.institutions["etat-p147"]
    voted = await write_if_match(
        gateway, "PUT", f"{API}/calls/{year.call_id}/envelopes/{state}", json={"amount": "500000"}, headers=year.pilot
    )
    assert voted.status_code == 200, voted.text
    tranches = f"{API}/applications/{application}/financing-lines/{state}/tranches"
    single = {"tranches": [{"kind": "single", "amount": "7000.01"}]}
    planned = await write_if_match(gateway, "PUT", tranches, json=single, headers=year.state)
    assert planned.status_code == 200, planned.text
    payment = {"paidOn": "2025-03-15", "amount": "7000.01", "chorusCommitment": EJ, "chorusPayment": "DP-1"}
    paid = await gateway.post(f"{API}/tranches/{planned.json()[0]['id']}/payment", json=payment, headers=year.state)
    assert paid.status_code == 200, paid.text


async def _submitted(gateway: httpx.AsyncClient, year: Year, headers: dict[str, str], **body: Any) -> str:
    """A draft with the default budget, submitted by its operator (`headers`)."""
    created = await gateway.post(
        f"{API}/applications",
        json={"callId": year.call_id, "primaryObjectiveId": year.objective_id, "qpvCodes": ["QN06258M"], **body},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    application = str(created.json()["id"])
    assert (
        await send(gateway, "PUT", f"{API}/applications/{application}/budget", headers, budget(year))
    ).status_code == 200
    moved = await submit(gateway, year, application, headers)
    assert moved.status_code == 200, moved.text
    return application


async def _refuse(gateway: httpx.AsyncClient, year: Year, application: str) -> None:
    """The State proposes 0 € and refuses, the CUA grants 4,000 €, each by its act; decided and notified."""
    for transition in ("declare_receivable", "instruct"):
        assert (await move(gateway, application, year.state, transition)).status_code == 200
    await _line(gateway, year, application, "etat-p147", proposed="0")
    assert (await move(gateway, application, year.pilot, "propose")).status_code == 200
    for code, amount in (("etat-p147", "0"), ("cua", "4000")):
        decided = await decide_line(gateway, year, application, code, amount)
        assert decided.status_code == 200, decided.text
    moved = await notify(gateway, year, application)
    assert moved.status_code == 200, moved.text


async def a_year_to_decide(stack: RunningStack, gateway: httpx.AsyncClient, year: Year) -> Decided:
    # Every request submitted before any is notified: a notified year's report comes before a new request.
    unsent = await draft(gateway, year, title="Projet jamais envoyé", dauphinNumber="DA20250009-1")
    zeros = await gateway.post(
        f"{API}/operators",
        headers=year.pilot,
        json={"contractCode": year.contract, "nom": "Asso des Zéros", "siret": ZEROS_SIRET, "profile": "association"},
    )
    assert zeros.status_code == 201, zeros.text
    waiting = await _submitted(
        gateway,
        year,
        stack.headers([Role.OPERATOR], [year.contract], organisations=[zeros.json()["id"]]),
        operatorId=zeros.json()["id"],
        title="Café des parents",
        qpvCodes=["QN06258M", "QN06261M"],
    )
    refused = await _submitted(
        gateway,
        year,
        year.operator,
        operatorId=year.operator_id,
        title="Chantiers jeunes",
        dauphinNumber="DA20250002-1",
    )
    granted = str((await notified(gateway, year))["id"])
    await _paid(gateway, year, granted)
    await _refuse(gateway, year, refused)
    return Decided(granted, refused, waiting, str(unsent["id"]))


async def exported(gateway: httpx.AsyncClient, year: Year, **params: Any) -> httpx.Response:
    """The year's (2025) programmation as the State exports it."""
    response = await gateway.get(
        EXPORTS, params={"contractCode": year.contract, "year": 2025, **params}, headers=year.state
    )
    assert response.status_code == 200, response.text
    return response


async def upload(
    gateway: httpx.AsyncClient,
    year: Year,
    content: bytes,
    *,
    dry_run: bool,
    media: str = "text/csv",
    dialect: str = "exchange",
    url: str = IMPORTS,
    headers: dict[str, str] | None = None,
    **params: str,
) -> httpx.Response:
    """A file sent to an import (decisions: `url`'s default) by the State (or `headers`), as the job's
    answer once it is done; `params`: the import's other query parameters."""
    return await finished(
        gateway,
        await gateway.post(
            url,
            params={
                "contractCode": year.contract,
                "dryRun": str(dry_run).lower(),
                "fileName": "decisions.csv",
                "dialect": dialect,
                **params,
            },
            content=content,
            headers={**(headers or year.state), "Content-Type": media},
        ),
        wait=5,
    )
