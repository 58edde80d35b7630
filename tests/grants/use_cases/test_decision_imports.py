"""Decision imports' use cases on the real database, in a transaction rolled back at the test's end: a file
of the prefecture's decisions matched line by line, reported (dry run) or applied all at once with its batch
kept, divergences and unmatched lines left to a person, every bad line named and nothing half-imported."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from identity.principal import Role
from services.grants.applications.domain.financing import ActKind, DecisionAct, Outcome
from services.grants.applications.domain.workflow import State, Transition
from services.grants.applications.use_cases.access import get_application
from services.grants.applications.use_cases.financing import decide_line
from services.grants.applications.use_cases.workflow import move
from services.grants.errors import NotEditableError, NotFoundError, RulesBrokenError, RuleViolationError
from services.grants.exchange.domain.decisions import Change, LineStatus
from services.grants.exchange.repository.decisions import DecisionRepository
from services.grants.exchange.use_cases.decision_imports import (
    ImportReport,
    check_decisions_file,
    get_aliases,
    get_import,
    import_decisions,
    resolve_line,
    set_aliases,
)
from services.grants.programmation.domain.tables import ProgrammationFilter
from tests.grants.use_cases.records import (
    NOW,
    Year,
    act_of,
    audit_trail,
    budgeted,
    kept_and_computed,
    notified,
    person,
    submitted,
)
from tests.grants.use_cases.test_decision_files import XLSX, workbook

CSV = "text/csv"
OUR_EXPORT = "numero_dossier_dauphin;siret;exercice;intitule_action;montant_decide_p147;decision_p147;chorus_ej"


def decisions_csv(header: str, *lines: str) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


async def state_line(year: Year, application: uuid.UUID) -> tuple[int | None, str | None, date | None, str | None]:
    """The State's line of the application as the imports see it: (decided, decision, decided on, Chorus EJ)."""
    async with year.uow.reading():
        repository = DecisionRepository(year.uow.session)
        held = await repository.held_one(year.contract, application, year.institutions["etat-p147"])
    assert held is not None
    return held.decided_cents, held.decision, held.decided_on, held.chorus_commitment


async def imported(year: Year, content: bytes, *, dry_run: bool = False, media_type: str = CSV) -> ImportReport:
    return await import_decisions(year.uow, year.state, year.contract, content, media_type, "decisions.csv", dry_run)


async def three_applications(year: Year) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """One notified (7,000.01 € decided by the State, Dauphin DA20250001-1), one submitted under a Dauphin
    number, one submitted by the other operator without one."""
    granted = await notified(year, dauphin_number="DA20250001-1")
    waiting = await submitted(year, title="Chantiers jeunes", dauphin_number="DA20250002-1")
    unnumbered = await submitted(year, year.other_operator, title="Café des parents")
    return granted, waiting, unnumbered


def edited_export(year: Year) -> bytes:
    """Our export as the prefecture sends it back: a divergent amount, a decision, a line found by its SIRET."""
    return decisions_csv(
        OUR_EXPORT,
        "DA20250001-1;73282932000074;2025;Ateliers de quartier;6500.00;;",
        "DA20250002-1;73282932000074;2025;Chantiers jeunes;5000;Votée;2103814945",
        ";35600000049837;2025;Café des parents;3000.50;;",
    )


async def test_a_dry_run_reports_what_each_line_would_change_and_writes_nothing(year: Year) -> None:
    granted, waiting, unnumbered = await three_applications(year)
    report = await imported(year, edited_export(year), dry_run=True)
    assert (report.batch_id, report.dry_run, report.already_imported) == (None, True, False)
    assert report.columns == {
        "dauphin_number": "numero_dossier_dauphin",
        "siret": "siret",
        "year": "exercice",
        "title": "intitule_action",
        "decided_amount": "montant_decide_p147",
        "decision": "decision_p147",
        "chorus_commitment": "chorus_ej",
    }
    by_application = {line.application_id: line for line in report.lines}
    assert by_application[granted].status is LineStatus.DIVERGENT
    assert by_application[granted].changes == [Change("decided_amount", 700_001, 650_000, divergent=True)]
    assert (by_application[waiting].status, by_application[waiting].matched_by) == (
        LineStatus.APPLIED,
        "dauphin_number",
    )
    assert by_application[waiting].changes == [
        Change("decided_amount", None, 500_000, divergent=False),
        Change("decision", None, "granted", divergent=False),
        Change("chorus_commitment", None, "2103814945", divergent=False),
    ]
    assert (by_application[unnumbered].status, by_application[unnumbered].matched_by) == (
        LineStatus.APPLIED,
        "siret_year_title",
    )
    assert report.counts() == {"divergent": 1, "applied": 2}
    assert await state_line(year, waiting) == (None, None, None, None)


