"""Auditors get what the OpenAPI says they get: every GET of the committed contracts is called as an
auditor of a contract holding one record of each kind, and answers 200 where its `x-policy` admits the
auditor role (its scopes, and its roles if it names any), 403 where it does not; public routes answer an
auditor as they answer anyone. Auditors never write: no route that changes anything admits them."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from cli.openapi_documents import OPENAPI_DIR
from identity.principal import Role, scopes_for_roles
from tests.grants.playbook import API as GRANTS
from tests.grants.playbook import notified, open_year
from tests.job_results import finished
from tests.participation.bodies import new_body
from tests.participation.people import fictitious_person
from tests.running_stack import RunningStack

SERVICES = ("territories", "grants", "participation")
AUDITOR_SCOPES = scopes_for_roles([Role.AUDITOR])
# Routes that change nothing although they are not GETs, each with why.
READING_POSTS = {("territories", "post", "/localisation/batch"): "classifies points and keeps none of them"}


def documents() -> dict[str, dict[str, Any]]:
    return {name: json.loads((OPENAPI_DIR / f"{name}.json").read_text(encoding="utf-8")) for name in SERVICES}


@dataclass(frozen=True)
class Admission:
    public: bool
    scopes: frozenset[str]
    roles: frozenset[str]

    @classmethod
    def of(cls, described: str) -> Admission:
        """The `x-policy` text of kit.auth.policies.Policy.describe: 'public' or 'scopes: …; roles: …'."""
        if described == "public":
            return cls(True, frozenset(), frozenset())
        if described == "any authenticated caller":
            return cls(False, frozenset(), frozenset())
        parts = dict(part.split(": ", 1) for part in described.split("; "))
        return cls(
            False,
            frozenset(parts["scopes"].split(", ")) if "scopes" in parts else frozenset(),
            frozenset(parts["roles"].split(", ")) if "roles" in parts else frozenset(),
        )

    @property
    def auditor(self) -> bool:
        return self.public or (self.scopes <= AUDITOR_SCOPES and (not self.roles or Role.AUDITOR.value in self.roles))


OPERATIONS = [
    (name, method, path, Admission.of(operation["x-policy"]))
    for name, document in documents().items()
    for path, operations in document["paths"].items()
    for method, operation in operations.items()
    if method in {"get", "post", "put", "patch", "delete"}
]
READS = [(name, path, admission) for name, method, path, admission in OPERATIONS if method == "get"]


def test_policies_are_read_from_the_contracts() -> None:
    assert Admission.of("public").auditor
    assert Admission.of("scopes: grants:read").auditor
    assert not Admission.of("scopes: grants:read; roles: contract_pilot, platform_admin").auditor
    assert not Admission.of("scopes: participation:write; roles: contract_pilot, platform_admin").auditor
    assert len(READS) > 60


@pytest.mark.parametrize(
    ("name", "method", "path", "admission"),
    [operation for operation in OPERATIONS if operation[1] != "get"],
    ids=[f"{name}:{method.upper()} {path}" for name, method, path, _ in OPERATIONS if method != "get"],
)
def test_auditors_never_write(name: str, method: str, path: str, admission: Admission) -> None:
    if (name, method, path) not in READING_POSTS:
        assert not admission.auditor, f"{name} {method.upper()} {path} admits auditors (or anyone)"


@dataclass
class Records:
    """One record of each kind in a contract of the test's own, and the values of every parameter."""

    contract: str
    path_values: dict[str, str]
    query_values: dict[str, str]


