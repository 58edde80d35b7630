"""The contract's loop through the API: a conseil citoyen constituted by a verified draw with parity meets,
adopts an opinion that reaches the comité de pilotage, and gets a reasoned answer and commitments."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from identity.principal import Role
from tests.clock import TravellingClock
from tests.conditional_writes import write_if_match
from tests.participation.bodies import new_body
from tests.participation.people import new_person
from tests.running_stack import RunningStack
from tests.steps import step

API = "/api/participation"
SEED = "tirage public du loto 2025-03-01: 7 12 19 33 41"
CONSTITUTED_ON = date(2025, 3, 1)  # the day of that lottery: the seed is revealed, the titulars appointed


async def _copil(stack: RunningStack, gateway: httpx.AsyncClient, contract: str) -> str:
    created = await gateway.post(
        f"{API}/bodies",
        headers=stack.headers([Role.CONTRACT_PILOT], [contract]),
        json={
            "contractCode": contract,
            "name": "Comité de pilotage Cœur de Quartier",
            "kind": "comite_de_pilotage",
            "participationLevel": "co_decision",
        },
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _pool(count: int) -> list[dict[str, Any]]:
    return [
        {
            "gender": "f" if index % 3 else "m",  # two women for one man: parity must come from the draw
            "ageBand": ["16-25", "26-59", "60+"][index % 3],
            "inQpv": True,
            "household": f"household {index}",
            "familyName": f"Fictif{index}",
            "givenName": "Habitant",
        }
        for index in range(count)
    ]


async def _constitute(stack: RunningStack, gateway: httpx.AsyncClient, contract: str, body_id: str) -> list[str]:
    """Rules, a verified draw of eight with parity, the titulars appointed: their person ids."""
    pilot = stack.headers([Role.CONTRACT_PILOT], [contract])
    rules = await write_if_match(
        gateway,
        "PUT",
        f"{API}/bodies/{body_id}/rules",
        json={"parity": True, "residentsMinShare": "0.5", "quorumShare": "0.5", "noticeDays": 7},
        headers=pilot,
    )
    assert rules.status_code == 200, rules.text
    assert (rules.json()["quorumShare"], rules.json()["noticeDays"]) == ("0.5", 7)
    opened = await gateway.post(
        f"{API}/bodies/{body_id}/draws",
        json={
            "seats": {"titulars": 8, "reserves": 2},
            "commitment": hashlib.sha256(SEED.encode()).hexdigest(),
            "challengeEndsOn": (CONSTITUTED_ON + timedelta(days=30)).isoformat(),
            "candidates": _pool(40),
        },
        headers=pilot,
    )
    assert opened.status_code == 201, opened.text
    draw_url = f"{API}/draws/{opened.json()['id']}"
    early = await gateway.post(f"{draw_url}/appointments", json={"startsOn": "2025-03-01"}, headers=pilot)
    assert (early.status_code, early.json()["errors"][0]["rule"]) == (409, "appoint-drawn")
    assert (await gateway.post(f"{draw_url}/reveal", json={"seed": SEED}, headers=pilot)).status_code == 200
    assert (await gateway.get(f"{draw_url}/verification")).json()["matches"] is True
    appointed = await gateway.post(
        f"{draw_url}/appointments", json={"startsOn": "2025-03-01", "fictitious": True}, headers=pilot
    )
    assert appointed.status_code == 201, appointed.text
    assert appointed.json()["warnings"] == []  # four women, four men: parity holds
    assert "Fictif" not in appointed.text
    twice = await gateway.post(f"{draw_url}/appointments", json={"startsOn": "2025-03-01"}, headers=pilot)
    assert (twice.status_code, twice.json()["errors"][0]["rule"]) == (409, "appointed-once")
    composition = (await gateway.get(f"{API}/bodies/{body_id}/composition?on=2025-03-02", headers=pilot)).json()
    assert (composition["members"], composition["women"], composition["men"]) == (8, None, None)  # 4 < 5: hidden
    return [item["personId"] for item in appointed.json()["mandates"]]


async def test_a_drawn_body_meets_adopts_an_opinion_and_gets_a_reasoned_answer(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, clock: TravellingClock
) -> None:
    clock.travel_to(CONSTITUTED_ON)
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    body_id = await new_body(stack, gateway, new_contract)
    copil = await _copil(stack, gateway, new_contract)
    with step("the conseil is constituted by a verified draw with parity"):
        members = await _constitute(stack, gateway, new_contract, body_id)
    facilitator = stack.headers([Role.BODY_FACILITATOR], [new_contract], bodies=[body_id])
    clock.travel_to(date(2025, 4, 10))
    with step("the conseil meets, short of the notice its rules ask, and decides with its quorum"):
        meeting = await _meeting_decides(gateway, facilitator, pilot, new_contract, body_id, members)
    with step("the comité refers its annual report and the conseil's opinion answers the referral"):
        opinion_url = await _opinion_answers_the_referral(gateway, facilitator, pilot, body_id, copil, meeting)
    clock.travel_to(date(2025, 5, 2))
    with step("the comité answers with its reasons, once, and commits"):
        await _reasoned_answer_and_commitment(gateway, facilitator, pilot, opinion_url)
    with step("the public page shows the opinion, its answer and the commitment, and no one's name"):
        public = await gateway.get(f"{API}/public/bodies/{body_id}")  # anyone, no token
        assert public.status_code == 200, public.text
        page = public.json()
        assert page["totalOpinions"] == 1
        shown = page["opinions"][0]
        assert (shown["outcome"], shown["reason"][:24]) == ("partially_accepted", "L'éclairage est retenu; ")
        assert [item["status"] for item in shown["commitments"]] == ["done"]
        assert "Fictif0" not in public.text
        assert all(person not in public.text for person in members)
    with step("each contract lists its own bodies' meetings and opinions only"):
        await _listed_for_their_contract_only(stack, gateway, pilot, body_id, copil)


async def _meeting_decides(
    gateway: httpx.AsyncClient,
    facilitator: dict[str, str],
    pilot: dict[str, str],
    contract: str,
    body_id: str,
    members: list[str],
) -> str:
    """A plenary convened three days before (the rules ask seven: a warning), five members present or
    represented and a guest, a decision adopted: the meeting's id."""
    convened = await gateway.post(
        f"{API}/bodies/{body_id}/meetings",
        json={
            "title": "Séance plénière",
            "meetingDay": "2025-04-10",
            "convenedOn": "2025-04-07",
            "place": "Centre social",
            "agenda": ["Avis sur le rapport annuel", "Questions diverses"],
        },
        headers=facilitator,
    )
    assert convened.status_code == 201, convened.text
    assert [item["rule"] for item in convened.json()["warnings"]] == ["notice"]  # 3 days < 7
    meeting = str(convened.json()["id"])
    guest = await _outsider(gateway, pilot, contract)
    lines = [{"personId": person, "capacity": "member", "presence": "present"} for person in members[:4]]
    lines.append({"personId": members[4], "capacity": "member", "presence": "excused", "proxyTo": members[0]})
    lines.append({"personId": guest, "capacity": "guest", "presence": "present"})
    recorded = await write_if_match(
        gateway, "PUT", f"{API}/meetings/{meeting}/attendance", json={"lines": lines}, headers=facilitator
    )
    assert recorded.status_code == 200, recorded.text
    decided = await gateway.post(
        f"{API}/meetings/{meeting}/decisions",
        json={"subject": "Avis sur le rapport annuel", "votesFor": 4, "votesAgainst": 1, "abstentions": 0},
        headers=facilitator,
    )
    assert decided.status_code == 201, decided.text
    assert (decided.json()["voters"], decided.json()["quorum"], decided.json()["adopted"]) == (5, 4, True)
    return meeting


