"""The cycle as its users live it, through the gateway: the comité des financeurs agrees a programmation (each
financer's proposal), each financer then decides its own line by its own act, the application is decided
after the last of them; a reserved line stays reserved until its financer decides; the scenario's check
and its freeze apply the same rules; a late file only by a pilot's exception; the notification dated by its
letter; the balance of a year only once its financial report is received."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import asyncpg
import httpx
import pytest

from tests.conditional_writes import write_if_match
from tests.events.feed import read_all
from tests.grants.playbook import API, Year, decide_line, draft, move, notified, open_year, send, submit
from tests.grants.test_payments import pay, plan, vote
from tests.running_stack import RunningStack
from tests.steps import step


@pytest.fixture
async def year(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> Year:
    return await open_year(stack, gateway, new_contract)


def three_financers(year: Year) -> dict[str, Any]:
    """A balanced budget of 15,000 € asking 6,000 € of the State, 3,000 € of the CUA and 2,000 € of the CAF."""
    return {
        "lines": [
            {"account": "64", "label": "Salaires", "amount": "15000"},
            *(
                {"account": "74", "label": code, "amount": amount, "institutionId": year.institutions[code]}
                for code, amount in (("etat-p147", "6000"), ("cua", "3000"), ("caf-62", "2000"))
            ),
            {"account": "75", "label": "Cotisations", "amount": "4000"},
        ]
    }


async def instructed(gateway: httpx.AsyncClient, year: Year, title: str, **proposed: str) -> str:
    """A file with three financers, submitted in time, instructed: each financer's opinion and proposal."""
    application = await draft(gateway, year, title=title)
    url = f"{API}/applications/{application['id']}"
    assert (await send(gateway, "PUT", f"{url}/budget", year.operator, three_financers(year))).status_code == 200
    assert (await submit(gateway, year, application["id"])).status_code == 200
    for transition in ("declare_receivable", "instruct"):
        assert (await move(gateway, application["id"], year.state, transition)).status_code == 200
    opinions = {"etat-p147": "favourable", "cua": "favourable", "caf-62": "reserved"}
    for code, headers in (("etat-p147", year.state), ("cua", year.cua), ("caf-62", year.caf)):
        body = {"opinion": opinions[code], "proposed": proposed.get(code.replace("-", "_"), "0")}
        if code == "caf-62":
            body["opinionComment"] = "Sous réserve du vote du conseil d'administration"
        line = f"{url}/financing-lines/{year.institutions[code]}"
        assert (await write_if_match(gateway, "PATCH", line, json=body, headers=headers)).status_code == 200
    return str(application["id"])


def lines_of(application: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["institutionCode"]: line for line in application["financingLines"]}


async def scenario_of(gateway: httpx.AsyncClient, year: Year, name: str) -> str:
    created = await gateway.post(f"{API}/scenarios", json={"callId": year.call_id, "name": name}, headers=year.pilot)
    assert created.status_code == 201, created.text
    return f"{API}/scenarios/{created.json()['id']}"


async def freeze(gateway: httpx.AsyncClient, year: Year, scenario: str, held_on: str = "2025-01-20") -> httpx.Response:
    body = {"heldOn": held_on, "coChairs": ["etat-p147", "cua"], "attendees": ["caf-62"]}
    return await send(gateway, "POST", f"{scenario}/freeze", year.pilot, body)