async def _grants_records(stack: RunningStack, gateway: httpx.AsyncClient, contract: str) -> dict[str, str]:
    year = await open_year(stack, gateway, contract)
    application = await notified(gateway, year)
    convention = await gateway.post(
        f"{GRANTS}/conventions",
        json={
            "contractCode": contract,
            "operatorId": year.operator_id,
            "reference": "CONV-2025-001",
            "kind": "annual",
            "firstYear": 2025,
            "lastYear": 2025,
            "amounts": [{"year": 2025, "institutionId": year.institutions["etat-p147"], "amount": "7000.01"}],
        },
        headers=year.pilot,
    )
    assert convention.status_code == 201, convention.text
    envelope = await gateway.put(
        f"{GRANTS}/calls/{year.call_id}/envelopes/{year.institutions['etat-p147']}",
        json={"amount": "500000"},
        headers=year.pilot,
    )
    assert envelope.status_code == 200, envelope.text
    scenario = await gateway.post(
        f"{GRANTS}/scenarios", json={"callId": year.call_id, "name": "Comité"}, headers=year.pilot
    )
    assert scenario.status_code == 201, scenario.text
    signatory = await gateway.post(
        f"{GRANTS}/signatories",
        json={"contractCode": contract, "code": "beaurains", "nom": "Ville de Beaurains", "kind": "commune"},
        headers=year.pilot,
    )
    assert signatory.status_code == 201, signatory.text
    sheet = await gateway.put(
        f"{GRANTS}/signatories/{signatory.json()['id']}/engagement-sheets/2025",
        json={"staff": [{"function": "Directeur général", "etp": "0.3"}]},
        headers=year.pilot,
    )
    assert sheet.status_code == 200, sheet.text
    indicator = await gateway.post(
        f"{GRANTS}/contract-indicators",
        json={
            "contractCode": contract,
            "code": "etp",
            "label": "ETP d'ingénierie",
            "unit": "ETP",
            "evaluationObject": "governance",
        },
        headers=year.pilot,
    )
    assert indicator.status_code == 201, indicator.text
    programme = await gateway.post(
        f"{GRANTS}/programmes",
        json={
            "contractCode": contract,
            "kind": "cite_emploi",
            "nom": "Cité de l'emploi",
            "qpvCodes": ["QN06258M"],
            "startYear": 2024,
            "source": {"document": "Contrat de ville", "date": "2024-01-23"},
        },
        headers=year.pilot,
    )
    assert programme.status_code == 201, programme.text
    return {
        "signatory_id": signatory.json()["id"],
        "indicator_id": indicator.json()["id"],
        "application_id": application["id"],
        "programme_id": programme.json()["id"],
        "call_id": year.call_id,
        "convention_id": convention.json()["id"],
        "operator_id": year.operator_id,
        "scenario_id": scenario.json()["id"],
        "institution_id": year.institutions["etat-p147"],
        "batch_id": str(uuid.uuid4()),  # its routes do not admit auditors: refused before any lookup
        "year": "2025",
    }


async def _participation_records(stack: RunningStack, gateway: httpx.AsyncClient, contract: str) -> dict[str, str]:
    api = "/api/participation"
    pilot = stack.headers([Role.CONTRACT_PILOT], [contract])
    body_id = await new_body(stack, gateway, contract)

    async def created(url: str, body: dict[str, Any]) -> str:
        response = await gateway.post(api + url, json=body, headers=pilot)
        assert response.status_code == 201, (url, response.text)
        return str(response.json()["id"])

    candidates = [
        await created(
            "/people",
            fictitious_person(contract, gender=gender, familyName="Fictif", givenName="Candidat"),
        )
        for gender in "fm"
    ]
    committee = await created(
        "/bodies",
        {
            "contractCode": contract,
            "name": "Comité du fonds de participation des habitants",
            "kind": "comite_fonds_participation",
            "participationLevel": "co_decision",
        },
    )
    opinion = await created(
        f"/bodies/{body_id}/opinions",
        {"kind": "prefect_referral", "title": "Saisine", "text": "Ascenseurs en panne", "adoptedOn": "2025-03-01"},
    )
    answered = await gateway.post(
        f"{api}/opinions/{opinion}/response", json={"outcome": "accepted", "respondedOn": "2025-05-02"}, headers=pilot
    )
    assert answered.status_code == 200, answered.text
    fund = await created(
        "/citizen-funds", {"committeeBodyId": committee, "name": "FPH 2025", "year": 2025, "envelope": "3000"}
    )
    return {
        "body_id": body_id,
        "commitment_id": await created(
            f"/opinions/{opinion}/commitments",
            {"description": "Ascenseurs réparés", "owner": "Bailleur", "madeOn": "2025-05-02"},
        ),
        "fund_application_id": await created(
            f"/citizen-funds/{fund}/applications",
            {
                "title": "Fête des voisins",
                "groupName": "Collectif",
                "description": "Un repas partagé",
                "qpvCodes": [],
                "amountRequested": "300",
            },
        ),
        "meeting_id": await created(
            f"/bodies/{body_id}/meetings", {"title": "Séance", "meetingDay": "2025-05-20", "convenedOn": "2025-05-01"}
        ),
        "opinion_id": opinion,
        "election_id": await created(
            f"/bodies/{body_id}/elections",
            {
                "heldOn": "2025-03-15",
                "seats": 1,
                "tallies": [{"personId": candidates[0], "votes": 12}, {"personId": candidates[1], "votes": 9}],
            },
        ),
        "consultation_id": await created(
            "/consultations",
            {
                "contractCode": contract,
                "title": "Micro-trottoir",
                "startsOn": "2025-07-01",
                "endsOn": "2025-08-31",
                "questions": [{"code": "idee", "text": "Une idée ?", "kind": "text"}],
                "targets": {"interviews": 3, "events": 1, "neighbourhoods": 1},
            },
        ),
        "fund_id": fund,
        "person_id": candidates[0],
        "draw_id": str(uuid.uuid4()),  # public routes: an auditor is answered as anyone (404 here)
    }


