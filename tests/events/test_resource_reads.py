"""Every resource an event names can be read where the guide says: a financing line's events name it
`<applicationId>/<institutionId>`, read at `GET /applications/{applicationId}/financing-lines/{institutionId}`,
as the application shows it and to whoever reads the application (another organisation's or another
contract's line answers 404, like the application)."""

from __future__ import annotations

import httpx

from identity.principal import Role
from tests.events.feed import read_all
from tests.grants.playbook import API, notified, open_year
from tests.running_stack import RunningStack


async def test_a_financing_lines_event_names_a_line_one_can_read(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    year = await open_year(stack, gateway, new_contract)
    application = await notified(gateway, year)
    events, _ = await read_all(gateway, year.pilot, types="financing_line.decided", contractCode=new_contract)
    ours = [event for event in events if event["related"]["applicationId"] == application["id"]]
    assert {event["resourceId"] for event in ours} == {
        f"{application['id']}/{year.institutions[code]}" for code in ("etat-p147", "cua")
    }
    read = await gateway.get(f"{API}/applications/{application['id']}", headers=year.pilot)
    shown = {line["institutionId"]: line for line in read.json()["financingLines"]}
    document = (await gateway.get("/api/openapi.json")).json()
    described = document["webhooks"]["financing_line.decided"]["post"]["description"]
    assert "/api/grants/applications/{application}/financing-lines/{institution}" in described

    for event in ours:
        parent, child = event["resourceId"].split("/")
        url = f"{API}/applications/{parent}/financing-lines/{child}"
        for reader in (year.pilot, year.operator, year.cua):
            line = await gateway.get(url, headers=reader)
            assert line.status_code == 200, line.text
            assert line.json() == shown[child]
            assert line.headers["etag"] == read.headers["etag"]  # versioned with its application
        assert line.json()["decision"] == "granted"
        for stranger in (year.other_operator, stack.headers([Role.CONTRACT_PILOT], ["CV-200000000-2024"])):
            hidden = await gateway.get(url, headers=stranger)
            assert hidden.status_code == 404, hidden.text
            assert hidden.headers["content-type"].startswith("application/problem+json")

    no_line = await gateway.get(
        f"{API}/applications/{application['id']}/financing-lines/{year.institutions['caf-62']}", headers=year.pilot
    )
    assert no_line.status_code == 404, no_line.text
    assert year.institutions["caf-62"] not in shown
