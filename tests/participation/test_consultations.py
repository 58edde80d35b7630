"""The summer 2023 micro-trottoir as a campaign: targets, questions per neighbourhood, anonymous answers
synced twice from a phone without duplicates, contacts apart from the answers, results as counts."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from identity.principal import Role
from tests.running_stack import RunningStack
from tests.steps import step

API = "/api/participation"
CUA = "CV-200033579-2024"
CONSENT = "J'accepte d'être recontacté(e) au sujet de cette consultation."


def _campaign() -> dict[str, Any]:
    return {
        "contractCode": CUA,
        "title": "Micro-trottoir été 2023",
        "startsOn": "2023-07-01",
        "endsOn": "2023-08-31",
        "questions": [
            {"code": "satisfaction", "text": "Vous sentez-vous bien dans votre quartier ?", "kind": "scale"},
            {"code": "priorite", "text": "Votre priorité ?", "kind": "choice", "choices": ["emploi", "cadre_de_vie"]},
            {"code": "idee", "text": "Une idée pour le quartier ?", "kind": "text"},
        ],
        "territoryQuestions": {
            "QN06261M": [
                {"code": "parc", "text": "Le parc Saint-Michel ?", "kind": "choice", "choices": ["oui", "non"]}
            ]
        },
        "targets": {"interviews": 3, "events": 11, "neighbourhoods": 6},
    }


async def test_answers_are_synced_once_anonymous_and_counted(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [CUA])
    opened = await gateway.post(f"{API}/consultations", json=_campaign(), headers=pilot)
    assert opened.status_code == 201, opened.text
    url = f"{API}/consultations/{opened.json()['id']}"
    listed = await gateway.get(f"{API}/consultations", params={"contractCode": CUA, "limit": 100}, headers=pilot)
    assert opened.json()["id"] in {item["id"] for item in listed.json()["items"]}
    assert (await gateway.get(f"{API}/consultations", headers=pilot)).status_code == 422  # contractCode required
    elsewhere = await gateway.get(f"{API}/consultations", params={"contractCode": "CV-AILLEURS"}, headers=pilot)
    assert elsewhere.status_code == 404
    facilitator = stack.headers([Role.BODY_FACILITATOR], [CUA])
    first, second, third, wrong = (str(uuid.uuid4()) for _ in range(4))
    contact_id = str(uuid.uuid4())
    interviews = [
        {
            "clientId": first,
            "capturedOn": "2023-07-12",
            "qpvCode": "QN06261M",
            "event": "Fête de quartier Saint-Michel",
            "answers": {"satisfaction": "4", "priorite": "emploi", "parc": "oui", "idee": "Des bancs"},
            "contactClientId": contact_id,
            "contact": "fictive@example.org",
            "consentText": CONSENT,
        },
        {
            "clientId": second,
            "capturedOn": "2023-07-20",
            "qpvCode": "QN06259M",
            "event": "Marché",
            "answers": {"satisfaction": "2", "priorite": "cadre_de_vie"},
        },
        {
            "clientId": wrong,
            "capturedOn": "2023-07-21",
            "qpvCode": "QN06259M",
            "answers": {"parc": "oui"},  # asked only in Saint-Michel
        },
    ]
    with step("a phone syncs three interviews: each judged on its own"):
        synced = await gateway.post(f"{url}/answers", json={"interviews": interviews}, headers=facilitator)
        assert synced.status_code == 200, synced.text
        assert [(item["status"], item["problem"]) for item in synced.json()] == [
            ("stored", None),
            ("stored", None),
            ("rejected", "parc: not a question of this campaign here"),
        ]
    with step("the phone syncs again, and twice in one batch: nothing is stored twice"):
        interviews[2] = {"clientId": third, "capturedOn": "2023-08-02", "answers": {"satisfaction": "5"}}
        again = await gateway.post(f"{url}/answers", json={"interviews": interviews}, headers=facilitator)
        assert [item["status"] for item in again.json()] == ["already", "already", "stored"]  # the phone synced again
        fourth = {"clientId": str(uuid.uuid4()), "capturedOn": "2023-08-03", "answers": {"satisfaction": "3"}}
        doubled = await gateway.post(f"{url}/answers", json={"interviews": [fourth, fourth]}, headers=facilitator)
        assert [item["status"] for item in doubled.json()] == ["stored", "already"]
    with step("the progress against the targets, and the results as counts only"):
        campaign = (await gateway.get(url, headers=pilot)).json()
        assert campaign["progress"] == {
            "interviews": 4,
            "events": 2,
            "neighbourhoods": 2,
            "reached": {"interviews": True, "events": False, "neighbourhoods": False},
        }
        results = {
            item["code"]: item for item in (await gateway.get(f"{url}/results", headers=pilot)).json()["questions"]
        }
        assert results["satisfaction"]["counts"] == {"2": 1, "3": 1, "4": 1, "5": 1}
        assert results["priorite"]["counts"] == {"cadre_de_vie": 1, "emploi": 1}
        assert (results["idee"]["answered"], results["idee"]["counts"]) == (1, {})  # free text is never published
        assert "fictive@example.org" not in (await gateway.get(f"{url}/results", headers=pilot)).text
    with step("the contacts, apart from the answers, for the pilots only"):
        contacts = await gateway.get(f"{url}/contacts", headers=pilot)
        assert [(item["contact"], item["consentText"]) for item in contacts.json()["items"]] == [
            ("fictive@example.org", CONSENT)
        ]
        assert contacts.json()["total"] == 1
        assert first not in contacts.text  # nothing links the contact to the interview
        assert (await gateway.get(f"{url}/contacts", headers=facilitator)).status_code == 403


async def test_campaigns_refuse_what_cannot_be_answered(stack: RunningStack, gateway: httpx.AsyncClient) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [CUA])
    clash = _campaign()
    clash["territoryQuestions"]["QN06261M"][0]["code"] = "idee"
    refused = await gateway.post(f"{API}/consultations", json=clash, headers=pilot)
    assert (refused.status_code, refused.json()["errors"][0]["rule"]) == (422, "question-codes-unique")
    elsewhere = _campaign()
    elsewhere["territoryQuestions"] = {"QN06101M": elsewhere["territoryQuestions"]["QN06261M"]}
    refused = await gateway.post(f"{API}/consultations", json=elsewhere, headers=pilot)
    assert (refused.status_code, refused.json()["errors"][0]["rule"]) == (422, "qpv-of-contract")
    several = _campaign()
    several["endsOn"] = "2020-01-01"
    several["territoryQuestions"] = {"QN06101M": [{**clash["territoryQuestions"]["QN06261M"][0]}]}
    refused = await gateway.post(f"{API}/consultations", json=several, headers=pilot)
    assert (refused.status_code, refused.json()["title"]) == (422, "Rules broken")
    assert [(item["field"], item["rule"]) for item in refused.json()["errors"]] == [
        ("endsOn", "after-start"),
        ("territoryQuestions/QN06101M", "question-codes-unique"),
        ("territoryQuestions", "qpv-of-contract"),
    ]
    opened = await gateway.post(f"{API}/consultations", json=_campaign(), headers=pilot)
    url = f"{API}/consultations/{opened.json()['id']}"
    same = str(uuid.uuid4())
    linked = {
        "clientId": same,
        "capturedOn": "2023-07-12",
        "answers": {"satisfaction": "9"},
        "contactClientId": same,
        "contact": "x@example.org",
        "consentText": CONSENT,
    }
    outcome = (await gateway.post(f"{url}/answers", json={"interviews": [linked]}, headers=pilot)).json()
    assert outcome[0]["status"] == "rejected"
    assert "cannot be linked" in outcome[0]["problem"]
    assert "x@example.org" not in str(outcome)
    stranger = stack.headers([Role.CONTRACT_PILOT], ["OTHER-CONTRACT"])
    assert (await gateway.get(url, headers=stranger)).status_code == 404