async def _territories_records(stack: RunningStack, gateway: httpx.AsyncClient, contract: str) -> dict[str, str]:
    api = "/api/territories"
    qpvs = (await gateway.get(f"{api}/qpvs", params={"codeEpci": "200033579"})).json()["items"]
    projects = (await gateway.get(f"{api}/renewal-projects", params={"codeEpci": "200033579"})).json()["items"]
    accepted = await gateway.post(
        f"{api}/vulnerability-computations", json={"communes": ["62041"]}, headers=stack.headers([Role.PLATFORM_ADMIN])
    )
    computation = await finished(gateway, accepted)
    assert computation.status_code == 201, computation.text
    zone = await gateway.post(
        f"{api}/vulnerability-zones",
        json={
            "contractCode": contract,
            "code": "ZV-1",
            "name": "Zone de vulnérabilité",
            "act": {"kind": "decision", "signedOn": "2024-03-12"},
            "computationId": computation.json()["id"],
            "zone": computation.json()["zones"][0]["zone"],
        },
        headers=stack.headers([Role.STATE], [contract]),
    )
    assert zone.status_code == 201, zone.text
    return {
        "job_id": accepted.json()["id"],  # another caller's: an auditor reads only its own jobs
        "qpv_id": qpvs[0]["id"],
        "project_id": projects[0]["id"],
        "computation_id": computation.json()["id"],
        "zone_id": zone.json()["id"],
        "indicator": "median_income",
    }


# `{code}` names a different code under each prefix.
CODES = {
    "/regions": "32",
    "/departements": "62",
    "/epcis": "200033579",
    "/communes": "62041",
    "/qpvs": "QN06258M",
    "/indicators": "median_income",
}


def _url(name: str, path: str, records: Records) -> str:
    values = dict(records.path_values)
    values["code"] = next((code for prefix, code in CODES.items() if path.startswith(prefix + "/")), records.contract)
    values["contract_code"] = records.contract
    if path.startswith("/fund-applications/"):  # participation's application ids are its citizen funds'
        values["application_id"] = values["fund_application_id"]
    return f"/api/{name}" + path.format(**values)


@pytest.fixture(scope="module")
def records_holder() -> dict[str, Records]:
    return {}


async def _records(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str, holder: dict[str, Records]
) -> Records:
    """Built once for the module by its first test (the contract fixture is per test)."""
    if "records" not in holder:
        path_values = {
            **await _grants_records(stack, gateway, new_contract),
            **await _participation_records(stack, gateway, new_contract),
            **await _territories_records(stack, gateway, new_contract),
        }
        query_values = {
            "contractCode": new_contract,
            "year": "2025",
            "lat": "50.27015",
            "lon": "2.7661",
            "institution": "etat-p147",
        }
        holder["records"] = Records(new_contract, path_values, query_values)
    return holder["records"]


def _query(name: str, path: str, records: Records) -> dict[str, str]:
    operation = documents()[name]["paths"][path]["get"]
    return {
        parameter["name"]: records.query_values[parameter["name"]]
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter.get("required")
    }


@pytest.mark.parametrize(("name", "path", "admission"), READS, ids=[f"{name}:GET {path}" for name, path, _ in READS])
async def test_an_auditor_reads_what_the_policy_says(
    stack: RunningStack,
    gateway: httpx.AsyncClient,
    new_contract: str,
    records_holder: dict[str, Records],
    name: str,
    path: str,
    admission: Admission,
) -> None:
    records = await _records(stack, gateway, new_contract, records_holder)
    auditor = stack.headers([Role.AUDITOR], [records.contract], institution="cour-des-comptes")
    url, params = _url(name, path, records), _query(name, path, records)
    answered = await gateway.get(url, params=params, headers=auditor)
    if admission.public:
        anyone = await gateway.get(url, params=params)
        assert answered.status_code == anyone.status_code, (url, answered.text)
        assert answered.status_code == (404 if "{draw_id}" in path else 200), (url, answered.text)
    elif path == "/jobs/{job_id}":
        assert answered.status_code == 404, (url, answered.text)  # jobs are read by their caller only
    elif admission.auditor:
        assert answered.status_code == 200, (url, answered.text)
    else:
        assert answered.status_code == 403, (url, answered.text)
        assert answered.json()["type"] == "/problems/forbidden"


async def test_an_auditor_reads_no_institution_s_private_notes(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    """Private notes and marks are read by the institution that wrote them; an auditor writes none, and a
    token naming the State's institution does not make an auditor the State."""
    year = await open_year(stack, gateway, new_contract)
    application = await notified(gateway, year)
    url = f"{GRANTS}/applications/{application['id']}"
    note = await gateway.post(f"{url}/annotations", json={"text": "Porteur fragile", "score": 4}, headers=year.state)
    assert note.status_code == 201, note.text
    assert [item["text"] for item in (await gateway.get(f"{url}/annotations", headers=year.state)).json()] == [
        "Porteur fragile"
    ]
    auditor = stack.headers([Role.AUDITOR], [new_contract], institution="etat-p147")
    for path in ("/annotations", "/marks"):
        refused = await gateway.get(url + path, headers=auditor)
        assert refused.status_code == 403, (path, refused.text)
        assert "auditor" not in refused.json()["allowedRoles"]
    assert (await gateway.get(url, headers=auditor)).status_code == 200  # the application itself: yes