async def _opinion_answers_the_referral(
    gateway: httpx.AsyncClient,
    facilitator: dict[str, str],
    pilot: dict[str, str],
    body_id: str,
    copil: str,
    meeting: str,
) -> str:
    """The comité's referral, and the opinion adopted at the meeting that answers it: the opinion's URL."""
    referral = await gateway.post(
        f"{API}/bodies/{body_id}/referrals",
        json={
            "fromBodyId": copil,
            "kind": "annual_report",
            "subject": "Rapport annuel 2024",
            "askedOn": "2025-03-15",
            "dueOn": "2025-04-30",
        },
        headers=pilot,
    )
    assert referral.status_code == 201, referral.text
    opinion = await gateway.post(
        f"{API}/bodies/{body_id}/opinions",
        json={
            "kind": "opinion",
            "title": "Avis sur le rapport annuel 2024",
            "text": "Le conseil demande un éclairage public rue des Fictifs et des permanences le samedi.",
            "adoptedOn": "2025-04-10",
            "meetingId": meeting,
            "referralId": referral.json()["id"],
            "addressedToBodyId": copil,
        },
        headers=facilitator,
    )
    assert opinion.status_code == 201, opinion.text
    referrals = (await gateway.get(f"{API}/bodies/{body_id}/referrals", headers=pilot)).json()
    assert [(item["status"], item["answeredOn"]) for item in referrals] == [("answered", "2025-04-10")]
    return f"{API}/opinions/{opinion.json()['id']}"