async def test_the_comite_proposes_and_each_financer_decides_its_own_line(
    gateway: httpx.AsyncClient, year: Year
) -> None:
    with step("an application instructed by three financers, the CAF's opinion reserved, proposed"):
        application = await instructed(
            gateway, year, "Ateliers de quartier", etat_p147="6000", cua="3000", caf_62="2000"
        )
        url = f"{API}/applications/{application}"
        proposed = await move(gateway, application, year.pilot, "propose")
        assert proposed.status_code == 200, proposed.text
        assert (await gateway.get(url, headers=year.caf)).json() == proposed.json(), "read as the write answered"
    with step("the comité freezes the programmation: each financer's proposal, not its decision"):
        scenario = await scenario_of(gateway, year, "Comité du 20 janvier")
        checked = await gateway.get(f"{scenario}/check", headers=year.caf)
        assert (checked.json()["canFreeze"], checked.json()["blocking"]) == (True, [])
        frozen = await freeze(gateway, year, scenario)
        assert frozen.status_code == 200, frozen.text
        committee = frozen.json()["committee"]["id"]
        read = (await gateway.get(url, headers=year.pilot)).json()
        assert (read["state"], read["outcome"]) == ("proposed", None)
        assert {
            code: (line["proposed"], line["decision"], line["committeeId"]) for code, line in lines_of(read).items()
        } == {
            "etat-p147": ("6000.00", None, committee),
            "cua": ("3000.00", None, committee),
            "caf-62": ("2000.00", None, committee),
        }
    with step("the agreed amount is the comité's: no financer changes its proposal afterwards"):
        caf_line = f"{url}/financing-lines/{year.institutions['caf-62']}"
        changed = await write_if_match(gateway, "PATCH", caf_line, json={"proposed": "1000"}, headers=year.caf)
        assert changed.status_code == 409, changed.text
    with step("the State decides by its arrêté, the CUA by deliberation: the CAF's reserved line stays reserved"):
        state = await decide_line(
            gateway,
            year,
            application,
            "etat-p147",
            "6000",
            actNumber="2025-DDETS-147-012",
            decidedOn="2025-02-12",
            chorusCommitment="2103814945",
        )
        assert state.status_code == 200, state.text
        cua = await decide_line(gateway, year, application, "cua", "3000", decidedOn="2025-02-20")
        assert cua.status_code == 200, cua.text
        assert (cua.json()["state"], cua.json()["outcome"]) == ("proposed", None), "the CAF has not decided"
        caf = lines_of(cua.json())["caf-62"]
        assert (caf["opinion"], caf["decision"], caf["decided"]) == ("reserved", None, None)
    with step("nobody decides the CAF's line for it, and its act is numbered"):
        by_the_pilot = await decide_line(gateway, year, application, "caf-62", "2000", headers=year.pilot)
        assert by_the_pilot.status_code == 403
        unnumbered = await decide_line(gateway, year, application, "caf-62", "1500", actNumber="")
        assert unnumbered.status_code == 422
        not_its_tool = await decide_line(
            gateway, year, application, "caf-62", "1500", actKind="dauphin_decision", actNumber="x"
        )
        assert [error["rule"] for error in not_its_tool.json()["errors"]] == ["dauphin-is-the-states"]
    with step("a financer of the contract with no line in the file, or no financer, has no line to decide"):
        departement = await gateway.post(
            f"{API}/institutions",
            headers=year.pilot,
            json={"contractCode": year.contract, "code": "cd-62", "nom": "CD 62", "kind": "departement"},
        )
        assert departement.status_code == 201, departement.text
        decision = {
            "decision": "granted",
            "amount": "1000",
            "actKind": "deliberation",
            "actNumber": "CD-1",
            "decidedOn": "2025-03-01",
        }
        for institution in (departement.json()["id"], "0b7f7a52-5a8e-4d0e-9a55-0d5f3c1d7e11"):
            line = f"{url}/financing-lines/{institution}/decision"
            missing = await write_if_match(gateway, "POST", line, json=decision, headers=year.caf)
            assert missing.status_code == 404, missing.text
            assert missing.json()["detail"] == f"financing line {institution} not found"
    with step("the CAF's board decides less than the comité proposed: the last decision decides the application"):
        decided = await decide_line(
            gateway, year, application, "caf-62", "1500", actNumber="CA-2025-03", decidedOn="2025-03-05"
        )
        assert decided.status_code == 200, decided.text
        assert (decided.json()["state"], decided.json()["outcome"]) == ("decided", "partially_granted")
        caf = lines_of(decided.json())["caf-62"]
        assert (caf["proposed"], caf["decided"], caf["decision"]) == ("2000.00", "1500.00", "granted")
        assert (caf["actKind"], caf["actNumber"], caf["decidedOn"]) == ("deliberation", "CA-2025-03", "2025-03-05")
        assert caf["opinion"] == "reserved", "its opinion is kept as it was given"
        last = decided.json()["events"][-1]
        assert (last["transition"], last["actorInstitution"], last["reason"]) == (
            "decide",
            "caf-62",
            "décision de CAF-62",
        )
    with step("each financer's decision is an event partners follow"):
        events, _ = await read_all(gateway, year.pilot, contractCode=year.contract)
        decisions = [event for event in events if event["type"] == "financing_line.decided"]
        assert sorted(event["related"]["institutionId"] for event in decisions) == sorted(year.institutions.values())
    with step("the notification gives the date of its letter, not before the last act"):
        transitions = f"{url}/transitions"
        undated = await send(gateway, "POST", transitions, year.state, {"transition": "notify"})
        assert [error["rule"] for error in undated.json()["errors"]] == ["letter-date-required"]
        early = await send(
            gateway, "POST", transitions, year.state, {"transition": "notify", "notifiedOn": "2025-03-01"}
        )
        assert [error["rule"] for error in early.json()["errors"]] == ["after-decision"]
        letter = await send(
            gateway, "POST", transitions, year.state, {"transition": "notify", "notifiedOn": "2025-03-10"}
        )
        assert (letter.status_code, letter.json()["notifiedOn"]) == (200, "2025-03-10")
    with step("the application reads back as its last write answered: lines, acts, opinions and history"):
        read = await gateway.get(url, headers=year.operator)
        assert read.status_code == 200, read.text
        assert read.json() == letter.json()
        assert read.headers["ETag"] == letter.headers["ETag"]
        assert [event["transition"] for event in read.json()["events"]][-2:] == ["decide", "notify"]
    with step("the State's act fills the export's decision date and Chorus EJ"):
        exported = await gateway.get(
            f"{API}/programmation-exports",
            params={"contractCode": year.contract, "year": 2025, "format": "csv"},
            headers=year.state,
        )
        row = next(
            item
            for item in csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";")
            if item["id_application"] == application
        )
        assert (row["montant_propose_p147"], row["montant_decide_p147"]) == ("6000.00", "6000.00")
        assert (row["date_decision"], row["chorus_ej"], row["cofin_caf-62_decide"]) == (
            "2025-02-12",
            "2103814945",
            "1500.00",
        )


