"""A programmation year through the API: call → operators' balanced budgets → instruction by the State
and the CUA with private notes → financers' decisions → notified; and each bad input refused."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.conditional_writes import write_if_match
from tests.conftest import register_contract
from tests.grants.playbook import API, Year, budget, decide_line, draft, move, notify, open_year, send, submit
from tests.running_stack import RunningStack
from tests.steps import step


@pytest.fixture
async def year(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> Year:
    return await open_year(stack, gateway, new_contract)


async def test_a_year_played_through(stack: RunningStack, gateway: httpx.AsyncClient, year: Year) -> None:
    with step("the operator drafts the application and its balanced budget"):
        application = await draft(gateway, year)
        url = f"{API}/applications/{application['id']}"
        assert (application["state"], application["horsQpv"], application["dauphinNormalised"]) == (
            "draft",
            False,
            "DA20250001-1",
        )
        budgeted = await send(gateway, "PUT", f"{url}/budget", year.operator, budget(year))
        assert budgeted.status_code == 200, budgeted.text
        assert budgeted.json()["budget"]["balanced"] is True
    with step("its submission opens a line for each financer it asks"):
        submitted = await submit(gateway, year, application["id"])
        assert submitted.status_code == 200, submitted.text
        lines = {line["institutionCode"]: line for line in submitted.json()["financingLines"]}
        assert {code: line["requested"] for code, line in lines.items()} == {"cua": "4000.00", "etat-p147": "8000.00"}
        assert lines["etat-p147"]["cerfaSubline"] == "74etat"
    with step("the State declares it receivable and instructs it"):
        for transition in ("declare_receivable", "instruct"):
            moved = await move(gateway, application["id"], year.state, transition)
            assert moved.status_code == 200, moved.text
    with step("each institution annotates it, and reads only its own notes"):
        # Private notes: each institution reads only its own.
        for headers, text in (
            (year.state, "Grille égalité: 2"),
            (year.cua, "Porteur solide"),
            (year.caf, "Hors champ CAF"),
        ):
            note = await gateway.post(f"{url}/annotations", json={"text": text, "score": 7}, headers=headers)
            assert note.status_code == 201, note.text
        assert [item["text"] for item in (await gateway.get(f"{url}/annotations", headers=year.state)).json()] == [
            "Grille égalité: 2"
        ]
        assert [item["text"] for item in (await gateway.get(f"{url}/annotations", headers=year.caf)).json()] == [
            "Hors champ CAF"
        ]
        assert (await gateway.get(f"{url}/annotations", headers=year.operator)).status_code == 403
    with step("each financer sets its own line, nobody else's, within what was asked"):
        state_line = f"{url}/financing-lines/{year.institutions['etat-p147']}"
        too_much = await write_if_match(gateway, "PATCH", state_line, json={"proposed": "8000.01"}, headers=year.state)
        assert too_much.status_code == 422
        assert too_much.json()["errors"][0]["rule"] == "proposed-within-requested"
        assert "8\u202f000 €" in too_much.json()["errors"][0]["message"]
        assert (
            await write_if_match(gateway, "PATCH", state_line, json={"opinion": "favourable"}, headers=year.caf)
        ).status_code == 403
        proposed = await write_if_match(
            gateway, "PATCH", state_line, json={"opinion": "favourable", "proposed": "6000"}, headers=year.state
        )
        assert proposed.status_code == 200, proposed.text
    with step("proposed; no move decides it: each financer decides its own line by its act"):
        assert (await move(gateway, application["id"], year.pilot, "decide")).status_code == 422
        assert (await move(gateway, application["id"], year.pilot, "propose")).status_code == 200
        too_much = await decide_line(gateway, year, application["id"], "etat-p147", "8000.01")
        assert too_much.status_code == 422
        assert too_much.json()["errors"][0]["rule"] == "decided-within-requested"
        not_its_own = await decide_line(gateway, year, application["id"], "cua", "4000", headers=year.state)
        assert not_its_own.status_code == 403
        state = await decide_line(gateway, year, application["id"], "etat-p147", "6000")
        assert state.status_code == 200, state.text
        assert state.json()["state"] == "proposed", "the CUA has not decided yet"
    with step("the last financer's decision decides the application"):
        refused = await decide_line(gateway, year, application["id"], "cua", "0", actNumber="B-2025-04")
        assert refused.status_code == 200, refused.text
        cua = next(line for line in refused.json()["financingLines"] if line["institutionCode"] == "cua")
        assert (cua["decision"], cua["decided"], cua["actKind"], cua["actNumber"]) == (
            "refused",
            "0.00",
            "deliberation",
            "B-2025-04",
        )
        assert (refused.json()["state"], refused.json()["outcome"]) == ("decided", "partially_granted")
    with step("notified, dated by its letter, its history kept step by step"):
        notified = await notify(gateway, year, application["id"])
        assert notified.json()["state"] == "notified"
        assert notified.json()["notifiedOn"] == year.clock.today().isoformat()
        assert [event["transition"] for event in notified.json()["events"]] == [
            "submit",
            "declare_receivable",
            "instruct",
            "propose",
            "decide",
            "notify",
        ]
        assert notified.json()["events"][0]["fromState"] == "draft"


async def test_an_unbalanced_budget_cannot_be_submitted(gateway: httpx.AsyncClient, year: Year) -> None:
    application = await draft(gateway, year)
    url = f"{API}/applications/{application['id']}"
    unbalanced = budget(year, charges=16000)
    unbalanced["lines"][-1]["amount"] = "1500"
    assert (await send(gateway, "PUT", f"{url}/budget", year.operator, unbalanced)).status_code == 200
    refused = await submit(gateway, year, application["id"])
    assert refused.status_code == 422
    rules = {error["rule"]: error["message"] for error in refused.json()["errors"]}
    assert "16\u202f000 €" in rules["balanced-budget"]
    assert "15\u202f000 €" in rules["balanced-budget"]
    assert "2\u202f000 €" in rules["in-kind-balanced"]
    assert (await gateway.get(url, headers=year.operator)).json()["state"] == "draft"
    cents = budget(year)
    cents["lines"][0]["amount"] = "3000.50"
    whole = await send(gateway, "PUT", f"{url}/budget", year.operator, cents)
    assert whole.status_code == 422
    assert whole.json()["errors"][0]["rule"] == "whole-euros"


async def test_a_write_answers_every_rule_it_breaks_at_once(gateway: httpx.AsyncClient, year: Year) -> None:
    with step("an application serving a QPV and a commune outside the contract, ending before it starts"):
        body = {
            "callId": year.call_id,
            "operatorId": year.operator_id,
            "title": "Action",
            "qpvCodes": ["QN99999Z"],
            "codesCommunes": ["75056"],
            "startsOn": "2025-06-01",
            "endsOn": "2025-05-01",
        }
        refused = await gateway.post(f"{API}/applications", json=body, headers=year.operator)
        assert (refused.status_code, refused.json()["type"]) == (422, "/problems/rules-broken"), refused.text
        assert [(error["field"], error["rule"]) for error in refused.json()["errors"]] == [
            ("qpvCodes", "qpv-of-contract"),
            ("codesCommunes", "known-commune"),
            ("endsOn", "after-start"),
        ]
    with step("a budget with cents on one line and a 74 line naming no financer"):
        application = await draft(gateway, year)
        lines = budget(year)
        lines["lines"][0]["amount"] = "3000.50"
        del lines["lines"][3]["institutionId"]
        url = f"{API}/applications/{application['id']}/budget"
        broken = await send(gateway, "PUT", url, year.operator, lines)
        assert broken.status_code == 422, broken.text
        assert [(error["field"], error["rule"]) for error in broken.json()["errors"]] == [
            ("lines/0/amount", "whole-euros"),
            ("lines/3/institutionId", "financer-required"),
        ]


async def test_qpv_codes_must_be_the_contracts_of_its_generation(gateway: httpx.AsyncClient, year: Year) -> None:
    for codes in (["QN99999Z"], ["QP062001"]):
        body = {"callId": year.call_id, "operatorId": year.operator_id, "title": "Action", "qpvCodes": codes}
        refused = await gateway.post(f"{API}/applications", json=body, headers=year.operator)
        assert refused.status_code == 422, refused.text
        [error] = refused.json()["errors"]
        assert (error["field"], error["rule"]) == ("qpvCodes", "qpv-of-contract")
        assert codes[0] in error["message"]
    hors_qpv = await draft(gateway, year, qpvCodes=[], title="Poche de pauvreté", codesCommunes=["62041", "62004"])
    assert hors_qpv["horsQpv"] is True
    assert hors_qpv["codesCommunes"] == ["62004", "62041"]
    unknown = await gateway.post(
        f"{API}/applications",
        json={"callId": year.call_id, "operatorId": year.operator_id, "title": "Ailleurs", "codesCommunes": ["75056"]},
        headers=year.operator,
    )
    assert unknown.status_code == 422
    assert (unknown.json()["errors"][0]["rule"], "75056" in unknown.json()["errors"][0]["message"]) == (
        "known-commune",
        True,
    )


async def test_an_operator_reaches_only_its_own_applications(gateway: httpx.AsyncClient, year: Year) -> None:
    application = await draft(gateway, year)
    url = f"{API}/applications/{application['id']}"
    assert (await gateway.get(url, headers=year.other_operator)).status_code == 404
    foreign_budget = await gateway.put(
        f"{url}/budget", json=budget(year), headers={**year.other_operator, "If-Match": "x"}
    )
    assert foreign_budget.status_code == 404
    listed = await gateway.get(
        f"{API}/applications", params={"contractCode": year.contract}, headers=year.other_operator
    )
    assert listed.json()["total"] == 0
    for_them = await gateway.post(
        f"{API}/applications",
        json={"callId": year.call_id, "operatorId": year.operator_id, "title": "Pas à moi"},
        headers=year.other_operator,
    )
    assert for_them.status_code == 422
    assert for_them.json()["errors"][0]["rule"] == "operator-of-contract"
    instructor_move = await move(gateway, application["id"], year.operator, "declare_receivable")
    assert instructor_move.status_code == 403


async def test_transitions_follow_the_workflow(gateway: httpx.AsyncClient, year: Year) -> None:
    application = await draft(gateway, year)
    url = f"{API}/applications/{application['id']}"
    skipping = await move(gateway, application["id"], year.state, "instruct")
    assert skipping.status_code == 409
    assert "allowed: submit, withdraw" in skipping.json()["detail"]
    assert (await send(gateway, "PUT", f"{url}/budget", year.operator, budget(year))).status_code == 200
    assert (await submit(gateway, year, application["id"])).status_code == 200
    assert (await move(gateway, application["id"], year.state, "declare_receivable")).status_code == 200
    assert (await move(gateway, application["id"], year.state, "instruct")).status_code == 200
    no_reason = await move(gateway, application["id"], year.state, "request_correction")
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["rule"] == "reason-required"
    corrected = await move(gateway, application["id"], year.state, "request_correction", "Budget 64 à détailler")
    assert corrected.json()["state"] == "correction_requested"
    frozen = await gateway.put(
        url, json={"title": "Ateliers"}, headers={**year.operator, "If-Match": corrected.headers["etag"]}
    )
    assert frozen.status_code == 200, frozen.text
    resubmitted = await move(gateway, application["id"], year.operator, "submit")
    assert resubmitted.json()["state"] == "submitted", "a corrected file is submitted again after the call closed"
    stale = await gateway.post(
        f"{url}/transitions",
        json={"transition": "withdraw", "reason": "x"},
        headers={**year.operator, "If-Match": corrected.headers["etag"]},
    )
    assert stale.status_code == 412
    withdrawn = await move(gateway, application["id"], year.operator, "withdraw", "Projet abandonné")
    assert withdrawn.json()["state"] == "withdrawn"
    assert withdrawn.json()["events"][-1]["reason"] == "Projet abandonné"
    again = await move(gateway, application["id"], year.operator, "submit")
    assert again.status_code == 409


async def test_a_budget_names_only_its_contracts_financers(
    stack: RunningStack, gateway: httpx.AsyncClient, admin: dict[str, str], year: Year
) -> None:
    """The application is read (locked) with its contract's financers: another contract's, or none, is not one
    of them, whichever line names it."""
    elsewhere = await open_year(stack, gateway, await register_contract(gateway, admin))
    application = await draft(gateway, year)
    url = f"{API}/applications/{application['id']}/budget"
    lines = budget(year)
    lines["lines"][2]["institutionId"] = elsewhere.institutions["etat-p147"]
    lines["lines"][3]["institutionId"] = str(uuid.uuid4())
    refused = await send(gateway, "PUT", url, year.operator, lines)
    assert refused.status_code == 422, refused.text
    assert [(error["field"], error["rule"]) for error in refused.json()["errors"]] == [
        ("lines/2/institutionId", "financer-of-contract"),
        ("lines/3/institutionId", "financer-of-contract"),
    ]
    accepted = await send(gateway, "PUT", url, year.operator, budget(year))
    assert accepted.status_code == 200, accepted.text
    assert [line.get("institutionId") for line in accepted.json()["budget"]["lines"]] == [
        line.get("institutionId") for line in budget(year)["lines"]
    ]


async def test_a_corrected_file_submitted_again_asks_its_financers_what_its_budget_asks_now(
    gateway: httpx.AsyncClient, year: Year
) -> None:
    """A first submission opens its financers' lines; submitted again, the lines it has are updated (read
    locked) and those its budget no longer asks go."""
    application = await draft(gateway, year)
    url = f"{API}/applications/{application['id']}"
    assert (await send(gateway, "PUT", f"{url}/budget", year.operator, budget(year))).status_code == 200
    first = await submit(gateway, year, application["id"])
    assert {line["institutionCode"]: line["requested"] for line in first.json()["financingLines"]} == {
        "cua": "4000.00",
        "etat-p147": "8000.00",
    }
    for transition, reason in (("declare_receivable", None), ("instruct", None), ("request_correction", "Le 74")):
        assert (await move(gateway, application["id"], year.state, transition, reason)).status_code == 200
    lines = budget(year, p147=12000, cua=0)["lines"]
    without_cua = {"lines": [line for line in lines if line.get("institutionId") != year.institutions["cua"]]}
    assert (await send(gateway, "PUT", f"{url}/budget", year.operator, without_cua)).status_code == 200
    again = await move(gateway, application["id"], year.operator, "submit")
    assert again.status_code == 200, again.text
    assert {line["institutionCode"]: line["requested"] for line in again.json()["financingLines"]} == {
        "etat-p147": "12000.00"
    }


async def test_a_day_the_database_would_read_back_as_infinity_is_refused(
    gateway: httpx.AsyncClient, year: Year
) -> None:
    """asyncpg stores Python's last and first days as PostgreSQL's infinity: they are refused at the door."""
    for field, day in (("endsOn", "9999-12-31"), ("startsOn", "0001-01-01")):
        body = {"callId": year.call_id, "operatorId": year.operator_id, "title": "Bornes", field: day}
        refused = await gateway.post(f"{API}/applications", json=body, headers=year.operator)
        assert refused.status_code == 422, refused.text
        assert [(error["field"], error["rule"]) for error in refused.json()["errors"]] == [(field, "day_in_range")]


async def test_a_path_with_a_trailing_slash_is_not_found_rather_than_redirected(
    gateway: httpx.AsyncClient, year: Year
) -> None:
    """A redirect to the path without its slash would name the service's own address, not the gateway's."""
    application = await draft(gateway, year)
    for url, headers in ((f"{API}/applications/{application['id']}/", year.operator), ("/api/territories/qpvs/", {})):
        answer = await gateway.get(url, headers=headers)
        assert answer.status_code == 404, (url, answer.status_code)
        assert "location" not in answer.headers
        assert answer.headers["content-type"].startswith("application/problem+json")


async def test_one_application_per_action_and_year(gateway: httpx.AsyncClient, year: Year) -> None:
    application = await draft(gateway, year)
    twice = await gateway.post(
        f"{API}/applications",
        json={
            "callId": year.call_id,
            "operatorId": year.operator_id,
            "actionId": application["actionId"],
            "title": "Bis",
        },
        headers=year.operator,
    )
    assert twice.status_code == 409
    bad_objective = await gateway.post(
        f"{API}/applications",
        json={
            "callId": year.call_id,
            "operatorId": year.operator_id,
            "title": "Action X",
            "primaryObjectiveId": str(uuid.uuid4()),
        },
        headers=year.operator,
    )
    assert bad_objective.status_code == 422
    assert bad_objective.json()["errors"][0]["rule"] == "operational-objective-of-contract"
    bad_dauphin = await gateway.post(
        f"{API}/applications",
        json={"callId": year.call_id, "operatorId": year.operator_id, "title": "Action X", "dauphinNumber": "DA123"},
        headers=year.operator,
    )
    assert bad_dauphin.status_code == 422
    assert bad_dauphin.json()["errors"][0]["rule"] == "dauphin-number"


async def test_a_new_application_is_refused_for_its_first_missing_or_foreign_reference(
    stack: RunningStack, gateway: httpx.AsyncClient, admin: dict[str, str], year: Year
) -> None:
    """The call, the operator and the objectives are read at once; each still answers its own problem, the
    call first, and an operator or objective counts only in the call's contract."""
    elsewhere = await open_year(stack, gateway, await register_contract(gateway, admin))
    tree = (await gateway.get(f"{API}/frameworks/{year.contract}", headers=year.pilot)).json()
    strategic = tree["ambitions"][0]["children"][0]["id"]

    async def create(**given: str | list[str]) -> httpx.Response:
        body = {"callId": year.call_id, "operatorId": year.operator_id, "title": "Action", **given}
        return await gateway.post(f"{API}/applications", json=body, headers=year.pilot)

    with step("no such call, whatever the operator: the call is missing"):
        for operator_id in (str(uuid.uuid4()), year.operator_id):
            missing = await create(callId=str(uuid.uuid4()), operatorId=operator_id)
            assert missing.status_code == 404, missing.text
            assert "call for projects" in missing.json()["detail"]
    with step("another contract's call: missing too"):
        foreign_call = await create(callId=elsewhere.call_id)
        assert foreign_call.status_code == 404, foreign_call.text
    with step("no such operator, or another contract's: not an operator of the contract"):
        for operator_id in (str(uuid.uuid4()), elsewhere.operator_id):
            foreign = await create(operatorId=operator_id, primaryObjectiveId=str(uuid.uuid4()))
            assert foreign.status_code == 422, foreign.text
            assert [(error["field"], error["rule"]) for error in foreign.json()["errors"]] == [
                ("operatorId", "operator-of-contract")
            ]
    with step("a strategic objective, or another contract's operational one: not an operational objective"):
        for objective_id in (strategic, elsewhere.objective_id):
            wrong = await create(primaryObjectiveId=year.objective_id, otherObjectiveIds=[objective_id])
            assert wrong.status_code == 422, wrong.text
            [error] = wrong.json()["errors"]
            assert (error["field"], error["rule"]) == ("otherObjectiveIds", "operational-objective-of-contract")
            assert objective_id in error["message"]
            assert year.objective_id not in error["message"]
    with step("the contract's operational objective: created with it"):
        created = await create(primaryObjectiveId=year.objective_id, otherObjectiveIds=[year.objective_id])
        assert created.status_code == 201, created.text
        assert (created.json()["primaryObjectiveId"], created.json()["otherObjectiveIds"]) == (
            year.objective_id,
            [year.objective_id],
        )