async def test_an_import_sets_what_we_lack_never_a_divergence_and_keeps_its_batch_once(year: Year) -> None:
    granted, waiting, unnumbered = await three_applications(year)
    version = (await get_application(year.uow, year.pilot, waiting)).application.version
    report = await imported(year, edited_export(year))
    assert report.batch_id is not None
    assert report.counts() == {"divergent": 1, "applied": 2}
    assert await state_line(year, waiting) == (500_000, "granted", None, "2103814945")
    assert await state_line(year, unnumbered) == (300_050, "granted", None, None)
    assert (await state_line(year, granted))[0] == 700_001, "a divergence is never overwritten"
    assert (await get_application(year.uow, year.pilot, waiting)).application.version == version + 1
    kept, computed = await kept_and_computed(year, ProgrammationFilter(contract_code=year.contract, year=2025))
    assert kept == computed, "the import's one statement kept the programmation's sums"
    async with year.uow.reading():
        batch = await DecisionRepository(year.uow.session).batch(report.batch_id)
    assert batch is not None
    assert (batch.imported_at, batch.imported_by, batch.file_name) == (NOW, year.state.subject, "decisions.csv")
    stored = await get_import(year.uow, year.pilot, report.batch_id)
    assert [(line.line, line.status, line.application_id) for line in stored.lines] == [
        (line.line, line.status, line.application_id) for line in report.lines
    ]
    assert await audit_trail(year.uow, str(report.batch_id)) == [("decisions.imported", None)]

    again = await imported(year, edited_export(year))
    assert (again.already_imported, again.batch_id) == (True, report.batch_id), "the same file is imported once"
    rewritten = await imported(year, edited_export(year).replace(b"\n", b"\r\n"), dry_run=True)
    assert {line.status for line in rewritten.lines} == {LineStatus.DIVERGENT, LineStatus.UNCHANGED}


async def test_a_divergence_waits_for_a_person_who_applies_it_or_keeps_ours_with_a_reason(year: Year) -> None:
    first = await notified(year, dauphin_number="DA20250001-1")
    second = await notified(year, title="Chantiers jeunes", dauphin_number="DA20250002-1")
    report = await imported(year, decisions_csv(OUR_EXPORT, "DA20250001-1;;;;6500;;", "DA20250002-1;;;;6800;;"))
    assert [line.status for line in report.lines] == [LineStatus.DIVERGENT, LineStatus.DIVERGENT]
    batch = report.batch_id
    assert batch is not None
    applied = await resolve_line(year.uow, year.state, batch, 1, True, None, "Arrêté modificatif du 3 mars")
    assert (applied.status, await state_line(year, first)) == (
        LineStatus.RESOLVED_APPLIED,
        (650_000, "granted", NOW.date(), None),  # the day of the State's arrêté, which the file does not give
    )
    kept = await resolve_line(year.uow, year.state, batch, 2, False, None, "Erreur de saisie de la préfecture")
    assert (kept.status, (await state_line(year, second))[0]) == (LineStatus.RESOLVED_KEPT, 700_001)
    with pytest.raises(NotEditableError):
        await resolve_line(year.uow, year.state, batch, 1, False, None, "x")
    with pytest.raises(NotFoundError):
        await resolve_line(year.uow, year.state, batch, 3, True, None, "x")
    assert await audit_trail(year.uow, f"{batch}/1") == [
        ("decisions.line_resolved_applied", "Arrêté modificatif du 3 mars")
    ]
    stored = await get_import(year.uow, year.state, batch)
    assert [line.status for line in stored.lines] == [LineStatus.RESOLVED_APPLIED, LineStatus.RESOLVED_KEPT]