async def test_the_check_and_the_freeze_apply_the_same_rules(gateway: httpx.AsyncClient, year: Year) -> None:
    with step("one application proposed, another still under instruction, both in the scenario"):
        ready = await instructed(gateway, year, "Ateliers de quartier", etat_p147="6000")
        assert (await move(gateway, ready, year.pilot, "propose")).status_code == 200
        pending = await instructed(gateway, year, "Chantiers jeunes", etat_p147="5000")
        scenario = await scenario_of(gateway, year, "Comité")
    with step("the check says which rule keeps the comité from freezing, and the freeze says the same"):
        checked = (await gateway.get(f"{scenario}/check", headers=year.pilot)).json()
        assert checked["canFreeze"] is False
        assert [(item["rule"], item["applicationId"], item["message"]) for item in checked["blocking"]] == [
            ("application-proposed", pending, "Chantiers jeunes is under_instruction, not proposed")
        ]
        refused = await freeze(gateway, year, scenario)
        assert refused.status_code == 422
        assert [error["rule"] for error in refused.json()["errors"]] == ["application-proposed"]
    with step("a check that allows the freeze, then an envelope lowered: the freeze names the rule changed since"):
        assert (await move(gateway, pending, year.operator, "withdraw", "Projet reporté")).status_code == 200
        checked = (await gateway.get(f"{scenario}/check", headers=year.pilot)).json()
        assert (checked["canFreeze"], checked["blocking"]) == (True, [])
        await vote(gateway, year, year.call_id, "etat-p147")  # 500,000 €
        envelope = f"{API}/calls/{year.call_id}/envelopes/{year.institutions['etat-p147']}"
        lowered = await write_if_match(gateway, "PUT", envelope, json={"amount": "5000"}, headers=year.pilot)
        assert lowered.status_code == 200, lowered.text
        changed = await freeze(gateway, year, scenario)
        assert changed.status_code == 422
        assert [error["rule"] for error in changed.json()["errors"]] == ["within-envelope"]
        assert (await gateway.get(f"{scenario}/check", headers=year.pilot)).json()["canFreeze"] is False
    with step("the envelope restored, the freeze that follows a check allowing it succeeds"):
        restored = await write_if_match(gateway, "PUT", envelope, json={"amount": "500000"}, headers=year.pilot)
        assert restored.status_code == 200, restored.text
        assert (await gateway.get(f"{scenario}/check", headers=year.pilot)).json()["canFreeze"] is True
        assert (await freeze(gateway, year, scenario)).status_code == 200
    with step("a comité programmes an application once"):
        again = await scenario_of(gateway, year, "Comité complémentaire")
        checked = (await gateway.get(f"{again}/check", headers=year.pilot)).json()
        assert [(item["rule"], item["applicationId"]) for item in checked["blocking"]] == [("programmed-once", ready)]
        assert [error["rule"] for error in (await freeze(gateway, year, again)).json()["errors"]] == ["programmed-once"]