SUMMARY_FIELDS = (
    "id",
    "actionId",
    "operatorId",
    "year",
    "title",
    "state",
    "outcome",
    "qpvCodes",
    "horsQpv",
    "servedVulnerabilityZones",
    "countedInVulnerabilityCap",
    "version",
)


async def test_the_list_shows_each_application_as_its_own_read_does_in_title_order(
    gateway: httpx.AsyncClient, year: Year
) -> None:
    """The list's JSON is written by PostgreSQL: each item equals the summary fields of the application's
    own read (types included), under every filter, page by page."""
    made = [await draft(gateway, year, title=f"Action {letter}") for letter in "CAB"]
    made.append(await draft(gateway, year, title="Action D", qpvCodes=[], codesCommunes=["62041"]))
    submitted = made[0]["id"]
    url = f"{API}/applications/{submitted}"
    assert (await send(gateway, "PUT", f"{url}/budget", year.operator, budget(year))).status_code == 200
    assert (await submit(gateway, year, submitted)).status_code == 200
    expected = {}
    for application in made:
        read = (await gateway.get(f"{API}/applications/{application['id']}", headers=year.pilot)).json()
        expected[read["id"]] = {field: read[field] for field in SUMMARY_FIELDS}

    listed = await gateway.get(f"{API}/applications", params={"contractCode": year.contract}, headers=year.pilot)
    assert listed.status_code == 200
    assert listed.json()["total"] == 4
    assert [item["title"] for item in listed.json()["items"]] == ["Action A", "Action B", "Action C", "Action D"]
    assert {item["id"]: item for item in listed.json()["items"]} == expected

    filters = {"callId": year.call_id, "state": "submitted"}
    chosen = await gateway.get(
        f"{API}/applications", params={"contractCode": year.contract, **filters}, headers=year.pilot
    )
    assert chosen.json()["items"] == [expected[submitted]]
    assert chosen.json()["total"] == 1
    pages = [
        await gateway.get(
            f"{API}/applications",
            params={"contractCode": year.contract, "callId": year.call_id, "limit": 3, "offset": offset},
            headers=year.operator,
        )
        for offset in (0, 3)
    ]
    assert [[item["title"] for item in page.json()["items"]] for page in pages] == [
        ["Action A", "Action B", "Action C"],
        ["Action D"],
    ]
    assert [page.json()["total"] for page in pages] == [4, 4]


