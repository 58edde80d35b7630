"""The portfolio rules a what-if scenario is checked against, live, before the comité des financeurs meets,
and frozen by: one function (`freeze_check`) for the check and the freeze."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from services.grants.applications.domain.workflow import State
from services.grants.errors import spaced
from services.grants.framework.domain import Pillar


@dataclass(frozen=True, slots=True)
class PortfolioRules:
    # The circulaire du 31 août 2023 (the contract, ../shared/seeds/002…txt, lines 190 and 847): at most
    # 2.5 % of the departmental P147 envelope for actions serving vulnerability zones and no QPV (an action
    # held outside a QPV for QPV residents serves QPVs and is not counted).
    hors_qpv_cap: Decimal = Decimal("0.025")
    # Renewed actions' P147 credits may decrease year after year (the contract, line 1347); the rate is local.
    degressivity_rate: Decimal = Decimal("0")
    # "90 actions annuelles, 30 % d'actions nouvelles" (the contract, line 1415).
    new_actions_target: Decimal = Decimal("0.30")
    # The cohésion sociale pillar holds 50 % of the envelope (the contract, line 1427).
    cohesion_target: Decimal = Decimal("0.50")


@dataclass(frozen=True, slots=True)
class Envelope:
    """What one financer puts into one call; stored envelopes have an id."""

    institution_id: uuid.UUID
    amount_cents: int
    departmental_cents: int | None = None  # the departmental P147 envelope the 2.5 % cap applies to
    envelope_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class ApplicationFacts:
    application_id: uuid.UUID
    title: str
    requested: dict[uuid.UUID, int]
    hors_qpv: bool  # serves vulnerability zones and no QPV (applications' Draft.hors_qpv)
    renewal: bool
    previous_p147_cents: int | None
    pillar: Pillar | None


# Each finding's words, its figures named: the API says these; the programmation's export words the same
# figures in French (services/grants/exchange/domain/french.py). A rule may be worded two ways.
FINDING_WORDS = {
    "within-requested": "{title}: {proposed} proposed by {financer} > {requested} requested",
    "degressivity": "{title}: P147 {proposed} > {ceiling} ({previous} last year less {rate})",
    "within-envelope": "{financer}: {used} proposed > envelope {envelope} (over by {over})",
    "hors-qpv-cap": ("vulnerability zones (no QPV) share {share} > {cap} cap: {hors_qpv} of {departmental}"),
    "hors-qpv-cap-unchecked": (
        "no departmental P147 envelope is set: the 2.5 % cap on vulnerability zones (no QPV) cannot be checked"
    ),
    "new-actions-share": "new actions {new} of {funded} ({share}) < target {target}",
    "cohesion-share": "cohésion sociale {cohesion} of P147 {p147} ({share}) < target {target}",
    "application-proposed": "{title} is {state}, not proposed",
    "programmed-once": "{title}: a comité des financeurs programmed it already",
}


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    wording: str  # its words in FINDING_WORDS
    figures: Mapping[str, str] = field(default_factory=dict)
    application_id: uuid.UUID | None = None

    @property
    def message(self) -> str:
        return FINDING_WORDS[self.wording].format_map(self.figures)


def _finding(rule: str, application_id: uuid.UUID | None = None, wording: str | None = None, **figures: str) -> Finding:
    return Finding(rule, wording or rule, figures, application_id)


@dataclass(slots=True)
class PortfolioCheck:
    consumption: dict[uuid.UUID, tuple[int, int | None]] = field(default_factory=dict)  # used, envelope
    p147_total_cents: int = 0
    hors_qpv_cents: int = 0
    hors_qpv_base_cents: int | None = None
    funded_actions: int = 0
    new_actions: int = 0
    cohesion_cents: int = 0
    co_financing_cents: int = 0
    blocking: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def leverage(self) -> Decimal | None:
        """Co-financing per euro of P147: "l'effet levier des crédits spécifiques (BOP 147) doit être garanti"
        (the contract, line 1363)."""
        if not self.p147_total_cents:
            return None
        return (Decimal(self.co_financing_cents) / Decimal(self.p147_total_cents)).quantize(Decimal("0.01"))

    @property
    def hors_qpv_share(self) -> str | None:
        """Of the departmental P147 envelope (None while it is not set)."""
        return percent(self.hors_qpv_cents, self.hors_qpv_base_cents) if self.hors_qpv_base_cents else None

    @property
    def new_actions_share(self) -> str | None:
        return percent(self.new_actions, self.funded_actions) if self.funded_actions else None

    @property
    def cohesion_share(self) -> str | None:
        """Of the P147 credits."""
        return percent(self.cohesion_cents, self.p147_total_cents) if self.p147_total_cents else None


def percent(part: int, whole: int) -> str:
    if not whole:
        return "0 %"
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value} %".replace(".", ",")


def _rate(rate: Decimal) -> str:
    return f"{format((rate * 100).normalize(), 'f')} %"


def check_portfolio(
    amounts: dict[tuple[uuid.UUID, uuid.UUID], int],
    applications: dict[uuid.UUID, ApplicationFacts],
    envelopes: dict[uuid.UUID, Envelope],
    names: dict[uuid.UUID, str],
    p147: uuid.UUID | None,
    rules: PortfolioRules,
) -> PortfolioCheck:
    """`amounts`: (application, financer) → proposed cents in the scenario."""
    check = PortfolioCheck()
    used: dict[uuid.UUID, int] = defaultdict(int)
    funded: set[uuid.UUID] = set()
    for (application_id, institution_id), cents in sorted(amounts.items(), key=lambda item: str(item[0])):
        facts = applications[application_id]
        used[institution_id] += cents
        requested = facts.requested.get(institution_id, 0)
        if cents > requested:
            check.blocking.append(
                _finding(
                    "within-requested",
                    application_id,
                    title=facts.title,
                    proposed=spaced(cents),
                    financer=names.get(institution_id, "?"),
                    requested=spaced(requested),
                )
            )
        if cents > 0:
            funded.add(application_id)
        if institution_id == p147:
            check.p147_total_cents += cents
            if facts.hors_qpv:
                check.hors_qpv_cents += cents
            if facts.pillar is Pillar.COHESION_SOCIALE:
                check.cohesion_cents += cents
            if facts.renewal and facts.previous_p147_cents is not None and rules.degressivity_rate > 0:
                ceiling = int(Decimal(facts.previous_p147_cents) * (1 - rules.degressivity_rate))
                if cents > ceiling:
                    check.warnings.append(
                        _finding(
                            "degressivity",
                            application_id,
                            title=facts.title,
                            proposed=spaced(cents),
                            ceiling=spaced(ceiling),
                            previous=spaced(facts.previous_p147_cents),
                            rate=_rate(rules.degressivity_rate),
                        )
                    )
        else:
            check.co_financing_cents += cents
    for institution_id in sorted(set(used) | set(envelopes), key=str):
        envelope = envelopes.get(institution_id)
        check.consumption[institution_id] = (used.get(institution_id, 0), envelope.amount_cents if envelope else None)
        if envelope is not None and used.get(institution_id, 0) > envelope.amount_cents:
            over = used[institution_id] - envelope.amount_cents
            check.blocking.append(
                _finding(
                    "within-envelope",
                    financer=names.get(institution_id, "?"),
                    used=spaced(used[institution_id]),
                    envelope=spaced(envelope.amount_cents),
                    over=spaced(over),
                )
            )
    departmental = envelopes[p147].departmental_cents if p147 in envelopes else None
    check.hors_qpv_base_cents = departmental
    if departmental is not None:
        cap = int(Decimal(departmental) * rules.hors_qpv_cap)
        if check.hors_qpv_cents > cap:
            check.blocking.append(
                _finding(
                    "hors-qpv-cap",
                    share=percent(check.hors_qpv_cents, departmental),
                    cap=percent(cap, departmental),
                    hors_qpv=spaced(check.hors_qpv_cents),
                    departmental=spaced(departmental),
                )
            )
    elif check.hors_qpv_cents:
        check.warnings.append(_finding("hors-qpv-cap", wording="hors-qpv-cap-unchecked"))
    check.funded_actions = len(funded)
    check.new_actions = sum(1 for item in funded if not applications[item].renewal)
    if funded and Decimal(check.new_actions) / len(funded) < rules.new_actions_target:
        check.warnings.append(
            _finding(
                "new-actions-share",
                new=str(check.new_actions),
                funded=str(len(funded)),
                share=percent(check.new_actions, len(funded)),
                target=_rate(rules.new_actions_target),
            )
        )
    if check.p147_total_cents and Decimal(check.cohesion_cents) / check.p147_total_cents < rules.cohesion_target:
        check.warnings.append(
            _finding(
                "cohesion-share",
                cohesion=spaced(check.cohesion_cents),
                p147=spaced(check.p147_total_cents),
                share=percent(check.cohesion_cents, check.p147_total_cents),
                target=_rate(rules.cohesion_target),
            )
        )
    return check


@dataclass(frozen=True, slots=True)
class Readiness:
    """Where an application of a scenario stands for the comité: its state, and whether a comité
    programmed it already."""

    title: str
    state: State
    programmed: bool


def readiness_findings(applications: Mapping[uuid.UUID, Readiness]) -> list[Finding]:
    """The comité programmes proposed applications (the pilots' "propose" move ends their instruction),
    each once (its agreed amounts are the financers' proposals, then decided by each financer)."""
    findings = []
    for application_id, item in sorted(applications.items(), key=lambda entry: (entry[1].title, str(entry[0]))):
        if item.state is not State.PROPOSED:
            findings.append(_finding("application-proposed", application_id, title=item.title, state=item.state.value))
        elif item.programmed:
            findings.append(_finding("programmed-once", application_id, title=item.title))
    return findings


def freeze_check(
    amounts: dict[tuple[uuid.UUID, uuid.UUID], int],
    applications: dict[uuid.UUID, ApplicationFacts],
    envelopes: dict[uuid.UUID, Envelope],
    names: dict[uuid.UUID, str],
    p147: uuid.UUID | None,
    rules: PortfolioRules,
    readiness: Mapping[uuid.UUID, Readiness] | None,
) -> PortfolioCheck:
    """The rules a scenario is checked against and frozen by, one function for both: the portfolio's, and
    (for a scenario still in draft: `readiness` given) each programmed application's readiness."""
    check = check_portfolio(amounts, applications, envelopes, names, p147, rules)
    if readiness is not None:
        named = {application_id for application_id, _ in amounts}
        check.blocking.extend(readiness_findings({key: value for key, value in readiness.items() if key in named}))
    return check