async def _reasoned_answer_and_commitment(
    gateway: httpx.AsyncClient, facilitator: dict[str, str], pilot: dict[str, str], opinion_url: str
) -> None:
    """Only the comité answers, a partial acceptance with its reason, once; its commitment is then done."""
    not_for_facilitators = await gateway.post(
        f"{opinion_url}/response", json={"outcome": "accepted", "respondedOn": "2025-05-02"}, headers=facilitator
    )
    assert not_for_facilitators.status_code == 403
    unreasoned = await gateway.post(
        f"{opinion_url}/response", json={"outcome": "partially_accepted", "respondedOn": "2025-05-02"}, headers=pilot
    )
    assert unreasoned.status_code == 422
    assert unreasoned.headers["content-type"].startswith("application/problem+json")
    assert unreasoned.json()["errors"][0] == {
        "pointer": "/body/reason",
        "field": "reason",
        "rule": "reason-when-not-accepted",
        "message": "a partially_accepted answer gives its reason",
    }
    assert (await gateway.get(opinion_url, headers=pilot)).json()["outcome"] is None  # nothing half-written
    answered = await gateway.post(
        f"{opinion_url}/response",
        json={
            "outcome": "partially_accepted",
            "reason": "L'éclairage est retenu; les permanences du samedi relèvent du budget 2026.",
            "respondedOn": "2025-05-02",
        },
        headers=pilot,
    )
    assert answered.status_code == 200, answered.text
    again = await gateway.post(
        f"{opinion_url}/response", json={"outcome": "accepted", "respondedOn": "2025-05-03"}, headers=pilot
    )
    assert (again.status_code, again.json()["errors"][0]["rule"]) == (422, "answered-once")
    committed = await gateway.post(
        f"{opinion_url}/commitments",
        json={"description": "Éclairage public rue des Fictifs", "owner": "Ville d'Arras", "madeOn": "2025-05-02"},
        headers=pilot,
    )
    assert committed.status_code == 201, committed.text
    done = await write_if_match(
        gateway,
        "PATCH",
        f"{API}/commitments/{committed.json()['id']}",
        json={"status": "done", "on": "2025-09-01"},
        headers=pilot,
    )
    assert (done.status_code, done.json()["status"]) == (200, "done")


async def _listed_for_their_contract_only(
    stack: RunningStack, gateway: httpx.AsyncClient, pilot: dict[str, str], body_id: str, copil: str
) -> None:
    stranger = stack.headers([Role.CONTRACT_PILOT], ["OTHER-CONTRACT"])
    for listing in ("meetings", "opinions"):
        own = await gateway.get(f"{API}/bodies/{body_id}/{listing}", headers=pilot)
        assert (own.status_code, own.json()["total"]) == (200, 1)
        # Another contract's body answers as a missing one, whether or not it has meetings and opinions.
        for body in (body_id, copil, str(uuid.uuid4())):
            hidden = await gateway.get(f"{API}/bodies/{body}/{listing}", headers=stranger)
            assert hidden.status_code == 404, (listing, body)
        quiet = await gateway.get(f"{API}/bodies/{copil}/{listing}", headers=pilot)
        assert (quiet.status_code, quiet.json()["items"], quiet.json()["total"]) == (200, [], 0)
        beyond = await gateway.get(f"{API}/bodies/{body_id}/{listing}", params={"offset": 5}, headers=pilot)
        assert (beyond.status_code, beyond.json()["items"], beyond.json()["total"]) == (200, [], 1)


async def _outsider(gateway: httpx.AsyncClient, headers: dict[str, str], contract: str) -> str:
    fields = {"gender": "m", "memberKind": "local_actor", "residentInQpv": False}
    return await new_person(gateway, headers, contract, familyName="Invité", givenName="Fictif", **fields)


def _attendance_breaking_a_rule(members: list[str], outsider: str) -> list[tuple[list[dict[str, str]], str]]:
    """Attendance sheets each breaking one rule, with the rule: a member line for someone without a mandate, a
    representative of no institution, a proxy to an absent member or to one who holds one already, a person
    twice."""
    return [
        ([{"personId": outsider, "capacity": "member", "presence": "present"}], "member-has-mandate"),
        ([{"personId": outsider, "capacity": "representative", "presence": "present"}], "representative-institution"),
        (
            [
                {"personId": members[0], "capacity": "member", "presence": "absent"},
                {"personId": members[1], "capacity": "member", "presence": "excused", "proxyTo": members[0]},
            ],
            "proxy-to-present-member",
        ),
        (
            [
                {"personId": members[0], "capacity": "member", "presence": "present"},
                {"personId": members[1], "capacity": "member", "presence": "excused", "proxyTo": members[0]},
                {"personId": members[2], "capacity": "member", "presence": "excused", "proxyTo": members[0]},
            ],
            "one-proxy-per-holder",
        ),
        (
            [
                {"personId": members[0], "capacity": "member", "presence": "present"},
                {"personId": members[0], "capacity": "guest", "presence": "present"},
            ],
            "one-line-per-person",
        ),
    ]


