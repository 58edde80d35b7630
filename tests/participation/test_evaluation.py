"""The contract's evaluation of participation, on the CUA demo data loaded at start and on a fresh contract."""

from __future__ import annotations

from datetime import date

import httpx

from cli.data_imports import import_participation_demo
from identity.principal import Role
from tests.clock import TravellingClock
from tests.participation.bodies import new_body
from tests.participation.people import new_person
from tests.running_stack import RunningStack
from tests.steps import step

API = "/api/participation"
CUA = "CV-200033579-2024"


async def test_the_demo_tells_the_47_to_28_story_and_the_new_bodies(
    stack: RunningStack, gateway: httpx.AsyncClient, clock: TravellingClock
) -> None:
    clock.travel_to(date(2026, 1, 15))  # the evaluation of 2025 read in January: the demo's referrals are all due
    pilot = stack.headers([Role.CONTRACT_PILOT], [CUA])
    with step("2019 to 2022: 47 members, then 28; the bodies that lived in 2022"):
        former = await gateway.get(
            f"{API}/participation-indicators", params={"contractCode": CUA, "year": 2022, "since": 2019}, headers=pilot
        )
        assert former.status_code == 200, former.text
        series = [(item["year"], item["members"], item["fictitious"]) for item in former.json()["membersByYear"]]
        # The contract gives 47 in 2019 and 28 in 2022 (l. 1453); nothing between: 2019's count is carried, and
        # every count made of demo people says so.
        assert series == [(2019, 47, 47), (2020, 47, 47), (2021, 47, 47), (2022, 28, 28)]
        # In 2022 the conseils citoyens lived (dissolved at the end of 2023); the contract's governance of
        # 2024, the tiers-lieu (2023) and the commissions citoyennes (2024) did not exist yet.
        assert former.json()["bodiesByKind"] == {
            "comite_de_pilotage": 3,
            "comite_technique": 2,
            "conseil_citoyen": 4,
            "conseil_de_quartier": 4,
            "groupe_de_pilotage": 1,
        }
        assert former.json()["bodiesByStatus"] == {"active": 14}
    with step("2025: the new bodies, their members, meetings, opinions and referrals"):
        found = await gateway.get(
            f"{API}/participation-indicators", params={"contractCode": CUA, "year": 2025}, headers=pilot
        )
        figures = found.json()
        assert figures["bodiesByKind"] == {
            "comite_de_pilotage": 5,
            "comite_des_financeurs": 1,
            "comite_strategique": 1,
            "comite_technique": 3,
            "commission_citoyenne": 4,
            "conseil_de_quartier": 4,
            "fabrique_citoyenne": 1,
            "groupe_de_pilotage": 1,
            "mous": 1,
            "tiers_lieu": 1,
        }
        assert figures["bodiesByStatus"] == {"active": 22, "dissolved": 4}  # the four arrêtés préfectoraux
        assert [item["members"] for item in figures["membersByYear"]] == [47, 47, 28, 28, 45, 45]  # 2020 … 2025
        assert figures["membersProfile"] == {
            "members": 45,
            "genders": {"f": 25, "m": 20, "x": 0},
            "ageBands": {"16-25": 15, "26-59": 15, "60+": 15},
            "residentsShare": "0.7778",
        }
        assert figures["meetingsByKind"] == {
            "commission_citoyenne": 16,
            "comite_de_pilotage": 2,
            "fabrique_citoyenne": 4,
        }
        assert len(figures["institutionsRepresented"]) == 9
        assert figures["opinions"] == {
            "issued": 8,
            "byKind": {"opinion": 5, "proposal": 3},
            "answered": 7,
            "takenUp": 3,
            "rejected": 1,
            "shareAnswered": "0.875",
            "shareTakenUp": "0.4286",
            "medianDaysToAnswer": "31",
        }
        assert figures["referrals"] == {"made": 5, "open": 0, "answered": 3, "deemed_favourable": 2}
        assert figures["consultations"] == []
        assert "Fictif" not in found.text
    with step("2025 read in its own December: the members' count alone, no profile that a day would change"):
        clock.travel_to(date(2025, 12, 1))
        running = await gateway.get(
            f"{API}/participation-indicators", params={"contractCode": CUA, "year": 2025}, headers=pilot
        )
        assert running.json()["membersProfile"] == {
            "members": 45,
            "genders": {"f": None, "m": None, "x": None},
            "ageBands": {},
            "residentsShare": None,
        }
        clock.travel_to(date(2026, 1, 15))
    with step("2023: the summer's micro-trottoir reached its targets"):
        summer = await gateway.get(
            f"{API}/participation-indicators", params={"contractCode": CUA, "year": 2023}, headers=pilot
        )
        campaigns = {item["title"]: item for item in summer.json()["consultations"]}
        micro_trottoir = campaigns["Micro-trottoir de l'été 2023 (PFM radio)"]
        assert micro_trottoir["progress"] == {  # the contract: 100 interviews, 11 events, 6 neighbourhoods
            "interviews": 100,
            "events": 11,
            "neighbourhoods": 6,
            "reached": {"interviews": True, "events": True, "neighbourhoods": True},
        }
    assert await import_participation_demo(stack.role_url("participation")) == "already loaded"


async def test_small_groups_are_not_published_and_callers_see_their_contracts_only(
    stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str
) -> None:
    pilot = stack.headers([Role.CONTRACT_PILOT], [new_contract])
    body_id = await new_body(stack, gateway, new_contract)
    for index, gender in enumerate("ffffffm"):
        kind = "resident" if gender == "f" else "local_actor"  # the man is the only member not resident
        person_id = await new_person(
            gateway, pilot, new_contract, gender=gender, memberKind=kind, familyName=f"Fictive{index}"
        )
        given = await gateway.post(
            f"{API}/bodies/{body_id}/mandates",
            json={"personId": person_id, "startsOn": "2025-01-01"},
            headers=pilot,
        )
        assert given.status_code == 201, given.text
    figures = (
        await gateway.get(
            f"{API}/participation-indicators", params={"contractCode": new_contract, "year": 2025}, headers=pilot
        )
    ).json()
    # One man: his count is hidden, and the women's too, or 7 - 6 would give it away.
    assert figures["membersProfile"]["genders"] == {"f": None, "m": None, "x": None}
    assert figures["membersProfile"]["ageBands"] == {"26-59": 7}
    # 6 residents of 7 members: the share (0.8571) would give the one other member away as well.
    assert figures["membersProfile"]["residentsShare"] is None
    assert figures["opinions"]["shareAnswered"] is None
    other = await gateway.get(
        f"{API}/participation-indicators",
        params={"contractCode": CUA, "year": 2025},
        headers=pilot,
    )
    assert other.status_code == 403
    backwards = await gateway.get(
        f"{API}/participation-indicators",
        params={"contractCode": new_contract, "year": 2025, "since": 2026},
        headers=pilot,
    )
    assert (backwards.status_code, backwards.json()["errors"][0]["rule"]) == (422, "since-not-after-year")
    assert (await gateway.get(f"{API}/participation-indicators", params={"year": 2025})).status_code == 401
