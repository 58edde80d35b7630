"""The requests a prefecture extracts from Dauphin imported into the call as drafts, through the gateway: a
2,000-line extract in a dry run, then for real, then again (nothing changes); every bad line named by its
column and rule, and nothing half-imported; operators then complete their drafts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from identity.principal import Role
from services.grants.demo.domain import fictitious_siret
from tests.grants import prefecture
from tests.grants.playbook import API, Year, draft, open_year
from tests.running_stack import RunningStack
from tests.steps import step

IMPORTS = f"{API}/request-imports"
HEADER = (
    "N° dossier Dauphin;Code SIRET;Raison sociale;RNA;Exercice;Intitulé du projet;Financeur;Montant demandé;"
    "Objectifs;Date de début;Date de fin"
)


@pytest.fixture
async def year(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> Year:
    return await open_year(stack, gateway, new_contract)


def fictitious_sirets(count: int) -> list[str]:
    """SIRETs of fictitious organisations whose SIREN and SIRET keys both hold (INSEE's Luhn)."""
    return [fictitious_siret(70_000_000 + rank) for rank in range(count)]


def extract(requests: int, operators: int, year: int = 2025) -> bytes:
    """A Dauphin extract as a French spreadsheet saves it (tableur-fr): one line per request and financer
    asked (the State and the CUA), `operators` fictitious associations."""
    sirets = fictitious_sirets(operators)
    lines = [HEADER]
    for rank in range(1, requests + 1):
        siret = sirets[rank % operators]
        number = f"DA{year}{rank:04d}-1"
        common = f"{number};{siret};Association fictive {siret[-5:]};W62{siret[-7:]};{year};Action n°{rank} de quartier"
        lines.append(f"{common};État P147;{1000 + rank};6A;01/09/{year};30/06/{year + 1}")
        lines.append(f"{common};cua;1 {rank % 1000:03d};6A;01/09/{year};30/06/{year + 1}")
    return ("\n".join(lines) + "\n").encode("utf-8")


async def upload(
    gateway: httpx.AsyncClient,
    year: Year,
    content: bytes,
    *,
    dry_run: bool,
    headers: dict[str, str] | None = None,
    dialect: str = "tableur-fr",
) -> httpx.Response:
    """An extract sent into the year's call, as the job's answer once it is done."""
    return await prefecture.upload(
        gateway, year, content, dry_run=dry_run, dialect=dialect, url=IMPORTS, headers=headers, callId=year.call_id
    )


async def applications(gateway: httpx.AsyncClient, year: Year) -> dict[str, Any]:
    listed = await gateway.get(
        f"{API}/applications",
        params={"contractCode": year.contract, "callId": year.call_id, "limit": 1},
        headers=year.pilot,
    )
    assert listed.status_code == 200, listed.text
    page: dict[str, Any] = listed.json()
    return page


async def test_a_dauphin_extract_of_2000_lines_becomes_the_calls_drafts(
    gateway: httpx.AsyncClient, stack: RunningStack, year: Year
) -> None:
    # The contract's financers as the extract names them: the State by its name (ETAT-P147), the CUA by its code.
    content = extract(1000, 300)
    with step("the dry run reports every line and writes nothing"):
        dry = await upload(gateway, year, content, dry_run=True)
        assert dry.status_code == 200, dry.text
        assert dry.json()["counts"] == {"created": 2000}
        assert dry.json()["columns"]["requested_amount"] == "Montant demandé"
        assert all(line["applicationId"] is None for line in dry.json()["lines"])
        created = [line for line in dry.json()["lines"] if line["operatorCreated"]]
        assert len(created) == 600, "300 operators, each created by its first request (two lines)"
        assert (await applications(gateway, year))["total"] == 0
    with step("the import creates 1,000 drafts of 300 new operators, the amounts asked as their 74 lines"):
        done = await upload(gateway, year, content, dry_run=False)
        assert done.status_code == 201, done.text
        assert done.json()["counts"] == {"created": 2000}
        assert (await applications(gateway, year))["total"] == 1000
        first, second = done.json()["lines"][:2]
        assert first["applicationId"] == second["applicationId"], "one request, two financers"
        read = (await gateway.get(f"{API}/applications/{first['applicationId']}", headers=year.pilot)).json()
        assert (read["state"], read["title"], read["dauphinNumber"]) == (
            "draft",
            "Action n°1 de quartier",
            "DA20250001-1",
        )
        assert (read["primaryObjectiveId"], read["startsOn"], read["endsOn"]) == (
            year.objective_id,
            "2025-09-01",
            "2026-06-30",
        )
        asked = {line["institutionId"]: line["amount"] for line in read["budget"]["lines"] if line["account"] == "74"}
        assert asked == {year.institutions["etat-p147"]: "1001.00", year.institutions["cua"]: "1001.00"}
        operator = (await gateway.get(f"{API}/operators/{read['operatorId']}", headers=year.pilot)).json()
        assert (operator["rna"], operator["profile"]) == (f"W62{operator['siret'][-7:]}", "association")
        batch = await gateway.get(f"{IMPORTS}/{done.json()['batchId']}", headers=year.pilot)
        assert batch.status_code == 200
        assert batch.json()["counts"] == {"created": 2000}
    with step("the same file again changes nothing"):
        again = await upload(gateway, year, content, dry_run=False)
        assert again.status_code == 200, again.text
        assert (again.json()["alreadyImported"], again.json()["batchId"]) == (True, done.json()["batchId"])
        assert (await applications(gateway, year))["total"] == 1000
        unchanged = (await gateway.get(f"{API}/applications/{first['applicationId']}", headers=year.pilot)).json()
        assert unchanged["version"] == read["version"]
    with step("the same requests in another file (re-saved): every line compared, none changed"):
        resaved = await upload(gateway, year, content.replace(b"\n", b"\r\n"), dry_run=False)
        assert resaved.status_code == 201, resaved.text
        assert resaved.json()["counts"] == {"unchanged": 2000}
    with step("a later extract: an amount revised, a financer added; the operator completes its draft"):
        revised = (
            f"{HEADER}\nDA20250001-1;{operator['siret']};;;2025;Action n°1 de quartier;cua;1 500;6A;;\n"
            f"DA20250001-1;{operator['siret']};;;2025;Action n°1 de quartier;CAF-62;800;;;\n"
        ).encode()
        updated = await upload(gateway, year, revised, dry_run=False)
        assert updated.status_code == 201, updated.text
        assert {line["status"] for line in updated.json()["lines"]} == {"updated"}
        read = (await gateway.get(f"{API}/applications/{first['applicationId']}", headers=year.pilot)).json()
        asked = {line["institutionId"]: line["amount"] for line in read["budget"]["lines"] if line["account"] == "74"}
        assert asked == {
            year.institutions["etat-p147"]: "1001.00",
            year.institutions["cua"]: "1500.00",
            year.institutions["caf-62"]: "800.00",
        }
        own = stack.headers([Role.OPERATOR], [year.contract], organisations=[operator["id"]])
        assert (await gateway.get(f"{API}/applications/{first['applicationId']}", headers=own)).status_code == 200


async def test_every_bad_line_is_named_by_column_and_rule_and_nothing_is_imported(
    gateway: httpx.AsyncClient, stack: RunningStack, year: Year
) -> None:
    other_call = await gateway.post(
        f"{API}/calls",
        headers=year.pilot,
        json={
            "contractCode": year.contract,
            "year": 2026,
            "scheme": "p147",
            "title": "Appel à projets 2026",
            "opensOn": "2025-10-01",
            "closesOn": "2025-11-30",
        },
    )
    assert other_call.status_code == 201, other_call.text
    # An application of the 2026 call under a Dauphin number.
    await draft(gateway, year, callId=other_call.json()["id"], dauphinNumber="DA20260009-1")
    valid = fictitious_sirets(2)
    content = "\n".join(
        [
            "numero_dossier_dauphin;siret;raison_sociale;exercice;intitule_action;financeur;montant_sollicite",
            f";{valid[0]};Asso A;2025;Ateliers;etat-p147;1200",
            ";73282932000075;Asso B;2025;Sorties;etat-p147;1200",  # the SIRET's key fails
            f";{valid[1]};Asso C;2025;Jardins;Fondation inconnue;1200",
            f";{valid[1]};Asso C;2025;Théâtre;cua;1200,50",  # a decimal comma in the exchange dialect
            f";{valid[1]};Asso C;2026;Musique;cua;900",  # the 2026 call's year
            f"DA20260009-1;{valid[1]};Asso C;;Vacances;cua;900",  # the 2026 call's application
        ]
    ).encode()
    with step("the dry run names each bad line's column and rule"):
        dry = await upload(gateway, year, content, dry_run=True, dialect="exchange")
        assert dry.status_code == 200, dry.text
        errors = {
            line["row"]: [(error["column"], error["rule"]) for error in line["errors"]] for line in dry.json()["lines"]
        }
        assert errors == {
            2: [],
            3: [("siret", "siret-key")],
            4: [("financeur", "known-financer")],
            5: [("montant_sollicite", "dot-decimal")],
            6: [("exercice", "call-year")],
            7: [("numero_dossier_dauphin", "other-call")],
        }
    with step("the import is refused whole: every problem at once, nothing created"):
        refused = await upload(gateway, year, content, dry_run=False, dialect="exchange")
        assert refused.status_code == 422, refused.text
        named = {(error["field"], error["rule"]) for error in refused.json()["errors"]}
        assert named == {
            ("lines/2/siret", "siret-key"),
            ("lines/3/financer", "known-financer"),
            ("lines/4/requested_amount", "dot-decimal"),
            ("lines/5/year", "call-year"),
            ("lines/6/dauphin_number", "other-call"),
        }
        assert "column 'montant_sollicite'" in refused.text
        assert (await applications(gateway, year))["total"] == 0
    with step("French formats the extract really uses are read; ambiguous ones and cents are refused"):
        french = (
            "Code SIRET;Raison sociale;Intitulé du projet;Montant demandé\n"
            f"{valid[0]};Asso A;Ateliers;1\u202f234,00\n"
            f"{valid[0]};Asso A;Sorties;1,234\n"
            f"{valid[0]};Asso A;Jardins;1 234,56\n"
        ).encode()
        read = await upload(gateway, year, french, dry_run=True)
        rules = {line["row"]: [error["rule"] for error in line["errors"]] for line in read.json()["lines"]}
        assert rules == {2: [], 3: ["amount-format"], 4: ["whole-euros"]}
    with step("an operator may not import requests"):
        refused = await upload(gateway, year, content, dry_run=True, headers=year.operator)
        assert refused.status_code == 403
    unknown = await upload(gateway, year, b"Colonne A;Colonne B\na;b\n", dry_run=True)
    assert (unknown.status_code, unknown.json()["errors"][0]["rule"]) == (422, "unknown-column-set")