async def test_meetings_refuse_what_breaks_their_rules(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, clock: TravellingClock
) -> None:
    clock.travel_to(CONSTITUTED_ON)
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    body_id = await new_body(stack, gateway, new_contract)
    members = await _constitute(stack, gateway, new_contract, body_id)
    outsider = await _outsider(gateway, pilot, new_contract)
    clock.travel_to(date(2025, 5, 20))
    meeting = (
        await gateway.post(
            f"{API}/bodies/{body_id}/meetings",
            json={"title": "Séance", "meetingDay": "2025-05-20", "convenedOn": "2025-05-01"},
            headers=pilot,
        )
    ).json()
    assert meeting["warnings"] == []
    url = f"{API}/meetings/{meeting['id']}"
    with step("an attendance sheet that breaks a rule is refused whole"):
        for lines, rule in _attendance_breaking_a_rule(members, outsider):
            refused = await write_if_match(gateway, "PUT", f"{url}/attendance", json={"lines": lines}, headers=pilot)
            assert (refused.status_code, refused.json()["errors"][0]["rule"]) == (422, rule), refused.text
            assert "Fictif" not in refused.text
        assert (await gateway.get(url, headers=pilot)).json()["attendance"] == []  # nothing half-written
    with step("a sheet that breaks several rules names every one of them"):
        lines = [
            {"personId": outsider, "capacity": "representative", "presence": "present"},
            {"personId": members[0], "capacity": "member", "presence": "absent"},
            {"personId": members[1], "capacity": "member", "presence": "excused", "proxyTo": members[0]},
            {"personId": members[1], "capacity": "guest", "presence": "present"},
        ]
        refused = await write_if_match(gateway, "PUT", f"{url}/attendance", json={"lines": lines}, headers=pilot)
        assert (refused.status_code, refused.json()["title"]) == (422, "Rules broken")
        assert [(item["field"], item["rule"]) for item in refused.json()["errors"]] == [
            ("lines/0/institution", "representative-institution"),
            ("lines/2/proxyTo", "proxy-to-present-member"),
            ("lines/3/personId", "one-line-per-person"),
        ]

    async def attend(present: int) -> None:
        lines = [{"personId": person, "capacity": "member", "presence": "present"} for person in members[:present]]
        recorded = await write_if_match(gateway, "PUT", f"{url}/attendance", json={"lines": lines}, headers=pilot)
        assert recorded.status_code == 200, recorded.text

    async def decide(votes_for: int, votes_against: int) -> httpx.Response:
        votes = {"subject": "Budget", "votesFor": votes_for, "votesAgainst": votes_against}
        return await gateway.post(f"{url}/decisions", json=votes, headers=pilot)

    with step("a decision needs its quorum, and no more votes than voters"):
        await attend(2)
        no_quorum = await decide(2, 0)
        assert (no_quorum.status_code, no_quorum.json()["errors"][0]["rule"]) == (422, "quorum")
        assert "2 voters present or represented, quorum is 4" in no_quorum.json()["detail"]
        await attend(4)
        too_many = await decide(4, 1)
        assert (too_many.status_code, too_many.json()["errors"][0]["rule"]) == (422, "votes-within-voters")
        await attend(2)
        both = await decide(2, 1)
        assert [item["rule"] for item in both.json()["errors"]] == ["quorum", "votes-within-voters"]
        await attend(4)
    clock.travel_to(date(2025, 6, 1))
    with step("the minutes' latest version is adopted, then closed"):
        first = await write_if_match(
            gateway, "PUT", f"{url}/minutes", json={"text": "Projet de compte rendu"}, headers=pilot
        )
        second = await write_if_match(
            gateway, "PUT", f"{url}/minutes", json={"text": "Compte rendu corrigé"}, headers=pilot
        )
        assert (first.json()["version"], second.json()["version"]) == (1, 2)
        stale = await gateway.post(
            f"{url}/minutes/adoption", json={"version": 1, "adoptedOn": "2025-06-01"}, headers=pilot
        )
        assert (stale.status_code, stale.json()["errors"][0]["rule"]) == (422, "latest-version")
        adopted = await gateway.post(
            f"{url}/minutes/adoption", json={"version": 2, "adoptedOn": "2025-06-01"}, headers=pilot
        )
        assert (adopted.status_code, adopted.json()["adoptedOn"]) == (200, "2025-06-01")
        closed = await write_if_match(gateway, "PUT", f"{url}/minutes", json={"text": "Encore"}, headers=pilot)
        assert (closed.status_code, closed.json()["errors"][0]["rule"]) == (422, "minutes-open")
    with step("a meeting is convened before it is held"):
        late = await gateway.post(
            f"{API}/bodies/{body_id}/meetings",
            json={"title": "Séance", "meetingDay": "2025-05-20", "convenedOn": "2025-05-21"},
            headers=pilot,
        )
        assert (late.status_code, late.json()["errors"][0]["rule"]) == (422, "convened-before")


