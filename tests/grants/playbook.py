"""A programmation year to play tests on: a contract of its own with its call, framework, financers,
two operators, and the people who act on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from identity.principal import Role
from tests.clock import TravellingClock
from tests.conditional_writes import write_if_match
from tests.running_stack import RunningStack

API = "/api/grants"
# A contract's strategic framework of one operational objective.
FRAMEWORK = {
    "ambitions": [
        {
            "code": "A1",
            "label": "Quartier apaisé",
            "strategicObjectives": [
                {
                    "code": "OS6",
                    "label": "Placer les habitants au coeur de leur quartier",
                    "operationalObjectives": [{"code": "6A", "label": "Instances", "p147Theme": "1.5"}],
                }
            ],
        }
    ]
}


@dataclass
class Year:
    contract: str
    call_id: str
    operator_id: str
    other_operator_id: str
    institutions: dict[str, str]
    objective_id: str
    pilot: dict[str, str]
    state: dict[str, str]
    cua: dict[str, str]
    caf: dict[str, str]
    operator: dict[str, str]
    other_operator: dict[str, str]
    clock: TravellingClock  # the services' clock: a file is submitted while its call is open


def call_fields(contract: str) -> dict[str, Any]:
    """The contract's 2025 call of the State's programme 147, as the API asks for it."""
    return {
        "contractCode": contract,
        "year": 2025,
        "scheme": "p147",
        "title": "Appel à projets 2025",
        "opensOn": "2024-10-01",
        "closesOn": "2024-11-30",
    }


async def open_year(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> Year:
    """A contract of its own with its call, framework, financers and two operators."""
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract], institution="cua")
    call = await gateway.post(f"{API}/calls", headers=pilot, json=call_fields(new_contract))
    assert call.status_code == 201, call.text
    assert (
        await write_if_match(gateway, "PUT", f"{API}/frameworks/{new_contract}", json=FRAMEWORK, headers=pilot)
    ).status_code == 200
    tree = (await gateway.get(f"{API}/frameworks/{new_contract}", headers=pilot)).json()
    objective_id = tree["ambitions"][0]["children"][0]["children"][0]["id"]
    institutions = {}
    for code, kind in (("etat-p147", "state_p147"), ("cua", "epci"), ("caf-62", "caf")):
        created = await gateway.post(
            f"{API}/institutions",
            headers=pilot,
            json={
                "contractCode": new_contract,
                "code": code,
                "nom": code.upper(),
                "kind": kind,
                **({"siret": "13000553100004"} if code == "etat-p147" else {}),
            },
        )
        assert created.status_code == 201, created.text
        institutions[code] = created.json()["id"]
    operators = []
    for siret in ("73282932000074", "35600000049837"):
        created = await gateway.post(
            f"{API}/operators",
            headers=pilot,
            json={"contractCode": new_contract, "nom": f"Asso {siret[-4:]}", "siret": siret, "profile": "association"},
        )
        assert created.status_code == 201, created.text
        operators.append(created.json()["id"])
    return Year(
        contract=new_contract,
        call_id=call.json()["id"],
        operator_id=operators[0],
        other_operator_id=operators[1],
        institutions=institutions,
        objective_id=objective_id,
        pilot=pilot,
        state=stack.headers([Role.STATE], [new_contract], institution="etat-p147"),
        cua=stack.headers([Role.CONTRACT_PILOT], [new_contract], institution="cua"),
        caf=stack.headers([Role.CO_FINANCER], [new_contract], institution="caf-62"),
        operator=stack.headers([Role.OPERATOR], [new_contract], organisations=[operators[0]]),
        other_operator=stack.headers([Role.OPERATOR], [new_contract], organisations=[operators[1]]),
        clock=stack.clock,
    )


def budget(year: Year, *, p147: int = 8000, cua: int = 4000, charges: int = 15000) -> dict[str, Any]:
    return {
        "lines": [
            {"account": "60", "label": "Achats", "amount": "3000"},
            {"account": "64", "label": "Salaires", "amount": str(charges - 3000)},
            {
                "account": "74",
                "label": "État P147",
                "amount": str(p147),
                "institutionId": year.institutions["etat-p147"],
            },
            {"account": "74", "label": "CUA", "amount": str(cua), "institutionId": year.institutions["cua"]},
            {"account": "75", "label": "Cotisations", "amount": str(15000 - p147 - cua)},
            {"account": "86", "label": "Bénévolat", "amount": "2000"},
            {"account": "87", "label": "Contributions", "amount": "2000"},
        ]
    }


async def draft(gateway: httpx.AsyncClient, year: Year, **extra: Any) -> dict[str, Any]:
    body = {
        "callId": year.call_id,
        "operatorId": year.operator_id,
        "title": "Ateliers de quartier",
        "primaryObjectiveId": year.objective_id,
        "qpvCodes": ["QN06258M"],
        "beneficiaries": {"total": 120, "women": 70, "men": 50, "ageBands": {"6-11": 40}, "shareInQpvPercent": 80},
        "startsOn": "2025-09-01",
        "endsOn": "2026-06-30",
        "dauphinNumber": "da 2025 0001-1",
        **extra,
    }
    created = await gateway.post(f"{API}/applications", json=body, headers=year.operator)
    assert created.status_code == 201, created.text
    document: dict[str, Any] = created.json()
    return document


# A vulnerability zone's perimeter near Arras (WGS84, outer ring counter-clockwise as RFC 7946 writes it).
ZONE_PERIMETER = {
    "type": "Polygon",
    "coordinates": [[[2.75, 50.28], [2.76, 50.28], [2.76, 50.29], [2.75, 50.29], [2.75, 50.28]]],
}


async def official_zone(gateway: httpx.AsyncClient, year: Year, code: str = "ZV-1", **source: Any) -> dict[str, Any]:
    """A vulnerability zone the State validates for the year's contract by an arrêté (an uploaded perimeter
    unless `source` names a computation's zone)."""
    body = {
        "contractCode": year.contract,
        "code": code,
        "name": f"Zone de vulnérabilité {code}",
        "act": {"kind": "arrete", "number": "2024-DDETS-17", "signedOn": "2024-03-12"},
        **(source or {"perimeter": ZONE_PERIMETER}),
    }
    created = await gateway.post("/api/territories/vulnerability-zones", json=body, headers=year.state)
    assert created.status_code == 201, created.text
    document: dict[str, Any] = created.json()
    return document


