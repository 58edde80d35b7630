"""The exchange with the prefecture: the programmation exported (XLSX read back by openpyxl, CSV as French
Excel opens it), decisions imported from the file the prefecture edited, divergences reported and
resolved, unmatched lines matched by hand, every bad line named, nothing half-imported."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.clock import TravellingClock
from tests.conditional_writes import write_if_match
from tests.grants.playbook import API, Year, budget, draft, notified, open_year, send, submit
from tests.grants.prefecture import IMPORTS, XLSX, upload
from tests.grants.use_cases.test_decision_files import workbook
from tests.running_stack import RunningStack
from tests.steps import step


@pytest.fixture
async def year(stack: RunningStack, gateway: httpx.AsyncClient, new_contract: str) -> Year:
    return await open_year(stack, gateway, new_contract)


async def submitted(gateway: httpx.AsyncClient, year: Year, title: str, headers: dict[str, str], **extra: Any) -> str:
    body = {"title": title, **extra}
    if headers is year.other_operator:
        body["operatorId"] = year.other_operator_id
    application = await draft(gateway, year, **body) if headers is year.operator else None
    if application is None:
        created = await gateway.post(
            f"{API}/applications",
            json={
                "callId": year.call_id,
                "operatorId": year.other_operator_id,
                "title": title,
                "primaryObjectiveId": year.objective_id,
                "qpvCodes": ["QN06258M"],
                **extra,
            },
            headers=headers,
        )
        assert created.status_code == 201, created.text
        application = created.json()
    url = f"{API}/applications/{application['id']}"
    assert (await send(gateway, "PUT", f"{url}/budget", headers, budget(year))).status_code == 200
    moved = await submit(gateway, year, application["id"], headers)
    assert moved.status_code == 200, moved.text
    return str(application["id"])


async def state_line(gateway: httpx.AsyncClient, year: Year, application: str) -> dict[str, Any]:
    read = (await gateway.get(f"{API}/applications/{application}", headers=year.pilot)).json()
    line: dict[str, Any] = next(
        item for item in read["financingLines"] if item["institutionId"] == year.institutions["etat-p147"]
    )
    return {**line, "dauphinNumber": read["dauphinNumber"]}


def csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def as_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


async def test_the_programmation_round_trips_through_the_prefecture(gateway: httpx.AsyncClient, year: Year) -> None:
    with step("three applications: under a Dauphin number, of the other operator, notified"):
        waiting = await submitted(gateway, year, "Chantiers jeunes", year.operator, dauphinNumber="DA20250002-1")
        unnumbered = await submitted(gateway, year, "Café des parents", year.other_operator)
        granted = (await notified(gateway, year))["id"]
        params: dict[str, str | int] = {"contractCode": year.contract, "year": 2025}
    with step("the programmation is exported as CSV, as French Excel opens it"):
        exported = await gateway.get(
            f"{API}/programmation-exports", params={**params, "format": "csv"}, headers=year.pilot
        )
        assert exported.status_code == 200, exported.text
        assert (
            exported.headers["content-disposition"] == f'attachment; filename="programmation-{year.contract}-2025.csv"'
        )
        assert b'"siret";' not in exported.content[:3]
        rows = {row["id_application"]: row for row in csv_rows(exported.content)}
        assert set(rows) == {granted, waiting, unnumbered}
        first = rows[granted]
        assert (first["siret"], first["numero_dossier_dauphin"], first["code_action_dauphin"]) == (
            "73282932000074",
            "DA20250001-1",
            "20250001",
        )
        assert (first["montant_sollicite_p147"], first["montant_decide_p147"], first["cofin_cua_decide"]) == (
            "8000.00",
            "7000.01",
            "4000.00",
        )
        assert (first["date_debut"], first["date_fin"], first["cout_total"], first["statut"]) == (
            "2025-09-01",
            "2026-06-30",
            "15000.00",
            "notified",
        )
        assert (first["thematique_p147"], first["qpv_codes"], first["hors_qpv"]) == (
            "1.5 " + first["thematique_p147"][4:],
            "QN06258M",
            "non",
        )
        assert rows[waiting]["montant_decide_p147"] == ""
        assert operators_only_see_nothing(
            await gateway.get(f"{API}/programmation-exports", params=params, headers=year.operator)
        )
    with step("the programmation is exported as an XLSX workbook with its summary"):
        spreadsheet = await gateway.get(f"{API}/programmation-exports", params=params, headers=year.state)
        assert spreadsheet.headers["content-type"] == XLSX
        book = load_workbook(io.BytesIO(spreadsheet.content), read_only=True)
        assert book.sheetnames == ["P147", "Synthèse", "Colonnes"]
        sheet = list(book["P147"].iter_rows(values_only=True))
        header = list(sheet[0])
        assert len(sheet) == 4
        by_id = {row[0]: dict(zip(header, row, strict=True)) for row in sheet[1:]}
        assert by_id[granted]["SIRET"] == "73282932000074"
        assert by_id[granted]["Montant décidé P147 (€)"] == pytest.approx(7000.01)
        summary = list(book["Synthèse"].iter_rows(values_only=True))
        financers = {row[1]: row for row in summary if row[0] == "Financeur"}
        assert financers["ETAT-P147"][2] == pytest.approx(24000.0)
        assert financers["ETAT-P147"][4] == pytest.approx(7000.01)
        assert any(row[0] == "Actions" and row[1] == "Nombre" and row[2] == 3 for row in summary)
    with step("the prefecture edits the decisions in the exported file"):
        # The prefecture edits the decisions in the exported file and sends it back.
        edited = csv_rows(exported.content)
        for row in edited:
            if row["id_application"] == granted:
                row["montant_decide_p147"] = "6500.00"
            elif row["id_application"] == waiting:
                row["montant_decide_p147"], row["decision_p147"] = "5000", "Votée"
                row["chorus_ej"] = "2103814945"
            else:
                row["montant_decide_p147"], row["date_decision"] = "3000.50", "2025-02-10"
        content = as_csv(edited)
    with step("a dry run reports what each line would change and changes nothing"):
        dry = await upload(gateway, year, content, dry_run=True)
        assert dry.status_code == 200, dry.text
        report = {line["applicationId"]: line for line in dry.json()["lines"]}
        assert dry.json()["batchId"] is None
        assert report[granted]["status"] == "divergent"
        assert report[granted]["changes"] == [
            {"field": "decided_amount", "ours": 700001, "theirs": 650000, "divergent": True}
        ]
        assert (report[waiting]["status"], report[waiting]["matchedBy"]) == ("applied", "dauphin_number")
        assert (report[unnumbered]["status"], report[unnumbered]["matchedBy"]) == ("applied", "siret_year_title")
        assert (await state_line(gateway, year, waiting))["decided"] is None
    with step("the import sets what we lack and never overwrites a divergence"):
        etag = (await gateway.get(f"{API}/applications/{waiting}", headers=year.pilot)).headers["etag"]
        imported = await upload(gateway, year, content, dry_run=False)
        assert imported.status_code == 201, imported.text
        assert imported.json()["counts"] == {"divergent": 1, "applied": 2}
        assert (await gateway.get(f"{API}/applications/{waiting}", headers=year.pilot)).headers["etag"] != etag
        totals = await gateway.get(
            f"{API}/programmation/totals", params={"contractCode": year.contract, "year": 2025}, headers=year.pilot
        )
        assert totals.json()["byYear"][0]["decided"] == "19000.51", "each application's sum moved with its State line"
        line = await state_line(gateway, year, waiting)
        assert (line["decided"], line["decision"]) == ("5000.00", "granted")
        assert (await state_line(gateway, year, unnumbered))["decided"] == "3000.50"
        assert (await state_line(gateway, year, granted))["decided"] == "7000.01", "a divergence is never overwritten"
    with step("the same file is imported once; written again, it is another file"):
        again = await upload(gateway, year, content, dry_run=False)
        assert (again.status_code, again.json()["alreadyImported"], again.json()["batchId"]) == (
            200,
            True,
            imported.json()["batchId"],
        )
        rewritten = await upload(gateway, year, content.replace(b"\r\n", b"\n"), dry_run=True)
        assert {line["status"] for line in rewritten.json()["lines"]} == {"divergent", "unchanged"}
    with step("a person resolves the divergence, saying why"):
        batch = imported.json()["batchId"]
        divergent = next(line for line in imported.json()["lines"] if line["status"] == "divergent")
        resolution = f"{IMPORTS}/{batch}/lines/{divergent['line']}/resolution"
        unexplained = await gateway.post(resolution, json={"action": "apply"}, headers=year.state)
        assert unexplained.status_code == 422
        applied = await gateway.post(
            resolution, json={"action": "apply", "reason": "Arrêté modificatif du 3 mars"}, headers=year.state
        )
        assert (applied.status_code, applied.json()["status"]) == (200, "resolved_applied")
        assert (await state_line(gateway, year, granted))["decided"] == "6500.00"
        assert (
            await gateway.post(resolution, json={"action": "keep", "reason": "x"}, headers=year.state)
        ).status_code == 409
        stored = (await gateway.get(f"{IMPORTS}/{batch}", headers=year.pilot)).json()
        assert {line["status"] for line in stored["lines"]} == {"applied", "resolved_applied"}


def operators_only_see_nothing(response: httpx.Response) -> bool:
    return response.status_code == 403


def decisions_csv(
    lines: list[str], header: str = "Code SIRET;Exercice;Intitulé;Montant voté;Date de décision"
) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


async def test_the_export_reads_the_budget_as_last_replaced(gateway: httpx.AsyncClient, year: Year) -> None:
    """The budget's sums are kept by the database: a replaced budget, lines removed and added, is exported
    with its new charges, own funds and in-kind resources."""
    application = await draft(gateway, year)
    url = f"{API}/applications/{application['id']}/budget"
    assert (await send(gateway, "PUT", url, year.operator, budget(year))).status_code == 200
    replaced = budget(year, charges=20000)
    # In kind removed on both sides; the 5,000 € more of charges met by own funds: a budget that balances.
    replaced["lines"] = [line for line in replaced["lines"] if line["account"] not in {"86", "87"}]
    replaced["lines"].append({"account": "own_funds", "label": "Fonds propres", "amount": "5000"})
    assert (await send(gateway, "PUT", url, year.operator, replaced)).status_code == 200
    submitted = await submit(gateway, year, application["id"], year.operator)
    assert submitted.status_code == 200, submitted.text  # a draft is not in the programmation's export
    exported = await gateway.get(
        f"{API}/programmation-exports",
        params={"contractCode": year.contract, "year": 2025, "format": "csv"},
        headers=year.pilot,
    )
    (row,) = csv_rows(exported.content)
    assert (row["cout_total"], row["autofinancement"], row["contributions_nature"]) == ("20000.00", "5000.00", "0.00")


async def test_unmatched_lines_wait_in_the_manual_queue(gateway: httpx.AsyncClient, year: Year) -> None:
    waiting = await submitted(gateway, year, "Chantiers jeunes", year.operator, dauphinNumber="DA20250002-1")
    content = decisions_csv(["73282932000074;2025;Chantiers éducatifs (jeunes);4200;2025-02-10"])
    imported = await upload(gateway, year, content, dry_run=False)
    assert imported.status_code == 201, imported.text
    [line] = imported.json()["lines"]
    assert line["status"] == "unmatched"
    assert imported.json()["columns"] == {
        "siret": "Code SIRET",
        "year": "Exercice",
        "title": "Intitulé",
        "decided_amount": "Montant voté",
        "decision_date": "Date de décision",
    }
    resolution = f"{IMPORTS}/{imported.json()['batchId']}/lines/1/resolution"
    matched = await gateway.post(
        resolution,
        json={"action": "apply", "applicationId": waiting, "reason": "Intitulé abrégé par la DDETS"},
        headers=year.state,
    )
    assert matched.status_code == 200, matched.text
    assert (matched.json()["status"], matched.json()["matchedBy"]) == ("applied", "manual")
    assert (await state_line(gateway, year, waiting))["decided"] == "4200.00"


async def test_dauphin_gispro_and_chorus_extracts_are_read_by_their_own_headers(
    gateway: httpx.AsyncClient, year: Year
) -> None:
    numbered = await submitted(gateway, year, "Chantiers jeunes", year.operator, dauphinNumber="DA20250002-1")
    unnumbered = await submitted(gateway, year, "Café des parents", year.other_operator)
    siret = (await gateway.get(f"{API}/operators/{year.other_operator_id}", headers=year.pilot)).json()["siret"]
    extracts = {
        "dauphin": decisions_csv(
            ["DA20250002-1;2025;5000.00;2025-02-10;Votée"],
            "referenceAdministrative;exerciceBudgetaire;financement.montantVote.ht;financement.dateDecision;"
            "financement.statut",
        ),
        "gispro": decisions_csv(
            ["DA20250002-1;Chantiers jeunes;5000;Accordée"],
            "Action - Code dossier;Intitulé;Montant attribué;Statut de la décision",
        ),
        "chorus": decisions_csv(
            [f"{siret};2025;Café des parents;3000.50;2103814945"],
            "Code taxe 1;Exercice comptable;lib_action;Montant engagé;N° doc. précédent (EJ)",
        ),
    }
    reports = {}
    for source, content in extracts.items():
        dry = await upload(gateway, year, content, dry_run=True)
        assert dry.status_code == 200, (source, dry.text)
        (reports[source],) = dry.json()["lines"]
    assert (reports["dauphin"]["applicationId"], reports["dauphin"]["matchedBy"]) == (numbered, "dauphin_number")
    assert {change["field"] for change in reports["dauphin"]["changes"]} == {
        "decided_amount",
        "decision",
        "decision_date",
    }
    assert (reports["gispro"]["applicationId"], reports["gispro"]["status"]) == (numbered, "applied")
    assert (reports["chorus"]["applicationId"], reports["chorus"]["matchedBy"]) == (unnumbered, "siret_year_title")
    assert {change["field"]: change["theirs"] for change in reports["chorus"]["changes"]} == {
        "decided_amount": 300050,
        "decision": "granted",  # an amount decided without a decision column: granted
        "chorus_commitment": "2103814945",
    }


async def test_every_bad_line_is_named_and_nothing_is_half_imported(gateway: httpx.AsyncClient, year: Year) -> None:
    # Each rule a line breaks: tests/grants/use_cases/test_decision_imports.py; here, how the API says it.
    first = await submitted(gateway, year, "Chantiers jeunes", year.operator, dauphinNumber="DA20250002-1")
    header = "numero_dossier_dauphin;siret;montant_decide_p147;date_decision"
    content = decisions_csv(
        ["DA20250002-1;73282932000074;1 234,56;2025-02-10", "DA20250002-1;73282932000074;1234.56;2025-02-10"],
        header,
    )
    dry = await upload(gateway, year, content, dry_run=True)
    assert dry.status_code == 200
    errors = {
        line["row"]: [(error["field"], error["rule"]) for error in line["errors"]] for line in dry.json()["lines"]
    }
    assert errors == {2: [("decided_amount", "no-thousands-separator")], 3: [("line", "duplicate-row")]}
    refused = await upload(gateway, year, content, dry_run=False)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    named = {(error["field"], error["rule"]) for error in refused.json()["errors"]}
    assert ("lines/1/decided_amount", "no-thousands-separator") in named
    assert ("lines/2/line", "duplicate-row") in named
    assert (await state_line(gateway, year, first))["decided"] is None

    unknown = await upload(gateway, year, decisions_csv(["a;b"], "Colonne A;Colonne B"), dry_run=True)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["rule"] == "unknown-column-set"
    not_xlsx = await upload(gateway, year, b"PK\x03\x04garbage", dry_run=True, media=XLSX)
    assert not_xlsx.json()["errors"][0]["rule"] == "xlsx-file"

    aliases = await write_if_match(
        gateway,
        "PUT",
        f"{API}/decision-header-aliases/{year.contract}",
        json={"aliases": {"decided_amount": ["Colonne B"], "dauphin_number": ["Colonne A"]}},
        headers=year.state,
    )
    assert aliases.status_code == 200, aliases.text
    spelled = await upload(
        gateway,
        year,
        workbook(("Décisions", [["Colonne A", "Colonne B"], ["DA20250002-1", 2500.5]])),
        dry_run=False,
        media=XLSX,
    )
    assert spelled.status_code == 201, spelled.text
    assert (await state_line(gateway, year, first))["decided"] == "2500.50"


async def test_decided_grants_are_published_in_the_scdl_format(
    gateway: httpx.AsyncClient, year: Year, clock: TravellingClock
) -> None:
    clock.travel_to(date(2025, 3, 14))  # the day the decision is notified: the grant's date without a convention
    await submitted(gateway, year, "Chantiers jeunes", year.operator, dauphinNumber="DA20250002-1")
    granted = (await notified(gateway, year))["id"]
    anonymous = {"contractCode": year.contract, "year": "2025"}
    published = await gateway.get(f"{API}/open-data/subventions.csv", params={**anonymous, "institution": "etat-p147"})
    assert published.status_code == 200, published.text
    rows = csv_rows(published.content)
    assert list(rows[0]) == [
        "nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire",
        "idBeneficiaire", "rnaBeneficiaire", "objet", "montant", "nature", "conditionsVersement",
        "datesPeriodeVersement", "idRAE", "notificationUE", "pourcentageSubvention", "dispositifAide",
    ]  # fmt: skip
    assert len(rows) == 1, "only notified decisions are published"
    [row] = rows
    assert (row["idAttribuant"], row["idBeneficiaire"], row["montant"], row["nature"]) == (
        "13000553100004",
        "73282932000074",
        "7000.01",
        "aide en numéraire",
    )
    assert (row["referenceDecision"], row["objet"], row["notificationUE"]) == (
        "DA20250001-1",
        "Ateliers de quartier",
        "non",
    )
    assert row["dateConvention"] == "2025-03-14"
    no_siret = await gateway.get(f"{API}/open-data/subventions.csv", params={**anonymous, "institution": "cua"})
    assert no_siret.status_code == 409
    unknown = await gateway.get(f"{API}/open-data/subventions.csv", params={**anonymous, "institution": "nobody"})
    assert unknown.status_code == 404

    totals = await gateway.get(f"{API}/open-data/programmation-totals", params=anonymous)
    assert totals.status_code == 200, totals.text
    by_financer = {item["key"]: item for item in totals.json()["byFinancer"]}
    assert by_financer["etat-p147"]["decided"] == "7000.01", by_financer
    assert totals.json()["figures"]["applications"] == 1, "the submitted application is not published"
    assert granted