async def _audited(stack: RunningStack, action: str, entity: str) -> list[asyncpg.Record]:
    async with stack.runtime_connection("grants") as connection:
        return list(
            await connection.fetch(
                "SELECT actor_institution, before, after, reason FROM grants.audit_events"
                " WHERE action = $1 AND entity_id = $2",
                action,
                entity,
            )
        )


async def test_the_comites_amounts_are_audited_line_by_line(
    stack: RunningStack, gateway: httpx.AsyncClient, year: Year
) -> None:
    """The comité's freeze changes each line's proposed amount: each line's change is audited with its
    amounts before and after, as a financer's own proposal is."""
    application = await instructed(gateway, year, "Auditée", etat_p147="6000", cua="2500", caf_62="2000")
    assert (await move(gateway, application, year.pilot, "propose")).status_code == 200
    scenario = await scenario_of(gateway, year, "Comité audité")
    frozen = await freeze(gateway, year, scenario)
    assert frozen.status_code == 200, frozen.text
    for code, proposed in (("etat-p147", 600_000), ("cua", 250_000), ("caf-62", 200_000)):
        audited = await _audited(stack, "financing_line.agreed", f"{application}/{year.institutions[code]}")
        assert len(audited) == 1, code
        after = json.loads(audited[0]["after"])
        assert (after["proposedCents"], after["committeeId"]) == (proposed, frozen.json()["committee"]["id"])
        assert audited[0]["reason"].startswith("comité des financeurs du ")


async def test_a_corrected_file_asks_again_the_financers_whose_amount_changed(
    stack: RunningStack, gateway: httpx.AsyncClient, year: Year
) -> None:
    """A financer may decide its line while the file is instructed. Sent back for correction and submitted
    again asking it less, its decision was on the former request: the line is asked again (no opinion,
    proposal nor decision), audited, and the file is not decided by decisions on amounts nobody asks any
    more. A financer asked the same amount keeps what it gave."""
    application = await instructed(gateway, year, "Corrigée", etat_p147="6000", cua="3000", caf_62="1000")
    url = f"{API}/applications/{application}"
    decided = await decide_line(gateway, year, application, "etat-p147", "6000")
    assert decided.status_code == 200, decided.text
    assert (await decide_line(gateway, year, application, "cua", "3000")).status_code == 200
    assert (await move(gateway, application, year.state, "request_correction", "Le 74 de l'État")).status_code == 200
    corrected = three_financers(year)
    # The State asked 5,000 € instead of 6,000, the CAF no more: its line goes, its reserved opinion with it.
    corrected["lines"] = [line for line in corrected["lines"] if line.get("label") != "caf-62"]
    for line in corrected["lines"]:
        if line.get("label") == "etat-p147":
            line["amount"] = "5000"
        if line["account"] == "75":
            line["amount"] = "7000"
    assert (await send(gateway, "PUT", f"{url}/budget", year.operator, corrected)).status_code == 200
    again = await move(gateway, application, year.operator, "submit")
    assert again.status_code == 200, again.text
    lines = lines_of(again.json())
    state = lines["etat-p147"]
    assert (state["requested"], state["proposed"], state["decided"]) == ("5000.00", None, None)
    assert (state["opinion"], state["decision"], state["actKind"], state["actNumber"]) == (None, None, None, None)
    cua = lines["cua"]
    assert (cua["requested"], cua["proposed"], cua["decided"], cua["decision"]) == (
        "3000.00",
        "3000.00",
        "3000.00",
        "granted",
    )
    assert cua["actNumber"] == "2025-cua-1"
    assert (await gateway.get(url, headers=year.state)).json()["financingLines"] == again.json()["financingLines"]
    audited = await _audited(stack, "financing_line.asked_again", f"{application}/{year.institutions['etat-p147']}")
    assert len(audited) == 1
    after = json.loads(audited[0]["after"])
    assert (after["requestedCents"], after["decidedCents"], after["decision"], after["act"]) == (
        500000,
        None,
        None,
        None,
    )
    assert await _audited(stack, "financing_line.asked_again", f"{application}/{year.institutions['cua']}") == []
    assert "caf-62" not in lines
    (withdrawn,) = await _audited(stack, "financing_line.withdrawn", f"{application}/{year.institutions['caf-62']}")
    assert json.loads(withdrawn["after"]) is None  # a deletion: nothing after
    before = json.loads(withdrawn["before"])
    assert (before["requestedCents"], before["opinion"]) == (200000, "reserved")
    # Instructed again, the State cannot decide more than it is asked now.
    for transition in ("declare_receivable", "instruct"):
        assert (await move(gateway, application, year.state, transition)).status_code == 200
    over = await decide_line(gateway, year, application, "etat-p147", "6000")
    assert over.status_code == 422
    assert over.json()["errors"][0]["rule"] == "decided-within-requested"