ACTIONS_ON_A_RESOURCE = ("budget", "transitions", "amounts", "freeze", "amendments")


async def send(
    gateway: httpx.AsyncClient, method: str, url: str, headers: dict[str, str], body: dict[str, Any]
) -> httpx.Response:
    """The request with If-Match set to the resource's current ETag (read just before)."""
    resource, _, last = url.rpartition("/")
    current = await gateway.get(resource if last in ACTIONS_ON_A_RESOURCE else url, headers=headers)
    return await gateway.request(method, url, json=body, headers={**headers, "If-Match": current.headers["etag"]})


async def move(
    gateway: httpx.AsyncClient, application: str, headers: dict[str, str], transition: str, reason: str | None = None
) -> httpx.Response:
    return await send(
        gateway,
        "POST",
        f"{API}/applications/{application}/transitions",
        headers,
        {"transition": transition, "reason": reason},
    )


async def submit(
    gateway: httpx.AsyncClient, year: Year, application: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    """The operator's (or `headers`') submission in time: today, or on its call's closing day when that is
    past (the clock travels back, never forward: tokens would expire)."""
    read = await gateway.get(f"{API}/applications/{application}", headers=year.pilot)
    call = await gateway.get(f"{API}/calls/{read.json()['callId']}", headers=year.pilot)
    closes_on = date.fromisoformat(call.json()["closesOn"])
    with year.clock.on(min(closes_on, year.clock.today())):
        return await move(gateway, application, headers or year.operator, "submit")


async def decide_line(
    gateway: httpx.AsyncClient,
    year: Year,
    application: str,
    code: str,
    amount: str,
    headers: dict[str, str] | None = None,
    **act: str,
) -> httpx.Response:
    """The financer's decision of its own line by its act (the State's arrêté, a deliberation for the
    others; dated the services' day): granted `amount`, refused when it is 0."""
    decider = headers or {"etat-p147": year.state, "cua": year.cua, "caf-62": year.caf}[code]
    granted = float(amount) > 0
    body = {
        "decision": "granted" if granted else "refused",
        "amount": amount if granted else None,
        "actKind": "arrete" if code == "etat-p147" else "deliberation",
        "actNumber": f"2025-{code}-1",
        "decidedOn": year.clock.today().isoformat(),
        **act,
    }
    url = f"{API}/applications/{application}/financing-lines/{year.institutions[code]}/decision"
    return await write_if_match(gateway, "POST", url, json=body, headers=decider)


async def notify(
    gateway: httpx.AsyncClient, year: Year, application: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    """The notification, dated by its letter (the services' day)."""
    return await send(
        gateway,
        "POST",
        f"{API}/applications/{application}/transitions",
        headers or year.state,
        {"transition": "notify", "notifiedOn": year.clock.today().isoformat()},
    )


async def notified(
    gateway: httpx.AsyncClient, year: Year, *, decided: dict[str, str] | None = None, **draft_extra: Any
) -> dict[str, Any]:
    """A new application played to notified (see `play_to_notified`)."""
    return await play_to_notified(gateway, year, await draft(gateway, year, **draft_extra), decided)


async def play_to_notified(
    gateway: httpx.AsyncClient, year: Year, application: dict[str, Any], decided: dict[str, str] | None = None
) -> dict[str, Any]:
    """A draft played to notified: the default budget, submitted in time, proposed, each financer deciding
    its amount by its act (which decides the application), notified."""
    url = f"{API}/applications/{application['id']}"
    assert (await send(gateway, "PUT", f"{url}/budget", year.operator, budget(year))).status_code == 200
    assert (await submit(gateway, year, application["id"])).status_code == 200
    for transition in ("declare_receivable", "instruct"):
        assert (await move(gateway, application["id"], year.state, transition)).status_code == 200
    assert (await move(gateway, application["id"], year.pilot, "propose")).status_code == 200
    amounts = decided or {"etat-p147": "7000.01", "cua": "4000"}
    for code in ("etat-p147", "cua"):
        set_line = await decide_line(gateway, year, application["id"], code, amounts[code])
        assert set_line.status_code == 200, set_line.text
    assert set_line.json()["state"] == "decided", set_line.text
    done = await notify(gateway, year, application["id"])
    assert done.status_code == 200, done.text
    document: dict[str, Any] = done.json()
    return document


async def next_year(gateway: httpx.AsyncClient, year: Year, call_year: int = 2026) -> Year:
    """The same contract with its call of a following year (2026 unless told)."""
    call = await gateway.post(
        f"{API}/calls",
        headers=year.pilot,
        json={
            "contractCode": year.contract,
            "year": call_year,
            "scheme": "p147",
            "title": f"Appel à projets {call_year}",
            "opensOn": f"{call_year - 1}-10-01",
            "closesOn": f"{call_year - 1}-11-30",
        },
    )
    assert call.status_code == 201, call.text
    return Year(**{**year.__dict__, "call_id": call.json()["id"]})