async def test_referrals_and_answers_follow_the_law(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, clock: TravellingClock
) -> None:
    today = date(2025, 3, 1)
    clock.travel_to(today)
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    body_id = await new_body(stack, gateway, new_contract)
    copil = await _copil(stack, gateway, new_contract)

    async def refer(kind: str, asked: date, due: date, source: str = copil) -> httpx.Response:
        referral = {"fromBodyId": source, "kind": kind, "subject": "Rapport", "askedOn": str(asked), "dueOn": str(due)}
        return await gateway.post(f"{API}/bodies/{body_id}/referrals", json=referral, headers=pilot)

    with step("a referral comes from a governance body, an annual report's with a month at least"):
        short = await refer("annual_report", date(2025, 1, 31), date(2025, 2, 27))
        assert (short.status_code, short.json()["errors"][0]["rule"]) == (422, "annual-report-one-month")
        not_governance = await refer("question", date(2025, 1, 1), date(2025, 1, 10), source=body_id)
        assert (not_governance.status_code, not_governance.json()["errors"][0]["rule"]) == (422, "governance-body")
    with step("a referral not answered by its due date is deemed favourable"):
        overdue = await refer("annual_report", date(2025, 1, 31), date(2025, 2, 28))
        assert overdue.status_code == 201, overdue.text
        pending = await refer("project", today, today + timedelta(days=20))
        assert pending.status_code == 201, pending.text
        listed = (await gateway.get(f"{API}/bodies/{body_id}/referrals", headers=pilot)).json()
        assert [item["status"] for item in listed] == ["deemed_favourable", "open"]
        clock.travel_to(today + timedelta(days=21))
        later = (await gateway.get(f"{API}/bodies/{body_id}/referrals", headers=pilot)).json()
        assert [item["status"] for item in later] == ["deemed_favourable", "deemed_favourable"]
    with step("an alert goes to a governance committee, a referral to the préfet to the préfet"):
        alert = await gateway.post(
            f"{API}/bodies/{body_id}/opinions",
            json={"kind": "alert", "title": "Alerte", "text": "Ascenseurs en panne", "adoptedOn": "2025-03-01"},
            headers=pilot,
        )
        assert (alert.status_code, alert.json()["errors"][0]["rule"]) == (422, "governance-body")
        prefect = await gateway.post(
            f"{API}/bodies/{body_id}/opinions",
            json={
                "kind": "prefect_referral",
                "title": "Saisine du préfet",
                "text": "Ascenseurs en panne depuis six mois",
                "adoptedOn": "2025-03-01",
            },
            headers=pilot,
        )
        assert prefect.status_code == 201, prefect.text
    url = f"{API}/opinions/{prefect.json()['id']}"
    with step("an answer follows the opinion, gives its reasons when not accepted, and precedes commitments"):
        no_commitment = await gateway.post(
            f"{url}/commitments",
            json={"description": "Réparer", "owner": "Bailleur", "madeOn": "2025-03-10"},
            headers=pilot,
        )
        assert (no_commitment.status_code, no_commitment.json()["errors"][0]["rule"]) == (
            422,
            "commitment-follows-acceptance",
        )
        before = await gateway.post(
            f"{url}/response", json={"outcome": "accepted", "respondedOn": "2025-02-01"}, headers=pilot
        )
        assert (before.status_code, before.json()["errors"][0]["rule"]) == (422, "after-opinion")
        rejected = await gateway.post(
            f"{url}/response", json={"outcome": "rejected", "reason": "  ", "respondedOn": "2025-03-10"}, headers=pilot
        )
        assert (rejected.status_code, rejected.json()["errors"][0]["rule"]) == (422, "reason-when-not-accepted")
    stranger = stack.headers([Role.CONTRACT_PILOT], ["OTHER-CONTRACT"])
    assert (await gateway.get(url, headers=stranger)).status_code == 404