async def test_a_late_file_is_refused_then_taken_by_a_pilots_reasoned_exception(
    stack: RunningStack, gateway: httpx.AsyncClient, year: Year
) -> None:
    application = await draft(gateway, year)
    url = f"{API}/applications/{application['id']}"
    assert (await send(gateway, "PUT", f"{url}/budget", year.operator, three_financers(year))).status_code == 200
    with step("after the call's closing day (30 November 2024), the operator's submission is refused"):
        late = await move(gateway, application["id"], year.operator, "submit")
        assert late.status_code == 422
        assert [(error["field"], error["rule"]) for error in late.json()["errors"]] == [
            ("transition", "submitted-before-closing")
        ]
        assert "2024-11-30" in late.json()["errors"][0]["message"]
        unreasoned = await move(gateway, application["id"], year.pilot, "submit")
        assert [error["rule"] for error in unreasoned.json()["errors"]] == ["submitted-before-closing"]
    with step("a pilot takes it as an exception, with its reason, kept and audited"):
        reason = "Dossier déposé en main propre le 29 novembre, saisi après la clôture"
        taken = await move(gateway, application["id"], year.pilot, "submit", reason)
        assert taken.status_code == 200, taken.text
        assert (taken.json()["state"], taken.json()["events"][-1]["reason"]) == ("submitted", reason)
        (audited,) = await _audited(stack, "application.submit", application["id"])
        after = json.loads(audited["after"])
        assert (audited["actor_institution"], audited["reason"], after["lateFile"], after["callClosedOn"]) == (
            "cua",
            reason,
            True,
            "2024-11-30",
        )


async def test_the_balance_waits_for_the_years_financial_report_unless_overridden(
    gateway: httpx.AsyncClient, year: Year
) -> None:
    application = (await notified(gateway, year))["id"]
    await vote(gateway, year, year.call_id, "etat-p147")
    planned = await plan(
        gateway,
        year,
        application,
        "etat-p147",
        year.state,
        [{"kind": "advance", "weight": 1}, {"kind": "balance", "weight": 1}],
    )
    advance, balance = (item["id"] for item in planned.json())
    assert (await pay(gateway, advance, year.state, amount="3500.01")).status_code == 200
    with step("the balance before the year's financial report is refused, naming the gate"):
        refused = await pay(gateway, balance, year.state, amount="3500", paidOn="2025-12-15")
        assert refused.status_code == 422
        assert [(error["field"], error["rule"]) for error in refused.json()["errors"]] == [
            ("overrideReason", "report-received")
        ]
    with step("paid with the reason it is overridden, the reason kept with the payment"):
        forced = await pay(
            gateway,
            balance,
            year.state,
            amount="3500",
            paidOn="2025-12-15",
            overrideReason="Clôture de l'exercice : compte rendu annoncé pour janvier",
        )
        assert forced.status_code == 200, forced.text
        assert forced.json()["overriddenGates"] == ["report-received"]