async def test_an_application_reads_back_as_each_write_answered(gateway: httpx.AsyncClient, year: Year) -> None:
    """The read of one application is written by PostgreSQL, a write's answer by the route's model from what
    the write left: both say the same, budget totals and their balance included, whatever the draft holds."""
    venues = [{"qpvCode": "QN06258M"}, {"codeCommune": "62041"}, {"label": "Salle des fêtes, rue Jean Jaurès"}]
    application = await draft(
        gateway,
        year,
        title="Jardins « partagés » \\ d'été",
        description='Des ateliers "hors les murs"\net des sorties',
        qpvCodes=[],
        codesCommunes=["62041", "62004"],
        venues=venues,
        beneficiaries={"total": 30},
        multiYear=True,
        startsOn=None,
    )
    url = f"{API}/applications/{application['id']}"

    async def read_back() -> dict[str, object]:
        read = await gateway.get(url, headers=year.operator)
        assert read.status_code == 200, read.text
        document: dict[str, object] = read.json()
        return document

    with step("the new draft, its venues in their order, its beneficiaries as declared, no budget yet"):
        assert await read_back() == application
        assert [(venue["qpvCode"], venue["codeCommune"]) for venue in application["venues"]] == [
            ("QN06258M", None),
            (None, "62041"),
            (None, None),
        ]
        assert application["beneficiaries"] == {
            "total": 30,
            "women": None,
            "men": None,
            "ageBands": {},
            "shareInQpvPercent": None,
        }
        assert (application["budget"]["totalCharges"], application["budget"]["balanced"]) == ("0.00", False)

    def lines(*amounts: tuple[str, str]) -> dict[str, object]:
        return {
            "lines": [
                {"account": account, "label": f"Compte {account}", "amount": amount} for account, amount in amounts
            ]
        }

    budgets = {
        "no charge": (lines(("70", "500")), False),
        "charges above products": (
            lines(("60", "1000"), ("indirect", "200"), ("70", "900"), ("own_funds", "200")),
            False,
        ),
        "contributions in kind unbalanced": (
            lines(("64", "1000"), ("75", "1000"), ("86", "300"), ("87", "250")),
            False,
        ),
        "balanced, in kind too": (
            lines(("64", "1000"), ("indirect", "20"), ("75", "1020"), ("86", "300"), ("87", "300")),
            True,
        ),
    }
    for name, (body, balanced) in budgets.items():
        with step(f"a budget: {name}"):
            written = await send(gateway, "PUT", f"{url}/budget", year.operator, body)
            assert written.status_code == 200, written.text
            assert written.json()["budget"]["balanced"] is balanced
            assert await read_back() == written.json()
    assert written.json()["budget"] == {
        "lines": [
            {"account": account, "label": f"Compte {account}", "amount": amount, "institutionId": None}
            for account, amount in (
                ("64", "1000.00"),
                ("indirect", "20.00"),
                ("75", "1020.00"),
                ("86", "300.00"),
                ("87", "300.00"),
            )
        ],
        "totalCharges": "1020.00",
        "totalProducts": "1020.00",
        "inKindUses": "300.00",
        "inKindResources": "300.00",
        "balanced": True,
    }