async def test_an_unmatched_line_waits_for_a_person_to_match_it_to_an_application_of_its_year(year: Year) -> None:
    waiting = await submitted(year, title="Chantiers jeunes", dauphin_number="DA20250002-1")
    content = decisions_csv(
        "Code SIRET;Exercice;Intitulé;Montant voté;Date de décision",
        "73282932000074;2025;Chantiers éducatifs (jeunes);4200;2025-02-10",
    )
    report = await imported(year, content)
    assert report.batch_id is not None
    (line,) = report.lines
    assert (line.status, line.application_id) == (LineStatus.UNMATCHED, None)
    with pytest.raises(RuleViolationError) as unnamed:
        await resolve_line(year.uow, year.state, report.batch_id, 1, True, None, "Intitulé abrégé")
    assert unnamed.value.rule == "required"
    with pytest.raises(RuleViolationError) as elsewhere:
        await resolve_line(year.uow, year.state, report.batch_id, 1, True, uuid.uuid4(), "Intitulé abrégé")
    assert elsewhere.value.rule == "application-of-year"
    matched = await resolve_line(year.uow, year.state, report.batch_id, 1, True, waiting, "Intitulé abrégé")
    assert (matched.status, matched.matched_by, matched.application_id) == (LineStatus.APPLIED, "manual", waiting)
    assert await state_line(year, waiting) == (420_000, "granted", date(2025, 2, 10), None)


async def test_every_bad_line_is_named_and_nothing_is_half_imported(year: Year) -> None:
    first = await submitted(year, title="Chantiers jeunes", dauphin_number="DA20250002-1")
    await submitted(year, title="Chantiers jeunes bis", dauphin_number="DA20250002-2")
    await budgeted(year, title="Pas encore déposé", dauphin_number="DA20250004-1")
    withdrawn = await submitted(year, title="Retiré", dauphin_number="DA20250005-1")
    await move(year.uow, year.operator, withdrawn, Transition.WITHDRAW, "L'association renonce")
    content = decisions_csv(
        "numero_dossier_dauphin;siret;montant_decide_p147;date_decision",
        "DA20250002-1;73282932000074;1 234,56;2025-02-10",
        "DA20250002-1;73282932000074;1234,56;2025-02-10",
        "DA20250002-2;73282932000074;1234.56;10/02/2025",
        "DA20250002-2;73282932000075;1234.56;2025-02-10",
        "20250002;;100;2025-02-10",
        "DA20250002-1;;100;2025-02-10",
        "DA20250004-1;;100;2025-02-10",
        "DA20250005-1;;100;2025-02-10",
    )
    dry = await imported(year, content, dry_run=True)
    errors = {line.row: [(error.field, error.rule) for error in line.errors] for line in dry.lines}
    assert errors == {
        2: [("decided_amount", "no-thousands-separator")],
        3: [("decided_amount", "dot-decimal"), ("line", "duplicate-row")],
        4: [("decision_date", "iso-date")],
        5: [("siret", "siret-key"), ("line", "duplicate-row")],
        6: [("dauphin_number", "ambiguous-match")],
        7: [("line", "duplicate-row")],
        8: [("application", "state-line")],
        9: [("application", "not-decidable")],
    }
    with pytest.raises(RulesBrokenError) as refused:
        await imported(year, content)
    named = {(broken.field, broken.rule) for broken in refused.value.broken}
    assert ("lines/1/decided_amount", "no-thousands-separator") in named
    assert ("lines/6/line", "duplicate-row") in named
    assert "line 2: " in str(refused.value), "each error says where it is in the file"
    assert await state_line(year, first) == (None, None, None, None)
    over = await imported(
        year, decisions_csv("numero_dossier_dauphin;montant_decide_p147", "DA20250002-2;9000"), dry_run=True
    )
    assert [(error.field, error.rule) for error in over.lines[0].errors] == [("decided_amount", "within-requested")]


