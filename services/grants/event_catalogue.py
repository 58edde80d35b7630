"""Which event each audited action of grants publishes (or why none), and where each record's contract and
related ids are read: the catalogue the ledger applies to every write (kit/outbox.py)."""

from __future__ import annotations

from kit.outbox import EventCatalogue, EventType, Silent, SubjectSource

APPLICATION_MOVES = (
    "declare_receivable",
    "declare_not_receivable",
    "instruct",
    "request_correction",
    "propose",
    "decide",
    "notify",
    "withdraw",
    "reopen",
)
CONVENTION_CHANGES = (
    "convention.suspend",
    "convention.resume",
    "convention.terminate",
    "convention.application_attached",
    "convention.year_renewed",
    "convention.indicators_defined",
    "convention.indicator_value_declared",
)
REPORTS = ("financial_report", "activity_report")
LINE_STATUSES = ("applied", "unchanged", "divergent", "unmatched", "error", "resolved_applied", "resolved_kept")
REVIEWS = ("accept", "return")

APPLICATION_CHANGED = EventType("application.changed")
CONVENTION_CHANGED = EventType("convention.changed")
REPORT_REVIEWED = EventType("report.reviewed")
REPORT_SUBMITTED = EventType("report.submitted")

EVENTS: dict[str, EventType] = {
    "application.created": EventType("application.created"),
    "application.updated": APPLICATION_CHANGED,
    "application.budget_replaced": APPLICATION_CHANGED,
    "application.submit": EventType("application.submitted"),
    **{f"application.{move}": EventType("application.state_changed") for move in APPLICATION_MOVES},
    "financing_line.set": EventType("financing_line.changed"),
    "financing_line.asked_again": EventType("financing_line.changed"),
    "financing_line.agreed": EventType("financing_line.changed"),
    "financing_line.decided": EventType("financing_line.decided"),
    "decisions.imported": EventType("decisions.imported"),
    "requests.imported": EventType("requests.imported"),
    **{f"decisions.line_{status}": EventType("decision_line.resolved") for status in LINE_STATUSES},
    "call.opened": EventType("call.opened"),
    "call.updated": EventType("call.changed"),
    "portfolio_rules.set": EventType("call.changed"),
    "convention.created": EventType("convention.created"),
    "convention.sign": EventType("convention.signed"),
    "convention.amended": EventType("convention.amended"),
    "convention.final_evaluation": EventType("convention.evaluated"),
    **dict.fromkeys(CONVENTION_CHANGES, CONVENTION_CHANGED),
    "framework.replaced": EventType("framework.replaced"),
    "signatory.registered": EventType("signatory.registered"),
    "contract_indicator.defined": EventType("contract_indicator.defined"),
    "contract_indicator.value_set": EventType("contract_indicator.changed"),
    "engagement_sheet.created": EventType("engagement_sheet.created"),
    "engagement_sheet.updated": EventType("engagement_sheet.updated"),
    "programme.created": EventType("programme.created"),
    **dict.fromkeys(("programme.updated", "programme.year_set"), EventType("programme.updated")),
    "institution.registered": EventType("institution.registered"),
    "operator.registered": EventType("operator.registered"),
    "operator.updated": EventType("operator.changed"),
    "tranches.planned": EventType("tranches.planned"),
    "tranche.paid": EventType("tranche.paid"),
    "tranche.failed": EventType("tranche.failed"),
    "tranche.reissued": EventType("tranche.reissued"),
    "envelope.set": EventType("envelope.set"),
    "scenario.created": EventType("scenario.created"),
    "scenario.amounts_set": EventType("scenario.changed"),
    "scenario.frozen": EventType("scenario.frozen"),
    **{f"{kind}.submitted": REPORT_SUBMITTED for kind in REPORTS},
    "activity_report.located": REPORT_SUBMITTED,
    # Announced once by the daily scheduled job (gateway/schedules.py), when the report falls due unsent.
    "financial_report.overdue": EventType("report.overdue"),
    **{f"{kind}.{review}": REPORT_REVIEWED for kind in REPORTS for review in REVIEWS},
}
INSTRUCTION = Silent("an instructor's working notes and marks: the instruction's own, read by instructors only")
SILENT: dict[str, Silent] = {
    "application.marked": INSTRUCTION,
    "annotation.added": INSTRUCTION,
    "scoring_grid.published": Silent("a financer's scoring grid: a tool of its instructors, no record partners follow"),
    "decision_aliases.set": Silent("a contract's header aliases for decision files: the import's configuration"),
    "financing_line.withdrawn": Silent(
        "a line the budget submitted no longer asks, deleted with it: its event could name no contract (no row "
        "is left to read it from); the application's own event (application.submitted) says to read it again"
    ),
    "programmation_sums.rebuilt": Silent(
        "the programmation's kept sums set back to what its applications give: no application nor line changed"
    ),
    "programmation_items.rewritten": Silent(
        "the programmation's kept items set back to what their applications give: no application changed"
    ),
}
APPLICATION = SubjectSource("applications", ("application_id",), related={"operator_id": "operatorId"})
SUBJECTS: dict[str, SubjectSource] = {
    "application": APPLICATION,
    "financing_line": SubjectSource(
        "financing_lines",
        ("application_id", "institution_id"),
        related={"application_id": "applicationId", "institution_id": "institutionId"},
        parent=("application", "application_id"),
    ),
    "tranche": SubjectSource(
        "tranches",
        ("tranche_id",),
        contract=None,
        related={"application_id": "applicationId", "institution_id": "institutionId"},
        parent=("application", "application_id"),
    ),
    "convention": SubjectSource("conventions", ("convention_id",), related={"operator_id": "operatorId"}),
    "operator": SubjectSource("operators", ("operator_id",), related={"operator_id": "operatorId"}),
    "call_for_projects": SubjectSource("calls_for_projects", ("call_id",)),
    "scenario": SubjectSource("scenarios", ("scenario_id",)),
    "institution": SubjectSource("institutions", ("institution_id",), related={"institution_id": "institutionId"}),
    "envelope": SubjectSource(
        "envelopes",
        ("envelope_id",),
        contract=None,
        related={"institution_id": "institutionId"},
        parent=("institution", "institution_id"),
    ),
    "decision_import": SubjectSource("decision_imports", ("batch_id",)),
    "request_import": SubjectSource("request_imports", ("batch_id",)),
    "strategic_framework": SubjectSource.of_contract(),
    "contract_indicator": SubjectSource("contract_indicators", ("indicator_id",)),
    "signatory": SubjectSource("signatories", ("signatory_id",), related={"signatory_id": "signatoryId"}),
    "engagement_sheet": SubjectSource("engagement_sheets", ("sheet_id",), related={"signatory_id": "signatoryId"}),
    "connected_programme": SubjectSource("connected_programmes", ("programme_id",)),
}
CATALOGUE = EventCatalogue(EVENTS, SILENT, SUBJECTS)
