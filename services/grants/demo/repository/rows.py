"""The rows of the demo programmation, built from the generator's actions (all fictitious but the
contract's envelope and targets: domain.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from services.grants.applications.domain.financing import ActKind, LineDecision, Opinion, Outcome
from services.grants.applications.domain.workflow import State
from services.grants.applications.models import ActionRow, ApplicationRow, BudgetLineRow, FinancingLineRow
from services.grants.conventions.domain import ConventionKind, ConventionStatus
from services.grants.conventions.models import (
    ConventionAmountRow,
    ConventionApplicationRow,
    ConventionRow,
    IndicatorRow,
    IndicatorValueRow,
)
from services.grants.demo.domain import (
    DECISION_DATES,
    FICTITIOUS,
    NOTIFIED_ON,
    SUMMER_NOTIFIED_ON,
    DemoApplication,
    DemoOperator,
    demo_id,
    reached,
    reported,
)
from services.grants.operators.domain import OperatorProfile
from services.grants.operators.models import OperatorRow
from services.grants.payments.domain import TrancheKind, TrancheStatus
from services.grants.payments.models import TrancheRow
from services.grants.reports.domain import ReportStatus
from services.grants.reports.models import ActivityReportRow

CONTRACT = "CV-200033579-2024"
DEMO_ACTOR = "demo-programmation"
CPO_YEARS = (2024, 2026)


def action_row(item: DemoApplication) -> ActionRow:
    return ActionRow(
        action_id=item.action_id,
        contract_code=CONTRACT,
        operator_id=demo_id("operator", item.operator),
        title=item.title,
    )


def tranches_in(rows: list[Any]) -> int:
    return sum(isinstance(row, TrancheRow) for row in rows)


def parents_first(rows: list[Any]) -> list[list[Any]]:
    """The convention rows by generation: the rows name no relationship, so the session does not order them."""
    generations = (ConventionRow, (ConventionApplicationRow, ConventionAmountRow, IndicatorRow), IndicatorValueRow)
    return [[row for row in rows if isinstance(row, kind)] for kind in generations]


def operator_row(operator: DemoOperator) -> OperatorRow:
    return OperatorRow(
        operator_id=operator.operator_id,
        contract_code=CONTRACT,
        nom=operator.nom,
        siret=operator.siret,
        siren=operator.siret[:9],
        legal_form="association",
        code_commune=operator.code_commune,
        profile=OperatorProfile.ASSOCIATION.value,
    )


def notified_on(item: DemoApplication) -> date:
    return (SUMMER_NOTIFIED_ON if item.summer else NOTIFIED_ON)[item.year]


def act(code: str, item: DemoApplication) -> tuple[str, str, date]:
    """The financer's own act: the préfet's arrêté for the P147, a deliberation elsewhere (fictitious)."""
    kind = ActKind.ARRETE if code == "etat-p147" else ActKind.DELIBERATION
    decided_on = notified_on(item) - timedelta(days=18)
    if not item.summer:
        decided_on = DECISION_DATES[item.year]
    batch = "QE" if item.summer else "PV"
    return kind.value, f"{code.upper()}-{item.year}-{batch}-001 (acte fictif de démonstration)", decided_on


def application_rows(item: DemoApplication, call_id: uuid.UUID, objectives: list[uuid.UUID]) -> list[Any]:
    partial = any(line.decided_cents < line.requested_cents for line in item.lines)
    starts, ends = (date(item.year, 7, 1), date(item.year, 8, 31)) if item.summer else (None, None)
    return [
        ApplicationRow(
            application_id=item.application_id,
            action_id=item.action_id,
            call_id=call_id,
            contract_code=CONTRACT,
            operator_id=demo_id("operator", item.operator),
            year=item.year,
            title=item.title,
            description=f"{FICTITIOUS}: action inventée pour la démonstration de la revue annuelle.",
            primary_objective_id=objectives[item.objective % len(objectives)],
            other_objective_ids=[],
            qpv_codes=list(item.qpv_codes),
            codes_communes=list(item.communes),
            # Under the 2.5 % cap: serving a vulnerability zone and no QPV (Draft.hors_qpv). The demo names no
            # official zone (none is validated in territories' demo data): none is counted.
            hors_qpv=False,
            beneficiaries=item.beneficiaries,
            starts_on=starts or date(item.year, 1, 1),
            ends_on=ends or date(item.year, 12, 31),
            previous_application_id=demo_id("application", item.action, item.year - 1) if item.renewal else None,
            multi_year=item.cpo,
            state=State.NOTIFIED.value,
            outcome=(Outcome.PARTIALLY_GRANTED if partial else Outcome.GRANTED).value,
            submitted_at=datetime(
                item.year - 1 if not item.summer else item.year, 11 if not item.summer else 5, 15, tzinfo=UTC
            ),
            notified_on=notified_on(item),
        )
    ]


def money_rows(item: DemoApplication, financers: dict[str, uuid.UUID], committee: uuid.UUID) -> list[Any]:
    """The CERFA budget, each financer's line as its act decided it (proposed by the comité), its payments."""
    rows: list[Any] = []
    requested = sum(line.requested_cents for line in item.lines)
    charges = (requested * 10 // 6) // 100_00 * 100_00
    for position, (account, share) in enumerate([("60", 15), ("61", 10), ("62", 15), ("64", 60)]):
        amount = charges * share // 100 if account != "64" else charges - charges * 40 // 100
        rows.append(
            BudgetLineRow(
                application_id=item.application_id,
                position=position,
                account=account,
                label=f"Charge fictive ({account})",
                amount_cents=amount,
                institution_id=None,
            )
        )
    for position, line in enumerate(item.lines, start=10):
        institution = financers[line.financer]
        rows.append(
            BudgetLineRow(
                application_id=item.application_id,
                position=position,
                account="74",
                label=line.financer,
                amount_cents=line.requested_cents,
                institution_id=institution,
            )
        )
        kind, number, decided_on = act(line.financer, item)
        rows.append(
            FinancingLineRow(
                application_id=item.application_id,
                institution_id=institution,
                contract_code=CONTRACT,
                year=item.year,
                requested_cents=line.requested_cents,
                proposed_cents=line.decided_cents,
                decided_cents=line.decided_cents,
                opinion=Opinion.FAVOURABLE.value,
                decision=LineDecision.GRANTED.value,
                decided_on=decided_on,
                decision_act_kind=kind,
                decision_act_number=number,
                committee_id=committee,
            )
        )
        rows.extend(tranches(item, institution, line.decided_cents, line.financer == "etat-p147"))
    rows.append(
        BudgetLineRow(
            application_id=item.application_id,
            position=30,
            account="70",
            label="Participations et ventes (fictif)",
            amount_cents=charges - requested,
            institution_id=None,
        )
    )
    return rows


def tranches(item: DemoApplication, institution: uuid.UUID, decided: int, state: bool) -> list[TrancheRow]:
    """2024 paid in one go; 2025: the State's advance paid (half), its balance planned after the report."""
    paid_on = notified_on(item) + timedelta(days=45)

    def tranche(position: int, kind: TrancheKind, amount: int, planned_on: date, paid: bool) -> TrancheRow:
        return TrancheRow(
            tranche_id=demo_id("tranche", item.application_id, institution, position),
            application_id=item.application_id,
            institution_id=institution,
            position=position,
            kind=kind.value,
            planned_cents=amount,
            planned_on=planned_on,
            status=(TrancheStatus.PAID if paid else TrancheStatus.PLANNED).value,
            paid_cents=amount if paid else None,
            paid_on=planned_on if paid else None,
            overridden_gates=[],
        )

    if item.year == 2024:
        return [tranche(0, TrancheKind.SINGLE, decided, paid_on, True)]
    if not state:
        return [tranche(0, TrancheKind.SINGLE, decided, paid_on, False)]
    advance = decided // 2
    return [
        tranche(0, TrancheKind.ADVANCE, advance, paid_on, True),
        tranche(1, TrancheKind.BALANCE, decided - advance, date(2026, 3, 31), False),
    ]


def in_qpv(counted: dict[str, int]) -> int:
    return counted["total"] * counted["share_in_qpv_percent"] // 100


def convention_rows(first: DemoApplication, items: list[DemoApplication], financers: dict[str, uuid.UUID]) -> list[Any]:
    """A CPO 2024-2026 per action under CPO: the years it carries, its amounts by financer (2026 planned as
    2025), one indicator with targets and its 2024 value from the activity report (all fictitious)."""
    convention_id = demo_id("convention", first.action)
    last = items[-1]
    rows: list[Any] = [
        ConventionRow(
            convention_id=convention_id,
            contract_code=CONTRACT,
            operator_id=demo_id("operator", first.operator),
            reference=f"CPO-DEMO-{first.action + 1:03d} (fictive)",
            kind=ConventionKind.MULTI_YEAR.value,
            first_year=CPO_YEARS[0],
            last_year=CPO_YEARS[1],
            signed_on=date(2024, 4, 15),
            status=ConventionStatus.SIGNED.value,
        )
    ]
    for item in items:
        rows.append(
            ConventionApplicationRow(convention_id=convention_id, year=item.year, application_id=item.application_id)
        )
    for year, item in [(2024, items[0]), (2025, last), (2026, last)]:
        for line in item.lines:
            rows.append(
                ConventionAmountRow(
                    convention_id=convention_id,
                    year=year,
                    institution_id=financers[line.financer],
                    amount_cents=line.decided_cents,
                )
            )
    indicator_id = demo_id("indicator", first.action)
    expected = in_qpv(first.beneficiaries)
    rows.append(
        IndicatorRow(
            indicator_id=indicator_id,
            convention_id=convention_id,
            position=0,
            code="participants-qpv",
            label="Participants habitant un QPV (indicateur fictif de démonstration)",
            unit="personnes",
            baseline=Decimal(expected * 8 // 10),
            targets={str(year): str(expected + step * expected // 10) for step, year in enumerate(range(2024, 2027))},
        )
    )
    if reported(first):
        rows.append(
            IndicatorValueRow(
                indicator_id=indicator_id,
                year=2024,
                value=Decimal(in_qpv(reached(first))),
                source=f"Bilan 2024 — {FICTITIOUS}",
                declared_by=DEMO_ACTOR,
                declared_at=datetime(2025, 3, 31, tzinfo=UTC),
            )
        )
    return rows


def report_row(item: DemoApplication) -> ActivityReportRow:
    return ActivityReportRow(
        application_id=item.application_id,
        summary=f"Bilan d'activité {item.year} — {FICTITIOUS}",
        results="Résultats inventés pour la démonstration.",
        difficulties=None,
        outlook=None,
        beneficiaries=reached(item),
        located=None,
        status=ReportStatus.ACCEPTED.value,
        submitted_at=datetime(item.year + 1, 2, 28, tzinfo=UTC),
        reviewed_by=DEMO_ACTOR,
        review_comment="Bilan fictif de démonstration.",
    )