async def test_a_contracts_own_header_spellings_are_read_before_the_defaults(year: Year) -> None:
    waiting = await submitted(year, title="Chantiers jeunes", dauphin_number="DA20250002-1")
    with pytest.raises(RuleViolationError) as unknown:
        await set_aliases(year.uow, year.state, year.contract, {"montant": ["Colonne B"]})
    assert (unknown.value.field, unknown.value.rule) == ("aliases/montant", "known-field")
    content = workbook(("Décisions", [["Colonne A", "Colonne B"], ["DA20250002-1", 2500.5]]))
    with pytest.raises(RuleViolationError) as unreadable:
        await check_decisions_file(year.uow, year.state, year.contract, content, XLSX)
    assert unreadable.value.rule == "unknown-column-set"
    spellings = {"decided_amount": ["Colonne B"], "dauphin_number": ["Colonne A"]}
    assert await set_aliases(year.uow, year.state, year.contract, spellings) == spellings
    assert await get_aliases(year.uow, year.pilot, year.contract) == spellings
    await check_decisions_file(year.uow, year.state, year.contract, content, XLSX)
    report = await imported(year, content, media_type=XLSX)
    assert report.columns == {"dauphin_number": "Colonne A", "decided_amount": "Colonne B"}
    assert (await state_line(year, waiting))[:2] == (250_050, "granted")


async def test_a_contract_is_imported_into_only_by_those_who_work_on_it_and_needs_a_state_financer(
    year: Year,
) -> None:
    stranger = person("CV-AUTRE", Role.STATE, "etat-p147")
    content = edited_export(year)
    for refused in (
        check_decisions_file(year.uow, stranger, year.contract, content, CSV),
        import_decisions(year.uow, stranger, year.contract, content, CSV, None, True),
        get_aliases(year.uow, stranger, year.contract),
        set_aliases(year.uow, stranger, year.contract, {}),
    ):
        with pytest.raises(NotFoundError):
            await refused
    report = await imported(year, decisions_csv(OUR_EXPORT, "DA20250009-1;;;;100;;"))
    assert report.batch_id is not None
    with pytest.raises(NotFoundError):
        await get_import(year.uow, stranger, report.batch_id)
    elsewhere = person("CV-SANS-ETAT", Role.STATE, "etat-p147")
    with pytest.raises(NotEditableError):
        await import_decisions(year.uow, elsewhere, "CV-SANS-ETAT", content, CSV, None, True)


async def test_the_states_file_is_its_act_and_decides_an_application_whose_other_financers_have(year: Year) -> None:
    proposed = await submitted(year, title="Chantiers jeunes", dauphin_number="DA20250002-1")
    for transition in (Transition.DECLARE_RECEIVABLE, Transition.INSTRUCT):
        await move(year.uow, year.state, proposed, transition, None)
    await move(year.uow, year.pilot, proposed, Transition.PROPOSE, None)
    await decide_line(year.uow, year.pilot, proposed, year.institutions["cua"], act_of("cua", 400_000, NOW.date()))
    waiting = await get_application(year.uow, year.pilot, proposed)
    assert waiting.application.state is State.PROPOSED, "the State has not decided yet"
    report = await imported(year, decisions_csv(OUR_EXPORT, "DA20250002-1;;;;5000;Votée;2103814945"))
    assert [line.status for line in report.lines] == [LineStatus.APPLIED]
    decided = await get_application(year.uow, year.pilot, proposed)
    assert (decided.application.state, decided.application.outcome) == (State.DECIDED, Outcome.PARTIALLY_GRANTED)
    state = next(item.line for item in decided.lines if item.institution.code == "etat-p147")
    assert (state.decided_cents, state.act, state.chorus_commitment) == (
        500_000,
        DecisionAct(ActKind.DAUPHIN_DECISION, None, None),
        "2103814945",
    )
    assert (decided.events[-1].transition, decided.events[-1].reason) == (
        Transition.DECIDE,
        "décision de l'État (fichier de décisions)",
    )
