"""The CUA's participation data as `./dev up` loads it (the same loader the test stack runs at start), read
through the gateway: the contract's own facts (002_5977faef0ce805e9.txt, lines in services/participation/data/
README.md), fictitious people only where the contract gives counts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from identity.principal import Role
from tests.running_stack import CUA_CONTRACT, RunningStack

API = "/api/participation"
OPEN_QUESTIONS = [  # l. 1504-1507
    ("quartier", "Que pensez-vous de manière générale de votre quartier ?"),
    ("vie_sociale_culturelle", "Que pensez-vous de ce qu'il s'y passe, au niveau social et culturel ?"),
    (
        "associer_habitants",
        "Comment faire, à votre avis, pour davantage associer les habitants et habitantes aux décisions du quartier ?",
    ),
    ("propositions", "Avez-vous des propositions à faire pour ce quartier ?"),
]
CONSENT = (  # l. 1513
    "Êtes-vous d'accord pour nous laisser vos coordonnées afin d'être recontacté pour un temps de restitution"
    " festif le mardi 29 août ?"
)
PER_NEIGHBOURHOOD = "Avez-vous entendu parler de -dispositif/équipement- ? Si oui, qu'en pensez-vous ?"  # l. 1509
QPVS = {"QN06258M", "QN06259M", "QN06260M", "QN06261M", "QN06262M", "QN06263M"}


@pytest.fixture
def pilot(stack: RunningStack) -> dict[str, str]:
    return stack.headers([Role.CONTRACT_PILOT], [CUA_CONTRACT])


async def _bodies(gateway: httpx.AsyncClient, pilot: dict[str, str]) -> dict[str, dict[str, Any]]:
    listed = await gateway.get(f"{API}/bodies", params={"contractCode": CUA_CONTRACT, "limit": 100}, headers=pilot)
    assert listed.status_code == 200, listed.text
    return {item["name"]: item for item in listed.json()["items"]}


async def test_the_summer_2023_micro_trottoir_asks_the_contract_s_questions(
    gateway: httpx.AsyncClient, pilot: dict[str, str]
) -> None:
    listed = await gateway.get(f"{API}/consultations", params={"contractCode": CUA_CONTRACT}, headers=pilot)
    [summer] = [item for item in listed.json()["items"] if item["title"].startswith("Micro-trottoir de l'été 2023")]
    assert (summer["startsOn"], summer["endsOn"]) == ("2023-07-01", "2023-08-31")
    questions = [(item["code"], item["text"], item["kind"]) for item in summer["questions"]]
    assert questions == [(code, text, "text") for code, text in OPEN_QUESTIONS] + [("recontact", CONSENT, "choice")]
    assert summer["questions"][-1]["choices"] == ["oui", "non"]
    assert set(summer["territoryQuestions"]) == QPVS  # one « personnalisée » question per neighbourhood
    assert {(item["code"], item["text"]) for asked in summer["territoryQuestions"].values() for item in asked} == {
        ("dispositif", PER_NEIGHBOURHOOD)
    }
    assert summer["targets"] == {"interviews": 100, "events": 11, "neighbourhoods": 6}
    results = (await gateway.get(f"{API}/consultations/{summer['id']}/results", headers=pilot)).json()
    by_code = {item["code"]: item for item in results["questions"]}
    assert by_code["recontact"]["counts"] == {"non": 66, "oui": 34}
    assert by_code["quartier"]["counts"] == {}  # free text is never published
    contacts = (await gateway.get(f"{API}/consultations/{summer['id']}/contacts", headers=pilot)).json()
    assert contacts["total"] == 34  # those who said « oui », apart from their answers
    assert {item["consentText"] for item in contacts["items"]} == {CONSENT}
    assert all(item["contact"].startswith("contact-fictif-") for item in contacts["items"])


async def test_the_communal_governance_bodies_the_contract_names(
    gateway: httpx.AsyncClient, pilot: dict[str, str]
) -> None:
    bodies = await _bodies(gateway, pilot)
    communal = {
        "Comité de pilotage de la ville d'Arras": ("comite_de_pilotage", ["62041"]),  # l. 2123
        "Revue de projet (ville d'Arras)": ("comite_de_pilotage", ["62041"]),  # l. 2125
        "Comité de pilotage « Cœur de Quartier » d'Achicourt": ("comite_de_pilotage", ["62004", "62041"]),  # l. 2127
        "Comité de pilotage commun de Saint-Laurent-Blangy et Saint-Nicolas": (  # l. 2135-2137
            "comite_de_pilotage",
            ["62753", "62764"],
        ),
        "Comités d'échanges territoriaux du quartier Cheminots Jean Jaurès Moulin Hacart (mensuels)": (  # l. 2133
            "comite_technique",
            ["62004"],
        ),
        "Comités d'échanges territoriaux partenariaux de Chanteclair - Cévennes (deux par an)": (  # l. 2139
            "comite_technique",
            ["62753", "62764"],
        ),
    }
    assert {name: (bodies[name]["kind"], bodies[name]["communeCodes"]) for name in communal} == communal
    assert bodies["Comité de pilotage commun de Saint-Laurent-Blangy et Saint-Nicolas"]["establishedOn"] == "2023-01-01"
    achicourt = sorted(name for name, item in bodies.items() if item["kind"] == "conseil_de_quartier")
    assert achicourt == [f"Conseil de quartier d'Achicourt n°{number}" for number in range(1, 5)]  # l. 1972


async def test_bodies_carry_their_life_dates(gateway: httpx.AsyncClient, pilot: dict[str, str]) -> None:
    bodies = await _bodies(gateway, pilot)
    councils = [item for item in bodies.values() if item["kind"] == "conseil_citoyen"]
    assert len(councils) == 4  # the four arrêtés préfectoraux (l. 1445)
    assert {(item["status"], item["dissolvedOn"]) for item in councils} == {("dissolved", "2023-12-31")}
    commissions = [item for item in bodies.values() if item["kind"] == "commission_citoyenne"]
    assert {(item["status"], item["establishedOn"], item["dissolvedOn"]) for item in commissions} == {
        ("active", "2024-06-01", None)
    }
    assert bodies["Tiers-lieu politique de la ville"]["establishedOn"] == "2023-01-01"  # reported in 2023 (l. 2099)
